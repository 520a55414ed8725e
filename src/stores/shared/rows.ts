/**
 * Row shapes every adapter shares: what a stored row must look like, how the
 * JSON columns are encoded, and how inputs are checked before a write. Keeping
 * this in one place is what makes the adapters behave the same.
 */
import { z } from "zod";
import { issueLines } from "../../errors.js";
import { decodeJsonPayload, PayloadDecodeError } from "../../lessons/codec.js";
import { CourseOutcomeSchema, type CourseOutcome } from "../../outcomes/schema.js";
import { StoreConflictError, StoreDataError, StoreInputError } from "../errors.js";

/** Logical table names (Appwrite's defaults; the SQLite schema uses them as they are). */
export const TABLES = {
  courseOutcomes: "course_outcomes",
  mastery: "MasteryV2",
  masteryLedger: "mastery_ledger",
  sessions: "sessions",
  lessonTemplates: "lesson_templates",
  students: "students",
  sessionThreads: "session_threads",
  /** The platform's name, capital R included. */
  routine: "Routine",
  evidence: "evidence",
} as const;

/** Appwrite's `studentId` / `courseId` column size in MasteryV2. */
export const MASTERY_ID_COLUMN_MAX_CHARS = 50;

const requiredString = z.string().min(1);

/**
 * A `MasteryV2` row as stored (the port's `MasteryRecord`), not the result of
 * applying a lesson. `emaByOutcome` stays raw: operator tools must see corrupt
 * data as it is.
 */
export const StoredMasteryRowSchema = z.object({
  $id: requiredString,
  studentId: requiredString.max(MASTERY_ID_COLUMN_MAX_CHARS),
  courseId: requiredString.max(MASTERY_ID_COLUMN_MAX_CHARS),
  /**
   * The serialized map, exactly as stored. `null` when the row holds none:
   * Appwrite's column is not required, so legacy rows may have it unset (an
   * unset column read back absent counts the same). No adapter write produces
   * it; only a restore puts it back (even a corrupt map, exactly), and reads
   * report it as data.
   */
  emaByOutcome: z.string().nullable(),
  updatedAt: requiredString,
});

/** A `Routine` row as stored (the port's `RoutineRecord`); its JSON maps kept raw like MasteryV2's. */
export const RoutineRecordSchema = z.object({
  $id: requiredString,
  studentId: requiredString,
  courseId: requiredString,
  /** JSON object: outcome document ID → ISO date of the next review. */
  dueAtByOutcome: z.string().nullable(),
  /** JSON object: outcome document ID → its FSRS card (src/mastery/schedule.ts). */
  fsrsByOutcome: z.string().nullable(),
  lastTaughtAt: z.string().nullable(),
  spacingPolicyVersion: z.number().nullable(),
  schema_version: z.number().nullable(),
  updatedAt: requiredString,
});

/** The `sessions` columns a completion reads. */
export const SessionStateSchema = z.object({
  $id: requiredString,
  studentId: requiredString,
  courseId: requiredString,
  status: requiredString,
  threadId: z.string().nullable(),
  completedAt: z.string().nullable(),
});

/**
 * An `evidence` row's columns (the port's `EvidenceRow`): an attempt at (or
 * skip of) a card, with the platform's columns and ours. What a completion
 * accepts is checked more strictly (completion-write.ts).
 */
export const EvidenceRowSchema = z.object({
  /** The CFU's id (the platform's `itemId`). */
  itemId: z.string(),
  cardId: z.string(),
  interactionId: z.string(),
  /** The student's answer; null for a skip. */
  response: z.string().nullable(),
  correct: z.boolean(),
  /** Attempts used on the card so far, this one included. */
  attempts: z.number(),
  confidence: z.number(),
  reasoning: z.string(),
  feedback: z.string(),
  /** When the answer was given (ISO). */
  timestamp: z.string(),
  partialCredit: z.number(),
  /** How the answer was judged; `skip` for a skip. */
  method: z.string(),
});

/** An `evidence` row as stored: the session and a row ID added. */
export const StoredEvidenceRowSchema = EvidenceRowSchema.extend({
  $id: requiredString,
  sessionId: requiredString,
});

