/**
 * The Appwrite-compatible test server behaves as Appwrite does for what the
 * adapter relies on, checked through node-appwrite itself.
 */
import { AppwriteException, Client, ID, Query, TablesDB } from "node-appwrite";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  startAppwriteTestServer,
  type AppwriteTestServer,
} from "../support/appwrite-server/index.js";

let server: AppwriteTestServer;
let db: TablesDB;
const databaseId = "default";

function tablesWith(
  key: string | undefined,
  project = server.projectId,
  target: AppwriteTestServer = server,
): TablesDB {
  const client = new Client().setEndpoint(target.endpoint).setProject(project);
  if (key !== undefined) client.setKey(key);
  return new TablesDB(client);
}

async function failureOf<T>(promise: Promise<T>): Promise<AppwriteException> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppwriteException);
    return error as AppwriteException;
  }
  return expect.fail("expected an AppwriteException");
}

const mastery = (studentId: string, courseId = "course_1") => ({
  studentId,
  courseId,
  emaByOutcome: "{}",
  updatedAt: "2025-11-12T12:00:00.000Z",
});

beforeAll(async () => {
  server = await startAppwriteTestServer();
  db = tablesWith(server.apiKey);
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.faults.clear();
});

describe("authentication", () => {
  it("answers 401 with Appwrite's error body for a missing or wrong key", async () => {
    const missing = await failureOf(
      tablesWith(undefined).listRows({ databaseId, tableId: "MasteryV2" }),
    );
    expect(missing).toMatchObject({ code: 401, type: "general_unauthorized_scope" });
    expect(JSON.parse(missing.response)).toMatchObject({
      code: 401,
      type: "general_unauthorized_scope",
      message: expect.any(String),
    });
    const wrong = await failureOf(
      tablesWith("standard_wrong").getRow({ databaseId, tableId: "MasteryV2", rowId: "x" }),
    );
    expect(wrong).toMatchObject({ code: 401, type: "user_unauthorized" });
    const project = await failureOf(
      tablesWith(server.apiKey, "other_project").listRows({ databaseId, tableId: "MasteryV2" }),
    );
    expect(project).toMatchObject({ code: 404, type: "project_not_found" });
  });
});

