/**
 * One table's rows in memory, kept fast enough to benchmark operator tools at
 * 100k rows: rows by ID, the `$sequence` order (Appwrite's default) and the
 * `$id` order maintained incrementally, an equality index per column built on
 * first use, and the unique indexes from the table definition. A page in
 * `$id` order (from a cursor or an `$id > x`) costs O(log n + page); an `equal`
 * filter costs O(matches).
 */
import type { Models } from "node-appwrite";
import { apiErrors } from "./errors.js";
import { MAX_COUNT, type ListQuery } from "./queries.js";
import type { TableDefinition } from "./schema.js";

/** A stored row, exactly as the server returns it. */
export type StoredRow = Models.Row & Record<string, unknown>;

interface UniqueIndex {
  key: string;
  columns: string[];
  /** Composite key of the indexed values → the row holding them. */
  owners: Map<string, string>;
}

export class Table {
  readonly id: string;
  readonly definition: TableDefinition;
  private readonly rowsById = new Map<string, StoredRow>();
  private readonly sequenceOrder: string[] = [];
  /** Position of each ID in `sequenceOrder`; rebuilt after a delete shifts them. */
  private sequencePosition = new Map<string, number>();
  private sequencePositionStale = false;
  private idOrder: string[] = [];
  private idOrderStale = false;
  private readonly equalityIndexes = new Map<string, Map<unknown, Set<string>>>();
  private readonly uniqueIndexes: UniqueIndex[];
  /** Orders on other columns, computed on demand and dropped on any write. */
  private readonly sortedByColumn = new Map<string, string[]>();
  private nextSequence = 1;

  constructor(definition: TableDefinition) {
    this.id = definition.$id;
    this.definition = definition;
    this.uniqueIndexes = definition.indexes
      .filter((index) => index.type === "unique")
      .map((index) => ({ key: index.key, columns: index.columns, owners: new Map() }));
  }

  get size(): number {
    return this.rowsById.size;
  }

  get(id: string): StoredRow | undefined {
    return this.rowsById.get(id);
  }

  /** Every row in `$sequence` order (the server's copies: do not mutate). */
  all(): StoredRow[] {
    return this.sequenceOrder.map((id) => this.mustGet(id));
  }

  nextSequenceNumber(): string {
    return String(this.nextSequence++);
  }

  /**
   * Adds a new row. `bulk` defers re-sorting the `$id` order to the next
   * ordered read, which keeps seeding 100k rows linearithmic.
   */
  insert(row: StoredRow, bulk = false): void {
    this.rowsById.set(row.$id, row);
    this.sequencePosition.set(row.$id, this.sequenceOrder.length);
    this.sequenceOrder.push(row.$id);
    if (bulk || this.idOrderStale) {
      this.idOrder.push(row.$id);
      this.idOrderStale = true;
    } else {
      this.idOrder.splice(upperBound(this.idOrder, row.$id), 0, row.$id);
    }
    for (const [column, index] of this.equalityIndexes) addToIndex(index, row[column], row.$id);
    for (const unique of this.uniqueIndexes) {
      const key = compositeKey(row, unique.columns);
      if (key !== null) unique.owners.set(key, row.$id);
    }
    this.sortedByColumn.clear();
  }

  replace(row: StoredRow): void {
    const previous = this.mustGet(row.$id);
    this.rowsById.set(row.$id, row);
    for (const [column, index] of this.equalityIndexes) {
      if (previous[column] === row[column]) continue;
      removeFromIndex(index, previous[column], row.$id);
      addToIndex(index, row[column], row.$id);
    }
    for (const unique of this.uniqueIndexes) {
      const before = compositeKey(previous, unique.columns);
      const after = compositeKey(row, unique.columns);
      if (before === after) continue;
      if (before !== null && unique.owners.get(before) === row.$id) unique.owners.delete(before);
      if (after !== null) unique.owners.set(after, row.$id);
    }
    this.sortedByColumn.clear();
  }

  remove(id: string): void {
    const row = this.mustGet(id);
    this.rowsById.delete(id);
    this.sequenceOrder.splice(this.positionInSequence(id), 1);
    this.sequencePositionStale = true;
    const idOrder = this.orderedById();
    idOrder.splice(upperBound(idOrder, id) - 1, 1);
    for (const [column, index] of this.equalityIndexes) removeFromIndex(index, row[column], id);
    for (const unique of this.uniqueIndexes) {
      const key = compositeKey(row, unique.columns);
      if (key !== null && unique.owners.get(key) === id) unique.owners.delete(key);
    }
    this.sortedByColumn.clear();
  }

