import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { auditRoutines } from "../../../src/operator/audit.js";
import { restoreFromBackup } from "../../../src/operator/backup.js";
import { cleanRoutines, type CleanOptions } from "../../../src/operator/clean.js";
import type { RoutineRecord, Stores } from "../../../src/stores/ports.js";
import { COURSE_ID, FOREIGN_ID, loadOutcomes, O1_U0, O1_U1, O1_U2, O2_U0 } from "./dataset.js";
import type { StoreCase } from "./stores.js";

const DUE = "2025-12-01T09:00:00.000Z";
const card = (due: string) => ({
  due,
  stability: 3,
  difficulty: 5,
  elapsed_days: 0,
  scheduled_days: 3,
  learning_steps: 0,
  reps: 1,
  lapses: 0,
  state: 2,
  last_review: "2025-11-28T09:00:00.000Z",
});

function routine(id: string, due: unknown, fsrs: unknown): RoutineRecord {
  return {
    $id: id,
    studentId: `student_${id}`,
    courseId: COURSE_ID,
    dueAtByOutcome: typeof due === "string" ? due : JSON.stringify(due),
    fsrsByOutcome: fsrs === null ? null : JSON.stringify(fsrs),
    lastTaughtAt: null,
    spacingPolicyVersion: 2,
    schema_version: 2,
    updatedAt: "2025-11-12T12:00:00.000Z",
  };
}

/** Routine rows: one per shape the audit and clean must tell apart. */
const ROWS = [
  routine("r1_clean", { [O1_U0]: DUE }, { [O1_U0]: card(DUE) }),
  routine("r2_empty_key", { "": DUE, [O2_U0]: DUE }, { "": card(DUE), [O2_U0]: card(DUE) }),
  routine("r3_ref", { O1: DUE, [O1_U1]: DUE }, { O1: card(DUE), [O1_U1]: card(DUE) }),
  routine("r4_bad_values", { [O1_U0]: "soon", [FOREIGN_ID]: DUE }, null),
  routine("r5_bad_json", '{"": ', null),
];

/** Routine's `dueAtByOutcome` under audit, clean and restore; every store's test file calls it. */
export function describeRoutineSuite(storeCase: StoreCase): void {
  describe(`Routine under the operator tools on ${storeCase.name}`, () => {
    let stores: Stores;
    let dir: string;
    beforeEach(async () => {
      stores = await storeCase.create();
      await stores.outcomes.upsertMany(loadOutcomes());
      await stores.routines.restore(ROWS);
      dir = await mkdtemp(join(tmpdir(), "routine-ops-"));
    });
    afterEach(async () => {
      await stores.close();
      await rm(dir, { recursive: true, force: true });
    });
    const options = (overrides: Partial<CleanOptions> = {}): CleanOptions => ({
      migrateRefs: true,
      dryRun: false,
      backupPath: join(dir, "backup.jsonl"),
      pageSize: 2,
      batchSize: 2,
      concurrency: 2,
      ...overrides,
    });
    const all = async () => {
      const rows = new Map<string, RoutineRecord>();
      for await (const page of stores.routines.scan({ pageSize: 10 }))
        for (const row of page) rows.set(row.$id, row);
      return rows;
    };

    it("audits dueAtByOutcome with the mastery key categories and due-date values", async () => {
      const report = await auditRoutines(stores, { pageSize: 2, sampleSize: 5 });
      expect(report.total).toBe(5);
      const samples = Object.fromEntries(
        Object.entries(report.categories).map(([category, { samples }]) => [category, samples]),
      );
      expect(samples).toEqual({
        empty_key: ["r2_empty_key"],
        string_ref: ["r3_ref"],
        invalid_id_format: [],
        unknown_outcome: ["r4_bad_values"],
        invalid_value: ["r4_bad_values"],
        invalid_json: ["r5_bad_json"],
        oversize: [],
      });
    });

    it("dry run writes nothing; clean migrates refs with their FSRS cards, backs up Routine lines, and a rerun changes nothing", async () => {
      const before = await all();
      const dry = await cleanRoutines(stores, options({ dryRun: true, backupPath: undefined }));
      expect(dry).toMatchObject({ cleaned: 2, skipped: 1 });
      expect(await all()).toEqual(before);

      const summary = await cleanRoutines(stores, options());
      expect(summary).toMatchObject({ cleaned: 2, skipped: 1, errors: 0, backedUp: 2 });
      const after = await all();
      expect(JSON.parse(after.get("r2_empty_key")!.dueAtByOutcome!)).toEqual({ [O2_U0]: DUE });
      expect(Object.keys(JSON.parse(after.get("r2_empty_key")!.fsrsByOutcome!))).toEqual([O2_U0]);
      // O1 → every unit's O1; the existing O1_U1 keeps its own entries.
      expect(JSON.parse(after.get("r3_ref")!.dueAtByOutcome!)).toEqual({
        [O1_U1]: DUE,
        [O1_U0]: DUE,
        [O1_U2]: DUE,
      });
      expect(Object.keys(JSON.parse(after.get("r3_ref")!.fsrsByOutcome!)).sort()).toEqual(
        [O1_U0, O1_U1, O1_U2].sort(),
      );
      const lines = (await readFile(join(dir, "backup.jsonl"), "utf8")).trim().split("\n");
      expect(lines.slice(1).map((line) => (JSON.parse(line) as { table: string }).table)).toEqual([
        "Routine",
        "Routine",
      ]);

      const second = await cleanRoutines(stores, options({ backupPath: join(dir, "2.jsonl") }));
      expect(second).toMatchObject({ cleaned: 0, backedUp: 0, backupPath: null });
      expect(await all()).toEqual(after);

      const restored = await restoreFromBackup(stores, join(dir, "backup.jsonl"), {
        batchSize: 2,
        concurrency: 1,
      });
      expect(restored.routine).toEqual({ restored: 2, duplicatesIgnored: 0, refused: [] });
      expect(await all()).toEqual(before);
    });

    it("restore refuses a row changed since the clean unless forced", async () => {
      await cleanRoutines(stores, options({ migrateRefs: false }));
      const cleaned = (await all()).get("r2_empty_key")!;
      const changed = { ...cleaned, updatedAt: "2030-01-01T00:00:00.000Z" };
      await stores.routines.restore([changed]);

      const refused = await restoreFromBackup(stores, join(dir, "backup.jsonl"), {
        batchSize: 2,
        concurrency: 1,
      });
      expect(refused.routine.refused).toEqual([
        { recordId: "r2_empty_key", updatedAt: changed.updatedAt },
      ]);
      expect((await all()).get("r2_empty_key")).toEqual(changed);

      await restoreFromBackup(stores, join(dir, "backup.jsonl"), {
        batchSize: 2,
        concurrency: 1,
        force: true,
      });
      expect((await all()).get("r2_empty_key")).toEqual(ROWS[1]);
    });

    it("refuses a repair of a row that changed since it was read", async () => {
      const [row] = ROWS.slice(1, 2) as [RoutineRecord];
      await stores.routines.restore([{ ...row, updatedAt: "2030-01-01T00:00:00.000Z" }]);
      await expect(
        stores.routines.repair([
          {
            $id: row.$id,
            studentId: row.studentId,
            courseId: row.courseId,
            expectedUpdatedAt: row.updatedAt,
            dueAtByOutcome: { [O2_U0]: DUE },
            fsrsByOutcome: { [O2_U0]: card(DUE) },
          },
        ]),
      ).rejects.toMatchObject({ code: "STORE_CONFLICT" });
    });
  });
}
