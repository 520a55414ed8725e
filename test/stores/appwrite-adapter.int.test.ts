/**
 * What the store contract cannot see of the Appwrite adapter: transient
 * failures and their bounds, refused keys, paging requests, the API key kept
 * out of errors and logs, and concurrent writers in separate processes (one
 * store instance each, sharing only the server).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { Query } from "node-appwrite";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { getLogger } from "../../src/logger.js";
import type { MasteryUpdate } from "../../src/mastery/ema.js";
import {
  StoreConflictError,
  StoreDataError,
  StoreInputError,
  StoreNotFoundError,
  StoreUnavailableError,
} from "../../src/stores/errors.js";
import {
  AppwriteStoreError,
  createAppwriteStores,
  type AppwriteStoreOptions,
} from "../../src/stores/appwrite/index.js";
import { SELECT_MASTERY_ROW } from "../../src/stores/appwrite/mapping.js";
import { ledgerRowId } from "../../src/stores/appwrite/mastery-ledger.js";
import { RECORDS_PER_TRANSACTION } from "../../src/stores/appwrite/mastery-records.js";
import type { Stores } from "../../src/stores/ports.js";
import {
  startAppwriteTestServer,
  type AppwriteTestServer,
} from "../support/appwrite-server/index.js";
import { PROJECT_CONFIG_URL } from "../support/appwrite-server/schema.js";
import { appwriteSettingsFor, FAST_OPTIONS } from "../support/appwrite-server/settings.js";
import { makeOutcome, rejectionOf, testId } from "./contract.js";

const courseId = "course_adapter";
const studentId = "student_adapter";
const outcomeIds = Array.from({ length: 20 }, (_, i) => testId("o", i));
const [A, B, C] = outcomeIds as [string, string, string];

let server: AppwriteTestServer;
const opened: Stores[] = [];

function storesFor(options: AppwriteStoreOptions = FAST_OPTIONS, apiKey = server.apiKey): Stores {
  const stores = createAppwriteStores({ ...appwriteSettingsFor(server), apiKey }, options);
  opened.push(stores);
  return stores;
}

/** Options whose waits are recorded instead of slept. */
function recordingOptions(retry: AppwriteStoreOptions["retry"] = {}): {
  options: AppwriteStoreOptions;
  delays: number[];
} {
  const delays: number[] = [];
  const sleep = async (ms: number) => {
    delays.push(ms);
  };
  return {
    delays,
    options: {
      ...FAST_OPTIONS,
      retry: { ...FAST_OPTIONS.retry, sleep, random: () => 0.5, ...retry },
    },
  };
}

function update(outcome_id: string, score: number): MasteryUpdate {
  return { outcome_id, score, timestamp: "2025-11-12T15:00:00.000Z" };
}

function apply(stores: Stores, sessionId: string, updates: MasteryUpdate[]) {
  return stores.mastery.applyLessonMastery({ sessionId, studentId, courseId, updates, alpha: 0.3 });
}

async function emaOf(stores: Stores): Promise<unknown> {
  const record = await stores.mastery.get(studentId, courseId);
  expect(record).not.toBeNull();
  return JSON.parse(record?.emaByOutcome ?? "null");
}

