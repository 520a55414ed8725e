/**
 * Records whose `emaByOutcome` is unset (null): Appwrite's column is not
 * required, so legacy rows may hold null. The operator tools must see such a
 * record as data (audit: `invalid_json`; clean: skipped for review; restore:
 * exact), and a lesson must not fold into it as if it were empty.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { auditMastery } from "../../../src/operator/audit.js";
import { BACKUP_HEADER, restoreFromBackup } from "../../../src/operator/backup.js";
import { cleanMastery, type CleanRecordResult } from "../../../src/operator/clean.js";
import { StoreDataError } from "../../../src/stores/errors.js";
import type { MasteryRecord, Stores } from "../../../src/stores/ports.js";
import { COURSE_ID, loadOutcomes, masteryRecord, O1_U0, ORIGINAL_UPDATED_AT } from "./dataset.js";
import { snapshot, type StoreCase } from "./stores.js";

/** A record whose map is unset. */
export function unsetMapRecord(id: string): MasteryRecord {
  return {
    $id: id,
    studentId: `student_${id}`,
    courseId: COURSE_ID,
    emaByOutcome: null,
    updatedAt: ORIGINAL_UPDATED_AT,
  };
}

/**
 * Seeds the fixture outcomes and three records: `a_empty_key`, `b_unset` (map
 * null) and `c_clean`. `seedUnset` puts `b_unset` in place; by default through
 * `restore` (which must take it back exactly).
 */
export interface UnsetMapSuiteOptions {
  seedUnset?: (stores: Stores, record: MasteryRecord) => Promise<void>;
}

export function describeUnsetMapSuite(
  storeCase: StoreCase,
  {
    seedUnset = async (stores, record) => {
      await stores.mastery.restore([record]);
    },
  }: UnsetMapSuiteOptions = {},
): void {
  describe(`records with an unset emaByOutcome on ${storeCase.name}`, () => {
    const emptyKey = masteryRecord("a_empty_key", { "": 0, [O1_U0]: 0.5 });
    const unset = unsetMapRecord("b_unset");
    const clean = masteryRecord("c_clean", { [O1_U0]: 0.5 });
    let stores: Stores;
    let dir: string;

    beforeEach(async () => {
      stores = await storeCase.create();
      await stores.outcomes.upsertMany(loadOutcomes());
      await stores.mastery.restore([emptyKey, clean]);
      await seedUnset(stores, unset);
      dir = await mkdtemp(join(tmpdir(), "mastery-unset-"));
    });
    afterEach(async () => {
      await stores.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("scans it as data: the record comes back with emaByOutcome null", async () => {
      const all = await snapshot(stores.mastery);
      expect([...all.keys()]).toEqual(["a_empty_key", "b_unset", "c_clean"]);
      expect(all.get("b_unset")).toEqual(unset);
      expect(await stores.mastery.get(unset.studentId, COURSE_ID)).toEqual(unset);
    });

    it("audit counts it as invalid_json (and out of document-ID format), nothing else", async () => {
      const report = await auditMastery(stores, { pageSize: 2, sampleSize: 5 });
      expect(report.total).toBe(3);
      expect(report.categories.invalid_json).toEqual({
        count: 1,
        rate: 1 / 3,
        samples: ["b_unset"],
      });
      expect(report.categories.empty_key.samples).toEqual(["a_empty_key"]);
      for (const category of [
        "string_ref",
        "invalid_id_format",
        "unknown_outcome",
        "invalid_value",
        "oversize",
      ] as const) {
        expect(report.categories[category].count, category).toBe(0);
      }
      expect(report.targets.document_id_format).toEqual({
        target: 1,
        actual: 1 - 2 / 3,
        pass: false,
      });
    });

    it("clean skips it for manual review, leaves it as it is and backs up only what it changes", async () => {
      const results: CleanRecordResult[] = [];
      const summary = await cleanMastery(stores, {
        migrateRefs: true,
        dryRun: false,
        backupPath: join(dir, "backup.jsonl"),
        pageSize: 2,
        batchSize: 2,
        concurrency: 2,
        onRecord: (result) => results.push(result),
      });
      expect(summary).toMatchObject({ scanned: 3, cleaned: 1, skipped: 1, errors: 0 });
      expect(results.find((result) => result.recordId === "b_unset")).toEqual({
        table: "MasteryV2",
        recordId: "b_unset",
        studentId: "student_b_unset",
        courseId: COURSE_ID,
        status: "skipped",
        reason: "invalid_json",
        keysRemoved: [],
        keysAdded: [],
        unmatchedRefs: [],
      });
      const after = await snapshot(stores.mastery);
      expect(after.get("b_unset")).toEqual(unset);
      expect(JSON.parse(after.get("a_empty_key")!.emaByOutcome!)).toEqual({ [O1_U0]: 0.5 });
      const backup = await readFile(join(dir, "backup.jsonl"), "utf8");
      const [header, ...lines] = backup.trim().split("\n");
      expect(JSON.parse(header!)).toEqual(BACKUP_HEADER);
      expect(lines.map((line) => JSON.parse(line).record.$id)).toEqual(["a_empty_key"]);
    });

    it("a dry run reports it skipped and writes nothing", async () => {
      const before = await snapshot(stores.mastery);
      const summary = await cleanMastery(stores, {
        migrateRefs: false,
        dryRun: true,
        pageSize: 10,
        batchSize: 10,
        concurrency: 1,
      });
      expect(summary).toMatchObject({ scanned: 3, cleaned: 1, skipped: 1 });
      expect(await snapshot(stores.mastery)).toEqual(before);
    });

    it("restore from a backup line puts the unset map back exactly", async () => {
      const path = join(dir, "restore.jsonl");
      await writeFile(path, `${JSON.stringify(unsetMapRecord("c_clean"))}\n`);
      const summary = await restoreFromBackup(stores, path, {
        batchSize: 10,
        concurrency: 1,
      });
      expect(summary).toMatchObject({ lines: 1, restored: 1 });
      const after = await snapshot(stores.mastery);
      expect(after.get("c_clean")).toEqual(unsetMapRecord("c_clean"));
      expect(after.get("b_unset")).toEqual(unset);
    });

    it("a lesson for that student and course is refused with a typed error naming the record", async () => {
      const error = await stores.mastery
        .applyLessonMastery({
          sessionId: "sess_unset",
          studentId: unset.studentId,
          courseId: COURSE_ID,
          updates: [{ outcome_id: O1_U0, score: 1, timestamp: "2025-11-12T15:00:00.000Z" }],
          alpha: 0.3,
        })
        .then(
          () => expect.fail("the apply was accepted"),
          (rejection: unknown) => rejection,
        );
      expect(error).toBeInstanceOf(StoreDataError);
      expect(error).toMatchObject({
        code: "STORE_DATA_INVALID",
        context: { table: "MasteryV2", id: "b_unset", emaByOutcome: null },
      });
      expect(await stores.mastery.get(unset.studentId, COURSE_ID)).toEqual(unset);
    });
  });
}
