import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  InvalidOutcomeIdError,
  InvalidOutcomeTypeError,
  MasteryUpdateBlockedError,
  MasteryValidationError,
  OutcomeCourseMismatchError,
  OutcomeMissingIdError,
} from "../../src/mastery/errors.js";
import { assertMasteryOutcomes } from "../../src/mastery/outcomes.js";
import { lessonFixture } from "../teaching/support/fixtures.js";
import { silenceLogs } from "../teaching/support/logs.js";

const { enrichedOutcomes } = lessonFixture();
const lesson = {
  lessonTitle: "Simple Addition Test",
  courseId: "course_c84774",
  outcomeRefs: ["O1", "AS1.1", "AS1.2"],
};

function rejection(outcomes: unknown): MasteryValidationError {
  try {
    assertMasteryOutcomes(outcomes, lesson);
  } catch (error) {
    if (error instanceof MasteryValidationError) return error;
    throw error;
  }
  throw new Error("outcomes accepted");
}

let logs: ReturnType<typeof silenceLogs>;
beforeEach(() => {
  logs = silenceLogs();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("assertMasteryOutcomes (spec Phase 1)", () => {
  it("returns valid outcomes unchanged and logs nothing", () => {
    expect(assertMasteryOutcomes(enrichedOutcomes, lesson)).toBe(enrichedOutcomes);
    expect(logs.error).not.toHaveBeenCalled();
  });

  it("blocks an empty list with the spec's message", () => {
    const error = rejection([]);
    expect(error).toBeInstanceOf(MasteryUpdateBlockedError);
    expect(error.message).toBe(
      "MASTERY UPDATE BLOCKED: Missing enriched outcomes from frontend.\n" +
        "Lesson: Simple Addition Test\n" +
        "CourseID: course_c84774\n" +
        'OutcomeRefs in snapshot: ["O1","AS1.1","AS1.2"]\n' +
        "This indicates a data pipeline bug - frontend must provide CourseOutcome objects with $id fields.\n" +
        "NO FALLBACK is used to prevent data corruption with empty outcome_id keys.",
    );
  });

  it.each([
    { value: null, type: "null" },
    { value: ["O1"], type: "array" },
    { value: 42, type: "number" },
  ])("names the type of a non-object outcome ($type)", ({ value, type }) => {
    const error = rejection([value]);
    expect(error).toBeInstanceOf(InvalidOutcomeTypeError);
    expect(error.context).toMatchObject({ value, type });
    expect(error.message).toContain(`got ${type}`);
  });

  it("stops at the first bad outcome, in order", () => {
    const error = rejection([enrichedOutcomes[0], { ...enrichedOutcomes[1], $id: "O1" }, "O2"]);
    expect(error).toBeInstanceOf(InvalidOutcomeIdError);
  });

  it.each([
    {
      case: "a null $id",
      outcome: { ...enrichedOutcomes[0], $id: null },
      type: OutcomeMissingIdError,
    },
    {
      case: "a numeric $id",
      outcome: { ...enrichedOutcomes[0], $id: 1234567890123456 },
      type: InvalidOutcomeIdError,
    },
    {
      case: "no courseId",
      outcome: { ...enrichedOutcomes[0], courseId: undefined },
      type: OutcomeCourseMismatchError,
    },
  ])("rejects $case", ({ outcome, type }) => {
    expect(rejection([outcome])).toBeInstanceOf(type);
  });

  it("logs each failure once, structured, with the error's context", () => {
    const error = rejection([{ ...enrichedOutcomes[0], $id: "AS1.1" }]);
    expect(logs.error).toHaveBeenCalledTimes(1);
    expect(logs.error).toHaveBeenCalledWith(
      { code: "INVALID_OUTCOME_ID", ...error.context },
      error.message.split("\n")[0],
    );
  });
});
