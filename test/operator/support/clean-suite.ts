import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { auditMastery } from "../../../src/operator/audit.js";
import { BACKUP_HEADER, restoreFromBackup } from "../../../src/operator/backup.js";
import {
  cleanFoundProblems,
  cleanMastery,
  type CleanOptions,
  type CleanRecordResult,
} from "../../../src/operator/clean.js";
import { StoreConflictError, StoreUnavailableError } from "../../../src/stores/errors.js";
import type { MasteryRecord, Stores } from "../../../src/stores/ports.js";
import {
  loadOutcomes,
  masteryRecord,
  O1_U0,
  O1_U1,
  O1_U2,
  O2_U0,
  ORIGINAL_UPDATED_AT,
} from "./dataset.js";
import {
  EXPECTED_DEFAULT_CLEAN,
  EXPECTED_MIGRATE_CLEAN,
  EXPECTED_SKIPPED,
  EXPECTED_UNMATCHED,
} from "./expected.js";
import { mapsById, seed, snapshot, withRepair, type StoreCase } from "./stores.js";

/** The records of a backup's lines, after checking the file starts with the backup header. */
async function readBackupLines(path: string): Promise<MasteryRecord[]> {
  const [header, ...lines] = (await readFile(path, "utf8"))
    .split("\n")
    .filter((line) => line !== "");
  expect(JSON.parse(header!)).toEqual(BACKUP_HEADER);
  return lines.map((line) => (JSON.parse(line) as { record: MasteryRecord }).record);
}

