/**
 * TablesDB transactions as Appwrite 1.8 runs them: operations are staged with
 * a timestamp (an update or delete needs its row to exist, or to be created
 * earlier in the transaction), and the commit replays them in order, all or
 * nothing. The commit fails with 409 `transaction_conflict` when a create hits
 * an existing ID or unique key, or when a row it updates, upserts or deletes
 * was changed after the operation was staged (unless the transaction itself
 * wrote it first). A bulkDelete (`data: { queries }`) deletes every row its
 * queries match when the commit replays it. See Appwrite's Transactions/Update.php.
 */
import { ID, type Models } from "node-appwrite";
import { z } from "zod";
import { apiErrors } from "./errors.js";
import { parseQueries, type ListQuery } from "./queries.js";
import { formatDatetime } from "./schema.js";
import type { Table } from "./table.js";
import { DuplicateRowError, idOf, StaleRowError, WriteBatch } from "./writes.js";

const ACTIONS = [
  "create",
  "update",
  "upsert",
  "delete",
  "bulkCreate",
  "bulkUpsert",
  "bulkDelete",
] as const;

const OperationSchema = z.object({
  action: z.string(),
  databaseId: z.string(),
  tableId: z.string(),
  rowId: z.string().optional(),
  data: z.unknown().optional(),
});

const RowDataSchema = z.record(z.string(), z.unknown());

interface StagedOperation {
  action: (typeof ACTIONS)[number];
  table: Table;
  rowId: string | undefined;
  data: unknown;
  stagedAt: number;
}

interface TransactionState {
  model: Models.Transaction;
  operations: StagedOperation[];
  expiresAt: number;
}

export interface TransactionLimits {
  /** Appwrite's per-transaction operation limit (100 on the Free plan); a bulk operation counts as one. */
  maxOperations: number;
  /** Rows one bulk operation may carry (Appwrite's `APP_LIMIT_DATABASE_BATCH`, 100). */
  maxBulkRows: number;
}

export class Transactions {
  private readonly transactions = new Map<string, TransactionState>();

  constructor(
    private readonly databaseId: string,
    private readonly tables: ReadonlyMap<string, Table>,
    private readonly limits: TransactionLimits,
    private readonly now: () => number,
  ) {}

