/**
 * The MasteryV2 write rules, independent of the backend. Every adapter calls
 * these, so an apply, a repair or a restore is checked the same way whether it
 * lands in memory, SQLite or Appwrite. Adapters only supply reads and an
 * atomic, conditional commit.
 *
 * Rules of an apply (the graph's lesson completion):
 * - every update's key is a document ID of an outcome of the record's course,
 *   verified against `course_outcomes` (never trusted from the caller), and
 *   every score a finite number in [0, 1];
 * - the updates are folded into the stored values of those keys with the EMA;
 *   entries the lesson does not touch are carried over unchanged, even legacy
 *   ones (`""`, `O1`): they are the operator tools' to audit and repair, and
 *   refusing a student's lesson for them would not make the data any better
 *   (they are logged as a warning);
 * - the serialized map fits the 5000-character column;
 * - a session is applied at most once: the adapter writes a ledger entry keyed
 *   by the session ID in the same atomic commit as the record;
 * - the commit is conditional on the record being unchanged since it was read
 *   (or still absent), so concurrent applies re-read and fold again rather than
 *   overwrite each other.
 * What a key, a value and a map's size may be, and how a stored map is parsed,
 * are the mastery map's rules (../../mastery/map.ts); this module applies them.
 */
import { z } from "zod";
import { getLogger } from "../../logger.js";
import {
  foldMasteryUpdates,
  type EmaByOutcome,
  type MasteryApplyResult,
} from "../../mastery/ema.js";
import { InvalidMasteryRecordError, type MasteryViolation } from "../../mastery/errors.js";
import { isDocumentId, uniqueId } from "../../mastery/ids.js";
import {
  emaMapOf,
  findEmaViolations,
  findEntryViolations,
  findSizeViolations,
  isEmaMapObject,
  parseEmaMap,
  type EmaMapEntries,
} from "../../mastery/map.js";
import type {
  ApplyLessonMasteryInput,
  CompleteLessonInput,
  CompleteLessonResult,
  CourseOutcomeStore,
  RoutineRecord,
  MasteryRecord,
  MasteryRepair,
  MasteryRestoreResult,
} from "../ports.js";
import {
  StoreConflictError,
  StoreDataError,
  StoreInputError,
  StoreNotFoundError,
  StoreWriteRefusedError,
} from "../errors.js";
import {
  alreadyCompleted,
  completedNow,
  parseCompletionInput,
  planCompletion,
  type PlannedCompletion,
  type StoredSessionState,
} from "./completion-write.js";
import type { KeyedLock } from "./keyed-lock.js";
import { MASTERY_ID_COLUMN_MAX_CHARS, StoredMasteryRowSchema, parseInput, TABLES } from "./rows.js";

/** A row of the idempotency ledger: this session's updates are in this MasteryV2 row. */
export interface MasteryLedgerEntry {
  /** The lesson session whose updates were applied; the ledger row's key. */
  sessionId: string;
  studentId: string;
  courseId: string;
  /** The MasteryV2 row `$id` the updates went into. */
  masteryId: string;
  appliedAt: string;
}

/** What one apply will write, and the state it was computed from. */
export interface PlannedApply {
  /** The record as read; `null` when the student had none for the course. */
  expected: MasteryRecord | null;
  record: MasteryRecord;
  ledger: MasteryLedgerEntry;
  emaByOutcome: EmaByOutcome;
  /** Entries carried over from the stored record that break the integrity rules. */
  carriedViolations: MasteryViolation[];
  /**
   * The rest of a lesson's completion (evidence, Routine, session), committed
   * in the same atomic unit; null for a mastery-only apply.
   */
  completion: PlannedCompletion | null;
}

/** What the backend reads before an apply. */
export interface ApplyRead {
  ledger: MasteryLedgerEntry | null;
  record: MasteryRecord | null;
  /** The student's Routine row for the course. */
  routine: RoutineRecord | null;
  /** The `sessions` row of the session; null when there is none. */
  session: StoredSessionState | null;
}

/** The backend-specific half of an apply. */
export interface MasteryApplyBackend {
  /** The session's ledger entry, the student's record and Routine row for the course, the session row. */
  read(key: { sessionId: string; studentId: string; courseId: string }): Promise<ApplyRead>;
  /**
   * Writes `plan.record`, `plan.ledger` and `plan.completion` atomically, only
   * if the record is still `plan.expected` (same `$id` and `updatedAt`, or
   * still absent for the student and course), the Routine row still
   * `plan.completion.routine.expected`, the session row still there (or
   * absent) as planned, and the session has no ledger entry. Otherwise writes
   * nothing and returns `"stale"`, and the apply starts over from a fresh read.
   */
  commit(plan: PlannedApply): Promise<"committed" | "stale">;
  /** Evidence rows stored for the session. */
  countEvidence(sessionId: string): Promise<number>;
}

