/**
 * Appwrite rows to and from the ports' shapes. Appwrite returns unset columns
 * as null and datetimes as `2025-11-12T12:00:00.000+00:00`; the ports carry
 * unset columns as absent and datetimes as `toISOString()` gives them, like
 * the other adapters, so records read back compare equal to what was written.
 */
import { createHash } from "node:crypto";
import { Query } from "node-appwrite";
import { z } from "zod";
import { CourseOutcomeSchema, type CourseOutcome } from "../../outcomes/schema.js";
import { StoreDataError } from "../errors.js";
import type { MasteryRecord, RoutineRecord } from "../ports.js";
import type { StoredEvidenceRow, StoredSessionState } from "../shared/completion-write.js";
import type { MasteryLedgerEntry } from "../shared/mastery-write.js";
import {
  MASTERY_ID_COLUMN_MAX_CHARS,
  StoredMasteryRowSchema,
  parseStoredRow,
  RoutineRecordSchema,
  SessionStateSchema,
  StoredEvidenceRowSchema,
  toOutcomeRow,
} from "../shared/rows.js";
import type { AppwriteRow } from "./gateway.js";

const ROW_ID = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,35}$/;

/**
 * The row ID of a per-session row (ledger entry, thread binding): the session
 * ID when Appwrite accepts it as a row ID, else a hash of it. Creating such a
 * row twice is a conflict, which is what makes "once per session" atomic.
 */
export function sessionRowId(sessionId: string): string {
  return ROW_ID.test(sessionId)
    ? sessionId
    : `h${createHash("sha256").update(sessionId).digest("hex").slice(0, 35)}`;
}

/** The row's `$id` and set columns: Appwrite's system fields and null columns left out. */
export function columnsOf(row: AppwriteRow): Record<string, unknown> & { $id: string } {
  const columns: Record<string, unknown> & { $id: string } = { $id: row.$id };
  for (const [key, value] of Object.entries(row)) {
    if (!key.startsWith("$") && value !== null) columns[key] = value;
  }
  return columns;
}

/** The form Appwrite returns every datetime in: UTC, milliseconds, an explicit `+00:00`. */
const APPWRITE_UTC_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/;

/**
 * An Appwrite datetime as `toISOString()` writes it; anything unparseable is
 * left for the schema to refuse. Appwrite's own form only needs its offset
 * written as `Z` (done textually: scans map one per row, and parsing and
 * formatting a Date each time cost more than the rest of the row).
 */
