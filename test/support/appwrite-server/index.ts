/**
 * An Appwrite-compatible HTTP server for tests and benchmarks: the TablesDB
 * rows and transactions endpoints the Appwrite adapter uses, with Appwrite's
 * behaviour (JSON queries, 25-row default pages, cursor paging, totals counted
 * up to 5000, unique indexes → 409 `row_already_exists`, column sizes → 400,
 * missing or wrong key → 401, `{message, code, type}` error bodies,
 * transactions with conflict detection, at most 100 operations per
 * transaction and 100 rows per bulk operation) and switchable faults (error
 * statuses, delays, dropped connections), plus bulk upsert/delete, and the
 * account endpoint that verifies JWTs (accounts.ts; `createUser`/`createJwt`
 * mint them). Tables come from the repository's `appwrite.json`. Responses are typed with
 * node-appwrite's own `Models`.
 *
 * Not Appwrite: permissions are not enforced (only the API key is used), and
 * only the query methods in queries.ts are understood (others are refused).
 *
 * Usage:
 *   const server = await startAppwriteTestServer();
 *   // point node-appwrite (or the adapter) at server.endpoint / projectId / apiKey / databaseId
 *   server.seedRows("MasteryV2", rows);           // bypasses HTTP, auth and faults; fast at 100k rows
 *   server.faults.add({ status: 429, times: 2 }); // the next two requests are rate limited
 *   server.rows("MasteryV2");                     // what is stored, in $sequence order
 *   server.requestCount;                          // requests received, faulted ones included
 *   await server.close();
 */
import { randomBytes } from "node:crypto";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import type { Models } from "node-appwrite";
import { z } from "zod";
import { Accounts, type CreateUserInput } from "./accounts.js";
import { AppwriteApiError, apiErrors } from "./errors.js";
import { Faults } from "./faults.js";
import { parseQueries } from "./queries.js";
import { loadTableDefinitions, PROJECT_CONFIG_URL } from "./schema.js";
import { Table, type StoredRow } from "./table.js";
import { Transactions } from "./transactions.js";
import { DuplicateRowError, idOf, seedRows, StaleRowError, WriteBatch } from "./writes.js";

export type { CreateUserInput } from "./accounts.js";
export type { FaultRule } from "./faults.js";
export type { StoredRow } from "./table.js";
export { Faults } from "./faults.js";

export interface AppwriteTestServerOptions {
  /** Default `teaching-graph-test`. */
  projectId?: string;
  /** Default: a random key per server. */
  apiKey?: string;
  /** Default `default`, as the project's appwrite.json. */
  databaseId?: string;
  /** Appwrite CLI project configuration to take the tables from; default the repository's `appwrite.json`. */
  configPath?: URL | string;
  /** Operations allowed per transaction; default 100 (Appwrite's Free plan). */
  maxTransactionOperations?: number;
  /** Rows per bulk request or staged bulk operation; default 100 (Appwrite's default batch limit). */
  maxBulkRows?: number;
  /** Clock (ms); default `Date.now`. */
  now?: () => number;
}

/** One handled request, for tests that check what the adapter sent. */
export interface RequestRecord {
  method: string;
  /** Path after `/v1`. */
  path: string;
  /** The decoded `queries[]` of a list request. */
  queries: string[];
  /** 0 when the connection was dropped instead of answered. */
  status: number;
}

export interface AppwriteTestServer {
  /** Base URL for `Client.setEndpoint`, ending in `/v1`. */
  endpoint: string;
  projectId: string;
  apiKey: string;
  databaseId: string;
  faults: Faults;
  /**
   * Stores rows directly, bypassing HTTP, auth and faults, checked like creates
   * (columns, sizes, duplicate IDs, unique indexes); fast enough for 100k rows.
   * Returns their IDs (generated where a row has no `$id`).
   */
  seedRows(tableId: string, rows: ReadonlyArray<Record<string, unknown>>): string[];
  /** Copies of the stored rows of a table, in `$sequence` order. */
  rows(tableId: string): StoredRow[];
  /** An Appwrite account user, for `GET /v1/account` (JWT verification). */
  createUser(input?: CreateUserInput): Models.User<Models.Preferences>;
  /** A JWT of `userId` as `account.createJWT()` gives one; default lifetime 900 s, negative: expired. */
  createJwt(userId: string, options?: { expiresInSeconds?: number }): string;
  readonly requestCount: number;
  readonly requests: readonly RequestRecord[];
  close(): Promise<void>;
}

