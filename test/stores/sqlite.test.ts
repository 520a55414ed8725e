import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteStores } from "../../src/stores/sqlite/index.js";
import { describeStoreContract } from "./contract.js";

describeStoreContract("sqlite", async () => {
  const dir = await mkdtemp(join(tmpdir(), "teaching-graph-sqlite-"));
  return {
    stores: createSqliteStores(join(dir, "nested", "teaching.db")),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
