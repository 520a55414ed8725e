/**
 * The rules of a lesson's completion beyond MasteryV2, independent of the
 * backend: what evidence rows, `Routine` row and `sessions` update one
 * completion writes. `mastery-write.ts` plans them next to the MasteryV2 write
 * and every adapter commits all of it in the one atomic unit that also writes
 * the session's ledger entry, so a completion lands exactly once.
 *
 * - Routine keys are the lesson updates' keys, which the mastery write guard
 *   has checked against `course_outcomes` (document IDs of the course only).
 *   Entries of the stored row the lesson does not touch are carried over as
 *   they are, legacy keys (`O1`) included, and logged, like MasteryV2's.
 * - The next review of each touched outcome is FSRS (src/mastery/schedule.ts)
 *   at the completion time, from the outcome's stored FSRS card. A row the
 *   platform wrote has no FSRS state: its outcomes start as new cards.
 * - The `sessions` row is set to `completed` with the completion time, the
 *   overall score and the thread. Without a row of the session's ID (a lesson
 *   taught from an inline context) nothing is written there, and the result
 *   says `not_stored`; the evidence and schedule are still written. A row of
 *   another student or course, of another thread, or completed by someone
 *   else is a StoreConflictError: nothing is written.
 */
import { z } from "zod";
import { getLogger } from "../../logger.js";
import { DUE_AT_BY_OUTCOME_MAX_CHARS } from "../../mastery/due-map.js";
import { isDocumentId, uniqueId } from "../../mastery/ids.js";
import {
  scheduleOutcome,
  SPACING_POLICY_VERSION,
  StoredFsrsCardSchema,
  type StoredFsrsCard,
} from "../../mastery/schedule.js";
import { StoreConflictError, StoreDataError, StoreWriteRefusedError } from "../errors.js";
import {
  MAX_EVIDENCE_ROWS,
  type CompleteLessonInput,
  type CompleteLessonResult,
  type RoutineRecord,
  type SessionCompletion,
} from "../ports.js";
import { parseInput, SessionStateSchema, StoredEvidenceRowSchema, TABLES } from "./rows.js";

/** `Routine.dueAtByOutcome` column size; the review map's rules live in src/mastery/due-map.ts. */
export { DUE_AT_BY_OUTCOME_MAX_CHARS } from "../../mastery/due-map.js";
/** `Routine.fsrsByOutcome` column size. */
export const FSRS_BY_OUTCOME_MAX_CHARS = 100_000;
/** Version of the Routine row layout this project writes (`fsrsByOutcome` added). */
export const ROUTINE_SCHEMA_VERSION = 2;
/** `evidence` text column sizes (an answer is at most 4000 characters; feedback comes from a model). */
export const EVIDENCE_TEXT_MAX_CHARS = 10_000;
/** `sessions.threadId` column size. */
export const THREAD_ID_MAX_CHARS = 100;

/** An evidence row as written: the session and a row ID added. */
export type StoredEvidenceRow = z.infer<typeof StoredEvidenceRowSchema>;

/** What a completion needs to know about the `sessions` row; null when there is none. */
export type StoredSessionState = z.infer<typeof SessionStateSchema>;

/** The `sessions` columns a completion sets. */
export interface SessionCompletionUpdate {
  status: "completed";
  completedAt: string;
  score: number;
  threadId: string;
}

/** What one completion writes besides MasteryV2 and the ledger. */
export interface PlannedCompletion {
  evidence: StoredEvidenceRow[];
  routine: { expected: RoutineRecord | null; record: RoutineRecord };
  /** null: the session has no row (`not_stored`). */
  session: { expected: StoredSessionState; update: SessionCompletionUpdate } | null;
  dueAtByOutcome: Record<string, string>;
}

const text = z.string().max(EVIDENCE_TEXT_MAX_CHARS);
/** What a completion accepts as an evidence row: the columns' sizes and ranges. */
const EvidenceInputSchema = z.strictObject({
  itemId: z.string().min(1).max(100),
  cardId: z.string().min(1).max(100),
  interactionId: z.string().min(1).max(100),
  response: text.nullable(),
  correct: z.boolean(),
  attempts: z.int().nonnegative(),
  confidence: z.number().min(0).max(1),
  reasoning: text,
  feedback: text,
  timestamp: z.iso.datetime(),
  partialCredit: z.number().min(0).max(1),
  method: z.string().min(1).max(16),
});

