/**
 * The Routine operator write rules (repair and restore), independent of the
 * backend, as ./mastery-write.ts is for MasteryV2. A lesson's own Routine
 * write is ./completion-write.ts's.
 *
 * A repair may remove entries of either map and keep stored ones exactly as
 * they are (legacy keys included); whatever it adds or changes must be keyed by
 * a document ID of an outcome of the row's course, with a due date
 * (../../mastery/due-map.ts) in `dueAtByOutcome` and a usable FSRS card
 * (../../mastery/schedule.ts) in `fsrsByOutcome`, and both maps must fit their
 * columns. A restore puts rows back exactly, corrupt ones included.
 */
import { z } from "zod";
import { findDueEntryViolations, isDueMapOversize } from "../../mastery/due-map.js";
import type { MasteryViolation } from "../../mastery/errors.js";
import { findKeyRule, emaMapOf, isEmaMapObject, parseEmaMap } from "../../mastery/map.js";
import { StoredFsrsCardSchema } from "../../mastery/schedule.js";
import type { CourseOutcomeStore, RoutineRecord, RoutineRepair } from "../ports.js";
import {
  StoreConflictError,
  StoreInputError,
  StoreNotFoundError,
  StoreWriteRefusedError,
} from "../errors.js";
import { FSRS_BY_OUTCOME_MAX_CHARS } from "./completion-write.js";
import {
  assertUniqueIds,
  assertUnchanged,
  changedEntries,
  knownOutcomeIdsByCourse,
  repairUpdatedAt,
} from "./mastery-write.js";
import { parseInput, RoutineRecordSchema, TABLES } from "./rows.js";

const mapObject = z.custom<Record<string, unknown>>(isEmaMapObject, {
  error: "expected an object",
});

const RoutineRepairSchema = z.object({
  $id: z.string().min(1),
  studentId: z.string().min(1),
  courseId: z.string().min(1),
  expectedUpdatedAt: z.string().min(1),
  // Not `z.record`: it rebuilds the object by assignment and silently drops a `__proto__` key.
  dueAtByOutcome: mapObject,
  fsrsByOutcome: mapObject.nullable(),
  updatedAt: z.iso.datetime().optional(),
});

/** A repaired row to write, and the `updatedAt` the stored row must still have. */
export interface PlannedRoutineRepair {
  record: RoutineRecord;
  expectedUpdatedAt: string;
}

/**
 * Checks a batch of Routine repairs against the stored rows and returns what
 * to write; the batch is refused as a whole on the first problem (a missing
 * row, a row of another student/course or changed since it was read, a
 * violation), like MasteryV2's `planRepairs`.
 */
