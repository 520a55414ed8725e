import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConfigurationError } from "../../src/config/env.js";
import {
  closeDefaultStores,
  createStores,
  getDefaultStores,
  StoreUnavailableError,
} from "../../src/stores/index.js";
import { makeOutcome, rejectionOf, testId } from "./contract.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "teaching-graph-stores-"));
});
afterEach(async () => {
  await closeDefaultStores();
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

describe("createStores", () => {
  it("opens the SQLite store at the configured path", async () => {
    const path = join(dir, "x", "teaching.db");
    const stores = createStores({ kind: "sqlite", path });
    await stores.outcomes.upsertMany([makeOutcome("course_i", testId("ix", 1), "U 74", "O1")]);
    expect(await stores.outcomes.listByCourse("course_i")).toHaveLength(1);
    expect(existsSync(path)).toBe(true);
    await stores.close();
  });

  it("creates Appwrite stores without loading or contacting anything until first use", async () => {
    const stores = createStores({
      kind: "appwrite",
      endpoint: "http://127.0.0.1:9/v1",
      projectId: "p",
      apiKey: "k",
      databaseId: "default",
      tables: {
        courseOutcomes: "co",
        mastery: "m",
        masteryLedger: "ml",
        sessions: "s",
        lessonTemplates: "lt",
        students: "st",
        sessionThreads: "sth",
        routine: "r",
        evidence: "e",
      },
    });
    await stores.close();
    const error = await rejectionOf(stores.outcomes.getByIds(["x"]), StoreUnavailableError);
    expect(error.code).toBe("STORE_UNAVAILABLE");
  });
});

describe("getDefaultStores", () => {
  beforeEach(() => {
    vi.stubEnv("APPWRITE_ENDPOINT", "");
  });

  it("is created from the environment on first call and shared after", async () => {
    const path = join(dir, "default.db");
    vi.stubEnv("SQLITE_PATH", path);
    expect(existsSync(path)).toBe(false);
    const stores = getDefaultStores();
    expect(getDefaultStores()).toBe(stores);
    expect(existsSync(path)).toBe(true);
  });

  it("is created anew after being closed, by either function", async () => {
    vi.stubEnv("SQLITE_PATH", join(dir, "default.db"));
    const first = getDefaultStores();
    await first.close();
    const second = getDefaultStores();
    expect(second).not.toBe(first);
    expect(await second.mastery.get("s", "c")).toBeNull();
    await closeDefaultStores();
    expect(getDefaultStores()).not.toBe(second);
  });

  it("names missing Appwrite settings when APPWRITE_ENDPOINT is set", () => {
    vi.stubEnv("APPWRITE_ENDPOINT", "http://127.0.0.1:9/v1");
    vi.stubEnv("APPWRITE_PROJECT_ID", "");
    vi.stubEnv("APPWRITE_API_KEY", "");
    expect(() => getDefaultStores()).toThrow(ConfigurationError);
    expect(() => getDefaultStores()).toThrow(/APPWRITE_PROJECT_ID and APPWRITE_API_KEY/);
  });
});