const CompletionInputSchema = z.object({
  threadId: z.string().min(1).max(THREAD_ID_MAX_CHARS),
  completedAt: z.iso.datetime(),
  evidence: z.array(EvidenceInputSchema).max(MAX_EVIDENCE_ROWS),
  score: z.number().min(0).max(1),
});

export function parseCompletionInput(input: CompleteLessonInput): void {
  parseInput(CompletionInputSchema, input, "completeLesson");
}

/** Plans the completion's writes from the stored Routine and session rows (pure). */
export function planCompletion(
  input: CompleteLessonInput,
  routine: RoutineRecord | null,
  session: StoredSessionState | null,
): PlannedCompletion {
  const now = new Date(input.completedAt);
  const scheduled = planRoutine(input, routine, now);
  return {
    evidence: input.evidence.map((row) => ({
      ...row,
      $id: uniqueId(now.getTime()),
      sessionId: input.sessionId,
    })),
    routine: { expected: routine, record: scheduled.record },
    session: session === null ? null : planSessionUpdate(input, session),
    dueAtByOutcome: scheduled.dueAtByOutcome,
  };
}

function planRoutine(
  input: CompleteLessonInput,
  existing: RoutineRecord | null,
  now: Date,
): { record: RoutineRecord; dueAtByOutcome: Record<string, string> } {
  const storedDue = existing === null ? {} : parseRoutineMap(existing, "dueAtByOutcome");
  const storedFsrs =
    existing === null || existing.fsrsByOutcome === null
      ? {}
      : parseRoutineMap(existing, "fsrsByOutcome");
  const dueAtByOutcome: Record<string, string> = {};
  const cards: Record<string, StoredFsrsCard> = {};
  for (const [outcomeId, scores] of scoresByOutcome(input)) {
    const previous =
      storedFsrs[outcomeId] === undefined
        ? null
        : storedCard(existing as RoutineRecord, outcomeId, storedFsrs[outcomeId]);
    const review = scheduleOutcome(previous, scores, now);
    dueAtByOutcome[outcomeId] = review.dueAt;
    cards[outcomeId] = review.card;
  }
  const due = JSON.stringify({ ...storedDue, ...dueAtByOutcome });
  const fsrs = JSON.stringify({ ...storedFsrs, ...cards });
  assertFits(input, existing, due.length, fsrs.length);
  if (existing !== null) warnAboutLegacyEntries(existing, storedDue, dueAtByOutcome);
  return {
    dueAtByOutcome,
    record: {
      $id: existing?.$id ?? uniqueId(now.getTime()),
      studentId: input.studentId,
      courseId: input.courseId,
      dueAtByOutcome: due,
      fsrsByOutcome: fsrs,
      lastTaughtAt: input.completedAt,
      spacingPolicyVersion: SPACING_POLICY_VERSION,
      schema_version: ROUTINE_SCHEMA_VERSION,
      updatedAt: laterThan(existing?.updatedAt, now.getTime()),
    },
  };
}

/** The lesson's card scores per outcome document ID, in update order. */
function scoresByOutcome(input: CompleteLessonInput): Map<string, number[]> {
  const scores = new Map<string, number[]>();
  for (const update of input.updates) {
    const list = scores.get(update.outcome_id) ?? [];
    list.push(update.score as number);
    scores.set(update.outcome_id, list);
  }
  return scores;
}

function assertFits(
  input: CompleteLessonInput,
  existing: RoutineRecord | null,
  dueChars: number,
  fsrsChars: number,
): void {
  const oversize = [
    ...(dueChars > DUE_AT_BY_OUTCOME_MAX_CHARS
      ? [{ rule: "oversize" as const, value: dueChars }]
      : []),
    ...(fsrsChars > FSRS_BY_OUTCOME_MAX_CHARS
      ? [{ rule: "oversize" as const, value: fsrsChars }]
      : []),
  ];
  if (oversize.length > 0) {
    throw new StoreWriteRefusedError(oversize, {
      table: TABLES.routine,
      layer: "application",
      recordId: existing?.$id,
      sessionId: input.sessionId,
      studentId: input.studentId,
      courseId: input.courseId,
    });
  }
}

/** `updatedAt` of a write: now, but always later than the previous value (see `nextUpdatedAt`). */
function laterThan(previous: string | undefined, now: number): string {
  const previousMs = previous === undefined ? Number.NaN : Date.parse(previous);
  return new Date(
    Number.isNaN(previousMs) || previousMs < now ? now : previousMs + 1,
  ).toISOString();
}

