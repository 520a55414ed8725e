/** Exit codes of `teaching-graph mastery` as a shell sees them (the real bin). */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSqliteStores } from "../../src/stores/sqlite/index.js";
import { corruptedDataset } from "../operator/support/dataset.js";
import { seed } from "../operator/support/stores.js";
import { runChild } from "../support/child-process.js";

const BIN = fileURLToPath(new URL("../../bin/teaching-graph.js", import.meta.url));

describe("teaching-graph mastery exit codes", () => {
  let dir: string;
  let dbPath: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mastery-exit-"));
    dbPath = join(dir, "corrupted.db");
    const stores = createSqliteStores(dbPath);
    await seed(stores, corruptedDataset({ withOversize: false }));
    await stores.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const run = (args: string[], env: Record<string, string> = {}) =>
    runChild(process.execPath, [BIN, "mastery", ...args], {
      env: {
        ...process.env,
        SQLITE_PATH: dbPath,
        APPWRITE_ENDPOINT: "",
        LOG_LEVEL: "silent",
        ...env,
      },
    });

  it("is 1 when the audit finds problems, with the report on stdout only", async () => {
    const result = await run(["audit", "--json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).total).toBe(14);
  });

  it("is 2 for a usage error, with the reason and the usage on stderr", async () => {
    const result = await run(["clean", "--page-size", "0"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("argument '0' is invalid. must be a positive integer");
    expect(result.stderr).toContain("Usage: teaching-graph mastery clean");
  });

  it("is 2 for a runtime error, with its code on stderr", async () => {
    const result = await run(["audit"], { APPWRITE_ENDPOINT: "http://127.0.0.1:9/v1" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error [CONFIGURATION_ERROR]");
  });
});
