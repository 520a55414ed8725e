/**
 * Routine rows on SQLite, for the operator tools (a lesson writes them through
 * ./mastery.ts, in its completion's transaction). A repair is one
 * `BEGIN IMMEDIATE` transaction of conditional UPDATEs (`WHERE updatedAt = ?`),
 * the Routine integrity triggers judging what it adds; a restore deletes and
 * inserts inside the transaction under the `integrity_bypass` row, which the
 * Routine triggers honour as MasteryV2's do (./schema.ts).
 */
import type Database from "better-sqlite3";
import type { CourseOutcomeStore, RoutineRecord, RoutineStore } from "../ports.js";
import { assertUnchanged, partitionRestore } from "../shared/mastery-write.js";
import {
  parseRoutineRestoreInput,
  planRoutineRepairs,
  routinePairHeld,
  type PlannedRoutineRepair,
} from "../shared/routine-write.js";
import { parseStoredRow, RoutineRecordSchema, TABLES } from "../shared/rows.js";
import { isUniqueViolation, pagesById, refusedByDatabase } from "./database.js";

type Row = Record<string, unknown> & { $id: string };

const routineOf = (row: Row): RoutineRecord =>
  parseStoredRow(RoutineRecordSchema, TABLES.routine, row.$id, row);

export function createSqliteRoutineStore(
  db: Database.Database,
  outcomes: CourseOutcomeStore,
  assertOpen: () => void,
): RoutineStore {
  const byPair = db.prepare<[string, string], Row>(
    `SELECT * FROM Routine WHERE studentId = ? AND courseId = ?`,
  );
  const byIds = db.prepare<[string], Row>(
    `SELECT * FROM Routine WHERE "$id" IN (SELECT value FROM json_each(?))`,
  );
  const page = db.prepare<[string | null, string | null, number], Row>(
    `SELECT * FROM Routine WHERE (? IS NULL OR "$id" > ?) ORDER BY "$id" LIMIT ?`,
  );
  const updateIfUnchanged = db.prepare(
    `UPDATE Routine SET dueAtByOutcome = @dueAtByOutcome, fsrsByOutcome = @fsrsByOutcome,
       updatedAt = @updatedAt
     WHERE "$id" = @$id AND updatedAt = @expectedUpdatedAt`,
  );
  const insert = db.prepare(
    `INSERT INTO Routine ("$id", studentId, courseId, dueAtByOutcome, fsrsByOutcome, lastTaughtAt,
       spacingPolicyVersion, schema_version, updatedAt)
     VALUES (@$id, @studentId, @courseId, @dueAtByOutcome, @fsrsByOutcome, @lastTaughtAt,
       @spacingPolicyVersion, @schema_version, @updatedAt)`,
  );
  const deleteByIds = db.prepare<[string]>(
    `DELETE FROM Routine WHERE "$id" IN (SELECT value FROM json_each(?))`,
  );
  const setBypass = db.prepare(`INSERT INTO integrity_bypass (id, reason) VALUES (1, 'restore')`);
  const clearBypass = db.prepare(`DELETE FROM integrity_bypass`);

  const storedByIds = (ids: readonly string[]): Map<string, RoutineRecord> =>
    new Map(byIds.all(JSON.stringify(ids)).map((row) => [row.$id, routineOf(row)] as const));

  const commitRepairs = db.transaction((planned: PlannedRoutineRepair[]) => {
    for (const { record, expectedUpdatedAt } of planned) {
      const { changes } = refusedByDatabase(
        () => updateIfUnchanged.run({ ...record, expectedUpdatedAt }),
        { table: TABLES.routine, operation: "repair", recordId: record.$id },
      );
      if (changes === 0) {
        assertUnchanged(
          record.$id,
          expectedUpdatedAt,
          storedByIds([record.$id]).get(record.$id)?.updatedAt,
          TABLES.routine,
        );
      }
    }
  });

  const writeRestored = (records: RoutineRecord[]): void => {
    setBypass.run();
    // Delete first, so a batch that swaps student/course pairs between rows is judged by its final state.
    deleteByIds.run(JSON.stringify(records.map((record) => record.$id)));
    for (const record of records) {
      try {
        insert.run(record);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        throw routinePairHeld(record, byPair.get(record.studentId, record.courseId)?.$id);
      }
    }
    clearBypass.run();
  };

  /** Reads and writes in one transaction: the condition is judged on what it replaces. */
  const restoreAll = db.transaction(
    (input: RoutineRecord[], ifUpdatedAtIn: ReadonlyMap<string, readonly string[]> | undefined) => {
      const stored = storedByIds(input.map((record) => record.$id));
      const { write, skipped } = partitionRestore(input, stored, ifUpdatedAtIn);
      writeRestored(write);
      return { skipped };
    },
  );

  return {
    async get(studentId, courseId) {
      assertOpen();
      const row = byPair.get(studentId, courseId);
      return row === undefined ? null : routineOf(row);
    },
    scan(options) {
      return pagesById(
        (cursor, limit) => page.all(cursor, cursor, limit).map(routineOf),
        options,
        assertOpen,
      );
    },
    async repair(repairs) {
      assertOpen();
      const stored = storedByIds(repairs.map((repair) => repair.$id));
      const planned = await planRoutineRepairs(outcomes, repairs, stored);
      assertOpen();
      commitRepairs.immediate(planned);
    },
    async restore(records, options) {
      assertOpen();
      return restoreAll.immediate(parseRoutineRestoreInput(records), options?.ifUpdatedAtIn);
    },
  };
}
