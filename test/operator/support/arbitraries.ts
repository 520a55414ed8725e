/**
 * fast-check arbitraries of stored MasteryV2 maps over the outcomes fixture:
 * keys the course knows, keys in document-ID format it does not, legacy refs,
 * names every object inherits, and any string; values that are scores and
 * values that are not; stored text that is not a map at all, or too large.
 */
import fc from "fast-check";
import { EMA_BY_OUTCOME_MAX_CHARS } from "../../../src/mastery/map.js";
import type { MasteryRecord } from "../../../src/stores/ports.js";
import {
  COURSE_ID,
  EMPTY_COURSE_ID,
  FOREIGN_ID,
  O1_U0,
  O1_U1,
  O1_U2,
  O2_U0,
  O2_U1,
  O2_U2,
  ORIGINAL_UPDATED_AT,
} from "./dataset.js";

export const COURSE_OUTCOME_IDS = [O1_U0, O1_U1, O1_U2, O2_U0, O2_U1, O2_U2] as const;

/** Names on `Object.prototype`; `propertyIsEnumerable` is also a valid document ID. */
export const INHERITED_NAMES = [
  "__proto__",
  "constructor",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "propertyIsEnumerable",
] as const;

export const masteryKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...COURSE_OUTCOME_IDS),
  fc.constantFrom(FOREIGN_ID, "68f576b1000c0f5d0a99"),
  fc.constantFrom("", "O1", "O2", "O9", "AS1.1", "AS2.1", "TOPIC_FRACTIONS", "SKILL_RATIO"),
  fc.constantFrom(...INHERITED_NAMES),
  fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9._-]{19,35}$/),
  fc.string({ maxLength: 24 }),
);

export const masteryValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
  { weight: 2, arbitrary: fc.constantFrom(0, 1, 0.5, 0.3, 0.7) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);

/** Entries of a map in the order they are written (a key may repeat: JSON.parse keeps the last). */
export const masteryEntries = fc.array(fc.tuple(masteryKey, masteryValue), { maxLength: 8 });

/** JSON object text of `entries`, written out here rather than by the module under test. */
export function jsonObjectText(entries: readonly (readonly [string, unknown])[]): string {
  return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(",")}}`;
}

/** A key long enough that any map holding it is over the column size. */
const OVERSIZE_KEY = "x".repeat(EMA_BY_OUTCOME_MAX_CHARS);

/** Stored `emaByOutcome` text: mostly maps, sometimes anything else a column can hold. */
export const storedEmaText: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 12, arbitrary: masteryEntries.map(jsonObjectText) },
  {
    weight: 1,
    arbitrary: masteryEntries.map((entries) => jsonObjectText([...entries, [OVERSIZE_KEY, 0.5]])),
  },
  { weight: 1, arbitrary: fc.json({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** A record of the fixture's course (or, now and then, of a course without outcomes). */
export const storedRecord: fc.Arbitrary<MasteryRecord> = fc
  .record({
    emaByOutcome: storedEmaText,
    courseId: fc.constantFrom(COURSE_ID, COURSE_ID, COURSE_ID, EMPTY_COURSE_ID),
  })
  .map(({ emaByOutcome, courseId }) => ({
    $id: "rec_property",
    studentId: "student_property",
    courseId,
    emaByOutcome,
    updatedAt: ORIGINAL_UPDATED_AT,
  }));

/** 1 to 4 records of distinct students, ids in generation order. */
export const storedRecords: fc.Arbitrary<MasteryRecord[]> = fc
  .array(storedRecord, { minLength: 1, maxLength: 4 })
  .map((records) =>
    records.map((record, index) => ({
      ...record,
      $id: `rec_property_${index}`,
      studentId: `student_property_${index}`,
    })),
  );