describe("rows", () => {
  it("returns rows typed as Appwrite's, with unset columns as null and datetimes with an offset", async () => {
    const row = await db.createRow({
      databaseId,
      tableId: "MasteryV2",
      rowId: ID.unique(),
      data: mastery("s_shape"),
    });
    expect(row).toMatchObject({
      $tableId: "MasteryV2",
      $databaseId: databaseId,
      $permissions: [],
      revision: null,
      updatedAt: "2025-11-12T12:00:00.000+00:00",
    });
    expect(row.$createdAt).toMatch(/\+00:00$/);
    expect(await db.getRow({ databaseId, tableId: "MasteryV2", rowId: row.$id })).toEqual(row);
  });

  it("refuses a duplicate ID and a duplicate unique key with 409 row_already_exists", async () => {
    await db.createRow({
      databaseId,
      tableId: "MasteryV2",
      rowId: "dup_row",
      data: mastery("s_dup"),
    });
    const sameId = await failureOf(
      db.createRow({
        databaseId,
        tableId: "MasteryV2",
        rowId: "dup_row",
        data: mastery("s_other"),
      }),
    );
    expect(sameId).toMatchObject({ code: 409, type: "row_already_exists" });
    const sameKey = await failureOf(
      db.createRow({
        databaseId,
        tableId: "MasteryV2",
        rowId: ID.unique(),
        data: mastery("s_dup"),
      }),
    );
    expect(sameKey).toMatchObject({ code: 409, type: "row_already_exists" });
    expect(server.rows("MasteryV2").filter((row) => row.studentId === "s_dup")).toHaveLength(1);
  });

  it("refuses values over the column size, missing required columns and unknown columns with 400", async () => {
    const oversize = await failureOf(
      db.createRow({
        databaseId,
        tableId: "MasteryV2",
        rowId: ID.unique(),
        data: { ...mastery("s_big"), emaByOutcome: "x".repeat(5001) },
      }),
    );
    expect(oversize).toMatchObject({ code: 400, type: "row_invalid_structure" });
    expect(oversize.message).toContain("5000");
    const missing = await failureOf(
      db.createRow({
        databaseId,
        tableId: "MasteryV2",
        rowId: ID.unique(),
        data: { studentId: "s" },
      }),
    );
    expect(missing).toMatchObject({ code: 400, type: "row_invalid_structure" });
    const unknown = await failureOf(
      db.createRow({
        databaseId,
        tableId: "MasteryV2",
        rowId: ID.unique(),
        data: { ...mastery("s_u"), colour: "red" },
      }),
    );
    expect(unknown).toMatchObject({ code: 400, type: "row_invalid_structure" });
    expect(
      server.rows("MasteryV2").some((row) => ["s_big", "s", "s_u"].includes(String(row.studentId))),
    ).toBe(false);
  });

  it("answers 404 row_not_found and table_not_found", async () => {
    expect(
      await failureOf(db.getRow({ databaseId, tableId: "MasteryV2", rowId: "absent" })),
    ).toMatchObject({
      code: 404,
      type: "row_not_found",
    });
    expect(await failureOf(db.listRows({ databaseId, tableId: "no_such_table" }))).toMatchObject({
      code: 404,
      type: "table_not_found",
    });
  });

  it("upserts rows in bulk, all or nothing", async () => {
    await db.upsertRows({
      databaseId,
      tableId: "MasteryV2",
      rows: [
        { $id: "bulk_1", ...mastery("s_b1") },
        { $id: "bulk_2", ...mastery("s_b2") },
      ],
    });
    const failed = await failureOf(
      db.upsertRows({
        databaseId,
        tableId: "MasteryV2",
        rows: [
          { $id: "bulk_3", ...mastery("s_b3") },
          { $id: "bulk_4", ...mastery("s_b1") },
        ],
      }),
    );
    expect(failed).toMatchObject({ code: 409, type: "row_already_exists" });
    expect(server.rows("MasteryV2").map((row) => row.$id)).not.toContain("bulk_3");
  });

  it("judges unique keys by the batch's own earlier writes: a key freed in the batch can be taken, a key taken twice cannot", async () => {
    await db.upsertRows({
      databaseId,
      tableId: "MasteryV2",
      rows: [
        { $id: "uniq_1", ...mastery("s_u1") },
        { $id: "uniq_2", ...mastery("s_u2") },
      ],
    });
    // uniq_1 moves to s_u1b, freeing s_u1 for a new row in the same request.
    await db.upsertRows({
      databaseId,
      tableId: "MasteryV2",
      rows: [
        { $id: "uniq_1", ...mastery("s_u1b") },
        { $id: "uniq_3", ...mastery("s_u1") },
      ],
    });
    const students = () =>
      Object.fromEntries(
        server
          .rows("MasteryV2")
          .filter((row) => row.$id.startsWith("uniq_"))
          .map((row) => [row.$id, row.studentId]),
      );
    expect(students()).toEqual({ uniq_1: "s_u1b", uniq_2: "s_u2", uniq_3: "s_u1" });

    for (const rows of [
      // Two new rows with one key.
      [
        { $id: "uniq_4", ...mastery("s_u4") },
        { $id: "uniq_5", ...mastery("s_u4") },
      ],
      // A row rewritten twice: its first key is freed, its second is held against the next row.
      [
        { $id: "uniq_2", ...mastery("s_u6") },
        { $id: "uniq_2", ...mastery("s_u7") },
        { $id: "uniq_6", ...mastery("s_u7") },
      ],
      // A stored row's key, while that row is not rewritten.
      [{ $id: "uniq_7", ...mastery("s_u2") }],
    ]) {
      const failed = await failureOf(db.upsertRows({ databaseId, tableId: "MasteryV2", rows }));
      expect(failed).toMatchObject({ code: 409, type: "row_already_exists" });
    }
    expect(students()).toEqual({ uniq_1: "s_u1b", uniq_2: "s_u2", uniq_3: "s_u1" });
  });

  it("refuses an update made stale by X-Appwrite-Timestamp with 409 row_update_conflict", async () => {
    const row = await db.createRow({
      databaseId,
      tableId: "MasteryV2",
      rowId: ID.unique(),
      data: mastery("s_ts"),
    });
    const client = new Client()
      .setEndpoint(server.endpoint)
      .setProject(server.projectId)
      .setKey(server.apiKey);
    client.headers["X-Appwrite-Timestamp"] = new Date(
      Date.parse(row.$updatedAt) - 1000,
    ).toISOString();
    const stale = await failureOf(
      new TablesDB(client).updateRow({
        databaseId,
        tableId: "MasteryV2",
        rowId: row.$id,
        data: { emaByOutcome: "{}" },
      }),
    );
    expect(stale).toMatchObject({ code: 409, type: "row_update_conflict" });
  });
});