export async function planRoutineRepairs(
  outcomes: CourseOutcomeStore,
  repairs: readonly RoutineRepair[],
  stored: ReadonlyMap<string, RoutineRecord>,
  now: number = Date.now(),
): Promise<PlannedRoutineRepair[]> {
  const parsed = parseInput(z.array(RoutineRepairSchema), repairs, "repair Routine");
  assertUniqueIds(
    parsed.map((repair) => repair.$id),
    "repair Routine",
  );
  const changes = parsed.map((repair) => {
    const current = stored.get(repair.$id);
    if (current === undefined)
      throw new StoreNotFoundError(TABLES.routine, repair.$id, { operation: "repair" });
    assertRepairTargets(repair, current);
    const due = emaMapOf(Object.entries(repair.dueAtByOutcome));
    const fsrs =
      repair.fsrsByOutcome === null ? null : emaMapOf(Object.entries(repair.fsrsByOutcome));
    return {
      repair,
      current,
      due,
      fsrs,
      changedDue: changedEntries(entriesOrEmpty(current.dueAtByOutcome), due),
      changedFsrs:
        fsrs === null ? emaMapOf([]) : changedEntries(entriesOrEmpty(current.fsrsByOutcome), fsrs),
    };
  });
  const known = await knownOutcomeIdsByCourse(
    outcomes,
    changes.flatMap(({ changedDue, changedFsrs }) => [
      ...Object.keys(changedDue),
      ...Object.keys(changedFsrs),
    ]),
  );
  return changes.map(({ repair, current, due, fsrs, changedDue, changedFsrs }) => {
    const courseOutcomes = known.get(repair.courseId) ?? new Set<string>();
    const dueText = JSON.stringify(due);
    const fsrsText = fsrs === null ? null : JSON.stringify(fsrs);
    const violations: MasteryViolation[] = [
      ...findDueEntryViolations(changedDue, courseOutcomes),
      ...findFsrsEntryViolations(changedFsrs, courseOutcomes),
      ...(isDueMapOversize(dueText) ? [{ rule: "oversize" as const, value: dueText.length }] : []),
      ...(fsrsText !== null && fsrsText.length > FSRS_BY_OUTCOME_MAX_CHARS
        ? [{ rule: "oversize" as const, value: fsrsText.length }]
        : []),
    ];
    if (violations.length > 0) {
      throw new StoreWriteRefusedError(violations, {
        table: TABLES.routine,
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
        dueAtByOutcome: dueText,
        fsrsByOutcome: fsrsText,
        updatedAt: repairUpdatedAt(repair, current, now),
      },
    };
  });
}

/** FSRS entries a repair adds or changes: keyed like review entries, each a usable card. */
function findFsrsEntryViolations(
  map: Readonly<Record<string, unknown>>,
  knownOutcomeIds: ReadonlySet<string>,
): MasteryViolation[] {
  return Object.entries(map).flatMap(([key, value]): MasteryViolation[] => {
    const rule = findKeyRule(key, knownOutcomeIds);
    return [
      ...(rule === undefined ? [] : [{ rule, key, value }]),
      ...(StoredFsrsCardSchema.safeParse(value).success
        ? []
        : [{ rule: "invalid_value" as const, key, value }]),
    ];
  });
}

function assertRepairTargets(
  repair: z.infer<typeof RoutineRepairSchema>,
  current: RoutineRecord,
): void {
  if (repair.studentId !== current.studentId || repair.courseId !== current.courseId) {
    throw new StoreConflictError(
      TABLES.routine,
      repair.$id,
      "the repair names another student or course than the stored row",
      {
        operation: "repair",
        repair: { studentId: repair.studentId, courseId: repair.courseId },
        stored: { studentId: current.studentId, courseId: current.courseId },
      },
    );
  }
  assertUnchanged(repair.$id, repair.expectedUpdatedAt, current.updatedAt, TABLES.routine);
  // Unsetting a stored FSRS map would lose every outcome's review history.
  if (repair.fsrsByOutcome === null && current.fsrsByOutcome !== null) {
    throw new StoreInputError(
      "repair Routine",
      "fsrsByOutcome may stay unset only if it is unset",
      {
        recordId: repair.$id,
      },
    );
  }
}

/** A stored map's entries; an unset or unusable map counts as empty, so everything written is checked. */
function entriesOrEmpty(raw: string | null): Record<string, unknown> {
  const parsed = parseEmaMap(raw);
  return parsed.ok ? parsed.map : emaMapOf([]);
}

/**
 * Checks a Routine restore batch: each row well-formed (its maps are not
 * checked: a restore puts back even corrupt data exactly), no `$id` twice, no
 * student and course twice (the unique index).
 */
export function parseRoutineRestoreInput(records: readonly RoutineRecord[]): RoutineRecord[] {
  const parsed = parseInput(z.array(RoutineRecordSchema), records, "restore Routine");
  assertUniqueIds(
    parsed.map((record) => record.$id),
    "restore Routine",
  );
  const pairs = new Set<string>();
  for (const record of parsed) {
    const pair = `${record.studentId}\u0000${record.courseId}`;
    if (pairs.has(pair)) {
      throw new StoreInputError("restore Routine", "two rows for the same student and course", {
        studentId: record.studentId,
        courseId: record.courseId,
      });
    }
    pairs.add(pair);
  }
  return parsed;
}

/** The error of a restore whose row would take a student and course another row holds. */
export function routinePairHeld(
  record: RoutineRecord,
  otherId: string | undefined,
): StoreConflictError {
  return new StoreConflictError(
    TABLES.routine,
    record.$id,
    "another row has the same student and course (unique_student_course)",
    { operation: "restore", studentId: record.studentId, courseId: record.courseId, otherId },
  );
}