/** Resolves once `condition` holds (polled); for ordering steps of concurrent writers. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 5000) throw new Error("condition not reached within 5 s");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const COMMIT = /^\/tablesdb\/transactions\/[^/]+$/;

function seedOutcomes(): void {
  server.seedRows(
    "course_outcomes",
    outcomeIds.map((id, i) => makeOutcome(courseId, id, `U${i} 74`, "O1")),
  );
}

beforeEach(async () => {
  server = await startAppwriteTestServer();
  seedOutcomes();
});

afterEach(async () => {
  for (const stores of opened.splice(0)) await stores.close();
  await server.close();
  vi.restoreAllMocks();
});

describe("transient failures", () => {
  it("survives 429s, waiting at least until Appwrite's X-RateLimit-Reset", async () => {
    const { options, delays } = recordingOptions({ maxDelayMs: 10_000 });
    server.faults.add({ status: 429, resetAfterSeconds: 2, times: 2 });
    const found = await storesFor(options).outcomes.getByIds([A]);
    expect(found.map((outcome) => outcome.$id)).toEqual([A]);
    expect(delays).toHaveLength(2);
    for (const delay of delays) expect(delay).toBeGreaterThan(1000);
  });

  it("prefers a proxy's Retry-After to X-RateLimit-Reset", async () => {
    const { options, delays } = recordingOptions({ maxDelayMs: 10_000 });
    server.faults.add({ status: 429, retryAfterSeconds: 7, resetAfterSeconds: 1 });
    await storesFor(options).outcomes.getByIds([A]);
    expect(delays).toEqual([7000]);
  });

  it("gives up at once when asked to wait longer than the policy allows", async () => {
    const { options, delays } = recordingOptions({ maxDelayMs: 5000 });
    server.faults.add({ status: 429, retryAfterSeconds: 60 });
    const before = server.requestCount;
    const error = await rejectionOf(
      storesFor(options).outcomes.getByIds([A]),
      StoreUnavailableError,
    );
    expect(error.code).toBe("STORE_UNAVAILABLE");
    expect(error.context).toMatchObject({
      backend: "appwrite",
      operation: "listRows",
      table: "course_outcomes",
      appwriteCode: 429,
      appwriteType: "general_rate_limit_exceeded",
      retryAfterMs: 60_000,
      attempts: 1,
    });
    expect(delays).toEqual([]);
    expect(server.requestCount).toBe(before + 1);
  });

  it("survives 500, 502 and 503 in the middle of an apply and applies it once", async () => {
    const stores = storesFor();
    server.faults.add({ status: 500, times: 2 });
    server.faults.add({ status: 503, method: "POST" });
    server.faults.add({ status: 502, method: "PATCH" });
    expect((await apply(stores, "sess_1", [update(A, 1)])).status).toBe("applied");
    expect(await emaOf(stores)).toEqual({ [A]: 1 });
    expect(server.faults.pending).toBe(0);
    expect(server.rows("mastery_ledger")).toHaveLength(1);
  });

  it("retries a read whose connection was dropped", async () => {
    const stores = storesFor();
    server.faults.add({ method: "GET", drop: true });
    const before = server.requestCount;
    expect(await stores.outcomes.getByIds([B])).toHaveLength(1);
    expect(server.requestCount).toBe(before + 2);
    expect(server.requests.at(-2)?.status).toBe(0);
  });

  it("retries a read whose connection closed halfway through the body", async () => {
    const stores = storesFor();
    server.faults.add({ method: "GET", cutBody: "close" });
    const before = server.requestCount;
    expect(await stores.outcomes.getByIds([B])).toHaveLength(1);
    expect(server.requestCount).toBe(before + 2);
  });

  it("retries a read whose body stalled past the timeout", async () => {
    const stores = storesFor({
      ...FAST_OPTIONS,
      retry: { ...FAST_OPTIONS.retry, requestTimeoutMs: 100 },
    });
    server.faults.add({ method: "GET", cutBody: "stall" });
    const before = server.requestCount;
    expect(await stores.outcomes.getByIds([B])).toHaveLength(1);
    expect(server.requestCount).toBe(before + 2);
  });

  it("gives up on bodies that are always cut short with a typed error naming the network", async () => {
    server.faults.add({ method: "GET", cutBody: "close", times: Number.POSITIVE_INFINITY });
    const stores = storesFor({ ...FAST_OPTIONS, retry: { ...FAST_OPTIONS.retry, maxAttempts: 2 } });
    const error = await rejectionOf(stores.outcomes.getByIds([B]), StoreUnavailableError);
    expect(error.context).toMatchObject({ operation: "listRows", attempts: 2 });
    expect(error.message).toContain("network error");
  });

  it("gives up on bodies that always stall with a typed error saying it timed out", async () => {
    server.faults.add({ method: "GET", cutBody: "stall", times: Number.POSITIVE_INFINITY });
    const stores = storesFor({
      ...FAST_OPTIONS,
      retry: { ...FAST_OPTIONS.retry, maxAttempts: 2, requestTimeoutMs: 100 },
    });
    const error = await rejectionOf(stores.outcomes.getByIds([B]), StoreUnavailableError);
    expect(error.context).toMatchObject({ operation: "listRows", attempts: 2 });
    expect(error.message).toContain("timed out");
  });

  it("retries a response slower than the timeout", async () => {
    const stores = storesFor({
      ...FAST_OPTIONS,
      retry: { ...FAST_OPTIONS.retry, requestTimeoutMs: 100 },
    });
    server.faults.add({ delayMs: 400, method: "GET" });
    const before = server.requestCount;
    expect(await stores.outcomes.getByIds([B])).toHaveLength(1);
    expect(server.requestCount).toBe(before + 2);
  });

  it("gives up after the bound with a typed error, never showing the API key", async () => {
    const warn = vi.spyOn(getLogger(), "warn");
    server.faults.add({ status: 500, times: Number.POSITIVE_INFINITY });
    const stores = storesFor({ ...FAST_OPTIONS, retry: { ...FAST_OPTIONS.retry, maxAttempts: 3 } });
    const before = server.requestCount;
    const error = await rejectionOf(stores.mastery.get(studentId, courseId), StoreUnavailableError);
    expect(error.context).toMatchObject({
      operation: "listRows",
      table: "MasteryV2",
      attempts: 3,
      appwriteCode: 500,
      appwriteType: "general_server_error",
    });
    expect(server.requestCount).toBe(before + 3);
    expect(warn).toHaveBeenCalledTimes(2);
    for (const text of [
      String(error),
      error.stack,
      JSON.stringify(error.context),
      inspect(error, { depth: 10 }),
      JSON.stringify(warn.mock.calls),
    ]) {
      expect(text).not.toContain(server.apiKey);
    }
  });
});

describe("refused requests", () => {
  it("raises a typed 401 for a wrong API key, without retrying and without either key in the error", async () => {
    const wrongKey = "standard_this-is-not-the-key";
    const before = server.requestCount;
    const error = await rejectionOf(
      storesFor(FAST_OPTIONS, wrongKey).outcomes.getByIds([A]),
      AppwriteStoreError,
    );
    expect(error.code).toBe("APPWRITE_UNAUTHORIZED");
    expect(error.context).toMatchObject({
      operation: "listRows",
      table: "course_outcomes",
      appwriteCode: 401,
      appwriteType: "user_unauthorized",
      attempts: 1,
    });
    expect(server.requestCount).toBe(before + 1);
    for (const text of [String(error), inspect(error, { depth: 10 })]) {
      expect(text).not.toContain(wrongKey);
      expect(text).not.toContain(server.apiKey);
    }
  });

  it("raises a typed 400 naming table, row and Appwrite's type for a value over the column size", async () => {
    const stores = storesFor();
    const session = {
      $id: "sess_huge",
      studentId,
      courseId,
      lessonTemplateId: "lt_1",
      lessonSnapshot: "x".repeat(100_001),
      status: "created",
      startedAt: "2025-11-12T10:00:00.000Z",
    };
    const error = await rejectionOf(stores.lessons.putSession(session), AppwriteStoreError);
    expect(error.code).toBe("APPWRITE_REQUEST_FAILED");
    expect(error.context).toMatchObject({
      table: "sessions",
      rowId: "sess_huge",
      appwriteCode: 400,
      appwriteType: "row_invalid_structure",
    });
    await rejectionOf(stores.lessons.getSession("sess_huge"), StoreNotFoundError);
  });

  it("creates no client until the first request, and reports an unreachable server as unavailable", async () => {
    const stores = createAppwriteStores(
      { ...appwriteSettingsFor(server), endpoint: "http://127.0.0.1:9/v1" },
      { ...FAST_OPTIONS, retry: { ...FAST_OPTIONS.retry, maxAttempts: 2 } },
    );
    const error = await rejectionOf(stores.outcomes.listByCourse(courseId), StoreUnavailableError);
    expect(error.context).toMatchObject({
      operation: "listRows",
      attempts: 2,
      transport: expect.stringContaining("network error"),
    });
    await stores.close();
    await rejectionOf(stores.outcomes.listByCourse(courseId), StoreUnavailableError);
  });
});

describe("paging", () => {
  it("sends an explicit limit with every list and pages with cursorAfter", async () => {
    const stores = storesFor({ ...FAST_OPTIONS, pageSize: 7 });
    const before = server.requests.length;
    expect(await stores.outcomes.listByCourse(courseId)).toHaveLength(20);
    const lists = server.requests.slice(before);
    expect(lists).toHaveLength(3);
    expect(lists.every((request) => request.queries.includes(Query.limit(7)))).toBe(true);
    expect(
      lists.map((request) => request.queries.some((query) => query.includes("cursorAfter"))),
    ).toEqual([false, true, true]);
  });

  it("scans MasteryV2 beyond Appwrite's default 25 rows", async () => {
    server.seedRows(
      "MasteryV2",
      Array.from({ length: 60 }, (_, i) => ({
        $id: testId("scan", i),
        studentId: `s${i}`,
        courseId,
        emaByOutcome: "{}",
        updatedAt: "2025-11-12T12:00:00.000Z",
      })),
    );
    const pages: number[] = [];
    const before = server.requests.length;
    const records = [];
    for await (const page of storesFor().mastery.scan({ pageSize: 40 })) {
      pages.push(page.length);
      records.push(...page);
    }
    expect(pages).toEqual([40, 20]);
    // Only what a record is made of travels: the select names it.
    const lists = server.requests.slice(before);
    expect(lists.every((request) => request.queries.includes(SELECT_MASTERY_ROW))).toBe(true);
    expect(records[0]).toEqual({
      $id: testId("scan", 0),
      studentId: "s0",
      courseId,
      emaByOutcome: "{}",
      updatedAt: "2025-11-12T12:00:00.000Z",
    });
  });

  it("resumes a scan after an ID whose row no longer exists", async () => {
    const ids = Array.from({ length: 10 }, (_, i) => testId("gone", i * 2));
    server.seedRows(
      "MasteryV2",
      ids.map((id, i) => ({
        $id: id,
        studentId: `s${i}`,
        courseId,
        emaByOutcome: "{}",
        updatedAt: "2025-11-12T12:00:00.000Z",
      })),
    );
    const resumed: string[] = [];
    for await (const page of storesFor().mastery.scan({ pageSize: 2, after: testId("gone", 9) })) {
      resumed.push(...page.map((record) => record.$id));
    }
    expect(resumed).toEqual(ids.slice(5));
  });
});

describe("writers in separate processes", () => {
  it("lands 20 concurrent lessons applied through 4 store instances", async () => {
    // The default conflict backoff (not the fast one): a loser must wait about an attempt's length
    // for the others to finish, or the shared apply loop's 10 attempts can run out under this contention.
    const instances = Array.from({ length: 4 }, () =>
      storesFor({ ...FAST_OPTIONS, conflictBackoff: {} }),
    );
    const results = await Promise.all(
      outcomeIds.map((id, i) =>
        apply(instances[i % 4] as Stores, `sess_race_${i}`, [update(id, 0.5)]),
      ),
    );
    expect(results.every((result) => result.status === "applied")).toBe(true);
    expect(await emaOf(instances[0] as Stores)).toEqual(
      Object.fromEntries(outcomeIds.map((id) => [id, 0.5])),
    );
    expect(server.rows("MasteryV2")).toHaveLength(1);
    const ledger = server.rows("mastery_ledger");
    expect(ledger).toHaveLength(20);
    // Every write was computed from a different revision: none overwrote another.
    expect(new Set(ledger.map((row) => row.baseRevision)).size).toBe(20);
  });

  it("makes the second of two writers that read the same record re-read and fold", async () => {
    const [first, second] = [storesFor(), storesFor()];
    await apply(first, "sess_0", [update(C, 1)]);
    server.faults.add({ method: "PATCH", path: COMMIT, delayMs: 300, times: 2 });
    const results = await Promise.all([
      apply(first, "sess_1", [update(A, 1)]),
      apply(second, "sess_2", [update(B, 0.4)]),
    ]);
    expect(results.map((result) => result.status)).toEqual(["applied", "applied"]);
    expect(await emaOf(first)).toEqual({ [A]: 1, [B]: 0.4, [C]: 1 });
    expect(
      server.requests.filter((request) => COMMIT.test(request.path) && request.status === 409),
    ).toHaveLength(1);
  });

  it("lets the unique index decide between two first lessons, and merges the loser's", async () => {
    const [first, second] = [storesFor(), storesFor()];
    server.faults.add({ method: "PATCH", path: COMMIT, delayMs: 300, times: 2 });
    const results = await Promise.all([
      apply(first, "sess_1", [update(A, 1)]),
      apply(second, "sess_2", [update(B, 0.4)]),
    ]);
    expect(new Set(results.map((result) => result.recordId)).size).toBe(1);
    expect(await emaOf(second)).toEqual({ [A]: 1, [B]: 0.4 });
    expect(server.rows("MasteryV2")).toHaveLength(1);
  });

  it("applies one session once when two processes retry it together", async () => {
    const [first, second] = [storesFor(), storesFor()];
    server.faults.add({ method: "PATCH", path: COMMIT, delayMs: 300, times: 2 });
    const results = await Promise.all([
      apply(first, "sess_1", [update(A, 0.5)]),
      apply(second, "sess_1", [update(A, 0.5)]),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual(["already_applied", "applied"]);
    expect(await emaOf(first)).toEqual({ [A]: 0.5 });
    expect(server.rows("mastery_ledger")).toHaveLength(1);
  });

  it("refuses a repair when another process applied a lesson between its read and its commit", async () => {
    const [operator, graph] = [storesFor(), storesFor()];
    await apply(graph, "sess_0", [update(A, 1)]);
    const read = await operator.mastery.get(studentId, courseId);
    if (read === null) throw new Error("the record was not written");
    server.faults.add({ method: "PATCH", path: COMMIT, delayMs: 300 });
    const repair = operator.mastery.repair([
      {
        $id: read.$id,
        studentId,
        courseId,
        expectedUpdatedAt: read.updatedAt,
        emaByOutcome: { [A]: 1, [B]: 0.2 },
      },
    ]);
    const refused = rejectionOf(repair, StoreConflictError);
    await until(() =>
      server.requests.some((request) => request.method === "PATCH" && COMMIT.test(request.path)),
    );
    await apply(graph, "sess_1", [update(C, 0.9)]);
    const error = await refused;
    expect(error.context).toMatchObject({ id: read.$id, expectedUpdatedAt: read.updatedAt });
    expect(await emaOf(graph)).toEqual({ [A]: 1, [C]: 0.9 });
  });
});

describe("commits whose outcome is unknown", () => {
  it("counts a commit Appwrite made before the response was lost as applied, once", async () => {
    const stores = storesFor();
    server.faults.add({ method: "PATCH", path: COMMIT, status: 502, afterHandling: true });
    expect(await apply(stores, "sess_1", [update(A, 0.5)])).toMatchObject({ status: "applied" });
    expect(await emaOf(stores)).toEqual({ [A]: 0.5 });
    expect(server.rows("mastery_ledger")).toHaveLength(1);
  });

  it("counts a commit whose connection dropped after Appwrite made it as applied, once", async () => {
    const stores = storesFor();
    server.faults.add({ method: "PATCH", path: COMMIT, drop: true, afterHandling: true });
    expect(await apply(stores, "sess_1", [update(A, 0.5)])).toMatchObject({ status: "applied" });
    expect(await emaOf(stores)).toEqual({ [A]: 0.5 });
    expect(server.rows("mastery_ledger")).toHaveLength(1);
  });

  it("retries a commit whose connection dropped before Appwrite made it", async () => {
    const stores = storesFor();
    server.faults.add({ method: "PATCH", path: COMMIT, drop: true });
    expect(await apply(stores, "sess_1", [update(A, 0.5)])).toMatchObject({ status: "applied" });
    expect(await emaOf(stores)).toEqual({ [A]: 0.5 });
    expect(server.rows("mastery_ledger")).toHaveLength(1);
  });

  it("retries a commit that failed before Appwrite made it", async () => {
    const stores = storesFor();
    server.faults.add({ method: "PATCH", path: COMMIT, status: 502 });
    expect(await apply(stores, "sess_1", [update(A, 0.5)])).toMatchObject({ status: "applied" });
    expect(server.rows("mastery_ledger")).toHaveLength(1);
  });

  it("never applies a session twice when a commit times out and lands later", async () => {
    const stores = storesFor({
      ...FAST_OPTIONS,
      retry: { ...FAST_OPTIONS.retry, requestTimeoutMs: 150 },
    });
    await apply(stores, "sess_0", [update(A, 1)]);
    server.faults.add({ method: "PATCH", path: COMMIT, delayMs: 400 });
    const result = await apply(stores, "sess_1", [update(A, 0)]);
    // Whether this call saw its own commit land or found the session in the ledger, it was folded once: 0.3*0 + 0.7*1.
    expect(["applied", "already_applied"]).toContain(result.status);
    await until(() => server.rows("mastery_ledger").length === 2);
    expect(await emaOf(stores)).toEqual({ [A]: 0.7 });
  });
});

describe("row permissions", () => {
  it("lets the student's Appwrite user read a MasteryV2 row a lesson creates, and leaves a row's permissions alone after", async () => {
    const stores = storesFor();
    await stores.mastery.applyLessonMastery({
      sessionId: "sess_1",
      studentId,
      courseId,
      updates: [update(A, 1)],
      alpha: 0.3,
      readerUserId: "user_ada",
    });
    expect(server.rows("MasteryV2")[0]?.$permissions).toEqual(['read("user:user_ada")']);
    await stores.mastery.applyLessonMastery({
      sessionId: "sess_2",
      studentId,
      courseId,
      updates: [update(A, 0)],
      alpha: 0.3,
      readerUserId: "user_other",
    });
    expect(server.rows("MasteryV2")[0]?.$permissions).toEqual(['read("user:user_ada")']);
  });

  it("grants no one when no reader is named (operator and unauthenticated writes)", async () => {
    await apply(storesFor(), "sess_1", [update(A, 1)]);
    expect(server.rows("MasteryV2")[0]?.$permissions).toEqual([]);
  });
});

describe("rows this adapter did not write", () => {
  it("folds into a legacy row without a revision and gives it one", async () => {
    server.seedRows("MasteryV2", [
      {
        $id: testId("legacy", 1),
        studentId,
        courseId,
        emaByOutcome: JSON.stringify({ [A]: 0.5 }),
        updatedAt: "2025-11-12T12:00:00.000Z",
      },
    ]);
    const stores = storesFor();
    expect(await apply(stores, "sess_1", [update(A, 1)])).toMatchObject({
      status: "applied",
      recordId: testId("legacy", 1),
    });
    expect(await emaOf(stores)).toEqual({ [A]: 0.65 });
    expect(server.rows("MasteryV2")[0]?.revision).toEqual(expect.any(String));
    expect(server.rows("mastery_ledger")[0]?.baseRevision).toMatch(/^legacy:/);
  });

  it("keys the ledger by a hash when the session ID is not a valid row ID", async () => {
    const sessionId = "lesson 2025/11/12 #1 of a student with a rather long identifier";
    const stores = storesFor();
    expect((await apply(stores, sessionId, [update(A, 1)])).status).toBe("applied");
    expect((await apply(stores, sessionId, [update(A, 0)])).status).toBe("already_applied");
    const [ledger] = server.rows("mastery_ledger");
    expect(ledger).toMatchObject({ $id: ledgerRowId(sessionId), sessionId });
    expect(ledger?.$id).toMatch(/^h[0-9a-f]{35}$/);
  });
});

describe("a platform students table without the unique userId index", () => {
  it("reports two students of one user as a data error instead of picking one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "teaching-graph-students-"));
    try {
      const config = JSON.parse(await readFile(PROJECT_CONFIG_URL, "utf8")) as {
        tables: { $id: string; indexes: unknown[] }[];
      };
      for (const table of config.tables) if (table.$id === "students") table.indexes = [];
      const configPath = join(dir, "appwrite.json");
      await writeFile(configPath, JSON.stringify(config));
      const platform = await startAppwriteTestServer({ configPath });
      try {
        platform.seedRows("students", [
          { $id: "student_a", userId: "user_twice" },
          { $id: "student_b", userId: "user_twice", name: "B" },
          { $id: "student_c", userId: "user_once" },
        ]);
        const stores = createAppwriteStores(appwriteSettingsFor(platform), FAST_OPTIONS);
        opened.push(stores);
        const error = await rejectionOf(stores.students.findByUserId("user_twice"), StoreDataError);
        expect(error.context).toMatchObject({
          table: "students",
          userId: "user_twice",
          ids: ["student_a", "student_b"],
        });
        expect(await stores.students.findByUserId("user_once")).toEqual({
          $id: "student_c",
          userId: "user_once",
        });
      } finally {
        await platform.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("operator writes", () => {
  const legacyRows = (count: number, courseOf: (i: number) => string = () => courseId) =>
    Array.from({ length: count }, (_, i) => ({
      $id: testId("rep", i),
      studentId: `s${i}`,
      courseId: courseOf(i),
      emaByOutcome: JSON.stringify({ "": 0, [A]: 0.5 }),
      updatedAt: "2025-11-12T12:00:00.000Z",
    }));

  /** Repairs every stored record to `{A: 0.5}`, in one batch. */
  const removeEmptyKeys = (stores: Stores) =>
    stores.mastery.repair(
      server.rows("MasteryV2").map((row) => ({
        $id: row.$id,
        studentId: String(row.studentId),
        courseId,
        expectedUpdatedAt: "2025-11-12T12:00:00.000Z",
        emaByOutcome: { [A]: 0.5 },
      })),
    );

  it("repairs a batch in one transaction of bulk operations of 100 rows, with one ledger claim per record", async () => {
    server.seedRows("MasteryV2", legacyRows(250));
    const stores = storesFor();
    const before = server.requests.length;
    await removeEmptyKeys(stores);
    const transactionRequests = server.requests
      .slice(before)
      .filter((request) => request.path.startsWith("/tablesdb/transactions"));
    expect(transactionRequests.map((request) => request.method)).toEqual(["POST", "POST", "PATCH"]);
    // The records are read back once, one request per 100 IDs (Appwrite's cap for `equal`).
    const reads = server.requests
      .slice(before)
      .filter((request) => request.method === "GET" && request.path.endsWith("/MasteryV2/rows"));
    expect(reads).toHaveLength(3);
    const ledger = server.rows("mastery_ledger");
    expect(ledger).toHaveLength(250);
    expect(new Set(ledger.map((row) => row.transactionId)).size).toBe(1);
    expect(ledger.every((row) => row.operation === "repair")).toBe(true);
    expect(new Set(server.rows("MasteryV2").map((row) => row.emaByOutcome))).toEqual(
      new Set([JSON.stringify({ [A]: 0.5 })]),
    );
  });

  it("commits a batch larger than one transaction holds in several", async () => {
    server.seedRows("MasteryV2", legacyRows(RECORDS_PER_TRANSACTION + 1));
    const stores = storesFor();
    await removeEmptyKeys(stores);
    const ledger = server.rows("mastery_ledger");
    expect(ledger).toHaveLength(RECORDS_PER_TRANSACTION + 1);
    expect(new Set(ledger.map((row) => row.transactionId)).size).toBe(2);
  });

  /** Records as backed up at 12:00, each with `lessons` lessons applied after it (lesson ledger rows). */
  const withLessonsAfter = (records: number, lessons: number) => {
    const rows = legacyRows(records, (i) => `course_${i}`);
    server.seedRows("MasteryV2", rows);
    server.seedRows(
      "mastery_ledger",
      rows.flatMap((row, r) =>
        Array.from({ length: lessons }, (_, l) => ({
          $id: `les_${r}_${l}`,
          sessionId: `les_${r}_${l}`,
          operation: "lesson",
          studentId: row.studentId,
          courseId: row.courseId,
          masteryId: row.$id,
          // Each lesson claimed the revision the one before it wrote (unique per record).
          baseRevision: `rev_${l}`,
          transactionId: "tx_lesson",
          appliedAt: "2025-11-12T13:00:00.000Z",
        })),
      ),
    );
    return rows;
  };
  const restoreTransactions = () =>
    new Set(
      server
        .rows("mastery_ledger")
        .filter((row) => row.operation === "restore")
        .map((row) => row.transactionId),
    ).size;

  it("releases the lessons a restore undoes with bulk deletes, many to one transaction", async () => {
    const backup = withLessonsAfter(3, 150);
    const result = await storesFor().mastery.restore(backup);
    expect(result.releasedSessions).toHaveLength(450);
    expect(server.rows("mastery_ledger").filter((row) => row.operation === "lesson")).toEqual([]);
    expect(restoreTransactions()).toBe(1);
  });

  it("splits records whose released lessons do not fit one transaction, each with its own lessons", async () => {
    // 2 records x 4950 lessons: 2 + 99 operations, over the 100 a transaction stages.
    const backup = withLessonsAfter(2, 4950);
    const result = await storesFor().mastery.restore(backup);
    expect(result.releasedSessions).toHaveLength(9900);
    expect(server.rows("mastery_ledger").filter((row) => row.operation === "lesson")).toEqual([]);
    expect(restoreTransactions()).toBe(2);
  });

  it("refuses, writing nothing, a record releasing more lessons than one transaction can delete", async () => {
    const backup = withLessonsAfter(1, 9801);
    const before = server.rows("MasteryV2");
    const error = await rejectionOf(storesFor().mastery.restore(backup), StoreInputError);
    expect(error.context).toMatchObject({ recordId: backup[0]?.$id, releasedLessons: 9801 });
    expect(server.rows("MasteryV2")).toEqual(before);
    expect(server.rows("mastery_ledger").filter((row) => row.operation === "lesson")).toHaveLength(
      9801,
    );
  });

  it("restores records of more courses than one `equal` query may name", async () => {
    const rows = legacyRows(150, (i) => `course_${i}`);
    server.seedRows("MasteryV2", rows);
    const stores = storesFor();
    const backup = server.rows("MasteryV2").map((row) => ({
      $id: row.$id,
      studentId: String(row.studentId),
      courseId: String(row.courseId),
      emaByOutcome: String(row.emaByOutcome),
      updatedAt: String(row.updatedAt),
    }));
    await stores.mastery.restore(backup);
    const ledger = server.rows("mastery_ledger");
    expect(ledger).toHaveLength(150);
    expect(ledger.every((row) => row.operation === "restore")).toBe(true);
    expect(server.rows("MasteryV2").map((row) => row.courseId)).toEqual(
      rows.map((row) => row.courseId),
    );
  });
});