/** Re-reads allowed when other writers keep changing the record between read and commit. */
export const MAX_APPLY_ATTEMPTS = 10;

const ApplyInputSchema = z.object({
  sessionId: z.string().min(1),
  studentId: z.string().min(1).max(MASTERY_ID_COLUMN_MAX_CHARS),
  courseId: z.string().min(1).max(MASTERY_ID_COLUMN_MAX_CHARS),
  // Keys and scores are checked by the integrity rules below, so a bad one is a violation, not an input error.
  updates: z
    .array(z.object({ outcome_id: z.string(), score: z.unknown(), timestamp: z.string() }))
    .min(1),
  alpha: z.number().gt(0).lte(1),
});

type ApplyDeps = { outcomes: CourseOutcomeStore; backend: MasteryApplyBackend; lock: KeyedLock };

/** The whole apply: validation, idempotency, the optimistic loop, serialized per student and course in-process. */
export async function applyLessonMasteryWith(
  deps: ApplyDeps,
  input: ApplyLessonMasteryInput,
): Promise<MasteryApplyResult> {
  return applyLoop(deps, input, {
    plan: (read) => planLessonMastery(input, read.record),
    applied: (plan) => ({
      status: "applied",
      recordId: plan.record.$id,
      emaByOutcome: plan.emaByOutcome,
    }),
    already: async (read, ledger) => alreadyApplied(input, ledger, read.record),
  });
}

/**
 * A lesson's whole completion: the MasteryV2 apply plus the evidence rows,
 * the Routine row and the session row (completion-write.ts), one atomic
 * commit under the session's ledger entry. The same loop as an apply.
 */
export async function completeLessonWith(
  deps: ApplyDeps,
  input: CompleteLessonInput,
): Promise<CompleteLessonResult> {
  parseCompletionInput(input);
  const now = Date.parse(input.completedAt);
  return applyLoop(deps, input, {
    plan: (read) => ({
      ...planLessonMastery(input, read.record, now),
      completion: planCompletion(input, read.routine, read.session),
    }),
    applied: (plan) =>
      completedNow(
        { recordId: plan.record.$id, emaByOutcome: plan.emaByOutcome },
        plan.completion as PlannedCompletion,
      ),
    already: async (read, ledger) => {
      const mastery = alreadyApplied(input, ledger, read.record);
      return alreadyCompleted(
        input,
        { recordId: mastery.recordId, emaByOutcome: mastery.emaByOutcome },
        read.routine,
        read.session,
        await deps.backend.countEvidence(input.sessionId),
      );
    },
  });
}

async function applyLoop<T>(
  deps: ApplyDeps,
  input: ApplyLessonMasteryInput,
  steps: {
    plan: (read: ApplyRead) => PlannedApply;
    applied: (plan: PlannedApply) => T;
    already: (read: ApplyRead, ledger: MasteryLedgerEntry) => Promise<T>;
  },
): Promise<T> {
  parseInput(ApplyInputSchema, input, "applyLessonMastery");
  await assertUpdatesValid(deps.outcomes, input);
  return deps.lock.run(`${input.studentId}\u0000${input.courseId}`, async () => {
    for (let attempt = 1; attempt <= MAX_APPLY_ATTEMPTS; attempt++) {
      const read = await deps.backend.read(input);
      if (read.ledger !== null) return steps.already(read, read.ledger);
      const plan = steps.plan(read);
      if ((await deps.backend.commit(plan)) === "committed") {
        warnAboutCarriedViolations(plan);
        return steps.applied(plan);
      }
    }
    throw new StoreConflictError(
      TABLES.mastery,
      undefined,
      `the record kept changing; gave up after ${MAX_APPLY_ATTEMPTS} attempts`,
      { studentId: input.studentId, courseId: input.courseId, sessionId: input.sessionId },
    );
  });
}

/**
 * Checks every update: key a document ID of an outcome of `input.courseId`
 * (looked up in `course_outcomes`), score a finite number in [0, 1].
 */