  create(ttlSeconds: number): Models.Transaction {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > 3600) {
      throw apiErrors.invalidArgument(
        "Invalid ttl: Value must be a valid range between 60 and 3,600",
      );
    }
    const now = this.now();
    const model: Models.Transaction = {
      $id: ID.unique(),
      $createdAt: formatDatetime(now),
      $updatedAt: formatDatetime(now),
      status: "pending",
      operations: 0,
      expiresAt: formatDatetime(now + ttlSeconds * 1000),
    };
    this.transactions.set(model.$id, { model, operations: [], expiresAt: now + ttlSeconds * 1000 });
    return { ...model };
  }

  get(id: string): Models.Transaction {
    return { ...this.mustGet(id).model };
  }

  stage(id: string, rawOperations: unknown): Models.Transaction {
    const transaction = this.pendingTransaction(id);
    const operations = z.array(OperationSchema).safeParse(rawOperations);
    if (!operations.success || operations.data.length === 0) {
      throw apiErrors.badRequest(
        "Operations array cannot be empty and must hold operation objects",
      );
    }
    if (transaction.operations.length + operations.data.length > this.limits.maxOperations) {
      throw apiErrors.transactionLimit(
        `Transaction already has ${transaction.operations.length} operations, adding ${operations.data.length} would exceed the maximum of ${this.limits.maxOperations}`,
      );
    }
    const stagedAt = this.now();
    const createdHere = new Set(
      transaction.operations
        .filter((op) => op.action === "create")
        .map((op) => `${op.table.id}/${op.rowId}`),
    );
    const staged = operations.data.map((operation): StagedOperation => {
      const action = ACTIONS.find((known) => known === operation.action);
      if (action === undefined)
        throw apiErrors.unsupported(`transaction action "${operation.action}"`);
      if (operation.databaseId !== this.databaseId)
        throw apiErrors.databaseNotFound(operation.databaseId);
      const table = this.tables.get(operation.tableId);
      if (table === undefined) throw apiErrors.tableNotFound(operation.tableId);
      if (action === "update" || action === "delete" || action === "upsert") {
        if (operation.rowId === undefined)
          throw apiErrors.badRequest(`Row ID is required for ${action} operations`);
        const exists =
          table.get(operation.rowId) !== undefined ||
          createdHere.has(`${table.id}/${operation.rowId}`);
        if (!exists && action !== "upsert") throw apiErrors.rowNotFound(operation.rowId);
      }
      if (
        (action === "bulkCreate" || action === "bulkUpsert") &&
        Array.isArray(operation.data) &&
        operation.data.length > this.limits.maxBulkRows
      ) {
        throw apiErrors.tooManyBulkRows(this.limits.maxBulkRows);
      }
      if (action === "bulkDelete") bulkDeleteQuery(table, operation.data);
      if (action === "create" && operation.rowId !== undefined)
        createdHere.add(`${table.id}/${operation.rowId}`);
      return { action, table, rowId: operation.rowId, data: operation.data, stagedAt };
    });
    transaction.operations.push(...staged);
    transaction.model = {
      ...transaction.model,
      operations: transaction.operations.length,
      $updatedAt: formatDatetime(stagedAt),
    };
    return { ...transaction.model };
  }

  commit(id: string): Models.Transaction {
    const transaction = this.pendingTransaction(id);
    const batch = new WriteBatch(this.now());
    try {
      for (const operation of transaction.operations) replay(batch, operation);
    } catch (error) {
      this.finish(transaction, "failed");
      if (error instanceof DuplicateRowError || error instanceof StaleRowError)
        throw apiErrors.transactionConflict();
      throw error;
    }
    batch.apply();
    return this.finish(transaction, "committed");
  }

  rollback(id: string): Models.Transaction {
    return this.finish(this.pendingTransaction(id), "failed");
  }

  delete(id: string): void {
    this.mustGet(id);
    this.transactions.delete(id);
  }

  private finish(transaction: TransactionState, status: string): Models.Transaction {
    transaction.model = { ...transaction.model, status, $updatedAt: formatDatetime(this.now()) };
    return { ...transaction.model };
  }

  private mustGet(id: string): TransactionState {
    const transaction = this.transactions.get(id);
    if (transaction === undefined) throw apiErrors.transactionNotFound(id);
    return transaction;
  }

  private pendingTransaction(id: string): TransactionState {
    const transaction = this.mustGet(id);
    if (transaction.model.status !== "pending") throw apiErrors.transactionNotReady();
    if (this.now() > transaction.expiresAt) throw apiErrors.transactionExpired();
    return transaction;
  }
}

function replay(batch: WriteBatch, operation: StagedOperation): void {
  const { table, stagedAt } = operation;
  switch (operation.action) {
    case "create": {
      const data = rowData(operation.data);
      batch.create(table, operation.rowId ?? idOf(data), data);
      return;
    }
    case "update":
      batch.update(table, requiredRowId(operation), rowData(operation.data), stagedAt);
      return;
    case "upsert":
      batch.upsert(table, requiredRowId(operation), rowData(operation.data), stagedAt);
      return;
    case "delete":
      batch.delete(table, requiredRowId(operation), stagedAt);
      return;
    case "bulkCreate":
      for (const data of bulkRows(operation.data)) batch.create(table, idOf(data), data);
      return;
    case "bulkUpsert":
      for (const data of bulkRows(operation.data)) batch.upsert(table, idOf(data), data, stagedAt);
      return;
    case "bulkDelete":
      for (const row of table.list(bulkDeleteQuery(table, operation.data), false).rows)
        batch.delete(table, row.$id, stagedAt);
      return;
  }
}

/** A bulkDelete's rows: every row its queries match (no limit unless they name one). */
function bulkDeleteQuery(table: Table, data: unknown): ListQuery {
  const parsed = z.object({ queries: z.array(z.string()) }).safeParse(data);
  if (!parsed.success)
    throw apiErrors.invalidArgument("Bulk delete data must be { queries: string[] }");
  return parseQueries(parsed.data.queries, table.definition, Number.MAX_SAFE_INTEGER);
}

function requiredRowId(operation: StagedOperation): string {
  if (operation.rowId === undefined)
    throw apiErrors.badRequest(`Row ID is required for ${operation.action} operations`);
  return operation.rowId;
}

function rowData(data: unknown): Record<string, unknown> {
  const parsed = RowDataSchema.safeParse(data ?? {});
  if (!parsed.success) throw apiErrors.invalidArgument("Operation data must be an object");
  return parsed.data;
}

function bulkRows(data: unknown): Record<string, unknown>[] {
  const parsed = z.array(RowDataSchema).safeParse(data);
  if (!parsed.success)
    throw apiErrors.invalidArgument("Bulk operation data must be an array of row objects");
  return parsed.data;
}
