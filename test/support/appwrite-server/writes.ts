/**
 * All-or-nothing row writes. A batch collects its writes against a view of
 * the tables (its own pending rows over the stored ones) and checks each as
 * Appwrite does (structure, duplicate IDs, unique indexes, rows changed since
 * a request timestamp); only `apply()` touches the tables. Direct row requests
 * and transaction commits both go through it, so they enforce the same rules.
 */
import { ID } from "node-appwrite";
import { apiErrors } from "./errors.js";
import { formatDatetime, isValidRowId, validateColumns } from "./schema.js";
import { PendingRows, type StoredRow, type Table } from "./table.js";

/** A row with the ID, or holding a unique key, already exists (Appwrite's DuplicateException). */
export class DuplicateRowError extends Error {
  constructor(
    readonly table: string,
    readonly rowId: string,
  ) {
    super(`duplicate row ${rowId} in ${table}`);
  }
}

/** A row changed after the request's timestamp (Appwrite's ConflictException). */
export class StaleRowError extends Error {
  constructor(
    readonly table: string,
    readonly rowId: string,
  ) {
    super(`row ${rowId} in ${table} changed after the request timestamp`);
  }
}

export class WriteBatch {
  private readonly pending = new Map<Table, PendingRows>();
  private readonly nowIso: string;

  constructor(now: number) {
    this.nowIso = formatDatetime(now);
  }

  /** `rowId` may be Appwrite's `unique()` placeholder. */
  create(table: Table, rowId: string, data: Record<string, unknown>): StoredRow {
    const row = newRow(table, rowId, data, this.nowIso);
    if (this.view(table, row.$id) !== undefined) throw new DuplicateRowError(table.id, row.$id);
    return this.put(table, row);
  }

  /**
   * Merges `data` into an existing row. `notChangedAfter` (ms) refuses the
   * write if the stored row was updated later, unless this batch already
   * wrote the row (Appwrite's "dependent" operations).
   */
  update(
    table: Table,
    rowId: string,
    data: Record<string, unknown>,
    notChangedAfter?: number,
  ): StoredRow {
    const current = this.view(table, rowId);
    if (current === undefined) throw apiErrors.rowNotFound(rowId);
    this.assertNotChangedAfter(table, current, notChangedAfter);
    const merged = { ...columnValues(table, current), ...data };
    const row = validateColumns(table.definition, merged, {
      ...current,
      $updatedAt: this.nowIso,
      $permissions: data.$permissions === undefined ? current.$permissions : permissionsOf(data),
    });
    return this.put(table, row);
  }

  upsert(
    table: Table,
    rowId: string,
    data: Record<string, unknown>,
    notChangedAfter?: number,
  ): StoredRow {
    return this.view(table, rowId) === undefined
      ? this.create(table, rowId, data)
      : this.update(table, rowId, data, notChangedAfter);
  }

  delete(table: Table, rowId: string, notChangedAfter?: number): void {
    const current = this.view(table, rowId);
    if (current === undefined) throw apiErrors.rowNotFound(rowId);
    this.assertNotChangedAfter(table, current, notChangedAfter);
    this.pendingOf(table).set(rowId, null);
  }

  /** The row as this batch sees it: its own pending write, else the stored row. */
  view(table: Table, rowId: string): StoredRow | undefined {
    const pending = this.pending.get(table);
    if (pending?.has(rowId)) return pending.get(rowId) ?? undefined;
    return table.get(rowId);
  }

  /**
   * Writes every pending row to its table; new rows get their `$sequence`
   * (in place, so rows this batch returned are the stored ones).
   */
  apply(): void {
    for (const [table, rows] of this.pending) {
      for (const [id, row] of rows.entries()) {
        if (row === null) {
          table.remove(id);
        } else if (table.get(id) === undefined) {
          row.$sequence = table.nextSequenceNumber();
          table.insert(row);
        } else {
          table.replace(row);
        }
      }
    }
  }

  private put(table: Table, row: StoredRow): StoredRow {
    const pending = this.pendingOf(table);
    if (table.uniqueHolder(row, pending) !== undefined)
      throw new DuplicateRowError(table.id, row.$id);
    pending.set(row.$id, row);
    return row;
  }

  private assertNotChangedAfter(
    table: Table,
    current: StoredRow,
    notChangedAfter: number | undefined,
  ): void {
    const dependent = this.pending.get(table)?.has(current.$id) === true;
    if (
      notChangedAfter !== undefined &&
      !dependent &&
      Date.parse(current.$updatedAt) > notChangedAfter
    ) {
      throw new StaleRowError(table.id, current.$id);
    }
  }

  private pendingOf(table: Table): PendingRows {
    let pending = this.pending.get(table);
    if (pending === undefined) {
      pending = new PendingRows(table.uniqueColumns);
      this.pending.set(table, pending);
    }
    return pending;
  }
}

/** A new row with every check of a create except the duplicate ones; `$sequence` is given on insert. */
export function newRow(
  table: Table,
  rowId: string,
  data: Record<string, unknown>,
  nowIso: string,
): StoredRow {
  const id = rowId === "unique()" ? ID.unique() : rowId;
  if (!isValidRowId(id)) throw apiErrors.invalidArgument(`Invalid rowId: ${JSON.stringify(rowId)}`);
  const row: StoredRow = {
    $id: id,
    $sequence: "0",
    $tableId: table.id,
    $databaseId: table.definition.databaseId,
    $createdAt: nowIso,
    $updatedAt: nowIso,
    $permissions: permissionsOf(data),
  };
  return validateColumns(table.definition, data, row);
}

/**
 * Stores rows directly, as creates (every check, duplicates included) but
 * without a batch per row: what makes seeding 100k rows quick. The `$id` order
 * is sorted once, on the next ordered read.
 */
export function seedRows(
  table: Table,
  rows: ReadonlyArray<Record<string, unknown>>,
  now: number,
): string[] {
  const nowIso = formatDatetime(now);
  const none = new PendingRows(table.uniqueColumns);
  return rows.map((data) => {
    const row = newRow(table, idOf(data), data, nowIso);
    if (table.get(row.$id) !== undefined || table.uniqueHolder(row, none) !== undefined) {
      throw new Error(`seedRows: ${row.$id} duplicates a row of ${table.id} (ID or unique index)`);
    }
    row.$sequence = table.nextSequenceNumber();
    table.insert(row, true);
    return row.$id;
  });
}

/** A created row's `$id`, or Appwrite's placeholder for a generated one. */
export function idOf(data: Record<string, unknown>): string {
  const id = data.$id;
  if (id === undefined) return "unique()";
  if (typeof id !== "string") throw apiErrors.invalidArgument("$id must be a string");
  return id;
}

function columnValues(table: Table, row: StoredRow): Record<string, unknown> {
  return Object.fromEntries(
    table.definition.columns.map((column) => [column.key, row[column.key]]),
  );
}

function permissionsOf(data: Record<string, unknown>): string[] {
  const permissions = data.$permissions;
  if (permissions === undefined) return [];
  if (
    !Array.isArray(permissions) ||
    !permissions.every((permission) => typeof permission === "string")
  ) {
    throw apiErrors.invalidArgument("Invalid permissions: must be an array of strings");
  }
  return permissions;
}
