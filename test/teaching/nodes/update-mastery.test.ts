import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  InvalidOutcomeIdError,
  MasteryUpdateBlockedError,
  MasteryValidationError,
} from "../../../src/mastery/errors.js";
import type { CourseOutcome } from "../../../src/outcomes/schema.js";
import { createUpdateMastery } from "../../../src/teaching/nodes/update-mastery.js";
import type { State } from "../../../src/teaching/state.js";
import { lessonFixture } from "../support/fixtures.js";
import { silenceLogs } from "../support/logs.js";
import { lessonState } from "../support/state.js";

const fixture = lessonFixture();
// The state carries the lesson inline: the node reads no store.
const updateMastery = createUpdateMastery({
  getStores: () => {
    throw new Error("update_mastery read the store for an inline lesson");
  },
});
const lessonFields = {
  lessonTitle: "Calculating Fractions of Amounts",
  courseId: "course_c84774",
  outcomeRefs: ["O1", "AS1.2"],
};
const lessonLines = [
  "Lesson: Calculating Fractions of Amounts",
  "CourseID: course_c84774",
  'OutcomeRefs in snapshot: ["O1","AS1.2"]',
];

/** A state whose enriched outcomes are whatever the test needs, valid or not. */
function withOutcomes(outcomes: unknown): State {
  return lessonState(fixture, {
    inline_lesson: {
      lesson_snapshot: fixture.lesson,
      enriched_outcomes: outcomes as CourseOutcome[],
    },
    attempts: 1,
    is_correct: true,
  });
}

async function thrownBy(state: State): Promise<MasteryValidationError> {
  try {
    await updateMastery(state);
  } catch (error) {
    if (error instanceof MasteryValidationError) return error;
    throw error;
  }
  throw new Error("update_mastery accepted the outcomes");
}

let logs: ReturnType<typeof silenceLogs>;
beforeEach(() => {
  logs = silenceLogs();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("update_mastery", () => {
  it("appends the card's score (one for all the lesson's outcomes) and moves to the next card", async () => {
    const update = await updateMastery(
      lessonState(fixture, { attempts: 1, is_correct: true, current_card_index: 2 }),
    );
    expect(update.current_card_index).toBe(3);
    expect(update.card_scores).toEqual([{ score: 1, timestamp: expect.any(String) }]);
    expect(update.mastery_updates).toBeUndefined();
  });

  // The scores themselves are scoreCard's (test/mastery/score.test.ts); here, that the node reads them from the state.
  it.each([
    { case: "correct at the second attempt", is_correct: true, attempts: 2, score: 0.7 },
    { case: "skipped before answering", is_correct: null, attempts: 0, score: 0.3 },
  ])("scores a card $case as $score", async ({ is_correct, attempts, score }) => {
    const update = await updateMastery(lessonState(fixture, { is_correct, attempts }));
    expect(Array.isArray(update.card_scores) && update.card_scores.map((u) => u.score)).toEqual([
      score,
    ]);
  });

  // Which outcomes are refused, and with what message, is assertMasteryOutcomes' (test/mastery/outcomes.test.ts).
  describe("fails fast, writing nothing, on enriched outcomes that cannot key mastery", () => {
    it("blocks an empty list, naming the lesson of the state", async () => {
      const error = await thrownBy(withOutcomes([]));
      expect(error).toBeInstanceOf(MasteryUpdateBlockedError);
      expect(error.context).toEqual(lessonFields);
      expect(error.message.split("\n").slice(1, 4)).toEqual(lessonLines);
    });

    it("refuses the whole card when one outcome of the list is unusable", async () => {
      const error = await thrownBy(
        withOutcomes([fixture.enrichedOutcomes[0], { ...fixture.enrichedOutcomes[1]!, $id: "O1" }]),
      );
      expect(error).toBeInstanceOf(InvalidOutcomeIdError);
      expect(error.context).toMatchObject({ ...lessonFields, value: "O1" });
    });

    it("logs the error once, structured, with the same context", async () => {
      await thrownBy(withOutcomes([]));
      expect(logs.error).toHaveBeenCalledTimes(1);
      expect(logs.error.mock.calls[0]?.[0]).toEqual({
        code: "MASTERY_UPDATE_BLOCKED",
        ...lessonFields,
      });
    });
  });
});
