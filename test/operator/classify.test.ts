import { describe, expect, it } from "vitest";
import { AUDIT_CATEGORIES, classifyRecord } from "../../src/operator/classify.js";
import { indexCourseOutcomes } from "../../src/operator/outcome-index.js";
import {
  COURSE_ID,
  EMPTY_COURSE_ID,
  corruptedDataset,
  loadOutcomes,
  masteryRecord,
  O1_U0,
} from "./support/dataset.js";
import { EXPECTED_CATEGORIES } from "./support/expected.js";

const courseIndex = indexCourseOutcomes(COURSE_ID, loadOutcomes());
const idsOf = (courseId: string) =>
  courseId === COURSE_ID ? courseIndex.documentIds : new Set<string>();

describe("classifyRecord", () => {
  it.each(corruptedDataset().map((record) => [record.$id, record] as const))(
    "puts %s in exactly its categories",
    (_id, record) => {
      const categories = classifyRecord(record, idsOf(record.courseId));
      expect([...categories].sort()).toEqual([...EXPECTED_CATEGORIES[record.$id]!].sort());
    },
  );

  it("counts a record once per category however many keys show it", () => {
    const record = masteryRecord("r", { "": 0, O1: 1, O2: 1, "AS1.1": 1, SKILL_X: 0 });
    expect([...classifyRecord(record, courseIndex.documentIds)].sort()).toEqual([
      "empty_key",
      "string_ref",
    ]);
  });

  it("treats a document-ID key as unknown when the course has no outcomes", () => {
    const record = masteryRecord("r", { [O1_U0]: 0.5 }, EMPTY_COURSE_ID);
    expect([...classifyRecord(record, idsOf(EMPTY_COURSE_ID))]).toEqual(["unknown_outcome"]);
  });

  it("flags NaN-like, negative and non-numeric values but accepts 0 and 1", () => {
    expect([
      ...classifyRecord(
        masteryRecord("r", { [O1_U0]: 0, "68f576b1000c0f5d0a11": 1 }),
        courseIndex.documentIds,
      ),
    ]).toEqual([]);
    for (const value of [-0.01, 1.01, "NaN", null, true, {}, []]) {
      const record = masteryRecord("r", { [O1_U0]: value });
      expect([...classifyRecord(record, courseIndex.documentIds)]).toEqual(["invalid_value"]);
    }
  });

  it("puts __proto__ and other inherited names in invalid_id_format, as plain keys", () => {
    for (const name of ["__proto__", "constructor", "toString"]) {
      const record = masteryRecord("r", `{"${name}": 0.5, "${O1_U0}": 0.7}`);
      expect([...classifyRecord(record, courseIndex.documentIds)], name).toEqual([
        "invalid_id_format",
      ]);
    }
  });

  it("measures oversize on the stored text even when it does not parse", () => {
    const record = masteryRecord("r", `{"${"x".repeat(5000)}`);
    expect([...classifyRecord(record, courseIndex.documentIds)].sort()).toEqual([
      "invalid_json",
      "oversize",
    ]);
  });

  it("puts an unset (null) map in invalid_json only", () => {
    const record = { ...masteryRecord("r", {}), emaByOutcome: null };
    expect([...classifyRecord(record, courseIndex.documentIds)]).toEqual(["invalid_json"]);
  });

  it("has the category names the --json report promises", () => {
    expect(AUDIT_CATEGORIES).toEqual([
      "empty_key",
      "string_ref",
      "invalid_id_format",
      "unknown_outcome",
      "invalid_value",
      "invalid_json",
      "oversize",
    ]);
  });
});
