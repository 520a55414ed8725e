import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ECHO_MAX_JSON_CHARS } from "../../src/errors.js";
import {
  InvalidOutcomeIdError,
  InvalidOutcomeTypeError,
  MasteryUpdateBlockedError,
  MasteryValidationError,
  OutcomeCourseMismatchError,
  OutcomeMissingIdError,
} from "../../src/mastery/errors.js";
import { assertMasteryOutcomes } from "../../src/mastery/outcomes.js";
import { lessonFixture, without } from "../teaching/support/fixtures.js";
import { silenceLogs } from "../teaching/support/logs.js";

const { enrichedOutcomes } = lessonFixture();
const lesson = {
  lessonTitle: "Simple Addition Test",
  courseId: "course_c84774",
  outcomeRefs: ["O1", "AS1.1", "AS1.2"],
};
const lessonLines = [
  "Lesson: Simple Addition Test",
  "CourseID: course_c84774",
  'OutcomeRefs in snapshot: ["O1","AS1.1","AS1.2"]',
];

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

  it.each([
    { case: "an empty list", outcomes: [] },
    { case: "no list at all", outcomes: undefined },
    { case: "a list that is not an array", outcomes: { $id: "6913b73000151df21338" } },
  ])("blocks $case with the spec's message", ({ outcomes }) => {
    const error = rejection(outcomes);
    expect(error).toBeInstanceOf(MasteryUpdateBlockedError);
    expect(error.name).toBe("MasteryUpdateBlockedError");
    expect(error.code).toBe("MASTERY_UPDATE_BLOCKED");
    expect(error).toMatchObject(lesson);
    expect(error.context).toEqual(lesson);
    expect(error.message.split("\n")).toEqual([
      "MASTERY UPDATE BLOCKED: Missing enriched outcomes from frontend.",
      ...lessonLines,
      "This indicates a data pipeline bug - frontend must provide CourseOutcome objects with $id fields.",
      "NO FALLBACK is used to prevent data corruption with empty outcome_id keys.",
    ]);
  });

  it("rejects an outcome that is a string ref: InvalidOutcomeTypeError carrying the value", () => {
    const error = rejection([...enrichedOutcomes, "O1"]);
    expect(error).toBeInstanceOf(InvalidOutcomeTypeError);
    expect(error.code).toBe("INVALID_OUTCOME_TYPE");
    expect((error as InvalidOutcomeTypeError).value).toBe("O1");
    expect(error.context).toMatchObject({ ...lesson, value: "O1", type: "string" });
    expect(error.message.split("\n")).toEqual([
      'Invalid outcome type (expected object, got string): "O1"',
      ...lessonLines,
    ]);
  });

  it("rejects an outcome without $id: OutcomeMissingIdError carrying the outcome (its JSON truncated: it is long)", () => {
    const withoutId = without(enrichedOutcomes[1]!, "$id");
    const json = JSON.stringify(withoutId);
    expect(json.length).toBeGreaterThan(ECHO_MAX_JSON_CHARS);
    const echoed = `${json.slice(0, ECHO_MAX_JSON_CHARS)}…(${json.length} chars)`;
    const error = rejection([enrichedOutcomes[0], withoutId]);
    expect(error).toBeInstanceOf(OutcomeMissingIdError);
    expect(error.code).toBe("OUTCOME_MISSING_ID");
    expect((error as OutcomeMissingIdError).outcome).toBe(echoed);
    expect(error.context).toMatchObject({ ...lesson, outcome: echoed });
    expect(error.message.split("\n")[0]).toMatch(/^Outcome missing required \$id field: \{/);
    expect(error.message.split("\n").slice(1)).toEqual(lessonLines);
  });

  it.each([
    { case: "a string ref", id: "O1" },
    { case: "an assessment standard", id: "AS1.1" },
    { case: "19 characters", id: "68f576b1000c0f5d0ae" },
    { case: "a leading special character", id: "_8f576b1000c0f5d0ae8" },
    { case: "37 characters", id: "a".repeat(37) },
  ])("rejects an $id that is $case with the value", ({ id }) => {
    const error = rejection([{ ...enrichedOutcomes[0]!, $id: id }]);
    expect(error).toBeInstanceOf(InvalidOutcomeIdError);
    expect(error.code).toBe("INVALID_OUTCOME_ID");
    expect((error as InvalidOutcomeIdError).value).toBe(id);
    expect(error.context).toMatchObject({ ...lesson, value: id });
    expect(error.message.split("\n")[0]).toContain(JSON.stringify(id));
    expect(error.message.split("\n").slice(1)).toEqual(lessonLines);
  });

  it("rejects an outcome of another course: OutcomeCourseMismatchError", () => {
    const foreign = { ...enrichedOutcomes[2]!, courseId: "course_c84473" };
    const error = rejection([enrichedOutcomes[0], foreign]);
    expect(error).toBeInstanceOf(OutcomeCourseMismatchError);
    expect(error.code).toBe("OUTCOME_COURSE_MISMATCH");
    expect(error.context).toMatchObject({
      ...lesson,
      outcomeDocumentId: foreign.$id,
      outcomeCourseId: "course_c84473",
    });
    expect(error.message.split("\n")[0]).toBe(
      `Outcome ${foreign.$id} belongs to course "course_c84473", not to the lesson's course course_c84774`,
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
      case: "an empty $id",
      outcome: { ...enrichedOutcomes[0], $id: "" },
      type: OutcomeMissingIdError,
    },
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
