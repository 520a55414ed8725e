import type { AIMessage } from "@langchain/core/messages";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { describe, expect, it, vi } from "vitest";
import type { TeachingGraphDeps } from "../../../src/teaching/deps.js";
import { TeachingStateError } from "../../../src/teaching/errors.js";
import { EvaluationError } from "../../../src/teaching/evaluation/index.js";
import { createEvaluate } from "../../../src/teaching/nodes/evaluate.js";
import type { EvidenceEntry } from "../../../src/teaching/lesson-record.js";
import type { State } from "../../../src/teaching/state.js";
import { lessonFixture } from "../support/fixtures.js";
import { fakeJudge } from "../support/model.js";
import { TEST_INTERACTION_ID, lessonState, type StateOverrides } from "../support/state.js";

const fixture = lessonFixture();

function evaluateWith(state: State, model?: FakeListChatModel) {
  const deps = {
    getStores: () => {
      throw new Error("evaluate must not touch the store for an inline lesson");
    },
    authMode: "none",
    getChatModel: vi.fn(async () => model),
  } satisfies TeachingGraphDeps;
  return { deps, run: () => createEvaluate(deps)(state, { configurable: {} }) };
}

function submitted(cardIndex: number, response: string, overrides: StateOverrides = {}): State {
  const card = fixture.lesson.cards[cardIndex]!;
  return lessonState(fixture, {
    current_card_index: cardIndex,
    answer: { action: "submit_answer", student_response: response, card_id: card.id },
    ...overrides,
  });
}

const textOf = (update: { messages?: unknown }) =>
  String((update.messages as AIMessage[])[0]?.content);
const firstEvidence = (update: { evidence?: unknown }) => (update.evidence as EvidenceEntry[])[0];

describe("evaluate", () => {
  it("judges an MCQ deterministically and records the attempt", async () => {
    const { deps, run } = evaluateWith(submitted(0, "1/4"));
    const update = await run();
    expect(update).toMatchObject({ card: { attempts: 1, is_correct: true } });
    expect(update.evidence).toEqual([
      {
        timestamp: expect.any(String),
        card_id: "card_001",
        item_id: "q001",
        interaction_id: TEST_INTERACTION_ID,
        response: "1/4",
        correct: true,
        skipped: false,
        attempts: 1,
        partial_credit: 1,
        confidence: 1,
        feedback: expect.any(String),
        reasoning: expect.any(String),
        method: "mcq",
        rubric_breakdown: expect.any(Array),
        max_attempts_reached: false,
      },
    ]);
    expect(deps.getChatModel).not.toHaveBeenCalled();
  });

  it("shows feedback without the answer while attempts are left", async () => {
    const update = await evaluateWith(submitted(2, "5", { attempts: 1 })).run();
    expect(update).toMatchObject({ card: { attempts: 2, is_correct: false } });
    expect(textOf(update)).not.toContain("**The answer:**");
    expect(firstEvidence(update)).toMatchObject({ max_attempts_reached: false, attempts: 2 });
  });

  it("keeps the answer key and the rubric out of the evidence while attempts are left", async () => {
    const card = fixture.lesson.cards[2]!;
    const open = firstEvidence(await evaluateWith(submitted(2, "5", { attempts: 1 })).run());
    const recorded = JSON.stringify(open);
    expect(recorded).not.toMatch(/\b4(\.0+)?\b/);
    for (const criterion of card.cfu.rubric!.criteria) {
      expect(recorded).not.toContain(criterion.description);
    }
    expect(open?.rubric_breakdown.map((score) => score.criterion)).toEqual([
      "criterion 1",
      "criterion 2",
    ]);
    const ended = firstEvidence(await evaluateWith(submitted(2, "5", { attempts: 2 })).run());
    expect(ended?.rubric_breakdown.map((score) => score.criterion)).toEqual(
      card.cfu.rubric!.criteria.map((criterion) => criterion.description),
    );
  });

  it("shows the worked answer after the last wrong attempt", async () => {
    const update = await evaluateWith(submitted(2, "5", { attempts: 2 })).run();
    expect(update).toMatchObject({ card: { attempts: 3, is_correct: false } });
    expect(textOf(update)).toContain("**The answer:** 4.00");
    expect(firstEvidence(update)).toMatchObject({ max_attempts_reached: true, correct: false });
  });

  it("records a skip without judging it, and shows the worked answer", async () => {
    const state = lessonState(fixture, {
      attempts: 1,
      answer: { action: "skip_card", card_id: "card_001" },
    });
    const update = await evaluateWith(state).run();
    // A skip is no attempt: the count stays.
    expect(update.card).toMatchObject({ is_correct: false, attempts: 1 });
    expect(firstEvidence(update)).toMatchObject({
      skipped: true,
      correct: false,
      response: null,
      attempts: 1,
      method: "skip",
    });
    expect(textOf(update)).toBe("Card skipped.\n\n**The answer:** 1/4");
  });

  it.each([
    { credit: 0.6, correct: true },
    { credit: 0.59, correct: false },
  ])(
    "judges a rubric card with the teacher model (partial credit $credit: correct=$correct)",
    async ({ credit, correct }) => {
      const { deps, run } = evaluateWith(
        submitted(1, "£18 ÷ 3 = £6"),
        fakeJudge(fixture.lesson, [["card_002", credit]]),
      );
      const update = await run();
      expect(deps.getChatModel).toHaveBeenCalledTimes(1);
      expect(update.card?.is_correct).toBe(correct);
      expect(firstEvidence(update)).toMatchObject({
        method: "model",
        partial_credit: credit,
        correct,
      });
    },
  );

  it("shows the rubric as the worked answer of a rubric card", async () => {
    const update = await evaluateWith(
      submitted(1, "no idea", { attempts: 2 }),
      fakeJudge(fixture.lesson, [["card_002", 0]]),
    ).run();
    expect(textOf(update)).toContain(
      "**A full answer covers:**\nCorrectly divides by denominator: £18 ÷ 3 = £6",
    );
  });

  it("propagates an unparseable model judgement as a typed error", async () => {
    const model = new FakeListChatModel({ responses: ["not json"] });
    await expect(evaluateWith(submitted(1, "£6"), model).run()).rejects.toBeInstanceOf(
      EvaluationError,
    );
  });

  it("refuses to run without an accepted answer", async () => {
    await expect(evaluateWith(lessonState(fixture)).run()).rejects.toBeInstanceOf(
      TeachingStateError,
    );
  });
});
