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
 */
import { isStringRef } from "../mastery/ids.js";
import { emaMapOf, isMasteryScore, parseEmaMap } from "../mastery/map.js";
import type { MasteryRecord } from "../stores/ports.js";
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

export type RepairPlan =
  | ({ kind: "unchanged" } & KeyChanges)
  | ({ kind: "change"; emaByOutcome: Record<string, unknown> } & KeyChanges)
  /** The changes it would make leave no key: nothing is written. */
  | ({ kind: "skip"; reason: "would_be_empty" } & KeyChanges)
  | { kind: "skip"; reason: "invalid_json" };

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
  const parsed = parseEmaMap(record.emaByOutcome);
  if (!parsed.ok) return { kind: "skip", reason: "invalid_json" };
  const original = parsed.map;

  const changes: KeyChanges = { keysRemoved: [], keysAdded: [], unmatchedRefs: [] };
  for (const [key, value] of Object.entries(original)) {
    if (key === "") {
      changes.keysRemoved.push(key);
    } else if (options.migrateRefs && isStringRef(key)) {
      planRefMigration(key, value, original, outcomes, changes);
    }
  }
  if (changes.keysRemoved.length === 0) return { kind: "unchanged", ...changes };

  const removed = new Set(changes.keysRemoved);
  const emaByOutcome = emaMapOf([
    ...Object.entries(original).filter(([key]) => !removed.has(key)),
    ...changes.keysAdded.map(({ key, value }) => [key, value] as const),
  ]);
  if (Object.keys(emaByOutcome).length === 0)
    return { kind: "skip", reason: "would_be_empty", ...changes };
  return { kind: "change", emaByOutcome, ...changes };
}

function planRefMigration(
  key: string,
  value: unknown,
  original: Readonly<Record<string, unknown>>,
  outcomes: CourseOutcomeIndex,
  changes: KeyChanges,
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
  if (!isMasteryScore(value)) {
    changes.unmatchedRefs.push({ key, reason: "invalid_value" });
    return;
  }
  changes.keysRemoved.push(key);
  for (const documentId of targets) {
    if (!Object.hasOwn(original, documentId))
      changes.keysAdded.push({ key: documentId, value, from: key });
  }
}
