/** What the audit and clean must report for `corruptedDataset()`. */
import type { AuditCategory } from "../../../src/operator/classify.js";
import { O1_U0, O1_U1, O1_U2, O2_U0, O2_U1, O2_U2 } from "./dataset.js";

export const EXPECTED_CATEGORIES: Record<string, AuditCategory[]> = {
  rec_01_clean: [],
  rec_02_empty_key: ["empty_key"],
  rec_03_would_be_empty: ["empty_key"],
  rec_04_spec_example: ["empty_key", "string_ref"],
  rec_05_refs_only: ["string_ref"],
  rec_06_existing_wins: ["string_ref"],
  rec_07_unmatched_ref: ["string_ref"],
  rec_08_bad_format: ["invalid_id_format"],
  rec_09_unknown_outcome: ["unknown_outcome"],
  rec_10_bad_values: ["invalid_value"],
  rec_11_bad_json: ["invalid_json"],
  rec_12_not_an_object: ["invalid_json"],
  rec_13_oversize: ["unknown_outcome", "oversize"],
  rec_14_ref_bad_value: ["empty_key", "string_ref", "invalid_value"],
  rec_15_ref_unknown_course: ["empty_key", "string_ref"],
};

/** Counts over the whole dataset (with the oversize record). */
export const EXPECTED_COUNTS: Record<AuditCategory, number> = {
  empty_key: 5,
  string_ref: 6,
  invalid_id_format: 1,
  unknown_outcome: 2,
  invalid_value: 2,
  invalid_json: 2,
  oversize: 1,
};

/** Records the default clean rewrites, and their maps afterwards. */
export const EXPECTED_DEFAULT_CLEAN: Record<string, Record<string, unknown>> = {
  rec_02_empty_key: { [O1_U0]: 0.9 },
  rec_04_spec_example: { O1: 1, "AS1.1": 1 },
  rec_14_ref_bad_value: { O1: "high", [O2_U2]: 0.3 },
  rec_15_ref_unknown_course: { O1: 0.5 },
};

/** Records `clean --migrate-refs` rewrites, and their maps afterwards. */
export const EXPECTED_MIGRATE_CLEAN: Record<string, Record<string, unknown>> = {
  rec_02_empty_key: { [O1_U0]: 0.9 },
  rec_04_spec_example: { [O1_U0]: 1, [O1_U1]: 1, [O1_U2]: 1 },
  rec_05_refs_only: { [O2_U0]: 0.7, [O2_U1]: 0.7, [O2_U2]: 0.7 },
  rec_06_existing_wins: { [O1_U1]: 0.95, [O1_U0]: 0.4, [O1_U2]: 0.4 },
  rec_14_ref_bad_value: { O1: "high", [O2_U2]: 0.3 },
  rec_15_ref_unknown_course: { O1: 0.5 },
};

/** Skipped in both modes, for manual review. */
export const EXPECTED_SKIPPED = {
  rec_03_would_be_empty: "would_be_empty",
  rec_11_bad_json: "invalid_json",
  rec_12_not_an_object: "invalid_json",
} as const;

/** Refs `--migrate-refs` leaves in place. */
export const EXPECTED_UNMATCHED = {
  rec_07_unmatched_ref: [{ key: "TOPIC_FRACTIONS", reason: "no_outcome" }],
  rec_14_ref_bad_value: [{ key: "O1", reason: "invalid_value" }],
  rec_15_ref_unknown_course: [{ key: "O1", reason: "no_outcome" }],
} as const;

/** Per-category record ids, in `$id` order, over the records of `ids`. */
export function expectedInCategory(category: AuditCategory, ids: readonly string[]): string[] {
  return ids.filter((id) => EXPECTED_CATEGORIES[id]?.includes(category));
}
