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
  RoutineRecord,
} from "../ports.js";
import type { PlannedCompletion, StoredSessionState } from "../shared/completion-write.js";
import { KeyedLock } from "../shared/keyed-lock.js";
import {
  applyLessonMasteryWith,
  assertUnchanged,
  ledgerEntriesAfter,
  completeLessonWith,
  parseRestoreInput,
  partitionRestore,
  planRepairs,
  type MasteryApplyBackend,
  type MasteryLedgerEntry,
  type PlannedApply,
} from "../shared/mastery-write.js";
import {
  byEvidenceOrder,
  StoredMasteryRowSchema,
  parseStoredRow,
  RoutineRecordSchema,
  SessionStateSchema,
  StoredEvidenceRowSchema,
  TABLES,
} from "../shared/rows.js";
import { isUniqueViolation, pagesById, refusedByDatabase } from "./database.js";

type Row = Record<string, unknown> & { $id: string };

/** Thrown inside the apply transaction to roll back a completion whose rows moved since they were read. */
class StaleCompletion extends Error {}

const recordOf = (row: Row): MasteryRecord =>
  parseStoredRow(StoredMasteryRowSchema, TABLES.mastery, row.$id, row);

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
  const routineByPair = db.prepare<[string, string], Row>(
    `SELECT * FROM Routine WHERE studentId = ? AND courseId = ?`,
  );
  const insertRoutine = db.prepare(
    `INSERT INTO Routine ("$id", studentId, courseId, dueAtByOutcome, fsrsByOutcome, lastTaughtAt,
       spacingPolicyVersion, schema_version, updatedAt)
     VALUES (@$id, @studentId, @courseId, @dueAtByOutcome, @fsrsByOutcome, @lastTaughtAt,
       @spacingPolicyVersion, @schema_version, @updatedAt)`,
  );
  const updateRoutineIfUnchanged = db.prepare(
    `UPDATE Routine SET dueAtByOutcome = @dueAtByOutcome, fsrsByOutcome = @fsrsByOutcome,
       lastTaughtAt = @lastTaughtAt, spacingPolicyVersion = @spacingPolicyVersion,
       schema_version = @schema_version, updatedAt = @updatedAt
     WHERE "$id" = @$id AND updatedAt = @expectedUpdatedAt`,
  );
  const sessionStateById = db.prepare<[string], Row>(
    `SELECT "$id", studentId, courseId, status, threadId, completedAt FROM sessions WHERE "$id" = ?`,
  );
  const completeSession = db.prepare(
    `UPDATE sessions SET status = @status, completedAt = @completedAt, score = @score, threadId = @threadId
     WHERE "$id" = @$id AND status = @expectedStatus`,
  );
  const insertEvidence = db.prepare(
    `INSERT INTO evidence ("$id", sessionId, itemId, cardId, interactionId, response, correct, attempts,
       confidence, reasoning, feedback, timestamp, partialCredit, method)
     VALUES (@$id, @sessionId, @itemId, @cardId, @interactionId, @response, @correct, @attempts,
       @confidence, @reasoning, @feedback, @timestamp, @partialCredit, @method)`,
  );
  const evidenceBySession = db.prepare<[string], Row>(`SELECT * FROM evidence WHERE sessionId = ?`);
  const countEvidence = db.prepare<[string], { n: number }>(
    `SELECT count(*) AS n FROM evidence WHERE sessionId = ?`,
  );
  const setBypass = db.prepare(`INSERT INTO integrity_bypass (id, reason) VALUES (1, 'restore')`);
  const clearBypass = db.prepare(`DELETE FROM integrity_bypass`);

  const readRecord = (studentId: string, courseId: string): MasteryRecord | null => {
    const row = byPair.get(studentId, courseId);
    return row === undefined ? null : recordOf(row);
  };

  const readRoutine = (studentId: string, courseId: string): RoutineRecord | null => {
    const row = routineByPair.get(studentId, courseId);
    return row === undefined
      ? null
      : parseStoredRow(RoutineRecordSchema, TABLES.routine, row.$id, row);
  };
  const readSession = (sessionId: string): StoredSessionState | null => {
    const row = sessionStateById.get(sessionId);
    return row === undefined
      ? null
      : parseStoredRow(SessionStateSchema, TABLES.sessions, sessionId, row);
  };

  /** The completion's writes, inside the apply's transaction; "stale" when its rows moved. */
  const commitCompletion = (
    completion: PlannedCompletion,
    context: Record<string, unknown>,
  ): "committed" | "stale" => {
    const { expected, record } = completion.routine;
    const routineContext = { ...context, table: TABLES.routine, recordId: record.$id };
    if (expected === null) {
      try {
        refusedByDatabase(() => insertRoutine.run(record), routineContext);
      } catch (error) {
        if (isUniqueViolation(error)) return "stale";
        throw error;
      }
    } else {
      const { changes } = refusedByDatabase(
        () => updateRoutineIfUnchanged.run({ ...record, expectedUpdatedAt: expected.updatedAt }),
        routineContext,
      );
      if (changes === 0) return "stale";
    }
    const session = completion.session;
    if (session === null) {
      if (sessionStateById.get(context.sessionId as string) !== undefined) return "stale";
    } else {
      const { changes } = completeSession.run({
        ...session.update,
        $id: session.expected.$id,
        expectedStatus: session.expected.status,
      });
      if (changes === 0) return "stale";
    }
    for (const row of completion.evidence)
      insertEvidence.run({ ...row, correct: row.correct ? 1 : 0 });
    return "committed";
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
    if (plan.completion !== null && commitCompletion(plan.completion, context) === "stale") {
      // Nothing of this attempt may stay: leave the transaction by throwing, then report stale.
      throw new StaleCompletion();
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
        routine: readRoutine(studentId, courseId),
        session: readSession(sessionId),
      };
    },
    async commit(plan) {
      assertOpen();
      try {
        return commitApply.immediate(plan);
      } catch (error) {
        if (error instanceof StaleCompletion) return "stale";
        throw error;
      }
    },
    async countEvidence(sessionId) {
      assertOpen();
      return (countEvidence.get(sessionId) as { n: number }).n;
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
    completeLesson(input) {
      return completeLessonWith({ outcomes, backend, lock }, input);
    },
    async getRoutine(studentId, courseId) {
      assertOpen();
      return readRoutine(studentId, courseId);
    },
    async listEvidence(sessionId) {
      assertOpen();
      return evidenceBySession
        .all(sessionId)
        .map(({ $id, ...row }) =>
          parseStoredRow(StoredEvidenceRowSchema, TABLES.evidence, $id, {
            ...row,
            $id,
            correct: row.correct === 1,
          }),
        )
        .sort(byEvidenceOrder)
        .map(({ $id: _id, ...row }) => row);
    },
    async isSessionApplied(sessionId) {
      assertOpen();
      return ledgerById.get(sessionId) !== undefined;
    },
    scan(options) {
      return pagesById(
        (cursor, limit) => page.all(cursor, cursor, limit).map(recordOf),
        options,
        assertOpen,
      );
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
