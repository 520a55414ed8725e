/**
 * Routine rows on Appwrite, for the operator tools (a lesson writes them in
 * its completion's transaction, ./mastery.ts).
 *
 * How a repair or restore is made conditional: Routine has a `revision`
 * column like MasteryV2's (appwrite.json), new and random on every write of
 * the row, a lesson's included. Each write claims the revision it was
 * computed from with a `mastery_ledger` row (`masteryId` = the Routine row's
 * `$id`, `baseRevision` = that revision) in the same transaction; the
 * ledger's unique index (`masteryId`, `baseRevision`) lets one write per
 * revision commit. So a repair computed before a lesson (or another repair)
 * wrote the row fails its commit, re-reads, and is refused as changed. A
 * random revision, not `updatedAt`: a restore puts an old `updatedAt` back,
 * and a claim on it would then block the row for ever. A row no adapter has
 * written has no revision; its system timestamp stands in (`legacy:`).
 */
import { z } from "zod";
import { uniqueId } from "../../mastery/ids.js";
import { StoreConflictError, StoreDataError } from "../errors.js";
import type { CourseOutcomeStore, RoutineRecord, RoutineStore } from "../ports.js";
import { MAX_APPLY_ATTEMPTS, parseScanOptions, partitionRestore } from "../shared/mastery-write.js";
import {
  parseRoutineRestoreInput,
  planRoutineRepairs,
  routinePairHeld,
} from "../shared/routine-write.js";
import { parseInput } from "../shared/rows.js";
import {
  chunks,
  MAX_BULK_ROWS,
  MAX_EQUAL_VALUES,
  MAX_TRANSACTION_OPERATIONS,
  type AppwriteGateway,
  type AppwriteRow,
  type TransactionOperation,
} from "./gateway.js";
import { pauseAfterConflict, type ConflictBackoff } from "./mastery-ledger.js";
import { routineColumns, routineFromRow } from "./mapping.js";
import { Query } from "node-appwrite";

/** Rows one transaction writes: two staged operations (claims and rows) per `MAX_BULK_ROWS`. */
const ROWS_PER_TRANSACTION = (MAX_TRANSACTION_OPERATIONS / 2) * MAX_BULK_ROWS;

/** The revision a Routine row was read at. */
export function routineRevisionOf(row: AppwriteRow): string {
  return typeof row.revision === "string" ? row.revision : `legacy:${row.$updatedAt}`;
}

/** The ledger row that claims `baseRevision` of Routine row `routineId` for one write. */
export function routineClaim(
  ledgerTable: string,
  record: RoutineRecord,
  claim: { operation: string; baseRevision: string; transactionId: string; appliedAt: string },
): Record<string, unknown> {
  return {
    $id: uniqueId(),
    sessionId: null,
    operation: claim.operation,
    studentId: record.studentId,
    courseId: record.courseId,
    masteryId: record.$id,
    baseRevision: claim.baseRevision,
    transactionId: claim.transactionId,
    appliedAt: claim.appliedAt,
  };
}

interface ReadRoutine {
  record: RoutineRecord;
  revision: string;
}

