/**
 * `mastery clean` as operators run it (the real bin, a SQLite file): killed
 * with SIGKILL in the middle of its writes, then run again, it ends where an
 * uninterrupted run on a copy ends; a second run changes nothing; and restore
 * from the (appended) backup gives back the original records exactly.
 */
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSqliteStores } from "../../src/stores/sqlite/index.js";
import type { MasteryRecord } from "../../src/stores/ports.js";
import { auditMastery } from "../../src/operator/audit.js";
import { cleanMastery } from "../../src/operator/clean.js";
import { indexCourseOutcomes } from "../../src/operator/outcome-index.js";
import { planRepair } from "../../src/operator/repair.js";
import {
  COURSE_ID,
  generatedDataset,
  loadOutcomes,
  ORIGINAL_UPDATED_AT,
} from "../operator/support/dataset.js";
import { seed, snapshot } from "../operator/support/stores.js";
import { runChild, type ChildRun } from "../support/child-process.js";

const BIN = fileURLToPath(new URL("../../bin/teaching-graph.js", import.meta.url));
const RECORDS = 3000;
/** Half corrupted: 1500 records to repair one by one, long enough to be killed in the middle. */
const DATASET = generatedDataset(RECORDS, 0.5);
const COURSE_INDEX = indexCourseOutcomes(COURSE_ID, loadOutcomes());
const REPAIRABLE = DATASET.filter(
  (record) => planRepair(record, COURSE_INDEX, { migrateRefs: true }).kind === "change",
).length;

function cliEnv(dbPath: string): NodeJS.ProcessEnv {
  return { ...process.env, SQLITE_PATH: dbPath, APPWRITE_ENDPOINT: "", LOG_LEVEL: "silent" };
}

/** Runs the bin; `onStderr` sees the stderr text so far and may kill the child. */
function runCli(
  dbPath: string,
  args: string[],
  onStderr?: (text: string, kill: () => void) => void,
): Promise<ChildRun> {
  return runChild(process.execPath, [BIN, "mastery", ...args], { env: cliEnv(dbPath), onStderr });
}

async function recordsOf(dbPath: string): Promise<Map<string, MasteryRecord>> {
  const stores = createSqliteStores(dbPath);
  try {
    return await snapshot(stores.mastery);
  } finally {
    await stores.close();
  }
}

function mapsOf(records: Map<string, MasteryRecord>): Record<string, string | null> {
  return Object.fromEntries([...records].map(([id, record]) => [id, record.emaByOutcome]));
}

describe("mastery clean killed with SIGKILL mid-run (SQLite file, real bin)", () => {
  let dir: string;
  let original: Map<string, MasteryRecord>;
  const db = (name: string) => join(dir, `${name}.db`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mastery-kill-"));
    const stores = createSqliteStores(db("original"));
    await seed(stores, DATASET);
    await stores.close();
    expect(existsSync(`${db("original")}-wal`)).toBe(false);
    await copyFile(db("original"), db("interrupted"));
    await copyFile(db("original"), db("reference"));
    original = await recordsOf(db("original"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("finishes on rerun with the result of an uninterrupted run, then changes nothing, and restores exactly", async () => {
    // The uninterrupted run on a copy, in process (same code, default batching).
    const referenceStores = createSqliteStores(db("reference"));
    const reference = await cleanMastery(referenceStores, {
      migrateRefs: true,
      dryRun: false,
      backupPath: join(dir, "reference.jsonl"),
      pageSize: 1000,
      batchSize: 100,
      concurrency: 4,
    });
    const expected = mapsOf(await snapshot(referenceStores.mastery));
    await referenceStores.close();
    expect(reference).toMatchObject({ cleaned: REPAIRABLE, errors: 0 });

    // Repairs one by one, so that the kill lands in the middle of the writes.
    const slow = ["clean", "--migrate-refs", "--batch-size", "1", "--concurrency", "1"];
    // Kill once some records are written.
    const watcher = new Database(db("interrupted"), { readonly: true, fileMustExist: true });
    const written = watcher.prepare(`SELECT COUNT(*) AS n FROM MasteryV2 WHERE updatedAt != ?`);
    let poll: NodeJS.Timeout | undefined;
    const killed = await runCli(
      db("interrupted"),
      [...slow, "--backup", join(dir, "interrupted.jsonl")],
      (stderr, kill) => {
        if (poll !== undefined || !stderr.includes("Backup of")) return;
        poll = setInterval(() => {
          const { n } = written.get(ORIGINAL_UPDATED_AT) as { n: number };
          if (n >= 20) {
            clearInterval(poll);
            kill();
          }
        }, 5);
      },
    );
    clearInterval(poll);
    const writtenBeforeKill = (written.get(ORIGINAL_UPDATED_AT) as { n: number }).n;
    watcher.close();
    expect(killed.signal, killed.stderr).toBe("SIGKILL");
    expect(writtenBeforeKill).toBeGreaterThan(0);
    expect(writtenBeforeKill).toBeLessThan(REPAIRABLE);

    // The rerun resumes with the default batching: the result must not depend on it.
    const rerun = await runCli(db("interrupted"), [
      "clean",
      "--migrate-refs",
      "--backup",
      join(dir, "interrupted.jsonl"),
      "--json",
    ]);
    expect(rerun.code, rerun.stderr).toBe(1); // would-be-empty records are left for review
    const rerunSummary = JSON.parse(rerun.stdout).summary;
    expect(rerunSummary.cleaned + writtenBeforeKill).toBe(REPAIRABLE);
    expect(rerunSummary.errors).toBe(0);
    const afterRerun = await recordsOf(db("interrupted"));
    expect(mapsOf(afterRerun)).toEqual(expected);

    const second = await runCli(db("interrupted"), [
      "clean",
      "--migrate-refs",
      "--json",
      "--backup",
      join(dir, "second.jsonl"),
    ]);
    expect(JSON.parse(second.stdout).summary).toMatchObject({ cleaned: 0, errors: 0, backedUp: 0 });
    expect(await recordsOf(db("interrupted"))).toEqual(afterRerun);

    const auditStores = createSqliteStores(db("interrupted"));
    const report = await auditMastery(auditStores, { pageSize: 1000, sampleSize: 1 });
    await auditStores.close();
    expect(report.categories.string_ref.count).toBe(0);
    expect(report.categories.empty_key.count).toBe(
      DATASET.filter((r) => r.emaByOutcome === '{"":0}').length,
    );

    const restore = await runCli(db("interrupted"), [
      "restore",
      "--from",
      join(dir, "interrupted.jsonl"),
      "--json",
    ]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(JSON.parse(restore.stdout)).toMatchObject({ restored: REPAIRABLE });
    expect(await recordsOf(db("interrupted"))).toEqual(original);
  });
});
