/**
 * Drives one lesson of the compiled teaching graph from a line reader: shows
 * every new message, answers each interrupt with the next line, and returns
 * what the lesson recorded. The graph is the same one the server runs; only
 * the checkpointer and the dependencies are the caller's.
 */
import { isAIMessage, isBaseMessage, type BaseMessage } from "@langchain/core/messages";
import { Command } from "@langchain/langgraph";
import { z } from "zod";
import type { SessionRequest } from "../session/request.js";
import type { createTeachingGraph } from "../teaching/graph.js";
import {
  AnswerRequestSchema,
  LESSON_COMPLETION_SUMMARY,
  type AnswerRequest,
  type ResumePayloadInput,
} from "../teaching/protocol.js";
import { PlayerInputEndedError, PlayerStateError } from "./errors.js";
import type { LineReader } from "./lines.js";
import { answerPrompt, messageText } from "./render.js";
import { LessonResultSchema, type LessonResult } from "./result.js";

const MessagesSchema = z.array(z.custom<BaseMessage>(isBaseMessage, "expected a message"));

export type CompiledTeachingGraph = ReturnType<ReturnType<typeof createTeachingGraph>["compile"]>;

/** The line that skips a card instead of answering it. */
export const SKIP_COMMAND = "skip";

/** A line starting with this asks the tutor a question instead of answering. */
export const QUESTION_PREFIX = "?";

export interface PlayLessonOptions {
  graph: CompiledTeachingGraph;
  threadId: string;
  sessionContext: SessionRequest;
  /**
   * The thread already teaches the session: show it again and take up its
   * question (or the step it left unfinished), without starting it.
   */
  continueThread: boolean;
  answers: LineReader;
  write: (text: string) => void;
  /** Print each answer after its prompt (when input is piped, nobody sees it typed). */
  echoAnswers: boolean;
}

export async function playLesson(options: PlayLessonOptions): Promise<LessonResult> {
  const { graph, answers, write } = options;
  const config = { configurable: { thread_id: options.threadId } };
  let shown = 0;
  /** Messages already printed token by token while the model wrote them. */
  const streamed = new Set<string>();
  const showNewMessages = (list: readonly BaseMessage[]): void => {
    for (const message of list.slice(shown)) {
      if (isAIMessage(message) && !(message.id !== undefined && streamed.has(message.id))) {
        write(`\n${messageText(message)}\n`);
      }
    }
    shown = list.length;
  };
  const run = (input: Parameters<typeof graph.stream>[0]) =>
    streamTeacher(graph, input, config, write, streamed);

  if (!options.continueThread) {
    await run({ messages: [], session_context: options.sessionContext });
  } else {
    // A step the thread left unfinished (the teacher model failed after its retries) runs again.
    const snapshot = await graph.getState(config);
    if (snapshot.next.length > 0 && pendingAnswerRequest(snapshot.tasks) === undefined)
      await run(null);
  }
  for (;;) {
    const snapshot = await graph.getState(config);
    const messages = MessagesSchema.parse(snapshot.values.messages);
    showNewMessages(messages);
    const request = pendingAnswerRequest(snapshot.tasks);
    if (request === undefined) {
      if (snapshot.next.length > 0) {
        throw new PlayerStateError("The lesson stopped without asking for an answer", {
          threadId: options.threadId,
          next: snapshot.next,
        });
      }
      return lessonResult(messages, options.threadId);
    }
    write(answerPrompt(request));
    const line = await answers.next();
    if (line === undefined) {
      write("\n");
      throw new PlayerInputEndedError({
        cardId: request.card_id,
        cardIndex: request.card_index,
        totalCards: request.total_cards,
      });
    }
    if (options.echoAnswers) write(`${line}\n`);
    await run(new Command({ resume: answerPayload(line, request) }));
  }
}

/**
 * Runs the graph until it waits or ends, printing the teacher's messages as
 * they arrive (`streamMode: "messages"`): the model's words token by token,
 * templated messages whole when their node ends. Their ids are added to
 * `streamed`, so they are not printed again from the state.
 */
async function streamTeacher(
  graph: CompiledTeachingGraph,
  input: Parameters<CompiledTeachingGraph["stream"]>[0],
  config: { configurable: { thread_id: string } },
  write: (text: string) => void,
  streamed: Set<string>,
): Promise<void> {
  let current: string | undefined;
  for await (const [message] of await graph.stream(input, { ...config, streamMode: "messages" })) {
    if (!isAIMessage(message) || message.id === undefined) continue;
    if (streamed.has(message.id) && message.id !== current) continue;
    if (message.id !== current) {
      if (current !== undefined) write("\n");
      write("\n");
      current = message.id;
      streamed.add(message.id);
    }
    write(messageText(message));
  }
  if (current !== undefined) write("\n");
}

/**
 * What the lesson recorded, from its closing `lesson_completion_summary` tool
 * call: the frontend's contract, not the thread's state (which holds the
 * lesson's progress, not its outcomes).
 */
function lessonResult(messages: readonly BaseMessage[], threadId: string): LessonResult {
  const last = messages.at(-1);
  const summary =
    last !== undefined && isAIMessage(last)
      ? last.tool_calls?.find((call) => call.name === LESSON_COMPLETION_SUMMARY)
      : undefined;
  if (summary === undefined) {
    throw new PlayerStateError(
      `The lesson ended without a ${LESSON_COMPLETION_SUMMARY} tool call in its last message`,
      { threadId, messages: messages.length },
    );
  }
  return LessonResultSchema.parse(summary.args);
}

function pendingAnswerRequest(
  tasks: readonly { interrupts: readonly { value?: unknown }[] }[],
): AnswerRequest | undefined {
  const values = tasks.flatMap((task) => task.interrupts.map((pending) => pending.value));
  if (values.length === 0) return undefined;
  if (values.length > 1) {
    throw new PlayerStateError("The lesson asked for several answers at once", {
      interrupts: values,
    });
  }
  return AnswerRequestSchema.parse(values[0]);
}

/**
 * `skip` skips the card, `?question` asks the tutor; any other line (even a
 * blank one, which the graph refuses) is the answer.
 */
export function answerPayload(line: string, request: AnswerRequest): ResumePayloadInput {
  const common = {
    card_id: request.card_id,
    interaction_id: request.interaction_id,
    timestamp: new Date().toISOString(),
  };
  const trimmed = line.trim();
  if (trimmed.startsWith(QUESTION_PREFIX)) {
    return { action: "ask_question", question: trimmed.slice(QUESTION_PREFIX.length), ...common };
  }
  return trimmed.toLowerCase() === SKIP_COMMAND
    ? { action: "skip_card", ...common }
    : { action: "submit_answer", student_response: line, ...common };
}