/** A `sessions` row (the port's `LessonSession`); `lessonSnapshot` decoded from JSON or `gzip:`+base64. */
export const LessonSessionSchema = z.object({
  $id: requiredString,
  studentId: requiredString,
  courseId: requiredString,
  lessonTemplateId: requiredString,
  lessonSnapshot: z.unknown(),
  status: requiredString,
  threadId: z.string().optional(),
  startedAt: requiredString,
  /** Set with `status: "completed"` by the lesson's completion. */
  completedAt: z.string().optional(),
  /** The lesson's overall score in [0, 1], set at completion. */
  score: z.number().min(0).max(1).optional(),
});

/** A `lesson_templates` row (the port's `LessonTemplate`); `outcomeRefs` and `cards` decoded. */
export const LessonTemplateSchema = z.object({
  $id: requiredString,
  courseId: requiredString,
  title: requiredString,
  outcomeRefs: z.array(z.string()),
  cards: z.array(z.unknown()),
  lesson_type: z.string().optional(),
  estMinutes: z.number().optional(),
  sow_order: z.number().optional(),
});

/** Appwrite's `students.userId` column size (an Appwrite user `$id` is at most 36 characters). */
export const STUDENT_USER_ID_MAX_CHARS = 50;

/**
 * A `students` row (the port's `Student`): the platform's learner. `userId`
 * is the Appwrite account user's `$id`; every other table's `studentId` is a
 * `students.$id`.
 */
export const StudentSchema = z.strictObject({
  $id: requiredString,
  userId: requiredString.max(STUDENT_USER_ID_MAX_CHARS),
  name: z.string().optional(),
});
type StoredStudent = z.infer<typeof StudentSchema>;

const issuesOf = (error: z.ZodError): string[] => issueLines(error);

/** Parses a store operation's argument; a bad one is a StoreInputError naming the fields. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, operation: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const fields = issuesOf(parsed.error);
    throw new StoreInputError(operation, fields.join("; "), { fields });
  }
  return parsed.data;
}

/**
 * A CourseOutcome as every adapter returns it: the table's columns only (extra
 * fields are not columns, Appwrite would refuse them), nullable columns as
 * `null` when unset (as Appwrite returns them), optional text columns omitted.
 */
export function toOutcomeRow(outcome: CourseOutcome): CourseOutcome {
  const row: CourseOutcome = {
    $id: outcome.$id,
    courseId: outcome.courseId,
    courseSqaCode: outcome.courseSqaCode ?? null,
    unitCode: outcome.unitCode,
    unitTitle: outcome.unitTitle,
    scqfCredits: outcome.scqfCredits ?? null,
    outcomeId: outcome.outcomeId,
    outcomeTitle: outcome.outcomeTitle,
    assessmentStandards: outcome.assessmentStandards,
  };
  if (outcome.teacherGuidance !== undefined) row.teacherGuidance = outcome.teacherGuidance;
  if (outcome.keywords !== undefined) row.keywords = outcome.keywords;
  return row;
}

export function parseOutcomesInput(outcomes: readonly CourseOutcome[]): CourseOutcome[] {
  return outcomes.map((outcome, index) =>
    toOutcomeRow(parseInput(CourseOutcomeSchema, outcome, `upsertMany course_outcomes[${index}]`)),
  );
}

/** Ascending by `$id`: the order every adapter returns lists in. */
/** Evidence in the order it was given: by time, then card, then attempt (attempts may share a timestamp). */
export function byEvidenceOrder<T extends { timestamp: string; cardId: string; attempts: number }>(
  a: T,
  b: T,
): number {
  if (a.timestamp !== b.timestamp) return Date.parse(a.timestamp) - Date.parse(b.timestamp);
  if (a.cardId !== b.cardId) return a.cardId < b.cardId ? -1 : 1;
  return a.attempts - b.attempts;
}

export function byId<T extends { $id: string }>(a: T, b: T): number {
  return a.$id < b.$id ? -1 : a.$id > b.$id ? 1 : 0;
}

/**
 * The stored form of a session's snapshot: a string is kept as it is (it is
 * already JSON or `gzip:`+base64), anything else is stored as JSON.
 */
export function encodeSnapshot(snapshot: unknown): string {
  return typeof snapshot === "string" ? snapshot : JSON.stringify(snapshot);
}

/** Decodes a JSON column of a stored row; a bad value is a StoreDataError naming table, row and column. */
export function decodeColumn(table: string, id: string, column: string, raw: unknown): unknown {
  try {
    return decodeJsonPayload(`${table}.${column}`, raw);
  } catch (error) {
    if (error instanceof PayloadDecodeError) {
      throw new StoreDataError(table, id, `${column}: ${error.message}`, { column }, error);
    }
    throw error;
  }
}

