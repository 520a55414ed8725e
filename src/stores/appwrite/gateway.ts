/**
 * The adapter's only door to Appwrite: a lazily created node-appwrite client
 * (nothing connects at import or construction), every request retried by the
 * policy, rows parsed with zod, lists paged with `cursorAfter` and an explicit
 * limit (Appwrite returns 25 rows otherwise) and without the total count.
 */
import { Query, TablesDB } from "node-appwrite";
import pLimit from "p-limit";
import { z } from "zod";
import type { AppwriteSettings } from "../../config/env.js";
import { StoreDataError, StoreUnavailableError } from "../errors.js";
import { AppwriteOutcomeUnknownError, AppwriteStoreError, type RequestTarget } from "./errors.js";
import { TimedClient } from "./http.js";
import { withRetries, type RetryMode, type RetryPolicy } from "./retry.js";

/** A row as Appwrite returns it: `$id`, system fields, and every column (unset ones as null). */
export const AppwriteRowSchema = z.looseObject({ $id: z.string().min(1), $updatedAt: z.string() });
export type AppwriteRow = z.infer<typeof AppwriteRowSchema>;

const RowListSchema = z.looseObject({ rows: z.array(AppwriteRowSchema) });
const TransactionSchema = z.looseObject({ $id: z.string().min(1), status: z.string() });

/** Appwrite caps `equal` at 100 values; ID lists are split into chunks of this size. */
export const MAX_EQUAL_VALUES = 100;
/** Rows per bulk request or staged bulk operation: Appwrite's default batch limit (`APP_LIMIT_DATABASE_BATCH`). */
export const MAX_BULK_ROWS = 100;
/**
 * Operations one transaction may stage on Appwrite's Free plan, the smallest
 * (Pro 1000, Scale 2500). A bulk operation counts as one, whatever its rows.
 */
export const MAX_TRANSACTION_OPERATIONS = 100;
/** Requests of one `listWhereIn` in flight at once. */
const LIST_WHERE_IN_CONCURRENCY = 4;
/**
 * Rows per `listWhereIn` request: ten times the values one request names, so
 * that a chunk of IDs (one row each) is answered by one request, not by a full
 * page and an empty one.
 */
const LIST_WHERE_IN_PAGE_SIZE = MAX_EQUAL_VALUES * 10;

/** A staged TablesDB transaction operation (createOperations' payload). */
export interface TransactionOperation {
  action: "create" | "update" | "delete" | "bulkCreate" | "bulkUpsert" | "bulkDelete";
  tableId: string;
  rowId?: string;
  /** Absent for a delete; `{ queries }` (the rows to delete) for a bulkDelete. */
  data?: Record<string, unknown> | Record<string, unknown>[];
}

export class AppwriteGateway {
  private tablesDB: TablesDB | undefined;
  private closed = false;

  constructor(
    private readonly settings: AppwriteSettings,
    private readonly policy: RetryPolicy,
    /** Rows per list request. */
    readonly pageSize: number,
  ) {}

  close(): void {
    this.closed = true;
    this.tablesDB = undefined;
  }

  /** One request through the retry policy. */
  async request<T>(
    target: RequestTarget,
    send: (db: TablesDB) => Promise<T>,
    mode: RetryMode = "idempotent",
  ): Promise<T> {
    const db = this.db();
    return withRetries(this.policy, target, mode, () => send(db));
  }

  /** The row, or null when Appwrite answers 404 `row_not_found`. */
  async getRow(table: string, rowId: string): Promise<AppwriteRow | null> {
    try {
      const row = await this.request({ operation: "getRow", table, rowId }, (db) =>
        db.getRow({ databaseId: this.settings.databaseId, tableId: table, rowId }),
      );
      return parseRow(table, row);
    } catch (error) {
      if (isRowNotFound(error)) return null;
      throw error;
    }
  }

  /** One list request; `queries` must carry their own limit. */
  async listRows(table: string, queries: string[]): Promise<AppwriteRow[]> {
    const list = await this.request({ operation: "listRows", table }, (db) =>
      db.listRows({ databaseId: this.settings.databaseId, tableId: table, queries, total: false }),
    );
    // Checked by hand (a list may hold thousands of rows); the schema only explains a bad one.
    if (isRowList(list)) return list.rows;
    const parsed = RowListSchema.safeParse(list);
    if (!parsed.success)
      throw new StoreDataError(
        table,
        "(list)",
        `unexpected listRows response: ${parsed.error.message}`,
      );
    return parsed.data.rows;
  }

  /**
   * Every row matching `filters`, in `$id` order, page by page. `after`
   * resumes past that ID with `$id > after` (the row need not exist any more);
   * later pages follow Appwrite's `cursorAfter`.
   */
  async *pages(
    table: string,
    filters: string[],
    pageSize = this.pageSize,
    after?: string,
  ): AsyncGenerator<AppwriteRow[]> {
    const resume = after === undefined ? [] : [Query.greaterThan("$id", after)];
    let cursor: string | undefined;
    for (;;) {
      const page = await this.listRows(table, [
        ...filters,
        ...resume,
        Query.orderAsc("$id"),
        Query.limit(pageSize),
        ...(cursor === undefined ? [] : [Query.cursorAfter(cursor)]),
      ]);
      if (page.length > 0) yield page;
      const last = page.at(-1);
      if (page.length < pageSize || last === undefined) return;
      cursor = last.$id;
    }
  }

  /** Every row matching `filters`, all pages. */
  async listAll(
    table: string,
    filters: string[],
    pageSize = this.pageSize,
  ): Promise<AppwriteRow[]> {
    const rows: AppwriteRow[] = [];
    for await (const page of this.pages(table, filters, pageSize)) rows.push(...page);
    return rows;
  }

