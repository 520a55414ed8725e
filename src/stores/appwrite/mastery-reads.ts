/** The MasteryV2 adapter's reads: one student's rows for a course, records by ID, a session and its evidence. */
import { routineRevisionOf } from "./routine.js";
import { Query } from "node-appwrite";
import { StoreDataError } from "../errors.js";
import type { RoutineRecord } from "../ports.js";
import type { StoredEvidenceRow, StoredSessionState } from "../shared/completion-write.js";
import type { AppwriteRow } from "./gateway.js";
import type { MasteryContext } from "./mastery-ledger.js";
import {
  evidenceFromRow,
  masteryFromRow,
  routineFromRow,
  SELECT_MASTERY_ROW,
  sessionRowId,
  sessionStateFromRow,
  type ReadMasteryRow,
} from "./mapping.js";

/** The one row of `table` for a student and course; two are a StoreDataError (the unique index is missing). */
async function studentCourseRow(
  { gateway }: MasteryContext,
  table: string,
  studentId: string,
  courseId: string,
): Promise<AppwriteRow | null> {
  const rows = await gateway.listRows(table, [
    Query.equal("studentId", studentId),
    Query.equal("courseId", courseId),
    Query.limit(2),
  ]);
  if (rows.length > 1) {
    throw new StoreDataError(
      table,
      rows.map((row) => row.$id).join(","),
      "two rows for one student and course (is the unique index unique_student_course missing?)",
      { studentId, courseId },
    );
  }
  return rows[0] ?? null;
}

export function readMastery(context: MasteryContext, row: AppwriteRow): ReadMasteryRow {
  return masteryFromRow(context.tables.mastery, row);
}

export async function readMasteryOf(
  context: MasteryContext,
  studentId: string,
  courseId: string,
): Promise<ReadMasteryRow | null> {
  const row = await studentCourseRow(context, context.tables.mastery, studentId, courseId);
  return row === null ? null : readMastery(context, row);
}

export async function readMasteryByIds(
  context: MasteryContext,
  ids: readonly string[],
): Promise<Map<string, ReadMasteryRow>> {
  const rows = await context.gateway.listWhereIn(context.tables.mastery, "$id", ids, [
    SELECT_MASTERY_ROW,
  ]);
  return new Map(rows.map((row) => [row.$id, readMastery(context, row)]));
}

export async function readRoutineOf(
  context: MasteryContext,
  studentId: string,
  courseId: string,
): Promise<{ record: RoutineRecord; revision: string } | null> {
  const row = await studentCourseRow(context, context.tables.routine, studentId, courseId);
  return row === null
    ? null
    : { record: routineFromRow(context.tables.routine, row), revision: routineRevisionOf(row) };
}

export async function readSessionState(
  { gateway, tables }: MasteryContext,
  sessionId: string,
): Promise<StoredSessionState | null> {
  // A session ID Appwrite cannot hold as a row ID names no stored session.
  if (sessionRowId(sessionId) !== sessionId) return null;
  const row = await gateway.getRow(tables.sessions, sessionId);
  return row === null ? null : sessionStateFromRow(tables.sessions, row);
}

export async function readEvidence(
  { gateway, tables }: MasteryContext,
  sessionId: string,
): Promise<StoredEvidenceRow[]> {
  const rows = await gateway.listAll(tables.evidence, [Query.equal("sessionId", sessionId)]);
  return rows.map((row) => evidenceFromRow(tables.evidence, row));
}
