/**
 * MasteryV2 on Appwrite. The write rules are the shared ones
 * (../shared/mastery-write.ts); this file makes their commits atomic and
 * race-free on a real Appwrite (TablesDB, 1.8+):
 *
 * - Every write of a MasteryV2 row is one TablesDB transaction that also
 *   creates a `mastery_ledger` row. A lesson's ledger row has the session's ID
 *   (or a hash of it), so a session commits at most once: a second create of
 *   that ID fails the commit. That is the idempotency.
 * - Every MasteryV2 row carries a `revision`, new and random on every write.
 *   The ledger row records the revision its write was computed from
 *   (`baseRevision`), and the ledger's unique index (`masteryId`,
 *   `baseRevision`) lets one write per revision commit: of two writers that
 *   read the same state, one commit fails and that writer re-reads and folds
 *   again. No lost updates, and no reliance on timestamp resolution. Appwrite's
 *   own commit check (a row changed after the operation was staged → 409
 *   `transaction_conflict`) also guards against writers outside this adapter.
 * - A record's first write relies on the unique index `unique_student_course`:
 *   of two concurrent first lessons one commit fails, re-reads and merges.
 * - Repairs and restores claim revisions the same way, with bulk operations
 *   (bulkCreate of ledger rows, bulkUpsert of records, `MAX_BULK_ROWS` each)
 *   in one transaction of up to `RECORDS_PER_TRANSACTION` records. A restore
 *   deletes, in the same transaction, the lesson ledger rows of lessons applied
 *   after the state it puts back (see `ledgerEntriesAfter`).
 * - A commit whose outcome is unknown (timeout, 5xx) is settled by looking for
 *   its ledger rows, which carry the transaction ID.
 *
 * The parts: mastery-ledger.ts (the claim, shared by every write),
 * mastery-reads.ts, mastery-apply.ts (a lesson's apply and completion) and
 * mastery-records.ts (repairs and restores).
 */
import { byEvidenceOrder } from "../shared/rows.js";
import type { CourseOutcomeStore, MasteryStore } from "../ports.js";
import { KeyedLock } from "../shared/keyed-lock.js";
import {
  applyLessonMasteryWith,
  completeLessonWith,
  parseScanOptions,
} from "../shared/mastery-write.js";
import type { AppwriteGateway } from "./gateway.js";
import { applyBackend } from "./mastery-apply.js";
import {
  ledgerRowId,
  type ConflictBackoff,
  type MasteryContext,
  type MasteryTables,
} from "./mastery-ledger.js";
import { SELECT_MASTERY_ROW } from "./mapping.js";
import { readEvidence, readMastery, readMasteryOf, readRoutineOf } from "./mastery-reads.js";
import { repairRecords, restoreRecords } from "./mastery-records.js";

export function createAppwriteMasteryStore(
  gateway: AppwriteGateway,
  tables: MasteryTables,
  outcomes: CourseOutcomeStore,
  backoff: ConflictBackoff,
): MasteryStore {
  const context: MasteryContext = { gateway, tables, backoff };
  const lock = new KeyedLock();
  return {
    async get(studentId, courseId) {
      return (await readMasteryOf(context, studentId, courseId))?.record ?? null;
    },
    applyLessonMastery(input) {
      return applyLessonMasteryWith(
        { outcomes, backend: applyBackend(context, input.readerUserId), lock },
        input,
      );
    },
    completeLesson(input) {
      return completeLessonWith(
        { outcomes, backend: applyBackend(context, input.readerUserId), lock },
        input,
      );
    },
    async getRoutine(studentId, courseId) {
      return (await readRoutineOf(context, studentId, courseId))?.record ?? null;
    },
    async listEvidence(sessionId) {
      return (await readEvidence(context, sessionId))
        .sort(byEvidenceOrder)
        .map(({ $id: _id, ...row }) => row);
    },
    async isSessionApplied(sessionId) {
      return (await gateway.getRow(tables.masteryLedger, ledgerRowId(sessionId))) !== null;
    },
    async *scan(options) {
      const { pageSize, after } = parseScanOptions(options);
      const pages = gateway.pages(tables.mastery, [SELECT_MASTERY_ROW], pageSize, after);
      for await (const page of pages) {
        yield page.map((row) => readMastery(context, row).record);
      }
    },
    repair(repairs) {
      return repairRecords(context, outcomes, repairs);
    },
    restore(records, options) {
      return restoreRecords(context, records, options?.ifUpdatedAtIn);
    },
  };
}