function planSessionUpdate(
  input: CompleteLessonInput,
  session: StoredSessionState,
): { expected: StoredSessionState; update: SessionCompletionUpdate } {
  const conflict = (reason: string): StoreConflictError =>
    new StoreConflictError(TABLES.sessions, session.$id, reason, {
      operation: "completeLesson",
      stored: session,
      requested: { studentId: input.studentId, courseId: input.courseId, threadId: input.threadId },
    });
  if (session.studentId !== input.studentId || session.courseId !== input.courseId)
    throw conflict("the session row belongs to another student or course");
  if (session.threadId !== null && session.threadId !== input.threadId)
    throw conflict("the session row is bound to another thread");
  if (session.status === "completed")
    throw conflict("the session row was completed by another writer (no ledger entry of ours)");
  return {
    expected: session,
    update: {
      status: "completed",
      completedAt: input.completedAt,
      score: input.score,
      threadId: input.threadId,
    },
  };
}

/**
 * A stored Routine map as an object; anything else is a StoreDataError naming
 * the row (as for MasteryV2, an unusable map is not taken as empty).
 */
export function parseRoutineMap(
  record: RoutineRecord,
  column: "dueAtByOutcome" | "fsrsByOutcome",
): Record<string, unknown> {
  const raw = record[column];
  const fail = (reason: string, cause?: unknown): StoreDataError =>
    new StoreDataError(TABLES.routine, record.$id, `${column} ${reason}`, { [column]: raw }, cause);
  if (raw === null) throw fail("is unset (null)");
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw fail("is not valid JSON", error);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw fail("is not a JSON object");
  return parsed as Record<string, unknown>;
}

function storedCard(record: RoutineRecord, outcomeId: string, value: unknown): StoredFsrsCard {
  const parsed = StoredFsrsCardSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new StoreDataError(
    TABLES.routine,
    record.$id,
    `fsrsByOutcome holds an unusable FSRS card for ${outcomeId}: ${z.prettifyError(parsed.error)}`,
    { outcomeId, value },
  );
}

function warnAboutLegacyEntries(
  record: RoutineRecord,
  stored: Record<string, unknown>,
  touched: Record<string, string>,
): void {
  const legacy = Object.entries(stored)
    .filter(([key]) => !Object.hasOwn(touched, key))
    .filter(([key, value]) => !isDocumentId(key) || !isIsoDate(value))
    .map(([key, value]) => ({ key, value }));
  if (legacy.length === 0) return;
  getLogger().warn(
    { table: TABLES.routine, recordId: record.$id, legacy },
    "Routine row holds legacy dueAtByOutcome entries (not outcome document IDs, or not dates); kept as they were.",
  );
}

function isIsoDate(value: unknown): boolean {
  return typeof value === "string" && !Number.isNaN(Date.parse(value));
}

/** What an earlier completion of this session left: the current values, nothing written. */
export function alreadyCompleted(
  input: CompleteLessonInput,
  mastery: CompleteLessonResult["mastery"],
  routine: RoutineRecord | null,
  session: StoredSessionState | null,
  evidenceCount: number,
): CompleteLessonResult {
  const stored = routine === null ? {} : parseRoutineMap(routine, "dueAtByOutcome");
  const dueAtByOutcome = Object.fromEntries(
    [...new Set(input.updates.map((update) => update.outcome_id))]
      .filter((key) => typeof stored[key] === "string")
      .map((key) => [key, stored[key] as string]),
  );
  return {
    status: "already_applied",
    mastery,
    evidenceCount,
    dueAtByOutcome,
    session: sessionState(session),
  };
}

function sessionState(session: StoredSessionState | null): SessionCompletion {
  if (session === null) return { status: "not_stored" };
  if (session.status === "completed" && session.completedAt !== null)
    return { status: "completed", completedAt: session.completedAt };
  // A session applied by `applyLessonMastery` alone (before completions were written) keeps its row.
  return { status: "left_as_is", rowStatus: session.status };
}

/** The result of a completion this call wrote. */
export function completedNow(
  mastery: CompleteLessonResult["mastery"],
  plan: PlannedCompletion,
): CompleteLessonResult {
  return {
    status: "applied",
    mastery,
    evidenceCount: plan.evidence.length,
    dueAtByOutcome: plan.dueAtByOutcome,
    session:
      plan.session === null
        ? { status: "not_stored" }
        : { status: "completed", completedAt: plan.session.update.completedAt },
  };
}
