import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import type Database from "better-sqlite3";
import type { MasteryRule, MasteryViolation } from "../../mastery/errors.js";
import { StoreUnavailableError, StoreWriteRefusedError } from "../errors.js";
import { parseScanOptions } from "../shared/mastery-write.js";
import { TABLES } from "../shared/rows.js";
import {
  applySchema,
  DUE_SIZE_CONSTRAINT,
  INTEGRITY_ERROR_PREFIX,
  SIZE_CONSTRAINT,
} from "./schema.js";

/** How long a write waits for another process's transaction before failing. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * better-sqlite3 (CommonJS) is loaded when a database is opened, not with this
 * module: the stores module imports every adapter, and a process on Appwrite
 * never opens one.
 */
const loadSqlite = (): typeof Database =>
  createRequire(import.meta.url)("better-sqlite3") as typeof Database;

/**
 * Opens (creating the folder and schema if needed) the database file. WAL lets
 * readers (the operator tools) work while the graph writes.
 */
export function openDatabase(path: string): Database.Database {
  try {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const Sqlite = loadSqlite();
    const db = new Sqlite(path, { timeout: BUSY_TIMEOUT_MS });
    db.pragma("journal_mode = WAL");
    db.pragma("foreign_keys = ON");
    applySchema(db);
    return db;
  } catch (error) {
    throw new StoreUnavailableError(
      "sqlite",
      `cannot open ${path}: ${(error as Error).message}`,
      { path },
      error,
    );
  }
}

/** Throws StoreUnavailableError once the database was closed, instead of better-sqlite3's TypeError. */
export function assertOpen(db: Database.Database, path: string): void {
  if (!db.open) throw new StoreUnavailableError("sqlite", "the store was closed", { path });
}

const TRIGGER_RULES: Record<string, MasteryRule> = {
  empty_key: "empty_key",
  invalid_id_format: "invalid_id_format",
  unknown_outcome: "unknown_outcome",
  invalid_value: "invalid_value",
  // Routine.dueAtByOutcome: the value is not a date.
  invalid_due_date: "invalid_value",
  // The map as a whole is not an object: no entry to name, so the value is what is invalid.
  not_json_object: "invalid_value",
};

/**
 * The integrity violation a database error reports, if it is one of ours (a
 * trigger abort or the size CHECK); `undefined` for any other error.
 */
export function integrityViolationOf(error: unknown): MasteryViolation | undefined {
  if (!(error instanceof loadSqlite().SqliteError)) return undefined;
  if (
    error.code === "SQLITE_CONSTRAINT_TRIGGER" &&
    error.message.startsWith(INTEGRITY_ERROR_PREFIX)
  ) {
    const rule = TRIGGER_RULES[error.message.slice(INTEGRITY_ERROR_PREFIX.length)];
    return rule === undefined ? undefined : { rule, value: error.message };
  }
  if (
    error.code === "SQLITE_CONSTRAINT_CHECK" &&
    (error.message.includes(SIZE_CONSTRAINT) || error.message.includes(DUE_SIZE_CONSTRAINT))
  ) {
    return { rule: "oversize", value: error.message };
  }
  return undefined;
}

/**
 * Runs a MasteryV2 (or Routine: pass `table` in `context`) write; a refusal by
 * the database becomes a StoreWriteRefusedError (layer `database`).
 */
export function refusedByDatabase<T>(write: () => T, context: Record<string, unknown>): T {
  try {
    return write();
  } catch (error) {
    const violation = integrityViolationOf(error);
    if (violation === undefined) throw error;
    throw new StoreWriteRefusedError([violation], {
      table: TABLES.mastery,
      layer: "database",
      ...context,
    });
  }
}

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof loadSqlite().SqliteError && error.code === "SQLITE_CONSTRAINT_UNIQUE";
}

/** A row without its NULL columns: optional fields are absent, not null, in the port types. */
export function withoutNulls(
  row: Record<string, unknown>,
  nullable: readonly string[],
): Record<string, unknown> {
  const result = { ...row };
  for (const column of nullable) if (result[column] === null) delete result[column];
  return result;
}

/**
 * Rows in `$id` order, a page at a time, starting after `after`:
 * `readPage(cursor, limit)` reads the rows after `cursor` (null: from the start).
 */
export async function* pagesById<T extends { $id: string }>(
  readPage: (cursor: string | null, limit: number) => T[],
  options: { pageSize: number; after?: string },
  assertOpen: () => void,
): AsyncGenerator<T[]> {
  const { pageSize, after } = parseScanOptions(options);
  let cursor = after ?? null;
  for (;;) {
    assertOpen();
    const rows = readPage(cursor, pageSize);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < pageSize) return;
    cursor = rows[rows.length - 1]!.$id;
  }
}
