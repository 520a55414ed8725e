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
  type AnswerPayloadInput,
  type AnswerRequest,
} from "../teaching/protocol.js";
import { PlayerInputEndedError, PlayerStateError } from "./errors.js";
import type { LineReader } from "./lines.js";
import { answerPrompt, messageText } from "./render.js";
import { LessonResultSchema, type LessonResult } from "./result.js";

export type CompiledTeachingGraph = ReturnType<ReturnType<typeof createTeachingGraph>["compile"]>;

/** The line that skips a card instead of answering it. */
export const SKIP_COMMAND = "skip";

export interface PlayLessonOptions {
  graph: CompiledTeachingGraph;
  threadId: string;
  sessionContext: SessionRequest;
  answers: LineReader;
  write: (text: string) => void;
  /** Print each answer after its prompt (when input is piped, nobody sees it typed). */
  echoAnswers: boolean;
}

export async function playLesson(options: PlayLessonOptions): Promise<LessonResult> {
  const { graph, answers, write } = options;
  const config = { configurable: { thread_id: options.threadId } };
  let shown = 0;
  const showNewMessages = (messages: unknown): void => {
    const list = z
      .array(z.custom<BaseMessage>(isBaseMessage, "expected a message"))
      .parse(messages);
    for (const message of list.slice(shown)) {
      if (isAIMessage(message)) write(`\n${messageText(message)}\n`);
    }
    shown = list.length;
  };

  await graph.invoke({ messages: [], session_context: options.sessionContext }, config);
  for (;;) {
    const snapshot = await graph.getState(config);
    showNewMessages(snapshot.values.messages);
    const request = pendingAnswerRequest(snapshot.tasks);
    if (request === undefined) {
      if (snapshot.next.length > 0) {
        throw new PlayerStateError("The lesson stopped without asking for an answer", {
          threadId: options.threadId,
          next: snapshot.next,
        });
      }
      return LessonResultSchema.parse(snapshot.values);
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
    await graph.invoke(new Command({ resume: answerPayload(line, request) }), config);
  }
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

/** `skip` skips the card; any other line (even a blank one, which the graph refuses) is the answer. */
export function answerPayload(line: string, request: AnswerRequest): AnswerPayloadInput {
  const common = {
    card_id: request.card_id,
    interaction_id: request.interaction_id,
    timestamp: new Date().toISOString(),
  };
  return line.trim().toLowerCase() === SKIP_COMMAND
    ? { action: "skip_card", ...common }
    : { action: "submit_answer", student_response: line, ...common };
}