describe("queries", () => {
  beforeAll(() => {
    server.seedRows(
      "course_outcomes",
      Array.from({ length: 60 }, (_, i) => ({
        $id: `q${String(i).padStart(3, "0")}`,
        courseId: i % 2 === 0 ? "course_even" : "course_odd",
        unitCode: `U${i}`,
        unitTitle: "Unit",
        outcomeId: `O${i % 3}`,
        outcomeTitle: "Outcome",
        assessmentStandards: "[]",
      })),
    );
  });

  it("returns 25 rows without a limit, and pages with limit and cursorAfter in $id order", async () => {
    const first = await db.listRows({
      databaseId,
      tableId: "course_outcomes",
      queries: [Query.equal("courseId", "course_even")],
    });
    expect(first.rows).toHaveLength(25);
    expect(first.total).toBe(30);
    const ids: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await db.listRows({
        databaseId,
        tableId: "course_outcomes",
        queries: [
          Query.orderAsc("$id"),
          Query.limit(7),
          ...(cursor === undefined ? [] : [Query.cursorAfter(cursor)]),
        ],
        total: false,
      });
      expect(page.total).toBe(0);
      ids.push(...page.rows.map((row) => row.$id));
      if (page.rows.length < 7) break;
      cursor = page.rows.at(-1)?.$id;
    }
    expect(ids).toEqual(Array.from({ length: 60 }, (_, i) => `q${String(i).padStart(3, "0")}`));
  });

  it("treats equal with several values as any of them, and combines filters", async () => {
    const list = await db.listRows({
      databaseId,
      tableId: "course_outcomes",
      queries: [
        Query.equal("courseId", "course_odd"),
        Query.equal("outcomeId", ["O0", "O2"]),
        Query.limit(100),
      ],
    });
    expect(
      list.rows.every(
        (row) => row.courseId === "course_odd" && ["O0", "O2"].includes(String(row.outcomeId)),
      ),
    ).toBe(true);
    expect(list.rows).toHaveLength(20);
  });

  it("returns only the attributes a select names, system ones included, as Appwrite does", async () => {
    const list = await db.listRows({
      databaseId,
      tableId: "course_outcomes",
      queries: [Query.select(["$id", "$updatedAt", "unitCode"]), Query.limit(2)],
    });
    expect(list.rows).toEqual([
      { $id: "q000", $updatedAt: expect.any(String), unitCode: "U0" },
      { $id: "q001", $updatedAt: expect.any(String), unitCode: "U1" },
    ]);
    const all = await db.listRows({
      databaseId,
      tableId: "course_outcomes",
      queries: [Query.select(["*"]), Query.limit(1)],
    });
    expect(Object.keys(all.rows[0] ?? {})).toContain("$permissions");
    const failure = await failureOf(
      db.listRows({ databaseId, tableId: "course_outcomes", queries: [Query.select(["nope"])] }),
    );
    expect(failure.code).toBe(400);
  });

  it("refuses unknown attributes, over-long value lists, unknown cursors, unsupported methods and a zero limit", async () => {
    const queries = [
      [Query.equal("nope", "x")],
      [
        Query.equal(
          "$id",
          Array.from({ length: 101 }, (_, i) => `id${i}`),
        ),
      ],
      [Query.cursorAfter("no_such_row")],
      [Query.search("outcomeTitle", "x")],
      [Query.limit(0)],
    ];
    for (const query of queries) {
      const failure = await failureOf(
        db.listRows({ databaseId, tableId: "course_outcomes", queries: query }),
      );
      expect(failure.code).toBe(400);
    }
  });
});