  /** The unique indexes' column lists, in a fixed order (what `PendingRows` indexes). */
  get uniqueColumns(): readonly (readonly string[])[] {
    return this.uniqueIndexes.map((unique) => unique.columns);
  }

  /**
   * The row holding one of `row`'s unique keys, other than `row` itself, as
   * a write batch sees the table: its `pending` rows over the stored ones.
   * O(unique indexes): the stored owner of a key is looked up, and so is the
   * pending one (`pending` keeps its own keys indexed).
   */
  uniqueHolder(row: StoredRow, pending: PendingRows): string | undefined {
    for (const [position, unique] of this.uniqueIndexes.entries()) {
      const key = compositeKey(row, unique.columns);
      if (key === null) continue;
      const pendingOwner = pending.ownerOf(position, key);
      if (pendingOwner !== undefined && pendingOwner !== row.$id) return pendingOwner;
      const owner = unique.owners.get(key);
      // A stored owner counts unless the batch deleted it or rewrote it with another key.
      if (owner !== undefined && owner !== row.$id && !pending.has(owner)) return owner;
    }
    return undefined;
  }

  /** One page of a list, and the total count when asked for. */
  list(query: ListQuery, withTotal: boolean): { rows: StoredRow[]; total: number } {
    const cursor =
      query.cursorAfter === undefined ? undefined : this.rowsById.get(query.cursorAfter);
    if (query.cursorAfter !== undefined && cursor === undefined) throw apiErrors.cursorNotFound();
    const compare = this.comparator(query.orderAsc);
    const matches = (row: StoredRow): boolean =>
      query.equals.every(({ attribute, values }) => values.includes(row[attribute])) &&
      query.greaterThan.every(({ attribute, value }) => compareValues(row[attribute], value) > 0);
    if (query.equals.length > 0) {
      const matched = this.candidates(query.equals).filter(matches).sort(compare);
      const start =
        (cursor === undefined ? 0 : upperBoundBy(matched, cursor, compare)) + query.offset;
      return {
        rows: matched.slice(start, start + query.limit),
        total: withTotal ? Math.min(matched.length, MAX_COUNT) : 0,
      };
    }
    const ordered = this.orderedIds(query.orderAsc);
    let position =
      cursor === undefined ? 0 : this.positionAfter(ordered, cursor, query.orderAsc, compare);
    // `$id > x` in `$id` order starts past x: O(log n), like the index a database would use.
    for (const { attribute, value } of query.greaterThan) {
      if (attribute === "$id" && query.orderAsc === "$id" && typeof value === "string") {
        position = Math.max(position, upperBound(ordered, value));
      }
    }
    const rows: StoredRow[] = [];
    let skipped = 0;
    for (let index = position; index < ordered.length && rows.length < query.limit; index++) {
      const row = this.mustGet(ordered[index] as string);
      if (!matches(row)) continue;
      if (skipped < query.offset) skipped++;
      else rows.push(row);
    }
    const count = () =>
      query.greaterThan.length === 0
        ? this.rowsById.size
        : [...this.rowsById.values()].filter(matches).length;
    return { rows, total: withTotal ? Math.min(count(), MAX_COUNT) : 0 };
  }

  private mustGet(id: string): StoredRow {
    const row = this.rowsById.get(id);
    if (row === undefined)
      throw new Error(`Appwrite test server invariant broken: row ${id} missing from ${this.id}`);
    return row;
  }

  /** Rows that may match: the smallest set any one `equal` filter selects through its index. */
  private candidates(equals: ListQuery["equals"]): StoredRow[] {
    let best: StoredRow[] | undefined;
    for (const { attribute, values } of equals) {
      const rows =
        attribute === "$id"
          ? values.flatMap((value) =>
              typeof value === "string" ? (this.rowsById.get(value) ?? []) : [],
            )
          : values.flatMap((value) =>
              [...(this.equalityIndex(attribute).get(value) ?? [])].map((id) => this.mustGet(id)),
            );
      if (best === undefined || rows.length < best.length) best = rows;
    }
    return [...new Set(best)];
  }

  private equalityIndex(column: string): Map<unknown, Set<string>> {
    let index = this.equalityIndexes.get(column);
    if (index === undefined) {
      index = new Map();
      for (const row of this.rowsById.values()) addToIndex(index, row[column], row.$id);
      this.equalityIndexes.set(column, index);
    }
    return index;
  }

