/**
 * What `mastery clean` does to one record, computed without touching a store.
 *
 * Default (the spec's Phase 3): remove the empty key `""`.
 * With `migrateRefs`, additionally:
 * - an outcome ref key (`O1`, `TOPIC_*`, `SKILL_*`) is replaced by the document
 *   IDs of every outcome of the record's course with that `outcomeId` (one per
 *   unit), each taking the ref's value; a document-ID key already in the record
 *   keeps its own value;
 * - an assessment-standard key (`AS1.1`: a ref with a `.`) is removed, as
 *   mastery is recorded per outcome;
 * - a ref no outcome of the course carries, or whose value is not a valid
 *   score, is left in place and reported as unmatched.
 * Every other key is left as it is (the audit reports it), whatever its name:
 * `__proto__` or `constructor` is a malformed key like any other.
 *
 * A record that would end up with no keys is skipped for manual review, as is a
 * record whose `emaByOutcome` is not a JSON object (unset, unparseable, or
 * another JSON value): `reason: "invalid_json"`, the audit's category. Plans are deterministic, and a
 * planned result plans to no change: running clean twice changes nothing.
 *
 * A Routine row's `dueAtByOutcome` is planned by the same rules (its values
 * due dates instead of scores), and its `fsrsByOutcome` follows it (see
 * `RoutineRepairPlan`).
 */
import { isDueDate } from "../mastery/due-map.js";
import { isStringRef } from "../mastery/ids.js";
import { emaMapOf, isMasteryScore, parseEmaMap, type EmaMapEntries } from "../mastery/map.js";
import type { MasteryRecord, RoutineRecord } from "../stores/ports.js";
import type { CourseOutcomeIndex } from "./outcome-index.js";

export interface RepairOptions {
  migrateRefs: boolean;
}

export interface AddedKey {
  /** Outcome document ID. */
  key: string;
  value: unknown;
  /** The string ref whose value it took. */
  from: string;
}

export interface UnmatchedRef {
  key: string;
  reason: "no_outcome" | "invalid_value";
}

export interface KeyChanges {
  keysRemoved: string[];
  keysAdded: AddedKey[];
  /** Refs left in place (only with `migrateRefs`). */
  unmatchedRefs: UnmatchedRef[];
}

/** What a clean does to one map; a change carries what it writes (`W`). */
export type MapRepairPlan<W> =
  | ({ kind: "unchanged" } & KeyChanges)
  | ({ kind: "change" } & W & KeyChanges)
  /** The changes it would make leave no key: nothing is written. */
  | ({ kind: "skip"; reason: "would_be_empty" } & KeyChanges)
  /** The map (or, for Routine, its `fsrsByOutcome`) is not a JSON object: nothing is written. */
  | { kind: "skip"; reason: SkipReason };

/** Why a record is left for review without key changes to report. */
export type SkipReason = "invalid_json" | "invalid_fsrs_json";

export type RepairPlan = MapRepairPlan<{ emaByOutcome: Record<string, unknown> }>;

/**
 * A Routine row's plan. `fsrsByOutcome` is kept in step with
 * `dueAtByOutcome`: a key removed from the review map is removed from the
 * FSRS map; a ref migrated to document IDs gives each ID it adds a copy of
 * the ref's FSRS card (if the ref had one), unless the FSRS map already holds
 * that ID, whose own card stays (an existing document-ID key wins, as in the
 * review map). No other FSRS entry is touched, and an unset FSRS map (a row
 * the platform wrote) stays unset. A row whose FSRS map is set but not a JSON
 * object is skipped for review (`invalid_fsrs_json`) when its review map
 * would change: the two could not be kept in step.
 */
export type RoutineRepairPlan = MapRepairPlan<{
  dueAtByOutcome: Record<string, unknown>;
  fsrsByOutcome: Record<string, unknown> | null;
}>;

/** Assessment standards are the refs with a `.` (the platform's `outcomeRefs` rule). */
function isAssessmentStandardRef(key: string): boolean {
  return isStringRef(key) && key.includes(".");
}