export function createAppwriteRoutineStore(
  gateway: AppwriteGateway,
  tables: { routine: string; masteryLedger: string },
  outcomes: CourseOutcomeStore,
  backoff: ConflictBackoff,
): RoutineStore {
  const read = (row: AppwriteRow): ReadRoutine => ({
    record: routineFromRow(tables.routine, row),
    revision: routineRevisionOf(row),
  });
  const readByIds = async (ids: readonly string[]): Promise<Map<string, ReadRoutine>> =>
    new Map(
      (await gateway.listWhereIn(tables.routine, "$id", ids)).map((row) => [row.$id, read(row)]),
    );
  const recordsOf = (stored: Map<string, ReadRoutine>) =>
    new Map([...stored].map(([id, row]) => [id, row.record]));
  const committedBy = async (transactionId: string): Promise<boolean> =>
    (
      await gateway.listRows(tables.masteryLedger, [
        Query.equal("transactionId", transactionId),
        Query.limit(1),
      ])
    ).length > 0;

  /** Writes whole rows with their claims in one transaction; after a conflict, `refresh` plans again (or refuses). */
  const writeRows = async (
    operation: "routine_repair" | "routine_restore",
    initial: { records: RoutineRecord[]; revisions: Map<string, string> },
    refresh: () => Promise<{ records: RoutineRecord[]; revisions: Map<string, string> }>,
  ): Promise<void> => {
    let batch = initial;
    for (let attempt = 1; attempt <= MAX_APPLY_ATTEMPTS; attempt++) {
      if (batch.records.length === 0) return;
      const appliedAt = new Date().toISOString();
      const writes = batch.records.map((record) => {
        const revision = uniqueId();
        return {
          record,
          revision,
          baseRevision: batch.revisions.get(record.$id) ?? `new:${revision}`,
        };
      });
      const result = await gateway.runTransaction(
        { operation, table: tables.routine },
        (transactionId): TransactionOperation[] =>
          chunks(writes, MAX_BULK_ROWS).flatMap((chunk): TransactionOperation[] => [
            {
              action: "bulkCreate",
              tableId: tables.masteryLedger,
              data: chunk.map(({ record, baseRevision }) =>
                routineClaim(tables.masteryLedger, record, {
                  operation,
                  baseRevision,
                  transactionId,
                  appliedAt,
                }),
              ),
            },
            {
              action: "bulkUpsert",
              tableId: tables.routine,
              data: chunk.map(({ record, revision }) => ({
                $id: record.$id,
                ...routineColumns(record),
                revision,
              })),
            },
          ]),
        committedBy,
      );
      if (result === "committed") return;
      await pauseAfterConflict(backoff, attempt);
      batch = await refresh();
    }
    throw new StoreConflictError(
      tables.routine,
      undefined,
      `the rows kept changing; gave up after ${MAX_APPLY_ATTEMPTS} attempts`,
      { operation, ids: batch.records.map((record) => record.$id) },
    );
  };

  const assertNoPairHeldElsewhere = async (records: readonly RoutineRecord[]): Promise<void> => {
    const ids = new Set(records.map((record) => record.$id));
    const restored = new Map(
      records.map((record) => [`${record.studentId}\u0000${record.courseId}`, record]),
    );
    for (const chunk of chunks(records, MAX_EQUAL_VALUES)) {
      const holders = await gateway.listWhereIn(
        tables.routine,
        "studentId",
        chunk.map((record) => record.studentId),
        [Query.equal("courseId", [...new Set(chunk.map((record) => record.courseId))])],
      );
      for (const holder of holders) {
        const held = read(holder).record;
        const clash = restored.get(`${held.studentId}\u0000${held.courseId}`);
        if (clash !== undefined && !ids.has(held.$id)) throw routinePairHeld(clash, held.$id);
      }
    }
  };

  const readOne = async (studentId: string, courseId: string): Promise<RoutineRecord | null> => {
    const rows = await gateway.listRows(tables.routine, [
      Query.equal("studentId", studentId),
      Query.equal("courseId", courseId),
      Query.limit(2),
    ]);
    if (rows.length > 1) {
      throw new StoreDataError(
        tables.routine,
        rows.map((row) => row.$id).join(","),
        "two rows for one student and course (is the unique index unique_student_course missing?)",
        { studentId, courseId },
      );
    }
    const [row] = rows;
    return row === undefined ? null : read(row).record;
  };

  return {
    get: readOne,
    async *scan(options) {
      const { pageSize, after } = parseScanOptions(options);
      for await (const page of gateway.pages(tables.routine, [], pageSize, after)) {
        yield page.map((row) => read(row).record);
      }
    },
    async repair(repairs) {
      parseInput(z.array(z.object({ $id: z.string().min(1) })), repairs, "repair Routine");
      const stored = await readByIds(repairs.map((repair) => repair.$id));
      // The whole batch is checked before anything is written; each chunk is then one transaction.
      const planned = await planRoutineRepairs(outcomes, repairs, recordsOf(stored));
      const revisions = new Map([...stored].map(([id, row]) => [id, row.revision]));
      for (let start = 0; start < repairs.length; start += ROWS_PER_TRANSACTION) {
        const chunk = repairs.slice(start, start + ROWS_PER_TRANSACTION);
        const records = planned.slice(start, start + ROWS_PER_TRANSACTION).map((p) => p.record);
        // After a conflict the chunk is planned again from a fresh read, which refuses changed rows.
        await writeRows("routine_repair", { records, revisions }, async () => {
          const current = await readByIds(chunk.map((repair) => repair.$id));
          const replanned = await planRoutineRepairs(outcomes, chunk, recordsOf(current));
          return {
            records: replanned.map((plan) => plan.record),
            revisions: new Map([...current].map(([id, row]) => [id, row.revision])),
          };
        });
      }
    },
    async restore(records, options) {
      const parsed = parseRoutineRestoreInput(records);
      const transactions = chunks(parsed, ROWS_PER_TRANSACTION);
      for (const chunk of transactions) await assertNoPairHeldElsewhere(chunk);
      const skipped: { $id: string; updatedAt: string }[] = [];
      for (const chunk of transactions) {
        const plan = async () => {
          const stored = await readByIds(chunk.map((record) => record.$id));
          const partition = partitionRestore(chunk, recordsOf(stored), options?.ifUpdatedAtIn);
          return {
            ...partition,
            records: partition.write,
            revisions: new Map([...stored].map(([id, row]) => [id, row.revision])),
          };
        };
        let last = await plan();
        await writeRows("routine_restore", last, async () => {
          await assertNoPairHeldElsewhere(chunk);
          last = await plan();
          return last;
        });
        skipped.push(...last.skipped);
      }
      return { skipped };
    },
  };
}
