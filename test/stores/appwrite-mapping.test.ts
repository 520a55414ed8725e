/** MasteryV2 rows as the Appwrite adapter maps them: the hand-rolled fast path and the schema agree. */
import { describe, expect, it } from "vitest";
import { isoDatetime, masteryFromRow } from "../../src/stores/appwrite/mapping.js";
import { StoreDataError } from "../../src/stores/errors.js";

const row = (columns: Record<string, unknown>) => ({
  $id: "row_1",
  $sequence: "1",
  $tableId: "MasteryV2",
  $databaseId: "default",
  $createdAt: "2025-11-12T12:00:00.000+00:00",
  $updatedAt: "2025-11-12T12:00:00.000+00:00",
  $permissions: [],
  studentId: "student_1",
  courseId: "course_1",
  emaByOutcome: "{}",
  updatedAt: "2025-11-12T12:00:00.000+00:00",
  revision: "rev_1",
  ...columns,
});

describe("masteryFromRow", () => {
  it("maps a row to the record's columns, the datetime as toISOString() writes it", () => {
    expect(masteryFromRow("MasteryV2", row({}))).toEqual({
      record: {
        $id: "row_1",
        studentId: "student_1",
        courseId: "course_1",
        emaByOutcome: "{}",
        updatedAt: "2025-11-12T12:00:00.000Z",
      },
      revision: "rev_1",
    });
  });

  it("reads an unset map (null, or absent from the response) as null, and a row with no revision as legacy", () => {
    const withoutMap: Record<string, unknown> = row({ revision: null });
    delete withoutMap.emaByOutcome;
    for (const unset of [row({ emaByOutcome: null, revision: null }), withoutMap]) {
      const { record, revision } = masteryFromRow("MasteryV2", {
        ...unset,
        $id: "row_1",
        $updatedAt: "2025-11-12T12:00:00.000+00:00",
      });
      expect(record.emaByOutcome).toBeNull();
      expect(revision).toBe("legacy:2025-11-12T12:00:00.000+00:00");
    }
  });

  it.each([
    ["a null studentId", { studentId: null }, "studentId"],
    ["an empty courseId", { courseId: "" }, "courseId"],
    ["a studentId over 50 characters", { studentId: "s".repeat(51) }, "studentId"],
    ["a numeric map", { emaByOutcome: 5 }, "emaByOutcome"],
    ["no updatedAt", { updatedAt: null }, "updatedAt"],
  ])("refuses %s with a StoreDataError naming the column", (_name, columns, column) => {
    let caught: unknown;
    try {
      masteryFromRow("MasteryV2", row(columns));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StoreDataError);
    expect(caught).toMatchObject({
      code: "STORE_DATA_INVALID",
      context: { table: "MasteryV2", id: "row_1" },
    });
    expect((caught as StoreDataError).message).toContain(column);
  });
});

describe("isoDatetime", () => {
  it("writes Appwrite's UTC form and other offsets as toISOString() does, and leaves the rest", () => {
    expect(isoDatetime("2025-11-12T12:00:00.123+00:00")).toBe("2025-11-12T12:00:00.123Z");
    expect(isoDatetime("2025-11-12T13:00:00.000+01:00")).toBe("2025-11-12T12:00:00.000Z");
    expect(isoDatetime("2025-11-12T12:00:00Z")).toBe("2025-11-12T12:00:00.000Z");
    expect(isoDatetime("not a date")).toBe("not a date");
    expect(isoDatetime(7)).toBe(7);
  });
});