export function isoDatetime(value: unknown): unknown {
  if (typeof value !== "string") return value;
  if (APPWRITE_UTC_DATETIME.test(value)) return `${value.slice(0, 23)}Z`;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

export function outcomeFromRow(table: string, row: AppwriteRow): CourseOutcome {
  return toOutcomeRow(parseStoredRow(CourseOutcomeSchema, table, row.$id, columnsOf(row)));
}

/** A MasteryV2 row and the revision it was read at (see mastery.ts). */
export interface ReadMasteryRow {
  record: MasteryRecord;
  revision: string;
}

/**
 * Every attribute `masteryFromRow` reads, and so all that scans and reads by
 * ID ask Appwrite for: the other system attributes (`$sequence`,
 * `$createdAt`, `$permissions`, ...), which Appwrite leaves out of a row when
 * a select does not name them, are about a third of each row's bytes.
 */
export const MASTERY_ROW_ATTRIBUTES = [
  "$id",
  "$updatedAt",
  "studentId",
  "courseId",
  "emaByOutcome",
  "updatedAt",
  "revision",
];
export const SELECT_MASTERY_ROW = Query.select(MASTERY_ROW_ATTRIBUTES);

/**
 * A MasteryV2 row as a record. This runs once per row of every scan, so the
 * shape is checked by hand first; a row the check does not accept goes
 * through `StoredMasteryRowSchema`, which either raises the StoreDataError or
 * (were the check ever stricter than the schema) returns the record.
 */
export function masteryFromRow(table: string, row: AppwriteRow): ReadMasteryRow {
  const candidate = {
    $id: row.$id,
    studentId: row.studentId,
    courseId: row.courseId,
    // Not a required column: a legacy row may have it unset (null; absent if a response omits it).
    emaByOutcome: row.emaByOutcome === undefined ? null : row.emaByOutcome,
    updatedAt: isoDatetime(row.updatedAt),
  };
  const record = isMasteryRecord(candidate)
    ? candidate
    : parseStoredRow(StoredMasteryRowSchema, table, row.$id, candidate);
  // A row no adapter write has touched yet has no revision; its system timestamp stands in.
  const revision = typeof row.revision === "string" ? row.revision : `legacy:${row.$updatedAt}`;
  return { record, revision };
}

function isMasteryIdColumn(id: unknown): boolean {
  return typeof id === "string" && id.length >= 1 && id.length <= MASTERY_ID_COLUMN_MAX_CHARS;
}

/** What `StoredMasteryRowSchema` accepts, or less. */
function isMasteryRecord(value: {
  $id: unknown;
  studentId: unknown;
  courseId: unknown;
  emaByOutcome: unknown;
  updatedAt: unknown;
}): value is MasteryRecord {
  return (
    typeof value.$id === "string" &&
    value.$id.length >= 1 &&
    isMasteryIdColumn(value.studentId) &&
    isMasteryIdColumn(value.courseId) &&
    (value.emaByOutcome === null || typeof value.emaByOutcome === "string") &&
    typeof value.updatedAt === "string" &&
    value.updatedAt.length >= 1
  );
}

/** The MasteryV2 columns of a record, with the revision this write gives it. */
export function masteryColumns(record: MasteryRecord, revision: string): Record<string, unknown> {
  return {
    studentId: record.studentId,
    courseId: record.courseId,
    emaByOutcome: record.emaByOutcome,
    updatedAt: record.updatedAt,
    revision,
  };
}

const LedgerRowSchema = z.object({
  sessionId: z.string(),
  studentId: z.string(),
  courseId: z.string(),
  masteryId: z.string(),
  appliedAt: z.string(),
  transactionId: z.string(),
});

/** A ledger row of a lesson session, checked to be that session's (its ID may be a hash of it). */
export function ledgerEntryFromRow(
  table: string,
  row: AppwriteRow,
  sessionId: string,
): MasteryLedgerEntry & { transactionId: string } {
  const entry = parseStoredRow(LedgerRowSchema, table, row.$id, {
    ...columnsOf(row),
    appliedAt: isoDatetime(row.appliedAt),
  });
  if (entry.sessionId !== sessionId) {
    throw new StoreDataError(
      table,
      row.$id,
      "the ledger row under this session's ID belongs to another session",
      {
        sessionId,
        storedSessionId: entry.sessionId,
      },
    );
  }
  return entry;
}

/** A Routine row; unset columns as null, datetimes as `toISOString()` gives them. */
export function routineFromRow(table: string, row: AppwriteRow): RoutineRecord {
  const columns = columnsOf(row);
  return parseStoredRow(RoutineRecordSchema, table, row.$id, {
    dueAtByOutcome: null,
    fsrsByOutcome: null,
    spacingPolicyVersion: null,
    schema_version: null,
    ...columns,
    lastTaughtAt: columns.lastTaughtAt === undefined ? null : isoDatetime(columns.lastTaughtAt),
    // A row the platform wrote has no `updatedAt` column: its system timestamp stands in.
    updatedAt: isoDatetime(columns.updatedAt ?? row.$updatedAt),
  });
}

/** The Routine columns of a record. */
export function routineColumns(record: RoutineRecord): Record<string, unknown> {
  return {
    studentId: record.studentId,
    courseId: record.courseId,
    dueAtByOutcome: record.dueAtByOutcome,
    fsrsByOutcome: record.fsrsByOutcome,
    lastTaughtAt: record.lastTaughtAt,
    spacingPolicyVersion: record.spacingPolicyVersion,
    schema_version: record.schema_version,
    updatedAt: record.updatedAt,
  };
}

/** The `sessions` columns a completion reads. */
export function sessionStateFromRow(table: string, row: AppwriteRow): StoredSessionState {
  const columns = columnsOf(row);
  return parseStoredRow(SessionStateSchema, table, row.$id, {
    threadId: null,
    completedAt: null,
    ...columns,
    ...(columns.completedAt === undefined ? {} : { completedAt: isoDatetime(columns.completedAt) }),
  });
}

/** An `evidence` row as written. */
export function evidenceFromRow(table: string, row: AppwriteRow): StoredEvidenceRow {
  const columns = columnsOf(row);
  return parseStoredRow(StoredEvidenceRowSchema, table, row.$id, {
    response: null,
    ...columns,
    timestamp: isoDatetime(columns.timestamp),
  });
}
