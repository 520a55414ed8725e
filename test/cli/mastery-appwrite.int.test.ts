/**
 * The real bin against the Appwrite-compatible test server, the store chosen
 * from the environment (APPWRITE_ENDPOINT set) exactly as for the graph; and
 * a clean that rides out transient server errors through the adapter's retries.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanMastery } from "../../src/operator/clean.js";
import { createAppwriteStores } from "../../src/stores/appwrite/index.js";
import type { Stores } from "../../src/stores/ports.js";
import {
  startAppwriteTestServer,
  type AppwriteTestServer,
} from "../support/appwrite-server/index.js";
import {
  appwriteEnvFor,
  appwriteSettingsFor,
  FAST_OPTIONS,
} from "../support/appwrite-server/settings.js";
import { corruptedDataset } from "../operator/support/dataset.js";
import { EXPECTED_COUNTS, EXPECTED_MIGRATE_CLEAN } from "../operator/support/expected.js";
import { mapsById, seed, snapshot } from "../operator/support/stores.js";
import { runChild, type ChildRun } from "../support/child-process.js";

const BIN = fileURLToPath(new URL("../../bin/teaching-graph.js", import.meta.url));
const DATASET = corruptedDataset({ withOversize: false });
/** A 429's reset is in whole epoch seconds: allow waiting up to that. */
const OPTIONS = { ...FAST_OPTIONS, retry: { ...FAST_OPTIONS.retry, maxDelayMs: 1500 } };

function runCli(server: AppwriteTestServer, args: string[]): Promise<ChildRun> {
  return runChild(process.execPath, [BIN, "mastery", ...args], {
    env: { ...process.env, ...appwriteEnvFor(server), LOG_LEVEL: "silent" },
  });
}

describe("teaching-graph mastery on Appwrite", () => {
  let server: AppwriteTestServer;
  let stores: Stores;
  let dir: string;

  beforeEach(async () => {
    server = await startAppwriteTestServer();
    stores = createAppwriteStores(appwriteSettingsFor(server), OPTIONS);
    await seed(stores, DATASET);
    dir = await mkdtemp(join(tmpdir(), "mastery-appwrite-"));
  });
  afterEach(async () => {
    await stores.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("audit, clean --migrate-refs, audit again and restore through the bin", async () => {
    const original = await snapshot(stores.mastery);
    const audit = await runCli(server, ["audit", "--json"]);
    expect(audit.code, audit.stderr).toBe(1);
    const report = JSON.parse(audit.stdout);
    expect(report.total).toBe(DATASET.length);
    expect(report.categories.empty_key.count).toBe(EXPECTED_COUNTS.empty_key);
    expect(report.categories.string_ref.count).toBe(EXPECTED_COUNTS.string_ref);

    const backup = join(dir, "backup.jsonl");
    const clean = await runCli(server, ["clean", "--migrate-refs", "--backup", backup]);
    expect(clean.code, clean.stderr).toBe(1); // skipped and unmatched records remain for review
    expect(clean.stderr).toContain(`Backup of 6 record(s) written to ${backup}`);
    const after = await mapsById(stores.mastery);
    for (const [id, map] of Object.entries(EXPECTED_MIGRATE_CLEAN))
      expect(after[id], id).toBe(JSON.stringify(map));

    const again = JSON.parse((await runCli(server, ["audit", "--json"])).stdout);
    expect(again.categories.empty_key.samples).toEqual(["rec_03_would_be_empty"]);

    const restore = await runCli(server, ["restore", "--from", backup]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(await snapshot(stores.mastery)).toEqual(original);
  });

  it("rides out 503s and 429s during a clean through the adapter's retries", async () => {
    const reference = await startAppwriteTestServer();
    const referenceStores = createAppwriteStores(appwriteSettingsFor(reference), OPTIONS);
    await seed(referenceStores, DATASET);
    const options = { migrateRefs: true, dryRun: false, pageSize: 4, batchSize: 2, concurrency: 2 };
    await cleanMastery(referenceStores, { ...options, backupPath: join(dir, "reference.jsonl") });
    const expected = await mapsById(referenceStores.mastery);
    await referenceStores.close();
    await reference.close();

    // Reads fail twice, then writes are rate limited twice: each request is retried within its attempts.
    server.faults.add({ method: "GET", status: 503, times: 2 });
    server.faults.add({ method: "POST", status: 429, resetAfterSeconds: 0, times: 2 });
    const summary = await cleanMastery(stores, {
      ...options,
      backupPath: join(dir, "backup.jsonl"),
    });
    expect(server.faults.pending).toBe(0);
    expect(summary).toMatchObject({ cleaned: 6, errors: 0 });
    expect(await mapsById(stores.mastery)).toEqual(expected);
  });
});
