import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { restoreFromBackup } from "../../../src/operator/backup.js";
import { cleanMastery, type CleanOptions } from "../../../src/operator/clean.js";
import type { MasteryRecord, Stores } from "../../../src/stores/ports.js";
import { COURSE_ID, O1_U0, O2_U0 } from "./dataset.js";
import { seed, snapshot, withRepair, type StoreCase } from "./stores.js";

/** A record the default clean changes (it drops the empty key). */
const CLEANED_ID = "rec_02_empty_key";
const STUDENT = `student_${CLEANED_ID}`;

/**
 * `restore` after lessons were applied: it never loses a lesson silently and
 * never leaves a ledger entry that blocks one. Every store's test file calls it.
 */
export function describeRestoreSuite(storeCase: StoreCase): void {
  const { create, dataset } = storeCase;
  describe(`restore after lessons on ${storeCase.name}`, () => {
    let stores: Stores;
    let dir: string;
    const backupPath = () => join(dir, "backup.jsonl");

    beforeEach(async () => {
      stores = await create();
      await seed(stores, dataset());
      dir = await mkdtemp(join(tmpdir(), "mastery-restore-"));
    });
    afterEach(async () => {
      await stores.close();
      await rm(dir, { recursive: true, force: true });
    });

    const cleanOptions: CleanOptions = {
      migrateRefs: false,
      dryRun: false,
      pageSize: 4,
      batchSize: 2,
      concurrency: 2,
    };
    const clean = (mastery = stores.mastery) =>
      cleanMastery(
        { mastery, outcomes: stores.outcomes },
        { ...cleanOptions, backupPath: backupPath() },
      );
    const lesson = (sessionId: string, score: number) =>
      stores.mastery.applyLessonMastery({
        sessionId,
        studentId: STUDENT,
        courseId: COURSE_ID,
        updates: [{ outcome_id: O1_U0, score, timestamp: "2025-11-20T10:00:00.000Z" }],
        alpha: 0.5,
      });
    const restore = (force: boolean) =>
      restoreFromBackup(stores, backupPath(), { batchSize: 2, concurrency: 2, force });

    it("puts back every record only a clean wrote since the backup", async () => {
      const before = await snapshot(stores.mastery);
      await clean();
      const summary = await restore(false);
      expect(summary).toMatchObject({ restored: 4, refused: [], releasedSessions: [] });
      expect(await snapshot(stores.mastery)).toEqual(before);
    });

    it("refuses a record a lesson changed after the clean, leaving it and the lesson applied", async () => {
      const before = await snapshot(stores.mastery);
      await clean();
      await lesson("sess_after_clean", 0.2);
      const afterLesson = await snapshot(stores.mastery);

      const summary = await restore(false);
      expect(summary.refused).toEqual([
        { recordId: CLEANED_ID, updatedAt: afterLesson.get(CLEANED_ID)!.updatedAt },
      ]);
      expect(summary).toMatchObject({ restored: 3, releasedSessions: [] });
      const after = await snapshot(stores.mastery);
      expect(after.get(CLEANED_ID)).toEqual(afterLesson.get(CLEANED_ID));
      for (const [id, record] of after)
        if (id !== CLEANED_ID) expect(record, id).toEqual(before.get(id));
      // The lesson is in the record, so its ledger entry rightly stays.
      expect(await stores.mastery.isSessionApplied("sess_after_clean")).toBe(true);
      expect((await lesson("sess_after_clean", 0.2)).status).toBe("already_applied");
    });

    it("with force puts it back and releases only the lessons it undoes, which can then be applied again", async () => {
      await lesson("sess_before_clean", 0.8);
      const beforeClean = await snapshot(stores.mastery);
      await clean();
      await lesson("sess_after_clean", 0.2);

      const summary = await restore(true);
      expect(summary).toMatchObject({
        restored: 4,
        refused: [],
        releasedSessions: ["sess_after_clean"],
      });
      expect(await snapshot(stores.mastery)).toEqual(beforeClean);
      // The backed-up state holds the earlier lesson: it must not count twice...
      expect(await stores.mastery.isSessionApplied("sess_before_clean")).toBe(true);
      expect((await lesson("sess_before_clean", 0.8)).status).toBe("already_applied");
      // ...and the later one, undone, is not blocked.
      expect(await stores.mastery.isSessionApplied("sess_after_clean")).toBe(false);
      const again = await lesson("sess_after_clean", 0.2);
      expect(again.status).toBe("applied");
      const beforeMap = JSON.parse(beforeClean.get(CLEANED_ID)!.emaByOutcome!) as Record<
        string,
        number
      >;
      expect(again.emaByOutcome[O1_U0]).toBeCloseTo(0.5 * 0.2 + 0.5 * beforeMap[O1_U0]!, 10);
    });

    it("refuses a record a lesson changed during the clean, between its backup and its repair", async () => {
      let interfered = false;
      const mastery = withRepair(stores.mastery, async (repairs) => {
        if (!interfered && repairs.some((repair) => repair.$id === CLEANED_ID)) {
          interfered = true;
          await lesson("sess_during_clean", 0.4);
        }
        return stores.mastery.repair(repairs);
      });
      const summary = await clean(mastery);
      expect(summary.errors).toBe(0);
      const cleaned = await snapshot(stores.mastery);
      expect(
        Object.keys(JSON.parse(cleaned.get(CLEANED_ID)!.emaByOutcome!) as object),
      ).not.toContain("");

      // The clean's own write is the last one, yet the first line predates the lesson.
      const refused = await restore(false);
      expect(refused.refused.map((record) => record.recordId)).toEqual([CLEANED_ID]);
      expect((await snapshot(stores.mastery)).get(CLEANED_ID)).toEqual(cleaned.get(CLEANED_ID));

      const forced = await restore(true);
      expect(forced.releasedSessions).toEqual(["sess_during_clean"]);
      expect(await stores.mastery.isSessionApplied("sess_during_clean")).toBe(false);
    });

    it("never puts back a record a conditional restore finds changed, even within one batch", async () => {
      const [record] = dataset().filter((r) => r.$id === CLEANED_ID) as [MasteryRecord];
      const older = { ...record, emaByOutcome: JSON.stringify({ [O2_U0]: 0.1 }) };
      const result = await stores.mastery.restore([older], {
        ifUpdatedAtIn: new Map([[CLEANED_ID, ["2000-01-01T00:00:00.000Z"]]]),
      });
      expect(result).toEqual({
        skipped: [{ $id: CLEANED_ID, updatedAt: record.updatedAt }],
        releasedSessions: [],
      });
      expect((await snapshot(stores.mastery)).get(CLEANED_ID)).toEqual(record);
    });
  });
}
