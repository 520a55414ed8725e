/**
 * How the audit classifies a MasteryV2 record. Every key of the parsed
 * `emaByOutcome` map gets exactly one key class, checked in this order:
 *
 * 1. `""`                                            -> `empty_key`
 * 2. a legacy string ref (`O1`, `AS1.1`, `TOPIC_*`, `SKILL_*`; `isStringRef`) -> `string_ref`
 * 3. anything else not in document-ID format (`isDocumentId`) -> `invalid_id_format`
 * 4. document-ID format, but not the `$id` of an outcome of the record's course -> `unknown_outcome`
 *
 * Independently of its key, an entry whose value is not a finite number in
 * [0, 1] (a string, null, an object, out of range) makes the record `invalid_value`.
 * A record whose `emaByOutcome` is not a JSON object string (unset/null,
 * unparseable, or parsing to something other than an object) is `invalid_json`
 * and has no key or value classes.
 * A record whose stored `emaByOutcome` is longer than the column's 5000
 * characters is `oversize`, whether or not it parses.
 * The rules themselves (and the parsing, which keeps `__proto__` and other
 * inherited names as plain keys) are the mastery map's: ../mastery/map.ts.
 *
 * A record counts once in each category it shows, however many keys show it,
 * so one record can be in several categories.
 */
import { findDueEntryViolations, isDueMapOversize } from "../mastery/due-map.js";
import type { MasteryViolation } from "../mastery/errors.js";
import { isStringRef } from "../mastery/ids.js";
import { findEntryViolations, isOversize, parseEmaMap } from "../mastery/map.js";
import type { MasteryRecord, RoutineRecord } from "../stores/ports.js";

/** Every audit category, in report order. */
export const AUDIT_CATEGORIES = [
  "empty_key",
  "string_ref",
  "invalid_id_format",
  "unknown_outcome",
  "invalid_value",
  "invalid_json",
  "oversize",
] as const;

export type AuditCategory = (typeof AUDIT_CATEGORIES)[number];

/** A value for every category (the type checker sees that none is missing). */
export function perCategory<T>(make: (category: AuditCategory) => T): Record<AuditCategory, T> {
  return {
    empty_key: make("empty_key"),
    string_ref: make("string_ref"),
    invalid_id_format: make("invalid_id_format"),
    unknown_outcome: make("unknown_outcome"),
    invalid_value: make("invalid_value"),
    invalid_json: make("invalid_json"),
    oversize: make("oversize"),
  };
}

/** The categories whose keys are not in document-ID format (the spec's format target). */
export const KEY_FORMAT_CATEGORIES: readonly AuditCategory[] = [
  "empty_key",
  "string_ref",
  "invalid_id_format",
];

/**
 * The categories `record` falls in (empty when it is clean).
 * `courseOutcomeIds` are the document IDs of the outcomes of the record's course.
 */
export function classifyRecord(
  record: MasteryRecord,
  courseOutcomeIds: ReadonlySet<string>,
): Set<AuditCategory> {
  return classifyMap(record.emaByOutcome, courseOutcomeIds, {
    isOversize,
    findEntryViolations,
  });
}

/**
 * The categories of a Routine row, from its `dueAtByOutcome`: the same key
 * classes, `invalid_value` for a value that is not a due date, `oversize`
 * over the column's 10 000 characters (../mastery/due-map.ts). `fsrsByOutcome`
 * is not audited: it follows `dueAtByOutcome` (see ./repair.ts).
 */
export function classifyRoutine(
  record: RoutineRecord,
  courseOutcomeIds: ReadonlySet<string>,
): Set<AuditCategory> {
  return classifyMap(record.dueAtByOutcome, courseOutcomeIds, {
    isOversize: isDueMapOversize,
    findEntryViolations: findDueEntryViolations,
  });
}

/** What differs between the maps: their size limit and their value rule. */
interface MapRules {
  isOversize(text: string): boolean;
  findEntryViolations(
    map: Readonly<Record<string, unknown>>,
    knownOutcomeIds: ReadonlySet<string>,
  ): MasteryViolation[];
}

function classifyMap(
  raw: string | null,
  courseOutcomeIds: ReadonlySet<string>,
  rules: MapRules,
): Set<AuditCategory> {
  const categories = new Set<AuditCategory>();
  // Measured on the stored text: the column limit applies to what is stored.
  if (raw !== null && rules.isOversize(raw)) categories.add("oversize");
  const parsed = parseEmaMap(raw);
  if (!parsed.ok) {
    categories.add("invalid_json");
    return categories;
  }
  for (const violation of rules.findEntryViolations(parsed.map, courseOutcomeIds)) {
    switch (violation.rule) {
      case "invalid_id_format":
        categories.add(
          violation.key !== undefined && isStringRef(violation.key)
            ? "string_ref"
            : "invalid_id_format",
        );
        break;
      default:
        categories.add(violation.rule);
    }
  }
  return categories;
}
