import { afterEach, describe, expect, it } from "vitest";
import { auditFoundProblems, auditMastery } from "../../../src/operator/audit.js";
import { AUDIT_CATEGORIES } from "../../../src/operator/classify.js";
import type { Stores } from "../../../src/stores/ports.js";
import { masteryRecord, O1_U0, OVERSIZE_RECORD_ID } from "./dataset.js";
import { EXPECTED_COUNTS, expectedInCategory } from "./expected.js";
import { seed, type StoreCase } from "./stores.js";

/** The audit behaviour every store must show; each store's test file calls it. */
export function describeAuditSuite(storeCase: StoreCase): void {
  const { create, dataset } = storeCase;
  describe(`auditMastery on ${storeCase.name}`, () => {
    let stores: Stores | undefined;
    afterEach(async () => {
      await stores?.close();
      stores = undefined;
    });

    it("counts every category exactly, with rates and samples, across pages", async () => {
      stores = await create();
      const records = dataset();
      await seed(stores, records);
      const report = await auditMastery(stores, { pageSize: 4, sampleSize: 2 });
      const total = records.length;
      const withOversize = records.some((record) => record.$id === OVERSIZE_RECORD_ID);
      expect(report.total).toBe(withOversize ? 15 : 14);
      expect(Object.keys(report.categories)).toEqual([...AUDIT_CATEGORIES]);
      for (const category of AUDIT_CATEGORIES) {
        const inCategory = expectedInCategory(
          category,
          records.map((record) => record.$id),
        );
        const count =
          EXPECTED_COUNTS[category] -
          (!withOversize && ["oversize", "unknown_outcome"].includes(category) ? 1 : 0);
        expect(inCategory, category).toHaveLength(count);
        expect(report.categories[category], category).toEqual({
          count,
          rate: count / total,
          samples: inCategory.slice(0, 2),
        });
      }
      // Out of document-ID format: records with an empty key, a string ref, a malformed key or bad JSON.
      const outOfFormat = [
        "rec_02",
        "rec_03",
        "rec_04",
        "rec_05",
        "rec_06",
        "rec_07",
        "rec_08",
        "rec_11",
        "rec_12",
        "rec_14",
        "rec_15",
      ];
      expect(report.targets).toEqual({
        empty_key_rate: { target: 0, actual: 5 / total, pass: false },
        document_id_format: { target: 1, actual: 1 - outOfFormat.length / total, pass: false },
      });
      expect(auditFoundProblems(report)).toBe(true);
    });

    it("passes both targets on clean data and on no data", async () => {
      stores = await create();
      await seed(stores, []);
      const empty = await auditMastery(stores, { pageSize: 10, sampleSize: 3 });
      expect(empty.total).toBe(0);
      expect(empty.targets.empty_key_rate).toEqual({ target: 0, actual: 0, pass: true });
      expect(empty.targets.document_id_format).toEqual({ target: 1, actual: 1, pass: true });
      expect(auditFoundProblems(empty)).toBe(false);

      await stores.mastery.restore([
        masteryRecord("a", { [O1_U0]: 0.5 }),
        masteryRecord("b", { [O1_U0]: 1 }),
      ]);
      const clean = await auditMastery(stores, { pageSize: 1, sampleSize: 3 });
      expect(clean.total).toBe(2);
      expect(clean.targets.empty_key_rate.pass && clean.targets.document_id_format.pass).toBe(true);
      for (const category of AUDIT_CATEGORIES)
        expect(clean.categories[category]).toEqual({ count: 0, rate: 0, samples: [] });
      expect(auditFoundProblems(clean)).toBe(false);
    });

    it("looks each course's outcomes up once however many records it has", async () => {
      stores = await create();
      await seed(stores, dataset());
      const calls: string[] = [];
      const outcomes = stores.outcomes;
      const counting = {
        ...outcomes,
        listByCourse: (courseId: string) => (calls.push(courseId), outcomes.listByCourse(courseId)),
      };
      await auditMastery(
        { mastery: stores.mastery, outcomes: counting },
        { pageSize: 2, sampleSize: 1 },
      );
      expect(calls.sort()).toEqual(["course_c84774", "course_without_outcomes"]);
    });
  });
}
