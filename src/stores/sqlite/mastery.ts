/**
 * MasteryV2 on SQLite. Idempotency: the `mastery_ledger` row (keyed by the
 * session ID) is inserted in the same `BEGIN IMMEDIATE` transaction as the
 * MasteryV2 insert/update, so a session's updates land at most once even
 * across processes; the transaction also re-checks that the record is the one
 * the fold was computed from, so concurrent applies never overwrite each other.
 */
import type Database from "better-sqlite3";
import { z } from "zod";
import { StoreConflictError } from "../errors.js";
import type {
  CourseOutcomeStore,
  MasteryRecord,
  MasteryRestoreResult,
  MasteryStore,
} from "../ports.js";
import { KeyedLock } from "../shared/keyed-lock.js";
import {
  applyLessonMasteryWith,
  assertUnchanged,
  ledgerEntriesAfter,
  parseRestoreInput,
  partitionRestore,
  parseScanOptions,
  planRepairs,
  type MasteryApplyBackend,
  type MasteryLedgerEntry,
  type PlannedApply,
} from "../shared/mastery-write.js";
import { MasteryRecordSchema, parseStoredRow, TABLES } from "../shared/rows.js";
import { isUniqueViolation, refusedByDatabase } from "./database.js";

type Row = Record<string, unknown> & { $id: string };

const recordOf = (row: Row): MasteryRecord =>
  parseStoredRow(MasteryRecordSchema, TABLES.mastery, row.$id, row);

