/**
 * The storage interfaces the graph, the frontend helpers and the operator tools
 * use. One adapter per backend implements them (`memory`, `sqlite`, `appwrite`);
 * nothing outside `src/stores/` imports a database client.
 */
import type { z } from "zod";
import type { MasteryApplyResult, MasteryUpdate } from "../mastery/ema.js";
import type { CourseOutcome } from "../outcomes/schema.js";
import type {
  EvidenceRowSchema,
  LessonSessionSchema,
  LessonTemplateSchema,
  RoutineRecordSchema,
  StoredMasteryRowSchema,
  StudentSchema,
} from "./shared/rows.js";

export interface CourseOutcomeStore {
  /** Every outcome of `courseId` whose `outcomeId` is one of `outcomeIds` (all pages). */
  findByOutcomeIds(courseId: string, outcomeIds: readonly string[]): Promise<CourseOutcome[]>;
  /** The outcomes with these document IDs; absent IDs are simply not returned. */
  getByIds(ids: readonly string[]): Promise<CourseOutcome[]>;
  /** Every outcome of a course (all pages). */
  listByCourse(courseId: string): Promise<CourseOutcome[]>;
  /** Creates or replaces outcomes by `$id` (seeding). */
  upsertMany(outcomes: readonly CourseOutcome[]): Promise<void>;
}

/** A `lesson_templates` row; `outcomeRefs` and `cards` decoded. */
export type LessonTemplate = z.infer<typeof LessonTemplateSchema>;

/** A `sessions` row; `lessonSnapshot` decoded from JSON or `gzip:`+base64 when first read (see `sessionFromRow`). */
export type LessonSession = z.infer<typeof LessonSessionSchema>;

export interface LessonStore {
  /** Throws a typed not-found error when the session does not exist. */
  getSession(sessionId: string): Promise<LessonSession>;
  /** Creates or replaces a session by `$id`. */
  putSession(session: LessonSession): Promise<void>;
  /**
   * Binds the session to the LangGraph thread that teaches it; the first
   * thread wins, atomically. Returns the session's thread: `threadId` when
   * this call bound it (or it was bound to it before), else the earlier one.
   * Throws a typed not-found error when the session does not exist.
   */
  bindSessionThread(sessionId: string, threadId: string): Promise<string>;
  getLessonTemplate(templateId: string): Promise<LessonTemplate>;
  /** Finds a template by course and title (idempotent seeding); null when absent. */
  findLessonTemplate(courseId: string, title: string): Promise<LessonTemplate | null>;
  /** Creates or replaces a template by `$id`. */
  putLessonTemplate(template: LessonTemplate): Promise<void>;
}

/** A MasteryV2 row as stored. `emaByOutcome` stays raw: operator tools must see corrupt data as it is. */
export type MasteryRecord = z.infer<typeof StoredMasteryRowSchema>;

export interface ApplyLessonMasteryInput {
  /** The lesson session: a session's updates are applied at most once. */
  sessionId: string;
  studentId: string;
  courseId: string;
  updates: readonly MasteryUpdate[];
  /** EMA weight of the new score. */
  alpha: number;
  /**
   * The student's Appwrite account user, given read permission on a record
   * this creates (Appwrite only: the other stores have no users).
   */
  readerUserId?: string;
}

/** One evidence row: an attempt at (or skip of) a card, with the platform's columns and ours. */
export type EvidenceRow = z.infer<typeof EvidenceRowSchema>;

/**
 * A lesson's whole completion: the mastery updates plus everything else a
 * finished lesson leaves behind (evidence, review schedule, session row).
 */
export interface CompleteLessonInput extends ApplyLessonMasteryInput {
  /** The LangGraph thread that taught the session (written to the sessions row). */
  threadId: string;
  /** The completion time (ISO): the review schedule is computed from it. */
  completedAt: string;
  /** One row per attempt and per skip; at most {@link MAX_EVIDENCE_ROWS}. */
  evidence: readonly EvidenceRow[];
  /** The lesson's overall score in [0, 1] (the mean of its card scores). */
  score: number;
}