/** `outcomes` is the index of the record's course; it is read only with `migrateRefs`. */
export function planRepair(
  record: MasteryRecord,
  outcomes: CourseOutcomeIndex,
  options: RepairOptions,
): RepairPlan {
  const plan = planMapRepair(record.emaByOutcome, outcomes, options, isMasteryScore);
  if (plan.kind !== "change") return plan;
  const { map, ...changes } = plan;
  return { ...changes, emaByOutcome: map };
}

/** A Routine row's plan (see `RoutineRepairPlan`); values migrate only if they are due dates. */
export function planRoutineRepair(
  record: RoutineRecord,
  outcomes: CourseOutcomeIndex,
  options: RepairOptions,
): RoutineRepairPlan {
  const plan = planMapRepair(record.dueAtByOutcome, outcomes, options, isDueDate);
  if (plan.kind !== "change") return plan;
  const { map, ...changes } = plan;
  if (record.fsrsByOutcome === null)
    return { ...changes, dueAtByOutcome: map, fsrsByOutcome: null };
  const fsrs = parseEmaMap(record.fsrsByOutcome);
  if (!fsrs.ok) return { kind: "skip", reason: "invalid_fsrs_json" };
  return { ...changes, dueAtByOutcome: map, fsrsByOutcome: fsrsInStep(fsrs.map, changes) };
}

/** The FSRS map after the review map's changes (the rule of `RoutineRepairPlan`). */
function fsrsInStep(fsrs: EmaMapEntries, changes: KeyChanges): EmaMapEntries {
  const removed = new Set(changes.keysRemoved);
  const added = changes.keysAdded
    .filter(({ key, from }) => !Object.hasOwn(fsrs, key) && Object.hasOwn(fsrs, from))
    .map(({ key, from }) => [key, fsrs[from]] as const);
  return emaMapOf([...Object.entries(fsrs).filter(([key]) => !removed.has(key)), ...added]);
}

type MapPlan = MapRepairPlan<{ map: EmaMapEntries }>;

function planMapRepair(
  raw: string | null,
  outcomes: CourseOutcomeIndex,
  options: RepairOptions,
  isValidValue: (value: unknown) => boolean,
): MapPlan {
  const parsed = parseEmaMap(raw);
  if (!parsed.ok) return { kind: "skip", reason: "invalid_json" };
  const original = parsed.map;
  // Most records of a scan are clean: without an empty key (and refs to migrate) there is nothing to plan.
  if (!options.migrateRefs && !Object.hasOwn(original, "")) {
    return { kind: "unchanged", keysRemoved: [], keysAdded: [], unmatchedRefs: [] };
  }

  const changes: KeyChanges = { keysRemoved: [], keysAdded: [], unmatchedRefs: [] };
  for (const [key, value] of Object.entries(original)) {
    if (key === "") {
      changes.keysRemoved.push(key);
    } else if (options.migrateRefs && isStringRef(key)) {
      planRefMigration(key, value, original, outcomes, changes, isValidValue);
    }
  }
  if (changes.keysRemoved.length === 0) return { kind: "unchanged", ...changes };

  const removed = new Set(changes.keysRemoved);
  const map = emaMapOf([
    ...Object.entries(original).filter(([key]) => !removed.has(key)),
    ...changes.keysAdded.map(({ key, value }) => [key, value] as const),
  ]);
  if (Object.keys(map).length === 0) return { kind: "skip", reason: "would_be_empty", ...changes };
  return { kind: "change", map, ...changes };
}

function planRefMigration(
  key: string,
  value: unknown,
  original: Readonly<Record<string, unknown>>,
  outcomes: CourseOutcomeIndex,
  changes: KeyChanges,
  isValidValue: (value: unknown) => boolean,
): void {
  if (isAssessmentStandardRef(key)) {
    changes.keysRemoved.push(key);
    return;
  }
  const targets = outcomes.documentIdsByOutcomeId.get(key);
  if (targets === undefined) {
    changes.unmatchedRefs.push({ key, reason: "no_outcome" });
    return;
  }
  if (!isValidValue(value)) {
    changes.unmatchedRefs.push({ key, reason: "invalid_value" });
    return;
  }
  changes.keysRemoved.push(key);
  for (const documentId of targets) {
    if (!Object.hasOwn(original, documentId))
      changes.keysAdded.push({ key: documentId, value, from: key });
  }
}