/** Checks a row read back from a backend against its table's shape. */
export function parseStoredRow<T>(
  schema: z.ZodType<T>,
  table: string,
  id: string,
  row: unknown,
): T {
  const parsed = schema.safeParse(row);
  if (!parsed.success) {
    const fields = issuesOf(parsed.error);
    throw new StoreDataError(table, id, fields.join("; "), { fields });
  }
  return parsed.data;
}

const SessionColumnsSchema = LessonSessionSchema.omit({ lessonSnapshot: true });

/**
 * Builds a session from its stored columns. The snapshot is decoded when it
 * is first read, not here: a session's owner is checked before its lesson is
 * touched, so a snapshot that cannot be decoded (or would inflate past the
 * cap) answers only its owner, never whoever names the session. Reading it
 * throws the same typed `StoreDataError` the row would have.
 */
export function sessionFromRow(
  row: Record<string, unknown> & { $id: string },
): z.infer<typeof LessonSessionSchema> {
  const { lessonSnapshot: encoded, ...columns } = row;
  const session = parseStoredRow(SessionColumnsSchema, TABLES.sessions, row.$id, columns);
  let decoded: { value: unknown } | undefined;
  return Object.defineProperty(session, "lessonSnapshot", {
    enumerable: true,
    get: () => {
      decoded ??= {
        value: decodeColumn(TABLES.sessions, row.$id, "lessonSnapshot", encoded),
      };
      return decoded.value;
    },
  }) as z.infer<typeof LessonSessionSchema>;
}

/** Builds a lesson template from its stored columns, decoding `outcomeRefs` and `cards`. */
export function templateFromRow(
  row: Record<string, unknown> & { $id: string },
): z.infer<typeof LessonTemplateSchema> {
  const decoded = {
    ...row,
    outcomeRefs: decodeColumn(TABLES.lessonTemplates, row.$id, "outcomeRefs", row.outcomeRefs),
    cards: decodeColumn(TABLES.lessonTemplates, row.$id, "cards", row.cards),
  };
  return parseStoredRow(LessonTemplateSchema, TABLES.lessonTemplates, row.$id, decoded);
}

/** Course and title identify a template for seeding; two rows with both make that impossible. */
export function ambiguousTemplate(
  courseId: string,
  title: string,
  matches: readonly { $id: string }[],
): StoreConflictError {
  return new StoreConflictError(
    TABLES.lessonTemplates,
    undefined,
    "several templates share this course and title",
    {
      courseId,
      title,
      ids: matches.map((match) => match.$id),
    },
  );
}

/** A student as every adapter returns it: an unset `name` is absent. */
export function studentFromRow(
  table: string,
  row: Record<string, unknown> & { $id: string },
): StoredStudent {
  const { $id, userId, name } = row;
  return parseStoredRow(
    StudentSchema,
    table,
    $id,
    name === null || name === undefined ? { $id, userId } : { $id, userId, name },
  );
}

/** Parses `put`/`upsertMany` input; the batch itself must not give one user two students. */
export function parseStudentsInput(
  students: readonly StoredStudent[],
  operation: string,
): StoredStudent[] {
  const parsed = students.map((student, index) =>
    parseInput(StudentSchema, student, `${operation}[${index}]`),
  );
  const byUser = new Map<string, string>();
  for (const student of parsed) {
    const other = byUser.get(student.userId);
    if (other !== undefined && other !== student.$id) throw duplicateStudent(student, other);
    byUser.set(student.userId, student.$id);
  }
  return parsed;
}

/** The unique `userId` index of `students`: one student per Appwrite user. */
export function duplicateStudent(student: StoredStudent, otherId: string): StoreConflictError {
  return new StoreConflictError(
    TABLES.students,
    student.$id,
    "another student has the same userId (unique_user)",
    { userId: student.userId, otherId },
  );
}

/** More than one stored student for one user: the caller's identity is ambiguous. */
export function ambiguousStudent(
  table: string,
  userId: string,
  ids: readonly string[],
): StoreDataError {
  return new StoreDataError(table, ids[0] ?? "(none)", "several students have this userId", {
    userId,
    ids: [...ids],
  });
}
