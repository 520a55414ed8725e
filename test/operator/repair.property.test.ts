/**
 * Properties of the audit's classification and of the repair clean plans,
 * over generated maps (see ./support/arbitraries.ts).
 */
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isDocumentId, isStringRef } from "../../src/mastery/ids.js";
import { findEmaViolations, parseEmaMap } from "../../src/mastery/map.js";
import { classifyRecord, type AuditCategory } from "../../src/operator/classify.js";
import { indexCourseOutcomes, type CourseOutcomeIndex } from "../../src/operator/outcome-index.js";
import { planRepair } from "../../src/operator/repair.js";
import type { MasteryRecord } from "../../src/stores/ports.js";
import { propertyParameters } from "../support/property.js";
import { storedRecord } from "./support/arbitraries.js";
import { COURSE_ID, EMPTY_COURSE_ID, loadOutcomes } from "./support/dataset.js";

const indexes = new Map([
  [COURSE_ID, indexCourseOutcomes(COURSE_ID, loadOutcomes())],
  [EMPTY_COURSE_ID, indexCourseOutcomes(EMPTY_COURSE_ID, [])],
]);
const indexOf = (record: MasteryRecord): CourseOutcomeIndex => indexes.get(record.courseId)!;

/** The audit's key classes, written out again from the documented order. */
function expectedKeyCategory(key: string, known: ReadonlySet<string>): AuditCategory | undefined {
  if (key === "") return "empty_key";
  if (isStringRef(key)) return "string_ref";
  if (!isDocumentId(key)) return "invalid_id_format";
  return known.has(key) ? undefined : "unknown_outcome";
}

/** The stored map as JSON.parse reads it (every key an own property), or undefined when it is not a map. */
function storedMap(text: string | null): Record<string, unknown> | undefined {
  if (text === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function isScore(value: unknown): boolean {
  return typeof value === "number" && value >= 0 && value <= 1;
}

describe("classifyRecord (property)", () => {
  it("never throws, and puts a record exactly in the categories its keys, values and text show", () => {
    fc.assert(
      fc.property(storedRecord, (record) => {
        const known = indexOf(record).documentIds;
        const categories = classifyRecord(record, known);
        const text = record.emaByOutcome;
        const expected = new Set<AuditCategory>();
        if (text !== null && text.length > 5000) expected.add("oversize");
        const map = storedMap(text);
        if (map === undefined) expected.add("invalid_json");
        else {
          for (const [key, value] of Object.entries(map)) {
            const category = expectedKeyCategory(key, known);
            if (category !== undefined) expected.add(category);
            if (!isScore(value)) expected.add("invalid_value");
          }
        }
        expect([...categories].sort()).toEqual([...expected].sort());
      }),
      propertyParameters(),
    );
  });

  it("calls a record clean exactly when the write guard accepts its map", () => {
    fc.assert(
      fc.property(storedRecord, (record) => {
        const parsed = parseEmaMap(record.emaByOutcome);
        fc.pre(parsed.ok && JSON.stringify(parsed.map) === record.emaByOutcome);
        const known = indexOf(record).documentIds;
        const clean = classifyRecord(record, known).size === 0;
        expect(clean).toBe(parsed.ok && findEmaViolations(parsed.map, known).length === 0);
      }),
      propertyParameters(),
    );
  });
});

describe("planRepair (property)", () => {
  const options = fc.record({ migrateRefs: fc.boolean() });

  it("keeps or removes what was stored, adds only the course's outcomes with scores, and reports exactly that", () => {
    fc.assert(
      fc.property(storedRecord, options, (record, repairOptions) => {
        const index = indexOf(record);
        const plan = planRepair(record, index, repairOptions);
        if (plan.kind !== "change") return;
        const before = storedMap(record.emaByOutcome);
        if (before === undefined)
          throw new Error("a change planned for a record that is not a map");
        const after = plan.emaByOutcome;
        for (const [key, value] of Object.entries(after)) {
          const kept = Object.hasOwn(before, key) && isDeepStrictEqual(before[key], value);
          const added = index.documentIds.has(key) && isScore(value) && !Object.hasOwn(before, key);
          expect(kept || added, key).toBe(true);
        }
        expect(Object.hasOwn(after, "")).toBe(false);
        expect(Object.keys(after).length).toBeGreaterThan(0);
        const removed = Object.keys(before).filter((key) => !Object.hasOwn(after, key));
        const added = Object.keys(after).filter((key) => !Object.hasOwn(before, key));
        expect([...plan.keysRemoved].sort()).toEqual(removed.sort());
        expect(plan.keysAdded.map(({ key }) => key).sort()).toEqual(added.sort());
      }),
      propertyParameters(),
    );
  });

  it("plans no change for what it planned (clean is idempotent)", () => {
    fc.assert(
      fc.property(storedRecord, options, (record, repairOptions) => {
        const plan = planRepair(record, indexOf(record), repairOptions);
        if (plan.kind !== "change") return;
        const cleaned = { ...record, emaByOutcome: JSON.stringify(plan.emaByOutcome) };
        expect(planRepair(cleaned, indexOf(record), repairOptions).kind).toBe("unchanged");
      }),
      propertyParameters(),
    );
  });
});