export function createSqliteMasteryStore(
  db: Database.Database,
  outcomes: CourseOutcomeStore,
  assertOpen: () => void,
): MasteryStore {
  const byPair = db.prepare<[string, string], Row>(
    `SELECT * FROM MasteryV2 WHERE studentId = ? AND courseId = ?`,
  );
  const byId = db.prepare<[string], Row>(`SELECT * FROM MasteryV2 WHERE "$id" = ?`);
  const byIds = db.prepare<[string], Row>(
    `SELECT * FROM MasteryV2 WHERE "$id" IN (SELECT value FROM json_each(?))`,
  );
  const page = db.prepare<[string | null, string | null, number], Row>(
    `SELECT * FROM MasteryV2 WHERE (? IS NULL OR "$id" > ?) ORDER BY "$id" LIMIT ?`,
  );
  const ledgerById = db.prepare<[string], Row>(`SELECT * FROM mastery_ledger WHERE "$id" = ?`);
  const insertRecord = db.prepare(
    `INSERT INTO MasteryV2 ("$id", studentId, courseId, emaByOutcome, updatedAt)
     VALUES (@$id, @studentId, @courseId, @emaByOutcome, @updatedAt)`,
  );
  const updateIfUnchanged = db.prepare<[string | null, string, string, string]>(
    `UPDATE MasteryV2 SET emaByOutcome = ?, updatedAt = ? WHERE "$id" = ? AND updatedAt = ?`,
  );
  const insertLedger = db.prepare(
    `INSERT INTO mastery_ledger ("$id", studentId, courseId, masteryId, appliedAt)
     VALUES (@sessionId, @studentId, @courseId, @masteryId, @appliedAt)`,
  );
  const deleteByIds = db.prepare<[string]>(
    `DELETE FROM MasteryV2 WHERE "$id" IN (SELECT value FROM json_each(?))`,
  );
  const ledgerByMasteryIds = db.prepare<[string], Row>(
    `SELECT * FROM mastery_ledger WHERE masteryId IN (SELECT value FROM json_each(?))`,
  );
  const deleteLedgerByIds = db.prepare<[string]>(
    `DELETE FROM mastery_ledger WHERE "$id" IN (SELECT value FROM json_each(?))`,
  );
  const setBypass = db.prepare(`INSERT INTO integrity_bypass (id, reason) VALUES (1, 'restore')`);
  const clearBypass = db.prepare(`DELETE FROM integrity_bypass`);

  const readRecord = (studentId: string, courseId: string): MasteryRecord | null => {
    const row = byPair.get(studentId, courseId);
    return row === undefined ? null : recordOf(row);
  };

  const commitApply = db.transaction((plan: PlannedApply): "committed" | "stale" => {
    if (ledgerById.get(plan.ledger.sessionId) !== undefined) return "stale";
    const context = {
      operation: "applyLessonMastery",
      recordId: plan.record.$id,
      sessionId: plan.ledger.sessionId,
    };
    if (plan.expected === null) {
      try {
        refusedByDatabase(() => insertRecord.run(plan.record), context);
      } catch (error) {
        // Another writer created the student's record first: fold again into theirs.
        if (isUniqueViolation(error)) return "stale";
        throw error;
      }
    } else {
      const expectedUpdatedAt = plan.expected.updatedAt;
      const { changes } = refusedByDatabase(
        () =>
          updateIfUnchanged.run(
            plan.record.emaByOutcome,
            plan.record.updatedAt,
            plan.record.$id,
            expectedUpdatedAt,
          ),
        context,
      );
      if (changes === 0) return "stale";
    }
    insertLedger.run(plan.ledger);
    return "committed";
  });

  const backend: MasteryApplyBackend = {
    async read({ sessionId, studentId, courseId }) {
      assertOpen();
      const entry = ledgerById.get(sessionId);
      return {
        ledger: entry === undefined ? null : ledgerEntryOf(entry),
        record: readRecord(studentId, courseId),
      };
    },
    async commit(plan) {
      assertOpen();
      return commitApply.immediate(plan);
    },
  };

  const commitRepairs = db.transaction((planned: Awaited<ReturnType<typeof planRepairs>>) => {
    for (const { record, expectedUpdatedAt } of planned) {
      const { changes } = refusedByDatabase(
        () =>
          updateIfUnchanged.run(
            record.emaByOutcome,
            record.updatedAt,
            record.$id,
            expectedUpdatedAt,
          ),
        { operation: "repair", recordId: record.$id },
      );
      if (changes === 0) {
        const current = byId.get(record.$id);
        assertUnchanged(
          record.$id,
          expectedUpdatedAt,
          current === undefined ? undefined : recordOf(current).updatedAt,
        );
      }
    }
  });

  /** Reads and writes in one transaction: the condition and the ledger are judged on what it replaces. */
  const restoreAll = db.transaction(
    (
      input: MasteryRecord[],
      ifUpdatedAtIn: ReadonlyMap<string, readonly string[]> | undefined,
    ): MasteryRestoreResult => {
      const ids = JSON.stringify(input.map((record) => record.$id));
      const stored = new Map(byIds.all(ids).map((row) => [row.$id, recordOf(row)] as const));
      const { write, skipped } = partitionRestore(input, stored, ifUpdatedAtIn);
      const entries = ledgerByMasteryIds
        .all(JSON.stringify(write.map((record) => record.$id)))
        .map(ledgerEntryOf);
      const released = write.flatMap((record) =>
        ledgerEntriesAfter(
          record,
          entries.filter((entry) => entry.masteryId === record.$id),
        ),
      );
      writeRestored(write);
      deleteLedgerByIds.run(JSON.stringify(released.map((entry) => entry.sessionId)));
      return { skipped, releasedSessions: released.map((entry) => entry.sessionId) };
    },
  );

  const writeRestored = (records: MasteryRecord[]): void => {
    setBypass.run();
    // Delete first, so a batch that swaps student/course pairs between rows is judged by its final state.
    deleteByIds.run(JSON.stringify(records.map((record) => record.$id)));
    for (const record of records) {
      try {
        insertRecord.run(record);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        throw new StoreConflictError(
          TABLES.mastery,
          record.$id,
          "another row has the same student and course (unique_student_course)",
          {
            operation: "restore",
            studentId: record.studentId,
            courseId: record.courseId,
            otherId: byPair.get(record.studentId, record.courseId)?.$id,
          },
        );
      }
    }
    clearBypass.run();
  };

  const lock = new KeyedLock();
  return {
    async get(studentId, courseId) {
      assertOpen();
      return readRecord(studentId, courseId);
    },
    applyLessonMastery(input) {
      return applyLessonMasteryWith({ outcomes, backend, lock }, input);
    },
    async isSessionApplied(sessionId) {
      assertOpen();
      return ledgerById.get(sessionId) !== undefined;
    },
    async *scan(options) {
      const { pageSize, after } = parseScanOptions(options);
      let cursor = after ?? null;
      for (;;) {
        assertOpen();
        const rows = page.all(cursor, cursor, pageSize).map(recordOf);
        if (rows.length === 0) return;
        yield rows;
        if (rows.length < pageSize) return;
        cursor = rows[rows.length - 1]!.$id;
      }
    },
    async repair(repairs) {
      assertOpen();
      const stored = new Map(
        byIds
          .all(JSON.stringify(repairs.map((repair) => repair.$id)))
          .map((row) => [row.$id, recordOf(row)] as const),
      );
      const planned = await planRepairs(outcomes, repairs, stored);
      assertOpen();
      commitRepairs.immediate(planned);
    },
    async restore(records, options) {
      assertOpen();
      return restoreAll.immediate(parseRestoreInput(records), options?.ifUpdatedAtIn);
    },
  };
}

const LedgerRowSchema = z.object({
  $id: z.string().min(1),
  studentId: z.string().min(1),
  courseId: z.string().min(1),
  masteryId: z.string().min(1),
  appliedAt: z.string().min(1),
});

function ledgerEntryOf(row: Row): MasteryLedgerEntry {
  const { $id, ...entry } = parseStoredRow(LedgerRowSchema, TABLES.masteryLedger, row.$id, row);
  return { sessionId: $id, ...entry };
}
