import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ECHO_MAX_JSON_CHARS } from "../../../src/errors.js";
import {
  InvalidOutcomeIdError,
  InvalidOutcomeTypeError,
  MasteryUpdateBlockedError,
  MasteryValidationError,
  OutcomeCourseMismatchError,
  OutcomeMissingIdError,
} from "../../../src/mastery/errors.js";
import type { CourseOutcome } from "../../../src/outcomes/schema.js";
import { updateMastery } from "../../../src/teaching/nodes/update-mastery.js";
import type { State } from "../../../src/teaching/state.js";
import { lessonFixture, without } from "../support/fixtures.js";
import { silenceLogs } from "../support/logs.js";
import { lessonState } from "../support/state.js";

const fixture = lessonFixture();
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
    enriched_outcomes: outcomes as CourseOutcome[],
    attempts: 1,
    is_correct: true,
  });
}

function thrownBy(state: State): MasteryValidationError {
  try {
    updateMastery(state);
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
  it("appends one update per enriched outcome, keyed by its $id, and moves to the next card", () => {
    const update = updateMastery(
      lessonState(fixture, { attempts: 1, is_correct: true, current_card_index: 2 }),
    );
    expect(update.current_card_index).toBe(3);
    expect(update.mastery_updates).toEqual(
      fixture.enrichedOutcomes.map((outcome) => ({
        outcome_id: outcome.$id,
        score: 1,
        timestamp: expect.any(String),
      })),
    );
    expect(fixture.enrichedOutcomes).toHaveLength(3);
  });

  it.each([
    { case: "correct at the first attempt", is_correct: true, attempts: 1, score: 1.0 },
    { case: "correct at the second attempt", is_correct: true, attempts: 2, score: 0.7 },
    { case: "correct at the third attempt", is_correct: true, attempts: 3, score: 0.7 },
    { case: "wrong three times", is_correct: false, attempts: 3, score: 0.3 },
    { case: "skipped before answering", is_correct: false, attempts: 0, score: 0.3 },
    { case: "skipped after a wrong answer", is_correct: false, attempts: 1, score: 0.3 },
  ])("scores a card $case as $score", ({ is_correct, attempts, score }) => {
    const update = updateMastery(lessonState(fixture, { is_correct, attempts }));
    expect(
      Array.isArray(update.mastery_updates) && update.mastery_updates.map((u) => u.score),
    ).toEqual([score, score, score]);
  });

  describe("fails fast, writing nothing, on enriched outcomes that cannot key mastery", () => {
    it.each([
      { case: "an empty list", outcomes: [] },
      { case: "no list at all", outcomes: undefined },
      { case: "a list that is not an array", outcomes: { $id: "6913b73000151df21338" } },
    ])("$case: MasteryUpdateBlockedError with the spec's message", ({ outcomes }) => {
      const error = thrownBy(withOutcomes(outcomes));
      expect(error).toBeInstanceOf(MasteryUpdateBlockedError);
      expect(error.name).toBe("MasteryUpdateBlockedError");
      expect(error.code).toBe("MASTERY_UPDATE_BLOCKED");
      expect(error).toMatchObject(lessonFields);
      expect(error.context).toEqual(lessonFields);
      expect(error.message.split("\n")).toEqual([
        "MASTERY UPDATE BLOCKED: Missing enriched outcomes from frontend.",
        ...lessonLines,
        "This indicates a data pipeline bug - frontend must provide CourseOutcome objects with $id fields.",
        "NO FALLBACK is used to prevent data corruption with empty outcome_id keys.",
      ]);
    });

    it("an outcome that is a string ref: InvalidOutcomeTypeError carrying the value", () => {
      const error = thrownBy(withOutcomes([...fixture.enrichedOutcomes, "O1"]));
      expect(error).toBeInstanceOf(InvalidOutcomeTypeError);
      expect(error.code).toBe("INVALID_OUTCOME_TYPE");
      expect((error as InvalidOutcomeTypeError).value).toBe("O1");
      expect(error.context).toMatchObject({ ...lessonFields, value: "O1", type: "string" });
      expect(error.message.split("\n")).toEqual([
        'Invalid outcome type (expected object, got string): "O1"',
        ...lessonLines,
      ]);
    });

    it("an outcome without $id: OutcomeMissingIdError carrying the outcome (its JSON truncated: it is long)", () => {
      const withoutId = without(fixture.enrichedOutcomes[1]!, "$id");
      const json = JSON.stringify(withoutId);
      expect(json.length).toBeGreaterThan(ECHO_MAX_JSON_CHARS);
      const echoed = `${json.slice(0, ECHO_MAX_JSON_CHARS)}…(${json.length} chars)`;
      const error = thrownBy(withOutcomes([fixture.enrichedOutcomes[0], withoutId]));
      expect(error).toBeInstanceOf(OutcomeMissingIdError);
      expect(error.code).toBe("OUTCOME_MISSING_ID");
      expect((error as OutcomeMissingIdError).outcome).toBe(echoed);
      expect(error.context).toMatchObject({ ...lessonFields, outcome: echoed });
      expect(error.message.split("\n")[0]).toMatch(/^Outcome missing required \$id field: \{/);
      expect(error.message.split("\n").slice(1)).toEqual(lessonLines);
    });

    it.each([
      { case: "a string ref", id: "O1" },
      { case: "an assessment standard", id: "AS1.1" },
      { case: "an empty string", id: "" },
      { case: "19 characters", id: "68f576b1000c0f5d0ae" },
      { case: "a leading special character", id: "_8f576b1000c0f5d0ae8" },
      { case: "37 characters", id: "a".repeat(37) },
    ])("an $id that is $case: rejected with the value", ({ id }) => {
      const error = thrownBy(withOutcomes([{ ...fixture.enrichedOutcomes[0]!, $id: id }]));
      if (id === "") {
        expect(error).toBeInstanceOf(OutcomeMissingIdError);
        return;
      }
      expect(error).toBeInstanceOf(InvalidOutcomeIdError);
      expect(error.code).toBe("INVALID_OUTCOME_ID");
      expect((error as InvalidOutcomeIdError).value).toBe(id);
      expect(error.context).toMatchObject({ ...lessonFields, value: id });
      expect(error.message.split("\n")[0]).toContain(JSON.stringify(id));
      expect(error.message.split("\n").slice(1)).toEqual(lessonLines);
    });

    it("an outcome of another course: OutcomeCourseMismatchError", () => {
      const foreign = { ...fixture.enrichedOutcomes[2]!, courseId: "course_c84473" };
      const error = thrownBy(withOutcomes([fixture.enrichedOutcomes[0], foreign]));
      expect(error).toBeInstanceOf(OutcomeCourseMismatchError);
      expect(error.code).toBe("OUTCOME_COURSE_MISMATCH");
      expect(error.context).toMatchObject({
        ...lessonFields,
        outcomeDocumentId: foreign.$id,
        outcomeCourseId: "course_c84473",
      });
      expect(error.message.split("\n")[0]).toBe(
        `Outcome ${foreign.$id} belongs to course "course_c84473", not to the lesson's course course_c84774`,
      );
    });

    it("logs the error once, structured, with the same context", () => {
      thrownBy(withOutcomes([]));
      expect(logs.error).toHaveBeenCalledTimes(1);
      expect(logs.error.mock.calls[0]?.[0]).toEqual({
        code: "MASTERY_UPDATE_BLOCKED",
        ...lessonFields,
      });
    });
  });
});
