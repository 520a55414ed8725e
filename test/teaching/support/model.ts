/** A scripted teacher model for rubric cards: LangChain's FakeListChatModel answering with judgements. */
import { FakeListChatModel } from "@langchain/core/utils/testing";

/** A judgement as the teacher model returns it, for a rubric worth `maxPoints` in one criterion. */
export function judgement(partialCredit: number, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    is_correct: partialCredit >= 0.6,
    confidence: 0.9,
    feedback: partialCredit >= 0.6 ? "Well reasoned." : "Check your working.",
    reasoning: `Scripted judgement with partial credit ${partialCredit}.`,
    partial_credit: partialCredit,
    rubric_breakdown: [
      { criterion: "Scripted criterion", points_awarded: partialCredit, max_points: 1 },
    ],
    ...overrides,
  });
}

/** A model that returns these judgements in order (cycling when it runs out). */
export function fakeJudge(partialCredits: readonly number[]): FakeListChatModel {
  return new FakeListChatModel({ responses: partialCredits.map((credit) => judgement(credit)) });
}