export async function assertUpdatesValid(
  outcomes: CourseOutcomeStore,
  input: ApplyLessonMasteryInput,
): Promise<void> {
  const keys = input.updates.map((update) => update.outcome_id);
  const known = await knownOutcomeIds(outcomes, input.courseId, keys);
  const violations = uniqueViolations(
    input.updates.flatMap((update) =>
      findEmaViolations({ [update.outcome_id]: update.score }, known),
    ),
  );
  if (violations.length > 0) {
    throw new StoreWriteRefusedError(violations, {
      table: TABLES.mastery,
      layer: "application",
      sessionId: input.sessionId,
      studentId: input.studentId,
      courseId: input.courseId,
    });
  }
}

/** The subset of `keys` that are document IDs of outcomes of `courseId`. */
export async function knownOutcomeIds(
  outcomes: CourseOutcomeStore,
  courseId: string,
  keys: Iterable<string>,
): Promise<Set<string>> {
  // Only well-formed IDs are looked up: anything else is refused by format anyway.
  const candidates = [...new Set(keys)].filter(isDocumentId);
  if (candidates.length === 0) return new Set();
  const found = await outcomes.getByIds(candidates);
  return new Set(
    found.filter((outcome) => outcome.courseId === courseId).map((outcome) => outcome.$id),
  );
}

/**
 * Computes the record an apply writes from the stored one (pure: the updates
 * were validated by `assertUpdatesValid`). Throws StoreWriteRefusedError when a
 * value the fold needs is unusable or the result is too large.
 */
export function planLessonMastery(
  input: ApplyLessonMasteryInput,
  existing: MasteryRecord | null,
  now: number = Date.now(),
): PlannedApply {
  const context = {
    table: TABLES.mastery,
    layer: "application",
    recordId: existing?.$id,
    sessionId: input.sessionId,
    studentId: input.studentId,
    courseId: input.courseId,
  };
  const stored = existing === null ? emaMapOf([]) : parseStoredEmaMap(existing);
  const touched = new Set(input.updates.map((update) => update.outcome_id));
  const touchedStored = emaMapOf(Object.entries(stored).filter(([key]) => touched.has(key)));
  const untouched = emaMapOf(Object.entries(stored).filter(([key]) => !touched.has(key)));

  // A stored value that is not a number in [0, 1] cannot be folded into, nor carried in a numeric map.
  const unusable = [
    ...findEmaViolations(touchedStored).filter((violation) => violation.rule === "invalid_value"),
    ...Object.entries(untouched)
      .filter(([, value]) => typeof value !== "number")
      .map(([key, value]): MasteryViolation => ({ rule: "invalid_value", key, value })),
  ];
  if (unusable.length > 0)
    throw new StoreWriteRefusedError(unusable, { ...context, preexisting: true });

  const folded = foldWithContext(touchedStored as EmaByOutcome, input, context);
  const emaByOutcome: EmaByOutcome = { ...(stored as EmaByOutcome), ...folded };
  const serialized = JSON.stringify(emaByOutcome);
  const oversize = findSizeViolations(serialized);
  if (oversize.length > 0) throw new StoreWriteRefusedError(oversize, context);

  const updatedAt = nextUpdatedAt(existing?.updatedAt, now);
  const record: MasteryRecord = {
    $id: existing?.$id ?? uniqueId(now),
    studentId: input.studentId,
    courseId: input.courseId,
    emaByOutcome: serialized,
    updatedAt,
  };
  return {
    expected: existing,
    record,
    ledger: {
      sessionId: input.sessionId,
      studentId: input.studentId,
      courseId: input.courseId,
      masteryId: record.$id,
      appliedAt: updatedAt,
    },
    emaByOutcome,
    carriedViolations: findEmaViolations(untouched),
    completion: null,
  };
}

/** The fold validates its result too; its refusal (e.g. already oversize) becomes the store's. */
function foldWithContext(
  stored: EmaByOutcome,
  input: ApplyLessonMasteryInput,
  context: Record<string, unknown>,
): EmaByOutcome {
  try {
    return foldMasteryUpdates(stored, input.updates, input.alpha);
  } catch (error) {
    if (error instanceof InvalidMasteryRecordError)
      throw new StoreWriteRefusedError(error.violations, context);
    throw error;
  }
}