/** Evidence rows one completion may write: the lesson cap of 100 cards times at most 10 attempts. */
export const MAX_EVIDENCE_ROWS = 1000;

/** A `Routine` row as stored; the JSON maps stay raw, like MasteryV2's. */
export type RoutineRecord = z.infer<typeof RoutineRecordSchema>;

/**
 * What happened to the `sessions` row. `not_stored`: there is no row with the
 * session's ID (a lesson started from an inline context without a stored
 * session); the rest of the completion was still written.
 */
export type SessionCompletion =
  | { status: "completed"; completedAt: string }
  | { status: "not_stored" }
  /** Only in an `already_applied` result: a session applied before completions were written. */
  | { status: "left_as_is"; rowStatus: string };

export interface CompleteLessonResult {
  /** `already_applied` when this session was completed before; nothing changed. */
  status: MasteryApplyResult["status"];
  mastery: Omit<MasteryApplyResult, "status">;
  /** Evidence rows stored for the session. */
  evidenceCount: number;
  /** The next review per outcome document ID of this lesson, as the Routine row holds it now. */
  dueAtByOutcome: Record<string, string>;
  session: SessionCompletion;
}

/** A repaired map for one record, written only if the record is unchanged since it was read. */
export interface MasteryRepair {
  $id: string;
  studentId: string;
  courseId: string;
  /** The `updatedAt` the repair was computed from. */
  expectedUpdatedAt: string;
  emaByOutcome: Record<string, unknown>;
  /**
   * The `updatedAt` the repair writes (later than `expectedUpdatedAt`); default
   * now. `mastery clean` chooses it and records it in its backup before the
   * write, so a restore can tell its write from any later one.
   */
  updatedAt?: string;
}

/** What `MasteryStore.restore` did besides putting records back. */
export interface MasteryRestoreResult {
  /**
   * Records left as they are because the stored row's `updatedAt` was none of
   * the expected ones (only with `ifUpdatedAtIn`).
   */
  skipped: { $id: string; updatedAt: string }[];
  /**
   * Lesson sessions whose ledger entries were removed: they were applied to a
   * restored record after the state put back, so their updates are gone from
   * its map and the lesson may be applied again.
   */
  releasedSessions: string[];
}

export interface MasteryStore {
  get(studentId: string, courseId: string): Promise<MasteryRecord | null>;
  /**
   * Folds a lesson's updates into the student's record for the course with the
   * EMA, creating it if absent. Keys are checked against `course_outcomes`,
   * values and size validated; idempotent per session; concurrent applies for
   * the same student and course all land.
   */
  applyLessonMastery(input: ApplyLessonMasteryInput): Promise<MasteryApplyResult>;
  /**
   * `applyLessonMastery` plus the rest of the lesson's completion, in the same
   * atomic unit and under the same ledger entry: the evidence rows, the
   * student's Routine row for the course (next review per outcome, FSRS) and
   * the session row set to `completed`. Routine keys are the updates' keys,
   * checked like mastery keys. Exactly once per session.
   */
  completeLesson(input: CompleteLessonInput): Promise<CompleteLessonResult>;
  /** The student's Routine row for the course; null when absent. */
  getRoutine(studentId: string, courseId: string): Promise<RoutineRecord | null>;
  /** The evidence rows of a session, in timestamp order. */
  listEvidence(sessionId: string): Promise<(EvidenceRow & { sessionId: string })[]>;
  /** Whether this session's mastery was applied (its ledger entry exists). */
  isSessionApplied(sessionId: string): Promise<boolean>;
  /** Every record, in `$id` order, a page at a time, starting after `after`. */
  scan(options: { pageSize: number; after?: string }): AsyncIterable<MasteryRecord[]>;
  /**
   * Operator repairs. A repair may remove keys and add keys that are document
   * IDs of the record's course outcomes; it is refused (typed error, nothing
   * written) if it adds anything else or the record changed since it was read.
   */
  repair(repairs: readonly MasteryRepair[]): Promise<void>;
  /**
   * Puts records back exactly as given (operator restore from a backup),
   * creating absent ones, all or nothing. With `ifUpdatedAtIn`, a record
   * whose stored row exists with an `updatedAt` not listed for its `$id` is
   * left as it is and reported in `skipped` (a record not in the map is put
   * back whatever its state). Every record put back takes the ledger entries
   * of lessons applied to it after its `updatedAt` with it, in the same commit,
   * so that those lessons are not blocked forever (see `releasedSessions`).
   */
  restore(
    records: readonly MasteryRecord[],
    options?: { ifUpdatedAtIn?: ReadonlyMap<string, readonly string[]> },
  ): Promise<MasteryRestoreResult>;
}

