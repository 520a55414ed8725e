import { TeachingGraphError, describeValue, echoValue } from "../errors.js";

/** What every mastery validation error carries so a developer can find the lesson. */
export interface LessonContext {
  lessonTitle: string;
  courseId: string;
  outcomeRefs: readonly string[];
}

function lessonLines(lesson: LessonContext): string {
  return `Lesson: ${lesson.lessonTitle}\nCourseID: ${lesson.courseId}\nOutcomeRefs in snapshot: ${describeValue(lesson.outcomeRefs)}`;
}

/** Base of the errors raised when an enriched outcome is unusable as a mastery key. */
export class MasteryValidationError extends TeachingGraphError {
  readonly lessonTitle: string;
  readonly courseId: string;
  readonly outcomeRefs: readonly string[];

  constructor(
    code: string,
    message: string,
    lesson: LessonContext,
    context: Record<string, unknown> = {},
  ) {
    super(code, message, { ...lesson, ...context });
    this.lessonTitle = lesson.lessonTitle;
    this.courseId = lesson.courseId;
    this.outcomeRefs = lesson.outcomeRefs;
  }
}

/** The spec's Phase 1 error: no enriched outcomes, so no mastery can be recorded. */
export class MasteryUpdateBlockedError extends MasteryValidationError {
  constructor(lesson: LessonContext) {
    super(
      "MASTERY_UPDATE_BLOCKED",
      "MASTERY UPDATE BLOCKED: Missing enriched outcomes from frontend.\n" +
        `${lessonLines(lesson)}\n` +
        "This indicates a data pipeline bug - frontend must provide CourseOutcome objects with $id fields.\n" +
        "NO FALLBACK is used to prevent data corruption with empty outcome_id keys.",
      lesson,
    );
  }
}

/**
 * The spec raises Python's TypeError here. JS cannot extend both TypeError and
 * our base, so this is a MasteryValidationError whose `name` says what it is.
 */
export class InvalidOutcomeTypeError extends MasteryValidationError {
  readonly value: unknown;

  constructor(value: unknown, lesson: LessonContext) {
    const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
    super(
      "INVALID_OUTCOME_TYPE",
      `Invalid outcome type (expected object, got ${type}): ${describeValue(value)}\n${lessonLines(lesson)}`,
      lesson,
      { value: echoValue(value), type },
    );
    this.value = echoValue(value);
  }
}

export class OutcomeMissingIdError extends MasteryValidationError {
  readonly outcome: unknown;

  constructor(outcome: unknown, lesson: LessonContext) {
    super(
      "OUTCOME_MISSING_ID",
      `Outcome missing required $id field: ${describeValue(outcome)}\n${lessonLines(lesson)}`,
      lesson,
      { outcome: echoValue(outcome) },
    );
    this.outcome = echoValue(outcome);
  }
}

export class InvalidOutcomeIdError extends MasteryValidationError {
  readonly value: unknown;

  constructor(value: unknown, lesson: LessonContext) {
    super(
      "INVALID_OUTCOME_ID",
      `Invalid outcome $id format (expected an Appwrite document ID: 20-36 characters of a-zA-Z0-9._-, not starting with a special character): ${describeValue(value)}\n${lessonLines(lesson)}`,
      lesson,
      { value: echoValue(value) },
    );
    this.value = echoValue(value);
  }
}

export class OutcomeCourseMismatchError extends MasteryValidationError {
  readonly outcomeDocumentId: string;
  readonly outcomeCourseId: unknown;

  constructor(outcomeDocumentId: string, outcomeCourseId: unknown, lesson: LessonContext) {
    super(
      "OUTCOME_COURSE_MISMATCH",
      `Outcome ${outcomeDocumentId} belongs to course ${describeValue(outcomeCourseId)}, not to the lesson's course ${lesson.courseId}\n${lessonLines(lesson)}`,
      lesson,
      { outcomeDocumentId, outcomeCourseId: echoValue(outcomeCourseId) },
    );
    this.outcomeDocumentId = outcomeDocumentId;
    this.outcomeCourseId = echoValue(outcomeCourseId);
  }
}

/** A MasteryV2 `emaByOutcome` map that breaks the integrity rules; nothing was written. */
export class InvalidMasteryRecordError extends TeachingGraphError {
  readonly violations: readonly MasteryViolation[];

  constructor(violations: readonly MasteryViolation[], context: Record<string, unknown>) {
    super(
      "INVALID_MASTERY_RECORD",
      `MasteryV2 write refused: ${violations.map((v) => `${v.rule} (${describeValue(v.key ?? v.value)})`).join("; ")}`,
      { ...context, violations },
    );
    this.violations = violations;
  }
}

export type MasteryRule =
  "empty_key" | "invalid_id_format" | "unknown_outcome" | "invalid_value" | "oversize";

export interface MasteryViolation {
  rule: MasteryRule;
  key?: string;
  value?: unknown;
}