function alreadyApplied(
  input: ApplyLessonMasteryInput,
  ledger: MasteryLedgerEntry,
  record: MasteryRecord | null,
): MasteryApplyResult {
  if (ledger.studentId !== input.studentId || ledger.courseId !== input.courseId) {
    throw new StoreConflictError(
      TABLES.masteryLedger,
      input.sessionId,
      "this session's mastery was already applied for another student or course",
      { applied: ledger, requested: { studentId: input.studentId, courseId: input.courseId } },
    );
  }
  if (record === null) {
    throw new StoreDataError(
      TABLES.mastery,
      ledger.masteryId,
      "the ledger records an apply into a row that does not exist",
      {
        sessionId: input.sessionId,
        studentId: input.studentId,
        courseId: input.courseId,
      },
    );
  }
  return { status: "already_applied", recordId: record.$id, emaByOutcome: numericEmaMap(record) };
}

function warnAboutCarriedViolations(plan: PlannedApply): void {
  if (plan.carriedViolations.length === 0) return;
  getLogger().warn(
    { table: TABLES.mastery, recordId: plan.record.$id, violations: plan.carriedViolations },
    "MasteryV2 record holds legacy entries that break the integrity rules; kept as they were. Audit and repair them with `teaching-graph mastery`.",
  );
}

/**
 * A stored `emaByOutcome` as an object; anything else (unset, not JSON, not an
 * object) is a StoreDataError naming the record. An unset map is not taken as
 * empty: whether the student's history was lost or never written is for an
 * operator to find out, not for a lesson to paper over.
 */
export function parseStoredEmaMap(record: MasteryRecord): EmaMapEntries {
  const parsed = parseEmaMap(record.emaByOutcome);
  if (parsed.ok) return parsed.map;
  throw new StoreDataError(
    TABLES.mastery,
    record.$id,
    STORED_MAP_PROBLEMS[parsed.reason],
    { emaByOutcome: record.emaByOutcome },
    parsed.cause,
  );
}

const STORED_MAP_PROBLEMS = {
  unset: "emaByOutcome is unset (null)",
  not_json: "emaByOutcome is not valid JSON",
  not_an_object: "emaByOutcome is not a JSON object",
} as const;

function numericEmaMap(record: MasteryRecord): EmaByOutcome {
  const map = parseStoredEmaMap(record);
  const nonNumeric = Object.entries(map).filter(([, value]) => typeof value !== "number");
  if (nonNumeric.length > 0) {
    throw new StoreDataError(TABLES.mastery, record.$id, "emaByOutcome holds non-numeric values", {
      keys: nonNumeric.map(([key]) => key),
    });
  }
  // A plain object, as the apply's other result: the spread keeps `__proto__` as an own key.
  return { ...(map as EmaByOutcome) };
}

/**
 * `updatedAt` of a write: now, but always later than the previous value, so
 * two writes within one millisecond still differ and a repair computed from
 * the first is refused after the second. An unparseable previous value (legacy
 * data) cannot be compared and does not constrain the new one.
 */
export function nextUpdatedAt(previous: string | undefined, now: number = Date.now()): string {
  const previousMs = previous === undefined ? Number.NaN : Date.parse(previous);
  return new Date(
    Number.isNaN(previousMs) || previousMs < now ? now : previousMs + 1,
  ).toISOString();
}