const RowIdParams = z.object({
  rowId: z.string(),
  data: z.record(z.string(), z.unknown()),
  permissions: z.array(z.string()).optional(),
});
const RowsParams = z.object({ rows: z.array(z.record(z.string(), z.unknown())) });
const DataParams = z.object({
  data: z.record(z.string(), z.unknown()).optional(),
  permissions: z.array(z.string()).optional(),
});
const QueriesParams = z.object({ queries: z.array(z.string()).optional() });
const TransactionUpdateParams = z.object({
  commit: z.boolean().optional(),
  rollback: z.boolean().optional(),
});

interface Reply {
  status: number;
  payload?:
    | Models.Row
    | Models.RowList<StoredRow>
    /** A list under a select: only the attributes it named. */
    | { total: number; rows: Record<string, unknown>[] }
    | Models.Transaction
    | Models.User<Models.Preferences>;
}

export async function startAppwriteTestServer(
  options: AppwriteTestServerOptions = {},
): Promise<AppwriteTestServer> {
  const projectId = options.projectId ?? "teaching-graph-test";
  const apiKey = options.apiKey ?? `standard_${randomBytes(24).toString("hex")}`;
  const databaseId = options.databaseId ?? "default";
  const now = options.now ?? Date.now;
  const maxBulkRows = options.maxBulkRows ?? 100;
  const tables = new Map(
    loadTableDefinitions(options.configPath ?? PROJECT_CONFIG_URL, databaseId).map((definition) => [
      definition.$id,
      new Table(definition),
    ]),
  );
  const transactions = new Transactions(
    databaseId,
    tables,
    { maxOperations: options.maxTransactionOperations ?? 100, maxBulkRows },
    now,
  );
  const faults = new Faults();
  const accounts = new Accounts(now);
  const requests: RequestRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const tableOf = (db: string, tableId: string): Table => {
    if (db !== databaseId) throw apiErrors.databaseNotFound(db);
    const table = tables.get(tableId);
    if (table === undefined) throw apiErrors.tableNotFound(tableId);
    return table;
  };

  /** A direct (non-transactional) write: one batch, with Appwrite's errors for direct requests. */
  const write = <T>(run: (batch: WriteBatch) => T): T => {
    const batch = new WriteBatch(now());
    try {
      const result = run(batch);
      batch.apply();
      return result;
    } catch (error) {
      if (error instanceof DuplicateRowError) throw apiErrors.rowAlreadyExists();
      if (error instanceof StaleRowError) throw apiErrors.rowUpdateConflict();
      throw error;
    }
  };

  const route = (
    method: string,
    path: string,
    search: URLSearchParams,
    body: unknown,
    headers: IncomingHttpHeaders,
  ): Reply => {
    const segments = path
      .split("/")
      .filter((segment) => segment !== "")
      .map(decodeURIComponent);
    if (segments[0] !== "tablesdb") throw apiErrors.routeNotFound();
    if (segments[1] === "transactions") return routeTransactions(method, segments.slice(2), body);
    const [, db, tablesWord, tableId, rowsWord, rowId, ...rest] = segments;
    if (
      db === undefined ||
      tablesWord !== "tables" ||
      tableId === undefined ||
      rowsWord !== "rows" ||
      rest.length > 0
    ) {
      throw apiErrors.routeNotFound();
    }
    if (search.has("transactionId") || (isRecord(body) && body.transactionId !== undefined)) {
      throw apiErrors.unsupported("transactionId on row endpoints (stage with createOperations)");
    }
    const table = tableOf(db, tableId);
    return rowId === undefined
      ? routeRows(method, table, search, body)
      : routeRow(method, table, rowId, body, headers);
  };

  const routeRows = (
    method: string,
    table: Table,
    search: URLSearchParams,
    body: unknown,
  ): Reply => {
    switch (method) {
      case "GET": {
        const query = parseQueries(queriesOf(search), table.definition);
        const page = table.list(query, search.get("total") !== "false");
        const { select } = query;
        const rows =
          select === undefined
            ? page.rows
            : page.rows.map((row) => Object.fromEntries(select.map((key) => [key, row[key]])));
        return { status: 200, payload: { total: page.total, rows } };
      }
      case "POST": {
        if (isRecord(body) && body.rows !== undefined) {
          const { rows } = parse(RowsParams, body);
          if (rows.length > maxBulkRows) throw apiErrors.tooManyBulkRows(maxBulkRows);
          const created = write((batch) =>
            rows.map((data) => batch.create(table, idOf(data), data)),
          );
          return { status: 201, payload: { total: created.length, rows: created } };
        }
        const params = parse(RowIdParams, body);
        const data =
          params.permissions === undefined
            ? params.data
            : { ...params.data, $permissions: params.permissions };
        return { status: 201, payload: write((batch) => batch.create(table, params.rowId, data)) };
      }
      case "PUT": {
        const { rows } = parse(RowsParams, body);
        if (rows.length > maxBulkRows) throw apiErrors.tooManyBulkRows(maxBulkRows);
        const upserted = write((batch) =>
          rows.map((data) => batch.upsert(table, idOf(data), data)),
        );
        return { status: 200, payload: { total: upserted.length, rows: upserted } };
      }
      case "DELETE": {
        // Bulk delete: every row the queries match (all rows without queries), unless they set a limit.
        const { queries = [] } = parse(QueriesParams, body);
        const query = parseQueries(queries, table.definition);
        if (!queries.some((text) => text.includes('"limit"')))
          query.limit = Number.POSITIVE_INFINITY;
        const { rows } = table.list(query, false);
        write((batch) => rows.forEach((row) => batch.delete(table, row.$id)));
        return { status: 200, payload: { total: rows.length, rows } };
      }
      default:
        throw apiErrors.routeNotFound();
    }
  };

  const routeRow = (
    method: string,
    table: Table,
    rowId: string,
    body: unknown,
    headers: IncomingHttpHeaders,
  ): Reply => {
    const notChangedAfter = requestTimestamp(headers);
    switch (method) {
      case "GET": {
        const row = table.get(rowId);
        if (row === undefined) throw apiErrors.rowNotFound(rowId);
        return { status: 200, payload: row };
      }
      case "PUT": {
        const { data = {}, permissions } = parse(DataParams, body);
        const withPermissions =
          permissions === undefined ? data : { ...data, $permissions: permissions };
        return {
          status: 200,
          payload: write((batch) => batch.upsert(table, rowId, withPermissions, notChangedAfter)),
        };
      }
      case "PATCH": {
        const { data = {}, permissions } = parse(DataParams, body);
        const withPermissions =
          permissions === undefined ? data : { ...data, $permissions: permissions };
        return {
          status: 200,
          payload: write((batch) => batch.update(table, rowId, withPermissions, notChangedAfter)),
        };
      }
      case "DELETE":
        write((batch) => batch.delete(table, rowId, notChangedAfter));
        return { status: 204 };
      default:
        throw apiErrors.routeNotFound();
    }
  };

  const routeTransactions = (method: string, segments: string[], body: unknown): Reply => {
    const [transactionId, operationsWord, ...rest] = segments;
    if (transactionId === undefined) {
      if (method !== "POST") throw apiErrors.routeNotFound();
      const ttl = isRecord(body) && body.ttl !== undefined ? body.ttl : 300;
      return {
        status: 201,
        payload: transactions.create(typeof ttl === "number" ? ttl : Number.NaN),
      };
    }
    if (rest.length > 0) throw apiErrors.routeNotFound();
    if (operationsWord === "operations") {
      if (method !== "POST") throw apiErrors.routeNotFound();
      return {
        status: 201,
        payload: transactions.stage(transactionId, isRecord(body) ? body.operations : undefined),
      };
    }
    if (operationsWord !== undefined) throw apiErrors.routeNotFound();
    switch (method) {
      case "GET":
        return { status: 200, payload: transactions.get(transactionId) };
      case "PATCH": {
        const { commit = false, rollback = false } = parse(TransactionUpdateParams, body);
        if (commit === rollback)
          throw apiErrors.badRequest("Either commit or rollback must be true, not both");
        return {
          status: 200,
          payload: commit
            ? transactions.commit(transactionId)
            : transactions.rollback(transactionId),
        };
      }
      case "DELETE":
        transactions.delete(transactionId);
        return { status: 204 };
      default:
        throw apiErrors.routeNotFound();
    }
  };

  const authenticate = (method: string, headers: IncomingHttpHeaders): void => {
    if (headers["x-appwrite-project"] !== projectId) throw apiErrors.projectNotFound();
    const key = headers["x-appwrite-key"];
    if (key === undefined || key === "")
      throw apiErrors.missingScope(method === "GET" ? "rows.read" : "rows.write");
    if (key !== apiKey) throw apiErrors.unauthorized();
  };

  /** The account endpoint answers the JWT's user; it needs the project, not the API key. */
  const routeAccount = (method: string, headers: IncomingHttpHeaders): Reply => {
    if (method !== "GET") throw apiErrors.routeNotFound();
    if (headers["x-appwrite-project"] !== projectId) throw apiErrors.projectNotFound();
    return { status: 200, payload: accounts.get(headers) };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = request.method ?? "GET";
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const path = url.pathname.replace(/^\/v1(?=\/)/, "");
    const record: RequestRecord = { method, path, queries: queriesOf(url.searchParams), status: 0 };
    requests.push(record);
    const rawBody = await readBody(request);
    const decision = faults.decide(method, path, now());
    if (decision.delayMs > 0) await sleep(decision.delayMs, timers);
    let reply: Reply;
    let extraHeaders: Readonly<Record<string, string>> = {};
    let errorBody: ReturnType<AppwriteApiError["toBody"]> | undefined;
    const hangUp = () => {
      record.status = 0;
      request.socket.destroy();
    };
    if (decision.drop && !decision.afterHandling) {
      hangUp();
      return;
    }
    try {
      if (decision.error !== undefined && !decision.afterHandling) throw decision.error;
      if (path === "/account") {
        reply = routeAccount(method, request.headers);
      } else {
        authenticate(method, request.headers);
        reply = route(method, path, url.searchParams, parseBody(rawBody), request.headers);
      }
      if (decision.drop) {
        hangUp();
        return;
      }
      if (decision.error !== undefined) throw decision.error;
    } catch (error) {
      const apiError = error instanceof AppwriteApiError ? error : unexpected(error);
      reply = { status: apiError.status };
      extraHeaders = apiError.headers;
      errorBody = apiError.toBody();
    }
    record.status = reply.status;
    const payload = errorBody ?? reply.payload;
    const body = payload === undefined ? undefined : JSON.stringify(payload);
    response.writeHead(reply.status, {
      ...extraHeaders,
      ...(body === undefined
        ? {}
        : {
            "content-type": "application/json; charset=utf-8",
            "content-length": String(Buffer.byteLength(body)),
          }),
    });
    if (decision.cutBody !== undefined && body !== undefined) {
      // The half is flushed before the connection closes: the client has begun reading the body.
      response.write(body.slice(0, Math.floor(body.length / 2)), () => {
        if (decision.cutBody === "close") request.socket.destroy();
      });
      return;
    }
    response.end(body);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      // Only a broken socket gets here; the test then fails on the client's error.
      process.stderr.write(`Appwrite test server: ${String(error)}\n`);
      response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}/v1`,
    projectId,
    apiKey,
    databaseId,
    faults,
    seedRows(tableId, rows) {
      return seedRows(tableOf(databaseId, tableId), rows, now());
    },
    rows(tableId) {
      return structuredClone(tableOf(databaseId, tableId).all());
    },
    createUser: (input) => accounts.createUser(input),
    createJwt: (userId, options) => accounts.createJwt(userId, options),
    get requestCount() {
      return requests.length;
    },
    requests,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

/** `queries[0]`, `queries[1]`, ... as the SDK flattens them into the query string, in order. */
function queriesOf(search: URLSearchParams): string[] {
  return [...search.entries()]
    .map(([key, value]) => ({ index: /^queries\[(\d+)\]$/.exec(key)?.[1], value }))
    .filter((entry): entry is { index: string; value: string } => entry.index !== undefined)
    .sort((a, b) => Number(a.index) - Number(b.index))
    .map((entry) => entry.value);
}

function requestTimestamp(headers: IncomingHttpHeaders): number | undefined {
  const header = headers["x-appwrite-timestamp"];
  if (header === undefined) return undefined;
  const ms = typeof header === "string" ? Date.parse(header) : Number.NaN;
  if (Number.isNaN(ms))
    throw apiErrors.invalidArgument("Invalid X-Appwrite-Timestamp header value");
  return ms;
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw apiErrors.invalidArgument(
      `Invalid request body: ${parsed.error.issues.map((issue) => issue.message).join("; ")}`,
    );
  }
  return parsed.data;
}

function parseBody(raw: string): unknown {
  if (raw === "") return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw apiErrors.invalidArgument("Request body is not valid JSON");
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A bug in the test server: answered as a 500 whose message says so, and printed. */
function unexpected(error: unknown): AppwriteApiError {
  process.stderr.write(
    `Appwrite test server bug: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return new AppwriteApiError(500, "general_unknown", `Appwrite test server bug: ${String(error)}`);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString("utf8");
}

function sleep(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve();
    }, ms);
    timers.add(timer);
  });
}