/** The clean behaviour every store must show; each store's test file calls it. */
export function describeCleanSuite(storeCase: StoreCase): void {
  const { create, dataset } = storeCase;
  describe(`cleanMastery on ${storeCase.name}`, () => {
    const ORIGINAL = new Map(dataset().map((record) => [record.$id, record]));
    const total = ORIGINAL.size;
    const expectedMaps = (
      changed: Record<string, Record<string, unknown>>,
    ): Record<string, string | null> =>
      Object.fromEntries(
        dataset().map((r) => [
          r.$id,
          r.$id in changed ? JSON.stringify(changed[r.$id]) : r.emaByOutcome,
        ]),
      );
    let stores: Stores;
    let dir: string;
    let results: CleanRecordResult[];

    beforeEach(async () => {
      stores = await create();
      await seed(stores, dataset());
      dir = await mkdtemp(join(tmpdir(), "mastery-clean-"));
      results = [];
    });
    afterEach(async () => {
      await stores.close();
      await rm(dir, { recursive: true, force: true });
    });

    const options = (overrides: Partial<CleanOptions>): CleanOptions => ({
      migrateRefs: false,
      dryRun: false,
      backupPath: join(dir, "backup.jsonl"),
      pageSize: 4,
      batchSize: 2,
      concurrency: 2,
      onRecord: (result) => results.push(result),
      ...overrides,
    });
    const byId = () => new Map(results.map((result) => [result.recordId, result]));

    it("dry run reports each change and writes nothing", async () => {
      const before = await snapshot(stores.mastery);
      const summary = await cleanMastery(
        stores,
        options({ dryRun: true, migrateRefs: true, backupPath: undefined }),
      );
      expect(await snapshot(stores.mastery)).toEqual(before);
      expect(summary).toMatchObject({
        dryRun: true,
        scanned: total,
        cleaned: 6,
        skipped: 3,
        errors: 0,
        unchanged: total - 9,
        backupPath: null,
      });
      expect(summary.recordsWithUnmatchedRefs).toBe(3);
      expect(cleanFoundProblems(summary)).toBe(true);
      const reported = byId();
      expect(reported.get("rec_04_spec_example")).toEqual({
        table: "MasteryV2",
        recordId: "rec_04_spec_example",
        studentId: "student_rec_04_spec_example",
        courseId: "course_c84774",
        status: "would_clean",
        keysRemoved: ["", "O1", "AS1.1"],
        keysAdded: [
          { key: O1_U0, value: 1, from: "O1" },
          { key: O1_U1, value: 1, from: "O1" },
          { key: O1_U2, value: 1, from: "O1" },
        ],
        unmatchedRefs: [],
      });
      for (const id of Object.keys(EXPECTED_MIGRATE_CLEAN))
        expect(reported.get(id)?.status, id).toBe("would_clean");
      expect(reported.get("rec_07_unmatched_ref")).toMatchObject({
        status: "unchanged",
        unmatchedRefs: EXPECTED_UNMATCHED.rec_07_unmatched_ref,
      });
      expect(reported.has("rec_01_clean")).toBe(false);
    });

    it("default clean removes empty keys record by record, skips for review, sets updatedAt", async () => {
      const summary = await cleanMastery(stores, options({}));
      expect(summary).toMatchObject({
        scanned: total,
        cleaned: 4,
        skipped: 3,
        errors: 0,
        unchanged: total - 7,
        recordsWithUnmatchedRefs: 0,
      });
      expect(await mapsById(stores.mastery)).toEqual(expectedMaps(EXPECTED_DEFAULT_CLEAN));
      const after = await snapshot(stores.mastery);
      for (const [id, record] of after) {
        if (id in EXPECTED_DEFAULT_CLEAN)
          expect(Date.parse(record.updatedAt), id).toBeGreaterThan(Date.parse(ORIGINAL_UPDATED_AT));
        else expect(record, id).toEqual(ORIGINAL.get(id));
      }
      const reported = byId();
      for (const [id, reason] of Object.entries(EXPECTED_SKIPPED))
        expect(reported.get(id), id).toMatchObject({ status: "skipped", reason });
      expect(reported.get("rec_02_empty_key")).toMatchObject({
        status: "cleaned",
        keysRemoved: [""],
        keysAdded: [],
      });
      expect(cleanFoundProblems(summary)).toBe(true); // skipped records wait for review
    });

    it("backs up exactly the records it changes before writing, and restore puts them back", async () => {
      const summary = await cleanMastery(stores, options({ migrateRefs: true }));
      expect(summary.backupPath).toBe(join(dir, "backup.jsonl"));
      const backup = await readBackupLines(join(dir, "backup.jsonl"));
      expect(backup).toEqual(Object.keys(EXPECTED_MIGRATE_CLEAN).map((id) => ORIGINAL.get(id)));
      expect(summary.backedUp).toBe(backup.length);

      const restored = await restoreFromBackup(stores, join(dir, "backup.jsonl"), {
        batchSize: 2,
        concurrency: 2,
      });
      expect(restored).toMatchObject({
        lines: 6,
        restored: 6,
        duplicatesIgnored: 0,
        ignoredPartialLineBytes: 0,
      });
      expect(await snapshot(stores.mastery)).toEqual(ORIGINAL);
    });

    it("--migrate-refs moves refs to every unit's outcome and reports unmatched refs", async () => {
      const summary = await cleanMastery(stores, options({ migrateRefs: true }));
      expect(summary).toMatchObject({
        cleaned: 6,
        skipped: 3,
        errors: 0,
        recordsWithUnmatchedRefs: 3,
      });
      expect(await mapsById(stores.mastery)).toEqual(expectedMaps(EXPECTED_MIGRATE_CLEAN));
      const reported = byId();
      for (const [id, unmatched] of Object.entries(EXPECTED_UNMATCHED)) {
        expect(reported.get(id)?.unmatchedRefs, id).toEqual(unmatched);
      }
      const audit = await auditMastery(stores, { pageSize: 10, sampleSize: 20 });
      expect(audit.categories.empty_key.samples).toEqual(["rec_03_would_be_empty"]);
      expect(audit.categories.string_ref.samples).toEqual([
        "rec_07_unmatched_ref",
        "rec_14_ref_bad_value",
        "rec_15_ref_unknown_course",
      ]);
    });

    it("a second run changes nothing", async () => {
      await cleanMastery(stores, options({ migrateRefs: true }));
      const after = await snapshot(stores.mastery);
      results = [];
      const second = await cleanMastery(
        stores,
        options({ migrateRefs: true, backupPath: join(dir, "second.jsonl") }),
      );
      expect(second).toMatchObject({
        cleaned: 0,
        errors: 0,
        skipped: 3,
        backedUp: 0,
        backupPath: null,
      });
      expect(existsSync(join(dir, "second.jsonl"))).toBe(false);
      expect(await snapshot(stores.mastery)).toEqual(after);
      expect(
        results.every((result) => result.status === "skipped" || result.status === "unchanged"),
      ).toBe(true);
    });

    it("treats a __proto__ key as plain data: audited, kept and reported like any other malformed key", async () => {
      const stored: MasteryRecord = {
        ...masteryRecord("rec_16_proto_key", {}),
        emaByOutcome: `{"": 0.4, "__proto__": 0.5, "${O1_U0}": 0.7}`,
      };
      await stores.mastery.restore([stored]);
      const audit = await auditMastery(stores, { pageSize: 4, sampleSize: 20 });
      expect(audit.categories.invalid_id_format.samples).toContain(stored.$id);

      await cleanMastery(stores, options({ migrateRefs: true }));
      expect(byId().get(stored.$id)).toMatchObject({
        status: "cleaned",
        keysRemoved: [""],
        keysAdded: [],
      });
      const cleaned = await stores.mastery.get(stored.studentId, stored.courseId);
      expect(cleaned?.emaByOutcome).toBe(`{"__proto__":0.5,"${O1_U0}":0.7}`);

      await restoreFromBackup(stores, join(dir, "backup.jsonl"), {
        batchSize: 2,
        concurrency: 1,
      });
      expect(await stores.mastery.get(stored.studentId, stored.courseId)).toEqual(stored);
    });

    it("re-reads a record that changed between backup and write, backs the new value up, and repairs that", async () => {
      const changedMeanwhile = masteryRecord("rec_02_empty_key", {
        "": 0,
        [O1_U0]: 0.9,
        [O2_U0]: 0.6,
      });
      changedMeanwhile.updatedAt = "2025-11-13T09:00:00.000Z";
      let interfered = false;
      const mastery = withRepair(stores.mastery, async (repairs) => {
        if (!interfered && repairs.some((repair) => repair.$id === changedMeanwhile.$id)) {
          interfered = true;
          await stores.mastery.restore([changedMeanwhile]);
        }
        return stores.mastery.repair(repairs);
      });
      const summary = await cleanMastery({ mastery, outcomes: stores.outcomes }, options({}));
      expect(summary).toMatchObject({ cleaned: 4, errors: 0 });
      expect(
        (await stores.mastery.get("student_rec_02_empty_key", "course_c84774"))?.emaByOutcome,
      ).toBe(JSON.stringify({ [O1_U0]: 0.9, [O2_U0]: 0.6 }));
      const backup = await readBackupLines(join(dir, "backup.jsonl"));
      expect(backup.filter((record) => record.$id === "rec_02_empty_key")).toEqual([
        ORIGINAL.get("rec_02_empty_key"),
        changedMeanwhile,
      ]);
      expect(summary.backedUp).toBe(5);
    });

    it("recognises records a store wrote before refusing the rest of a batch", async () => {
      const mastery = withRepair(stores.mastery, async (repairs) => {
        if (repairs.length === 1) return stores.mastery.repair(repairs);
        // As Appwrite beyond one transaction: the first chunk commits, a later one is refused.
        await stores.mastery.repair(repairs.slice(0, 1));
        throw new StoreConflictError("MasteryV2", repairs[1]!.$id, "a later chunk conflicted");
      });
      const summary = await cleanMastery(
        { mastery, outcomes: stores.outcomes },
        options({ migrateRefs: true, batchSize: 3 }),
      );
      expect(summary).toMatchObject({ cleaned: 6, errors: 0, backedUp: 6 });
      expect(results.filter((result) => result.status === "cleaned")).toHaveLength(6);
      expect(await mapsById(stores.mastery)).toEqual(expectedMaps(EXPECTED_MIGRATE_CLEAN));
    });

    it("reports a record the store refuses, with its id, and writes the rest of its batch", async () => {
      // An outcome the run saw that is gone by the time it writes: the store refuses the key.
      const phantom = { ...loadOutcomes()[1]!, $id: "68f576b1000c0f5d0a99" };
      const real = stores.outcomes;
      const outcomes = {
        findByOutcomeIds: real.findByOutcomeIds.bind(real),
        getByIds: real.getByIds.bind(real),
        upsertMany: real.upsertMany.bind(real),
        listByCourse: async (courseId: string) => [...(await real.listByCourse(courseId)), phantom],
      };
      const summary = await cleanMastery(
        { mastery: stores.mastery, outcomes },
        options({ migrateRefs: true, batchSize: 10 }),
      );
      expect(summary).toMatchObject({ cleaned: 5, errors: 1 });
      expect(byId().get("rec_05_refs_only")).toMatchObject({
        status: "error",
        keysRemoved: ["O2", "AS2.1"],
        error: { code: "STORE_WRITE_REFUSED" },
      });
      // Everything else of its batch is written; the refused record is as it was.
      expect(await mapsById(stores.mastery)).toEqual({
        ...expectedMaps(EXPECTED_MIGRATE_CLEAN),
        rec_05_refs_only: ORIGINAL.get("rec_05_refs_only")!.emaByOutcome,
      });
      expect(cleanFoundProblems(summary)).toBe(true);
    });

    it("resumes after an abort mid-write: same final state, and the backup keeps the original values", async () => {
      // Reference: an uninterrupted run on a copy.
      const reference = await create();
      await seed(reference, dataset());
      await cleanMastery(
        reference,
        options({ migrateRefs: true, backupPath: join(dir, "reference.jsonl") }),
      );
      const expected = await mapsById(reference.mastery);
      await reference.close();

      let batches = 0;
      const failing = withRepair(stores.mastery, async (repairs) => {
        if (++batches > 1) throw new StoreUnavailableError("test", "connection lost");
        return stores.mastery.repair(repairs);
      });
      await expect(
        cleanMastery(
          { mastery: failing, outcomes: stores.outcomes },
          options({ migrateRefs: true, concurrency: 1 }),
        ),
      ).rejects.toBeInstanceOf(StoreUnavailableError);
      const partial = await mapsById(stores.mastery);
      expect(partial).not.toEqual(expected);
      expect(partial).not.toEqual(expectedMaps({}));

      const rerun = await cleanMastery(stores, options({ migrateRefs: true }));
      expect(rerun.errors).toBe(0);
      expect(await mapsById(stores.mastery)).toEqual(expected);

      // The rerun appended; the first line of each record is its original value.
      const backup = await readBackupLines(join(dir, "backup.jsonl"));
      expect(backup.length).toBeGreaterThan(6);
      const restored = await restoreFromBackup(stores, join(dir, "backup.jsonl"), {
        batchSize: 3,
        concurrency: 2,
      });
      expect(restored.restored).toBe(6);
      expect(restored.duplicatesIgnored).toBe(backup.length - 6);
      expect(await snapshot(stores.mastery)).toEqual(ORIGINAL);
    });
  });
}