/**
 * A repaired Routine row, written only if the row is unchanged since it was
 * read. `fsrsByOutcome` moves with `dueAtByOutcome` (src/operator/repair.ts);
 * `null` leaves an unset FSRS map unset.
 */
export interface RoutineRepair {
  $id: string;
  studentId: string;
  courseId: string;
  /** The `updatedAt` the repair was computed from. */
  expectedUpdatedAt: string;
  dueAtByOutcome: Record<string, unknown>;
  fsrsByOutcome: Record<string, unknown> | null;
  /** The `updatedAt` the repair writes (later than `expectedUpdatedAt`); default now. */
  updatedAt?: string;
}

/**
 * The operator's access to `Routine` rows (the graph writes them through
 * `MasteryStore.completeLesson`, with its mastery). Same guarantees as the
 * MasteryV2 operator methods: repairs conditional on the row being unchanged,
 * restores exact and all or nothing.
 */
export interface RoutineStore {
  get(studentId: string, courseId: string): Promise<RoutineRecord | null>;
  /** Every row, in `$id` order, a page at a time, starting after `after`. */
  scan(options: { pageSize: number; after?: string }): AsyncIterable<RoutineRecord[]>;
  /**
   * Operator repairs, all or nothing. A repair may remove entries of either
   * map and add entries keyed by document IDs of the row's course outcomes
   * (due dates in `dueAtByOutcome`, FSRS cards in `fsrsByOutcome`); it is
   * refused (typed error, nothing written) if it adds anything else or the
   * row changed since it was read.
   */
  repair(repairs: readonly RoutineRepair[]): Promise<void>;
  /**
   * Puts rows back exactly as given, creating absent ones, all or nothing.
   * With `ifUpdatedAtIn`, a row stored with an `updatedAt` not listed for its
   * `$id` is left as it is and reported in `skipped`. No ledger entry is
   * touched: a lesson's entry belongs to its MasteryV2 write (see the README).
   */
  restore(
    records: readonly RoutineRecord[],
    options?: { ifUpdatedAtIn?: ReadonlyMap<string, readonly string[]> },
  ): Promise<{ skipped: { $id: string; updatedAt: string }[] }>;
}

/**
 * A `students` row: the platform's learner. `userId` is the Appwrite account
 * user's `$id`; every other table's `studentId` is a `students.$id`.
 */
export type Student = z.infer<typeof StudentSchema>;

export interface StudentStore {
  /**
   * The student of an Appwrite account user; null when there is none. Two rows
   * for one user are a StoreDataError (which of them is the caller is unknowable).
   */
  findByUserId(userId: string): Promise<Student | null>;
  /** Creates or replaces a student by `$id`; another row with the same `userId` is a StoreConflictError. */
  put(student: Student): Promise<void>;
  /** `put` for several students (seeding). */
  upsertMany(students: readonly Student[]): Promise<void>;
}

export interface Stores {
  outcomes: CourseOutcomeStore;
  lessons: LessonStore;
  mastery: MasteryStore;
  /** Routine rows for the operator tools. */
  routines: RoutineStore;
  students: StudentStore;
  close(): Promise<void>;
}