function uniqueViolations(violations: MasteryViolation[]): MasteryViolation[] {
  const seen = new Set<string>();
  return violations.filter((violation) => {
    const id = JSON.stringify([violation.rule, violation.key, violation.value]);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

// ---------------------------------------------------------------- repairs

const RepairSchema = z.object({
  $id: z.string().min(1),
  studentId: z.string().min(1),
  courseId: z.string().min(1),
  expectedUpdatedAt: z.string().min(1),
  // Not `z.record`: it rebuilds the object by assignment and silently drops a `__proto__` key.
  emaByOutcome: z.custom<Record<string, unknown>>(isEmaMapObject, { error: "expected an object" }),
  updatedAt: z.iso.datetime().optional(),
});

/** A repaired record to write, and the `updatedAt` the stored row must still have. */
export interface PlannedRepair {
  record: MasteryRecord;
  expectedUpdatedAt: string;
}

/**
 * Checks a batch of repairs against the stored rows and returns what to write.
 * A repair may remove entries and keep stored ones exactly as they are
 * (legacy keys included); whatever it adds or changes must be a document ID of
 * an outcome of the record's course with a value in [0, 1], and the result
 * must fit the column. A stored map that is not a JSON object (or is unset)
 * counts as empty, so everything the repair writes is checked. The batch is refused as a whole
 * on the first problem: a missing row (StoreNotFoundError), a row of another
 * student/course or changed since it was read (StoreConflictError), or a
 * violation (StoreWriteRefusedError).
 */
export async function planRepairs(
  outcomes: CourseOutcomeStore,
  repairs: readonly MasteryRepair[],
  stored: ReadonlyMap<string, MasteryRecord>,
  now: number = Date.now(),
): Promise<PlannedRepair[]> {
  const parsed = parseInput(z.array(RepairSchema), repairs, "repair");
  assertUniqueIds(
    parsed.map((repair) => repair.$id),
    "repair",
  );

  const changes = parsed.map((repair) => {
    const current = stored.get(repair.$id);
    if (current === undefined)
      throw new StoreNotFoundError(TABLES.mastery, repair.$id, { operation: "repair" });
    assertRepairTargets(repair, current);
    const written = emaMapOf(Object.entries(repair.emaByOutcome));
    return {
      repair,
      current,
      written,
      changed: changedEntries(storedEntriesOrEmpty(current), written),
    };
  });

  const known = await knownOutcomeIdsByCourse(
    outcomes,
    changes.flatMap(({ changed }) => Object.keys(changed)),
  );
  return changes.map(({ repair, current, written, changed }) => {
    const serialized = JSON.stringify(written);
    // The size rule applies to the whole map written, not to the entries that changed.
    const violations = [
      ...findEntryViolations(changed, known.get(repair.courseId) ?? new Set()),
      ...findSizeViolations(serialized),
    ];
    if (violations.length > 0) {
      throw new StoreWriteRefusedError(violations, {
        table: TABLES.mastery,
        layer: "application",
        operation: "repair",
        recordId: repair.$id,
        studentId: repair.studentId,
        courseId: repair.courseId,
      });
    }
    return {
      expectedUpdatedAt: repair.expectedUpdatedAt,
      record: {
        ...current,
        emaByOutcome: serialized,
        updatedAt: repairUpdatedAt(repair, current, now),
      },
    };
  });
}

/** The repair's own `updatedAt` if it gives one (it must move forward), else the next one. */
export function repairUpdatedAt(
  repair: { $id: string; updatedAt?: string | undefined },
  current: { updatedAt: string },
  now: number,
): string {
  if (repair.updatedAt === undefined) return nextUpdatedAt(current.updatedAt, now);
  const previousMs = Date.parse(current.updatedAt);
  if (!Number.isNaN(previousMs) && Date.parse(repair.updatedAt) <= previousMs) {
    throw new StoreInputError("repair", "updatedAt must be later than the stored one", {
      recordId: repair.$id,
      updatedAt: repair.updatedAt,
      storedUpdatedAt: current.updatedAt,
    });
  }
  return repair.updatedAt;
}

function assertRepairTargets(repair: z.infer<typeof RepairSchema>, current: MasteryRecord): void {
  if (repair.studentId !== current.studentId || repair.courseId !== current.courseId) {
    throw new StoreConflictError(
      TABLES.mastery,
      repair.$id,
      "the repair names another student or course than the stored row",
      {
        operation: "repair",
        repair: { studentId: repair.studentId, courseId: repair.courseId },
        stored: { studentId: current.studentId, courseId: current.courseId },
      },
    );
  }
  assertUnchanged(repair.$id, repair.expectedUpdatedAt, current.updatedAt);
}

/** Optimistic concurrency of repairs: the row must still be the one the repair was computed from. */
export function assertUnchanged(
  id: string,
  expectedUpdatedAt: string,
  actualUpdatedAt: string | undefined,
  table: string = TABLES.mastery,
): void {
  if (actualUpdatedAt !== expectedUpdatedAt) {
    throw new StoreConflictError(table, id, "the record changed since the repair was computed", {
      operation: "repair",
      expectedUpdatedAt,
      actualUpdatedAt,
    });
  }
}

function storedEntriesOrEmpty(record: MasteryRecord): EmaMapEntries {
  const parsed = parseEmaMap(record.emaByOutcome);
  return parsed.ok ? parsed.map : emaMapOf([]);
}

/** Entries of `after` that are not in `before` with the same value. */
export function changedEntries(before: EmaMapEntries, after: EmaMapEntries): EmaMapEntries {
  return emaMapOf(
    Object.entries(after).filter(
      ([key, value]) =>
        !(Object.hasOwn(before, key) && JSON.stringify(before[key]) === JSON.stringify(value)),
    ),
  );
}

/** Document IDs among `keys`, grouped by the course of the outcome they name. */
export async function knownOutcomeIdsByCourse(
  outcomes: CourseOutcomeStore,
  keys: readonly string[],
): Promise<Map<string, Set<string>>> {
  const candidates = [...new Set(keys)].filter(isDocumentId);
  const byCourse = new Map<string, Set<string>>();
  if (candidates.length === 0) return byCourse;
  for (const outcome of await outcomes.getByIds(candidates)) {
    const ids = byCourse.get(outcome.courseId) ?? new Set<string>();
    ids.add(outcome.$id);
    byCourse.set(outcome.courseId, ids);
  }
  return byCourse;
}

// ---------------------------------------------------------------- restore and scan

/**
 * Checks a restore batch: each record well-formed (its map is not checked: a
 * restore puts back even corrupt data exactly), no `$id` twice, no student and
 * course twice (the unique index).
 */
export function parseRestoreInput(records: readonly MasteryRecord[]): MasteryRecord[] {
  const parsed = parseInput(z.array(StoredMasteryRowSchema), records, "restore");
  assertUniqueIds(
    parsed.map((record) => record.$id),
    "restore",
  );
  const pairs = new Set<string>();
  for (const record of parsed) {
    const pair = `${record.studentId}\u0000${record.courseId}`;
    if (pairs.has(pair)) {
      throw new StoreInputError("restore", "two records for the same student and course", {
        studentId: record.studentId,
        courseId: record.courseId,
      });
    }
    pairs.add(pair);
  }
  return parsed;
}

/**
 * Splits a restore batch by its condition: the records to put back, and those
 * left alone because their stored row exists with an `updatedAt` that is not
 * one of those `ifUpdatedAtIn` lists for it (see `MasteryStore.restore`).
 */
export function partitionRestore<R extends { $id: string; updatedAt: string }>(
  records: readonly R[],
  stored: ReadonlyMap<string, { updatedAt: string }>,
  ifUpdatedAtIn: ReadonlyMap<string, readonly string[]> | undefined,
): { write: R[]; skipped: MasteryRestoreResult["skipped"] } {
  const write: R[] = [];
  const skipped: MasteryRestoreResult["skipped"] = [];
  for (const record of records) {
    const current = stored.get(record.$id);
    const expected = ifUpdatedAtIn?.get(record.$id);
    if (current !== undefined && expected !== undefined && !expected.includes(current.updatedAt))
      skipped.push({ $id: record.$id, updatedAt: current.updatedAt });
    else write.push(record);
  }
  return { write, skipped };
}

/**
 * The lesson ledger entries a restore of `record` removes: those of lessons
 * applied to it after the state put back. An apply's `appliedAt` is the
 * `updatedAt` it wrote and `updatedAt` only grows, so these are exactly the
 * lessons whose updates the restored map does not hold; left in place, they
 * would keep those lessons from ever being applied again. A restored
 * `updatedAt` that is not a timestamp cannot be ordered against them: with
 * such entries present the restore is refused.
 */
export function ledgerEntriesAfter<T extends { appliedAt: string }>(
  record: MasteryRecord,
  entries: readonly T[],
): T[] {
  if (entries.length === 0) return [];
  const restoredMs = Date.parse(record.updatedAt);
  if (Number.isNaN(restoredMs)) {
    throw new StoreDataError(
      TABLES.mastery,
      record.$id,
      "cannot tell which lessons the restored record holds: its updatedAt is not a timestamp",
      { operation: "restore", updatedAt: record.updatedAt, ledgerEntries: entries.length },
    );
  }
  return entries.filter((entry) => {
    const appliedMs = Date.parse(entry.appliedAt);
    if (Number.isNaN(appliedMs)) {
      throw new StoreDataError(
        TABLES.masteryLedger,
        record.$id,
        "a ledger entry of this record has an appliedAt that is not a timestamp",
        { operation: "restore", appliedAt: entry.appliedAt },
      );
    }
    return appliedMs > restoredMs;
  });
}

export function assertUniqueIds(ids: readonly string[], operation: string): void {
  const duplicates = ids.filter((id, index) => ids.indexOf(id) !== index);
  if (duplicates.length > 0) {
    throw new StoreInputError(operation, "the same $id appears more than once", {
      duplicates: [...new Set(duplicates)],
    });
  }
}

const ScanOptionsSchema = z.object({
  pageSize: z.int().positive(),
  after: z.string().min(1).optional(),
});

export function parseScanOptions(options: { pageSize: number; after?: string }): {
  pageSize: number;
  after?: string;
} {
  return parseInput(ScanOptionsSchema, options, "scan");
}