describe("transactions", () => {
  it("commits staged operations atomically", async () => {
    const transaction = await db.createTransaction({ ttl: 60 });
    await db.createOperations({
      transactionId: transaction.$id,
      operations: [
        {
          action: "create",
          databaseId,
          tableId: "MasteryV2",
          rowId: "tx_row",
          data: mastery("s_tx"),
        },
        {
          action: "update",
          databaseId,
          tableId: "MasteryV2",
          rowId: "tx_row",
          data: { emaByOutcome: '{"a":1}' },
        },
      ],
    });
    expect(server.rows("MasteryV2").map((row) => row.$id)).not.toContain("tx_row");
    expect(
      await db.updateTransaction({ transactionId: transaction.$id, commit: true }),
    ).toMatchObject({ status: "committed", operations: 2 });
    expect(
      (await db.getRow({ databaseId, tableId: "MasteryV2", rowId: "tx_row" })).emaByOutcome,
    ).toBe('{"a":1}');
  });

  it("fails the commit with 409 transaction_conflict when a row changed after staging, writing nothing", async () => {
    let clock = Date.parse("2030-01-01T00:00:00.000Z");
    const timed = await startAppwriteTestServer({ now: () => clock });
    try {
      const tdb = tablesWith(timed.apiKey, timed.projectId, timed);
      await tdb.createRow({
        databaseId,
        tableId: "MasteryV2",
        rowId: "conflict_row",
        data: mastery("s_c"),
      });
      const transaction = await tdb.createTransaction({ ttl: 60 });
      clock += 10;
      await tdb.createOperations({
        transactionId: transaction.$id,
        operations: [
          {
            action: "create",
            databaseId,
            tableId: "mastery_ledger",
            rowId: "ledger_x",
            data: ledger("conflict_row"),
          },
          {
            action: "update",
            databaseId,
            tableId: "MasteryV2",
            rowId: "conflict_row",
            data: { emaByOutcome: '{"mine":1}' },
          },
        ],
      });
      clock += 10;
      await tdb.updateRow({
        databaseId,
        tableId: "MasteryV2",
        rowId: "conflict_row",
        data: { emaByOutcome: '{"theirs":1}' },
      });
      const conflict = await failureOf(
        tdb.updateTransaction({ transactionId: transaction.$id, commit: true }),
      );
      expect(conflict).toMatchObject({ code: 409, type: "transaction_conflict" });
      expect(
        (await tdb.getRow({ databaseId, tableId: "MasteryV2", rowId: "conflict_row" }))
          .emaByOutcome,
      ).toBe('{"theirs":1}');
      expect(timed.rows("mastery_ledger")).toEqual([]);
    } finally {
      await timed.close();
    }
  });

  it("fails the commit when a created row's unique key exists, and refuses to commit twice", async () => {
    await db.createRow({
      databaseId,
      tableId: "mastery_ledger",
      rowId: ID.unique(),
      data: ledger("m_unique"),
    });
    const transaction = await db.createTransaction({ ttl: 60 });
    await db.createOperations({
      transactionId: transaction.$id,
      operations: [
        {
          action: "bulkCreate",
          databaseId,
          tableId: "mastery_ledger",
          data: [{ $id: ID.unique(), ...ledger("m_unique") }],
        },
      ],
    });
    expect(
      await failureOf(db.updateTransaction({ transactionId: transaction.$id, commit: true })),
    ).toMatchObject({
      code: 409,
      type: "transaction_conflict",
    });
    expect(
      await failureOf(db.updateTransaction({ transactionId: transaction.$id, commit: true })),
    ).toMatchObject({ code: 400 });
  });

  it("counts a bulk operation as one toward the transaction's limit, and caps its rows at 100", async () => {
    const limited = await startAppwriteTestServer({ maxTransactionOperations: 3 });
    try {
      const tdb = tablesWith(limited.apiKey, limited.projectId, limited);
      const rows = (count: number, prefix: string) =>
        Array.from({ length: count }, (_, i) => ({
          $id: `${prefix}_${i}`,
          ...ledger(`${prefix}_${i}`),
        }));
      const bulk = (data: Record<string, unknown>[]) => ({
        action: "bulkCreate",
        databaseId,
        tableId: "mastery_ledger",
        data,
      });
      const transaction = await tdb.createTransaction({ ttl: 60 });
      const staged = await tdb.createOperations({
        transactionId: transaction.$id,
        operations: [bulk(rows(100, "a")), bulk(rows(100, "b")), bulk(rows(100, "c"))],
      });
      expect(staged.operations).toBe(3);
      expect(
        await failureOf(
          tdb.createOperations({
            transactionId: transaction.$id,
            operations: [bulk(rows(1, "d"))],
          }),
        ),
      ).toMatchObject({ code: 400, type: "transaction_limit_exceeded" });
      await tdb.updateTransaction({ transactionId: transaction.$id, commit: true });
      expect(limited.rows("mastery_ledger")).toHaveLength(300);

      const next = await tdb.createTransaction({ ttl: 60 });
      expect(
        await failureOf(
          tdb.createOperations({ transactionId: next.$id, operations: [bulk(rows(101, "e"))] }),
        ),
      ).toMatchObject({ code: 400, type: "general_argument_invalid" });
      expect(
        await failureOf(
          tdb.upsertRows({ databaseId, tableId: "mastery_ledger", rows: rows(101, "f") }),
        ),
      ).toMatchObject({ code: 400, type: "general_argument_invalid" });
      expect(limited.rows("mastery_ledger")).toHaveLength(300);
    } finally {
      await limited.close();
    }
  });

  it("deletes with one bulkDelete every row its queries match, at the commit", async () => {
    const limited = await startAppwriteTestServer({ maxTransactionOperations: 1 });
    try {
      const tdb = tablesWith(limited.apiKey, limited.projectId, limited);
      limited.seedRows(
        "mastery_ledger",
        Array.from({ length: 150 }, (_, i) => ({ $id: `del_${i}`, ...ledger(`del_${i}`) })),
      );
      const doomed = Array.from({ length: 100 }, (_, i) => `del_${i}`);
      const transaction = await tdb.createTransaction({ ttl: 60 });
      await tdb.createOperations({
        transactionId: transaction.$id,
        operations: [
          {
            action: "bulkDelete",
            databaseId,
            tableId: "mastery_ledger",
            data: { queries: [Query.equal("$id", doomed)] },
          },
        ],
      });
      expect(limited.rows("mastery_ledger")).toHaveLength(150);
      await tdb.updateTransaction({ transactionId: transaction.$id, commit: true });
      expect(limited.rows("mastery_ledger").map((row) => row.$id)).toEqual(
        Array.from({ length: 50 }, (_, i) => `del_${i + 100}`),
      );
    } finally {
      await limited.close();
    }
  });

  it("refuses to stage an update of a row that does not exist", async () => {
    const transaction = await db.createTransaction({ ttl: 60 });
    const failure = await failureOf(
      db.createOperations({
        transactionId: transaction.$id,
        operations: [
          { action: "update", databaseId, tableId: "MasteryV2", rowId: "absent_row", data: {} },
        ],
      }),
    );
    expect(failure).toMatchObject({ code: 404, type: "row_not_found" });
  });
});

