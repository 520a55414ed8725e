/**
 * Corrupted MasteryV2 datasets built in code, over the National 4 Mathematics
 * outcomes fixture (course_c84774: O1 and O2 in each of three units).
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { CourseOutcomeInputSchema, type CourseOutcome } from "../../../src/outcomes/schema.js";
import { DEMO_FILES } from "../../../src/seed/index.js";
import type { MasteryRecord } from "../../../src/stores/ports.js";

export const COURSE_ID = "course_c84774";
/** A course with no outcomes at all. */
export const EMPTY_COURSE_ID = "course_without_outcomes";
export const ORIGINAL_UPDATED_AT = "2025-11-12T12:00:00.000Z";

/**
 * The fixture's outcomes with fixed IDs in the `ID.unique()` format, so that
 * expected results can name them: `<unit index><O number>` in the last digits.
 */
export function loadOutcomes(): CourseOutcome[] {
  const raw = z
    .array(z.looseObject({ keywords: z.array(z.string()) }))
    .parse(JSON.parse(readFileSync(DEMO_FILES.courseOutcomes, "utf8")));
  // The fixture holds keywords as an array; the table stores them as a JSON string.
  const inputs = raw.map((row) =>
    CourseOutcomeInputSchema.parse({ ...row, keywords: JSON.stringify(row.keywords) }),
  );
  const unitIndex = new Map<string, number>();
  return inputs.map((input) => {
    if (!unitIndex.has(input.unitCode)) unitIndex.set(input.unitCode, unitIndex.size);
    const unit = unitIndex.get(input.unitCode)!;
    const $id = `68f576b1000c0f5d0a${unit}${input.outcomeId.slice(1)}`;
    return { ...input, $id };
  });
}

/** Document IDs of the fixture outcome with `outcomeId` in each unit (unit 0, 1, 2). */
export function outcomeIds(outcomeId: "O1" | "O2"): [string, string, string] {
  const n = outcomeId.slice(1);
  return [`68f576b1000c0f5d0a0${n}`, `68f576b1000c0f5d0a1${n}`, `68f576b1000c0f5d0a2${n}`];
}

export const [O1_U0, O1_U1, O1_U2] = outcomeIds("O1");
export const [O2_U0, O2_U1, O2_U2] = outcomeIds("O2");
/** Document-ID format, but no outcome of the course. */
export const FOREIGN_ID = "6913b73000151df21338";

export function masteryRecord(
  id: string,
  emaByOutcome: unknown,
  courseId: string = COURSE_ID,
): MasteryRecord {
  return {
    $id: id,
    studentId: `student_${id}`,
    courseId,
    emaByOutcome: typeof emaByOutcome === "string" ? emaByOutcome : JSON.stringify(emaByOutcome),
    updatedAt: ORIGINAL_UPDATED_AT,
  };
}

/**
 * One record per interesting shape, with the audit categories and the clean
 * results (default and `--migrate-refs`) each should get. IDs sort in this order.
 * `withOversize: false` leaves out the record over 5000 characters, which
 * stores enforcing the column size (SQLite, Appwrite) cannot hold.
 */
export function corruptedDataset(options: { withOversize?: boolean } = {}): MasteryRecord[] {
  const records = [
    masteryRecord("rec_01_clean", { [O1_U0]: 0.85, [O2_U1]: 0.5 }),
    masteryRecord("rec_02_empty_key", { "": 0, [O1_U0]: 0.9 }),
    masteryRecord("rec_03_would_be_empty", { "": 1 }),
    masteryRecord("rec_04_spec_example", { "": 0, O1: 1, "AS1.1": 1 }),
    masteryRecord("rec_05_refs_only", { O2: 0.7, "AS2.1": 0.3 }),
    masteryRecord("rec_06_existing_wins", { O1: 0.4, [O1_U1]: 0.95 }),
    masteryRecord("rec_07_unmatched_ref", { TOPIC_FRACTIONS: 0.6, [O2_U0]: 0.2 }),
    masteryRecord("rec_08_bad_format", { "not an id": 0.5, [O1_U2]: 0.1 }),
    masteryRecord("rec_09_unknown_outcome", { [FOREIGN_ID]: 0.5 }),
    masteryRecord("rec_10_bad_values", { [O1_U0]: "0.5", [O2_U0]: 1.5, [O2_U1]: null }),
    masteryRecord("rec_11_bad_json", '{"": 0, "O1": '),
    masteryRecord("rec_12_not_an_object", "[0.5]"),
    masteryRecord("rec_13_oversize", oversizeMap()),
    masteryRecord("rec_14_ref_bad_value", { "": 0, O1: "high", [O2_U2]: 0.3 }),
    masteryRecord("rec_15_ref_unknown_course", { O1: 0.5, "": 0.1 }, EMPTY_COURSE_ID),
  ];
  return options.withOversize === false
    ? records.filter((record) => record.$id !== OVERSIZE_RECORD_ID)
    : records;
}

export const OVERSIZE_RECORD_ID = "rec_13_oversize";

/** Valid keys only, but more than 5000 characters stored. */
function oversizeMap(): Record<string, number> {
  const map: Record<string, number> = {};
  for (let i = 0; i < 200; i++) map[`68f576b1000c0f${i.toString().padStart(6, "0")}`] = 0.123456789;
  return map;
}

/** The shapes of corrupted record `generatedDataset` cycles through. */
const CORRUPTED_SHAPES: ReadonlyArray<(value: number) => Record<string, unknown>> = [
  (value) => ({ "": 0, [O1_U0]: value }),
  (value) => ({ "": 1, O1: value, "AS1.1": 1 }),
  (value) => ({ O2: value, [O2_U0]: 0.9 }),
  () => ({ "": 0 }),
];

/** Record ids in the `ID.unique()` format that sort in generation order. */
function generatedId(index: number): string {
  return `69${index.toString(16).padStart(18, "0")}`;
}

/**
 * `count` records of course_c84774; every `1 / corruptedShare`-th one is
 * corrupted, cycling through empty keys, the spec's example, string refs and a
 * would-be-empty map. Deterministic, so two stores seeded alike are equal.
 */
export function generatedDataset(count: number, corruptedShare: number): MasteryRecord[] {
  const every = Math.round(1 / corruptedShare);
  return Array.from({ length: count }, (_, index) => {
    const value = Math.round(((index * 37) % 100) / 10) / 10;
    const map =
      index % every === 0
        ? CORRUPTED_SHAPES[(index / every) % CORRUPTED_SHAPES.length]!(value)
        : { [O1_U0]: value, [O2_U1]: 1 - value };
    return { ...masteryRecord(generatedId(index), map), studentId: `student_${index}` };
  });
}
