/** The real bin, as `npm run dev` runs it: `teaching-graph seed --demo` against the SQLite file named by SQLITE_PATH. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { SeedReport } from "../../src/seed/index.js";
import { createSqliteStores } from "../../src/stores/sqlite/index.js";
import { runChild, type ChildRun } from "../support/child-process.js";

const BIN = fileURLToPath(new URL("../../bin/teaching-graph.js", import.meta.url));

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "teaching-graph-seed-bin-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function runSeed(sqlitePath: string, ...args: string[]): Promise<ChildRun> {
  return runChild(process.execPath, [BIN, "seed", ...args], {
    env: { ...process.env, SQLITE_PATH: sqlitePath, APPWRITE_ENDPOINT: "", LOG_LEVEL: "silent" },
  });
}

it("seeds the demo into a fresh file under a new folder, then adds nothing", async () => {
  const path = join(dir, ".data", "teaching.db");
  const first = await runSeed(path, "--demo", "--json");
  expect(first.stderr).toBe("");
  expect(first.code).toBe(0);
  const report = JSON.parse(first.stdout) as SeedReport;
  expect(report.outcomes).toHaveLength(6);

  const second = await runSeed(path, "--demo", "--json");
  expect(second.code).toBe(0);
  expect(
    (JSON.parse(second.stdout) as SeedReport).outcomes.every((o) => o.status === "existing"),
  ).toBe(true);

  const stores = createSqliteStores(path);
  expect((await stores.outcomes.listByCourse("course_c84774")).map((o) => o.$id).sort()).toEqual(
    report.outcomes.map((o) => o.$id).sort(),
  );
  await stores.close();
});

it("exits 2 naming the file and field of a bad seed file", async () => {
  const result = await runSeed(join(dir, "t.db"), "--course-outcomes", join(dir, "absent.json"));
  expect(result.code).toBe(2);
  expect(result.stderr).toContain("error [SEED_FILE_INVALID]");
  expect(result.stderr).toContain("absent.json");
});