describe("faults", () => {
  it("answers 429 with Appwrite's rate-limit headers and an optional Retry-After", async () => {
    server.faults.add({ status: 429, resetAfterSeconds: 3, retryAfterSeconds: 2 });
    const response = await fetch(
      `${server.endpoint}/tablesdb/${databaseId}/tables/MasteryV2/rows`,
      {
        headers: { "X-Appwrite-Project": server.projectId, "X-Appwrite-Key": server.apiKey },
      },
    );
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("2");
    expect(Number(response.headers.get("x-ratelimit-reset"))).toBeGreaterThanOrEqual(
      Math.floor(Date.now() / 1000) + 2,
    );
    expect(response.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(await response.json()).toMatchObject({ code: 429, type: "general_rate_limit_exceeded" });
  });

  it("injects server errors for matching requests only, the given number of times", async () => {
    server.faults.add({ status: 500, method: "GET", path: /\/rows\/fault_row$/, times: 2 });
    await db.createRow({
      databaseId,
      tableId: "MasteryV2",
      rowId: "fault_row",
      data: mastery("s_fault"),
    });
    expect(
      await failureOf(db.getRow({ databaseId, tableId: "MasteryV2", rowId: "fault_row" })),
    ).toMatchObject({ code: 500 });
    expect(
      await failureOf(db.getRow({ databaseId, tableId: "MasteryV2", rowId: "fault_row" })),
    ).toMatchObject({ code: 500 });
    expect((await db.getRow({ databaseId, tableId: "MasteryV2", rowId: "fault_row" })).$id).toBe(
      "fault_row",
    );
    expect(server.faults.pending).toBe(0);
  });

  it("counts and records requests", async () => {
    const before = server.requestCount;
    await db.listRows({ databaseId, tableId: "MasteryV2", queries: [Query.limit(3)] });
    expect(server.requestCount).toBe(before + 1);
    expect(server.requests.at(-1)).toMatchObject({
      method: "GET",
      path: "/tablesdb/default/tables/MasteryV2/rows",
      status: 200,
    });
    expect(server.requests.at(-1)?.queries).toEqual([Query.limit(3)]);
  });
});

function ledger(masteryId: string) {
  return {
    sessionId: null,
    operation: "repair",
    studentId: "s",
    courseId: "c",
    masteryId,
    baseRevision: "rev_1",
    transactionId: "tx",
    appliedAt: "2025-11-12T12:00:00.000Z",
  };
}
