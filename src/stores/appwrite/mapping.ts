/**
 * Appwrite rows to and from the ports' shapes. Appwrite returns unset columns
 * as null and datetimes as `2025-11-12T12:00:00.000+00:00`; the ports carry
 * unset columns as absent and datetimes as `toISOString()` gives them, like
 * the other adapters, so records read back compare equal to what was written.
 */
import { z } from "zod";
import { CourseOutcomeSchema, type CourseOutcome } from "../../outcomes/schema.js";
import { StoreDataError } from "../errors.js";
import type { MasteryRecord } from "../ports.js";
import type { MasteryLedgerEntry } from "../shared/mastery-write.js";
import { MasteryRecordSchema, parseStoredRow, toOutcomeRow } from "../shared/rows.js";
import type { AppwriteRow } from "./gateway.js";

/** The row's `$id` and set columns: Appwrite's system fields and null columns left out. */
export function columnsOf(row: AppwriteRow): Record<string, unknown> & { $id: string } {
  const columns: Record<string, unknown> & { $id: string } = { $id: row.$id };
  for (const [key, value] of Object.entries(row)) {
    if (!key.startsWith("$") && value !== null) columns[key] = value;
  }
  return columns;
}

/** An Appwrite datetime as `toISOString()` writes it; anything unparseable is left for the schema to refuse. */
export function isoDatetime(value: unknown): unknown {
  if (typeof value !== "string") return value;
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

export function masteryFromRow(table: string, row: AppwriteRow): ReadMasteryRow {
  const columns = columnsOf(row);
  const record = parseStoredRow(MasteryRecordSchema, table, row.$id, {
    $id: columns.$id,
    studentId: columns.studentId,
    courseId: columns.courseId,
    // Not a required column: a legacy row may have it unset (null; absent if a response omits it).
    emaByOutcome: columns.emaByOutcome === undefined ? null : columns.emaByOutcome,
    updatedAt: isoDatetime(columns.updatedAt),
  });
  // A row no adapter write has touched yet has no revision; its system timestamp stands in.
  const revision =
    typeof columns.revision === "string" ? columns.revision : `legacy:${row.$updatedAt}`;
  return { record, revision };
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