  private comparator(orderAsc: string | undefined): (a: StoredRow, b: StoredRow) => number {
    const bySequence = (a: StoredRow, b: StoredRow) => Number(a.$sequence) - Number(b.$sequence);
    if (orderAsc === undefined || orderAsc === "$sequence") return bySequence;
    return (a, b) => compareValues(a[orderAsc], b[orderAsc]) || bySequence(a, b);
  }

  private orderedIds(orderAsc: string | undefined): string[] {
    if (orderAsc === undefined || orderAsc === "$sequence") return this.sequenceOrder;
    if (orderAsc === "$id") return this.orderedById();
    let ordered = this.sortedByColumn.get(orderAsc);
    if (ordered === undefined) {
      const compare = this.comparator(orderAsc);
      ordered = [...this.rowsById.values()].sort(compare).map((row) => row.$id);
      this.sortedByColumn.set(orderAsc, ordered);
    }
    return ordered;
  }

  private orderedById(): string[] {
    if (this.idOrderStale) {
      this.idOrder.sort(compareStrings);
      this.idOrderStale = false;
    }
    return this.idOrder;
  }

  private positionAfter(
    ordered: string[],
    cursor: StoredRow,
    orderAsc: string | undefined,
    compare: (a: StoredRow, b: StoredRow) => number,
  ): number {
    if (orderAsc === undefined || orderAsc === "$sequence")
      return this.positionInSequence(cursor.$id) + 1;
    if (orderAsc === "$id") return upperBound(ordered, cursor.$id);
    let low = 0;
    let high = ordered.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compare(this.mustGet(ordered[middle] as string), cursor) <= 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private positionInSequence(id: string): number {
    if (this.sequencePositionStale) {
      this.sequencePosition = new Map(
        this.sequenceOrder.map((rowId, position) => [rowId, position]),
      );
      this.sequencePositionStale = false;
    }
    const position = this.sequencePosition.get(id);
    if (position === undefined)
      throw new Error(`Appwrite test server invariant broken: ${id} has no sequence position`);
    return position;
  }
}

/**
 * A write batch's rows of one table (`null` = deleted), with the unique keys
 * of the rows it writes indexed, so a uniqueness check does not scan them.
 */
export class PendingRows {
  private readonly rows = new Map<string, StoredRow | null>();
  /** Per unique index (the table's order): composite key → pending row holding it. */
  private readonly owners: Map<string, string>[];

  constructor(private readonly uniqueColumns: readonly (readonly string[])[]) {
    this.owners = uniqueColumns.map(() => new Map());
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }

  /** The pending row; `null` when the batch deleted it, undefined when the batch did not touch it. */
  get(id: string): StoredRow | null | undefined {
    return this.rows.get(id);
  }

  set(id: string, row: StoredRow | null): void {
    const previous = this.rows.get(id);
    if (previous !== undefined && previous !== null) this.index(previous, "remove");
    this.rows.set(id, row);
    if (row !== null) this.index(row, "add");
  }

  /** The pending row holding `key` in the unique index at `position`. */
  ownerOf(position: number, key: string): string | undefined {
    return this.owners[position]?.get(key);
  }

  entries(): IterableIterator<[string, StoredRow | null]> {
    return this.rows.entries();
  }

  private index(row: StoredRow, change: "add" | "remove"): void {
    for (const [position, columns] of this.uniqueColumns.entries()) {
      const key = compositeKey(row, columns);
      const owners = this.owners[position];
      if (key === null || owners === undefined) continue;
      if (change === "add") owners.set(key, row.$id);
      else if (owners.get(key) === row.$id) owners.delete(key);
    }
  }
}

function compositeKey(row: Record<string, unknown>, columns: readonly string[]): string | null {
  const values = columns.map((column) => row[column]);
  // Like MariaDB, a unique index does not constrain rows with a NULL in it.
  return values.some((value) => value === null || value === undefined)
    ? null
    : JSON.stringify(values);
}

function addToIndex(index: Map<unknown, Set<string>>, value: unknown, id: string): void {
  let ids = index.get(value);
  if (ids === undefined) {
    ids = new Set();
    index.set(value, ids);
  }
  ids.add(id);
}

function removeFromIndex(index: Map<unknown, Set<string>>, value: unknown, id: string): void {
  const ids = index.get(value);
  ids?.delete(id);
  if (ids?.size === 0) index.delete(value);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  // Nulls first, as MariaDB sorts them ascending.
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return compareStrings(String(a), String(b));
}

/** Index of the first element greater than `value` in a sorted string array. */
function upperBound(sorted: readonly string[], value: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as string) <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

function upperBoundBy<T>(sorted: readonly T[], value: T, compare: (a: T, b: T) => number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compare(sorted[middle] as T, value) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