  /** Every row whose `column` is one of `values` (chunked under Appwrite's 100-value cap), in `$id` order. */
  async listWhereIn(
    table: string,
    column: string,
    values: readonly string[],
    filters: string[] = [],
  ): Promise<AppwriteRow[]> {
    const unique = [...new Set(values)];
    const limit = pLimit(LIST_WHERE_IN_CONCURRENCY);
    const lists = await Promise.all(
      chunks(unique, MAX_EQUAL_VALUES).map((chunk) =>
        limit(() =>
          this.listAll(table, [...filters, Query.equal(column, chunk)], LIST_WHERE_IN_PAGE_SIZE),
        ),
      ),
    );
    return lists.flat().sort((a, b) => (a.$id < b.$id ? -1 : a.$id > b.$id ? 1 : 0));
  }

  async upsertRow(table: string, rowId: string, data: Record<string, unknown>): Promise<void> {
    await this.request({ operation: "upsertRow", table, rowId }, (db) =>
      db.upsertRow({ databaseId: this.settings.databaseId, tableId: table, rowId, data }),
    );
  }

  /** Creates or replaces rows (each carries its `$id`), in requests of at most `MAX_BULK_ROWS`. */
  async upsertRows(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    for (const chunk of chunks(rows, MAX_BULK_ROWS)) {
      await this.request({ operation: "upsertRows", table }, (db) =>
        db.upsertRows({ databaseId: this.settings.databaseId, tableId: table, rows: chunk }),
      );
    }
  }

  async updateRow(table: string, rowId: string, data: Record<string, unknown>): Promise<void> {
    await this.request({ operation: "updateRow", table, rowId }, (db) =>
      db.updateRow({ databaseId: this.settings.databaseId, tableId: table, rowId, data }),
    );
  }

  /**
   * Runs `build(transactionId)`'s operations as one TablesDB transaction.
   * `"stale"` when Appwrite refuses the commit for a conflict (a created ID or
   * unique key exists, or a row changed after it was staged) or a row to update
   * is gone: nothing was written. When the commit's outcome is unknown
   * (timeout, dropped connection, 5xx), `committed(transactionId)` decides from
   * the data.
   */
  async runTransaction(
    target: RequestTarget,
    build: (transactionId: string) => TransactionOperation[],
    committed: (transactionId: string) => Promise<boolean>,
  ): Promise<"committed" | "stale"> {
    const databaseId = this.settings.databaseId;
    const transaction = TransactionSchema.parse(
      await this.request({ ...target, operation: "createTransaction" }, (db) =>
        db.createTransaction({ ttl: 60 }),
      ),
    );
    const transactionId = transaction.$id;
    const operations = build(transactionId).map((operation) => ({ ...operation, databaseId }));
    try {
      await this.request({ ...target, operation: "createOperations" }, (db) =>
        db.createOperations({ transactionId, operations }),
      );
    } catch (error) {
      if (!isStale(error)) throw error;
      await this.request({ ...target, operation: "rollbackTransaction" }, (db) =>
        db.updateTransaction({ transactionId, rollback: true }),
      );
      return "stale";
    }
    try {
      await this.request(
        { ...target, operation: "commitTransaction" },
        (db) => db.updateTransaction({ transactionId, commit: true }),
        "once",
      );
      return "committed";
    } catch (error) {
      if (isStale(error)) return "stale";
      if (error instanceof AppwriteOutcomeUnknownError)
        return (await committed(transactionId)) ? "committed" : "stale";
      throw error;
    }
  }

  private db(): TablesDB {
    if (this.closed) throw new StoreUnavailableError("appwrite", "the store was closed");
    if (this.tablesDB === undefined) {
      const client = new TimedClient(this.policy.requestTimeoutMs)
        .setEndpoint(this.settings.endpoint)
        .setProject(this.settings.projectId)
        .setKey(this.settings.apiKey);
      this.tablesDB = new TablesDB(client);
    }
    return this.tablesDB;
  }
}

/** `items` in consecutive slices of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const slices: T[][] = [];
  for (let start = 0; start < items.length; start += size)
    slices.push(items.slice(start, start + size));
  return slices;
}

/** What `AppwriteRowSchema` accepts, without copying the row. */
function isAppwriteRow(value: unknown): value is AppwriteRow {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    "$id" in value &&
    typeof value.$id === "string" &&
    value.$id.length >= 1 &&
    "$updatedAt" in value &&
    typeof value.$updatedAt === "string"
  );
}

/** What `RowListSchema` accepts, without copying the rows. */
function isRowList(value: unknown): value is { rows: AppwriteRow[] } {
  return (
    typeof value === "object" &&
    value !== null &&
    "rows" in value &&
    Array.isArray(value.rows) &&
    value.rows.every(isAppwriteRow)
  );
}

function parseRow(table: string, row: unknown): AppwriteRow {
  const parsed = AppwriteRowSchema.safeParse(row);
  if (!parsed.success)
    throw new StoreDataError(table, "(row)", `unexpected row: ${parsed.error.message}`);
  return parsed.data;
}

export function isRowNotFound(error: unknown): boolean {
  return (
    error instanceof AppwriteStoreError &&
    error.appwriteCode === 404 &&
    error.appwriteType === "row_not_found"
  );
}

/** Appwrite's answers meaning "the data moved under this write; read again". */
function isStale(error: unknown): boolean {
  return (
    error instanceof AppwriteStoreError &&
    ((error.appwriteCode === 409 &&
      ["transaction_conflict", "row_already_exists", "row_update_conflict"].includes(
        error.appwriteType,
      )) ||
      isRowNotFound(error))
  );
}
