/**
 * Scripted chat models for offline runs: tests, and the LangGraph dev server
 * or `npm start` driven by tests (`TEACHER_MODEL=fake:<scenario>`). They
 * call nothing and answer from the prompt alone. `loadChatModel` hands one out
 * only when TEACHING_FAKE_MODELS=1 and the store is not Appwrite, so a
 * deployment cannot end up with a fake teacher by a typo.
 */
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { AIMessage, AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { ChatGenerationChunk } from "@langchain/core/outputs";
import { FakeListChatModel } from "@langchain/core/utils/testing";

/** What the model says to a prompt. */
export type ScriptedReply = (messages: BaseMessage[]) => string;

/**
 * A chat model whose reply is a function of the prompt. It streams its reply
 * word by word (so `streamMode: "messages"` sees tokens), and parses a JSON
 * reply for `withStructuredOutput` as LangChain's FakeListChatModel does.
 */
export class ScriptedChatModel extends FakeListChatModel {
  private readonly replyTo: ScriptedReply;

  constructor(replyTo: ScriptedReply, options: { sleepMs?: number } = {}) {
    super({ responses: [], ...(options.sleepMs === undefined ? {} : { sleep: options.sleepMs }) });
    this.replyTo = replyTo;
  }

  override _llmType(): string {
    return "scripted";
  }

  override async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const text = this.replyTo(messages);
    return { generations: [{ message: new AIMessage(text), text }], llmOutput: {} };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    _options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const text = this.replyTo(messages);
    for (const piece of text.match(/\s*\S+/g) ?? [text]) {
      await this._sleepIfRequested();
      yield new ChatGenerationChunk({
        message: new AIMessageChunk({ content: piece }),
        text: piece,
      });
      await runManager?.handleLLMNewToken(piece);
    }
  }
}

/** The fake scenarios `fake:<scenario>` names. */
export const FAKE_SCENARIOS = {
  /** A teacher that says a fixed line per task and gives rubric answers full marks. */
  tutor: () => new ScriptedChatModel(tutorReply, { sleepMs: 5 }),
  /** A provider that is down: every call fails (the graph's retries, then TEACHER_MODEL_FAILED). */
  unavailable: () =>
    new ScriptedChatModel(() => {
      throw new Error("the fake provider is unavailable");
    }),
} as const;

/** The `tutor` scenario's line for each teacher task (tutor/prompts.ts writes `Task: <task>`). */
export const FAKE_TUTOR_LINES: Record<string, string> = {
  present_card: "Let us look at this card together, one step at a time.",
  wrong_answer_feedback:
    "Not quite: check which part of the amount you worked out, then try again.",
  answer_question:
    "A denominator is the bottom number of a fraction: it says how many equal parts the whole is split into.",
  lesson_summary: "Well done: you finished the lesson. Look again at any card you found hard.",
};

function tutorReply(messages: BaseMessage[]): string {
  const system = messages[0]?.text ?? "";
  const rubric = /^Rubric \(total [\d.]+ points\):\n([\s\S]*)$/m.exec(system);
  if (rubric?.[1] !== undefined) return fullMarks(rubric[1]);
  const task = /^Task: (\w+)$/m.exec(system)?.[1];
  const line = task === undefined ? undefined : FAKE_TUTOR_LINES[task];
  if (line === undefined)
    throw new Error(`The fake tutor has no line for this prompt (task ${task})`);
  return line;
}

/** A judgement awarding every criterion of the judge prompt's rubric (`1. description (2 points)`) its points. */
function fullMarks(criteria: string): string {
  const breakdown = criteria
    .split("\n")
    .map((line) => /^\d+\. (.*) \(([\d.]+) points?\)$/.exec(line))
    .filter((match) => match !== null)
    .map(([, criterion, points]) => ({
      criterion,
      points_awarded: Number(points),
      max_points: Number(points),
    }));
  return JSON.stringify({
    confidence: 1,
    feedback: "Full marks from the fake tutor.",
    reasoning: "The fake tutor awards every criterion.",
    rubric_breakdown: breakdown,
  });
}
