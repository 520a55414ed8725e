/**
 * Operator writes of whole MasteryV2 records on Appwrite: repairs and
 * restores. Each chunk is one TablesDB transaction of bulk operations that
 * claims every record's revision in the ledger (and, for a restore, deletes
 * the ledger rows of the lessons it releases); a conflict re-plans the chunk
 * from a fresh read.
 */
import { Query } from "node-appwrite";
import { z } from "zod";
import { uniqueId } from "../../mastery/ids.js";
import { StoreConflictError, StoreInputError } from "../errors.js";
import type {
  CourseOutcomeStore,
  MasteryRecord,
  MasteryRepair,
  MasteryRestoreResult,
} from "../ports.js";
import {
  ledgerEntriesAfter,
  MAX_APPLY_ATTEMPTS,
  parseRestoreInput,
  partitionRestore,
  planRepairs,
} from "../shared/mastery-write.js";
import { parseInput } from "../shared/rows.js";
import {
  chunks,
  MAX_BULK_ROWS,
  MAX_EQUAL_VALUES,
  MAX_TRANSACTION_OPERATIONS,
  type AppwriteRow,
  type TransactionOperation,
} from "./gateway.js";
import {
  committedBy,
  ledgerColumns,
  pauseAfterConflict,
  type LedgerOperation,
  type MasteryContext,
  type MasteryTables,
} from "./mastery-ledger.js";
import { ledgerEntryFromRow, masteryColumns, type ReadMasteryRow } from "./mapping.js";
import { readMastery, readMasteryByIds } from "./mastery-reads.js";

/**
 * Records one repair or restore transaction writes: every `MAX_BULK_ROWS` of
 * them take two staged operations (their ledger claims and their rows), so
 * 5000 on the Free plan's 100 operations. A larger batch commits in several
 * transactions.
 */
export const RECORDS_PER_TRANSACTION = (MAX_TRANSACTION_OPERATIONS / 2) * MAX_BULK_ROWS;
/**
 * Records one restore transaction writes at most: half the operations stay
 * free for the lesson ledger rows it releases, deleted `MAX_EQUAL_VALUES` to
 * a bulk delete. A chunk that releases more is split (see `restoreChunk`).
 */
export const RESTORES_PER_TRANSACTION = (MAX_TRANSACTION_OPERATIONS / 4) * MAX_BULK_ROWS;

/** The operations one transaction stages for `records` records and `released` ledger rows. */
export function transactionOperations(records: number, released: number): number {
  return 2 * Math.ceil(records / MAX_BULK_ROWS) + Math.ceil(released / MAX_EQUAL_VALUES);
}

/** A batch of whole records to write, the revisions they were read at, and ledger rows to delete. */
interface RecordWrites {
  records: MasteryRecord[];
  revisions: Map<string, string>;
  releasedLedgerRows?: string[];
}

interface RestoreWrites extends RecordWrites, MasteryRestoreResult {
  releasedLedgerRows: string[];
}

/** `MasteryStore.repair`: the whole batch is checked before anything is written; each chunk is then one transaction. */
export async function repairRecords(
  context: MasteryContext,
  outcomes: CourseOutcomeStore,
  repairs: readonly MasteryRepair[],
): Promise<void> {
  parseInput(z.array(z.object({ $id: z.string().min(1) })), repairs, "repair");
  const stored = await readMasteryByIds(
    context,
    repairs.map((repair) => repair.$id),
  );
  const planned = await planRepairs(outcomes, repairs, recordsOf(stored));
  const revisions = revisionsOf(stored);
  for (let start = 0; start < repairs.length; start += RECORDS_PER_TRANSACTION) {
    const chunk = repairs.slice(start, start + RECORDS_PER_TRANSACTION);
    const records = planned
      .slice(start, start + RECORDS_PER_TRANSACTION)
      .map((plan) => plan.record);
    // After a conflict the chunk is planned again from a fresh read, which refuses changed records.
    await writeRecords(context, "repair", { records, revisions }, async () => {
      const current = await readMasteryByIds(
        context,
        chunk.map((repair) => repair.$id),
      );
      const replanned = await planRepairs(outcomes, chunk, recordsOf(current));
      return { records: replanned.map((plan) => plan.record), revisions: revisionsOf(current) };
    });
  }
}

/** `MasteryStore.restore`: every chunk is checked against the unique index before anything is written. */
export async function restoreRecords(
  context: MasteryContext,
  records: readonly MasteryRecord[],
  ifUpdatedAtIn: ReadonlyMap<string, readonly string[]> | undefined,
): Promise<MasteryRestoreResult> {
  const transactions = chunks(parseRestoreInput(records), RESTORES_PER_TRANSACTION);
  for (const chunk of transactions) await assertNoPairHeldElsewhere(context, chunk);
  const result: MasteryRestoreResult = { skipped: [], releasedSessions: [] };
  for (const chunk of transactions) {
    const restored = await restoreChunk(context, chunk, ifUpdatedAtIn);
    result.skipped.push(...restored.skipped);
    result.releasedSessions.push(...restored.releasedSessions);
  }
  return result;
}

/**
 * One restore transaction, planned from what is stored now (again after a
 * conflict). A record goes back together with the release of the lessons
 * applied after it, in one transaction; records whose releases do not fit one
 * transaction together are restored in halves.
 */
async function restoreChunk(
  context: MasteryContext,
  records: MasteryRecord[],
  ifUpdatedAtIn: ReadonlyMap<string, readonly string[]> | undefined,
): Promise<MasteryRestoreResult> {
  const plan = async (): Promise<RestoreWrites> => {
    const stored = await readMasteryByIds(
      context,
      records.map((record) => record.$id),
    );
    const { write, skipped } = partitionRestore(records, recordsOf(stored), ifUpdatedAtIn);
    const released = await lessonsAfter(context, write);
    return {
      records: write,
      revisions: revisionsOf(stored),
      releasedLedgerRows: released.map((entry) => entry.rowId),
      skipped,
      releasedSessions: released.map((entry) => entry.sessionId),
    };
  };
  const planned = await plan();
  if (
    transactionOperations(planned.records.length, planned.releasedLedgerRows.length) >
    MAX_TRANSACTION_OPERATIONS
  ) {
    if (records.length === 1) {
      throw new StoreInputError(
        "restore",
        "the record would release more lessons than one transaction can delete",
        {
          recordId: records[0]?.$id,
          releasedLessons: planned.releasedLedgerRows.length,
          maxOperations: MAX_TRANSACTION_OPERATIONS,
        },
      );
    }
    const half = Math.ceil(records.length / 2);
    const first = await restoreChunk(context, records.slice(0, half), ifUpdatedAtIn);
    const second = await restoreChunk(context, records.slice(half), ifUpdatedAtIn);
    return {
      skipped: [...first.skipped, ...second.skipped],
      releasedSessions: [...first.releasedSessions, ...second.releasedSessions],
    };
  }
  const written = await writeRecords(context, "restore", planned, async () => {
    await assertNoPairHeldElsewhere(context, records);
    return plan();
  });
  return { skipped: written.skipped, releasedSessions: written.releasedSessions };
}

/**
 * Writes whole records with their ledger claims (and deletes the ledger rows
 * a restore releases) in one transaction; on a conflict asks `refresh` for
 * the batch to write instead (it throws when the operation must be refused).
 * Returns the batch that was written.
 */
async function writeRecords<B extends RecordWrites>(
  context: MasteryContext,
  operation: LedgerOperation,
  initial: B,
  refresh: () => Promise<B>,
): Promise<B> {
  const { gateway, tables } = context;
  let batch = initial;
  for (let attempt = 1; attempt <= MAX_APPLY_ATTEMPTS; attempt++) {
    if (batch.records.length === 0) return batch;
    const staged = stageWrites(batch);
    const result = await gateway.runTransaction(
      { operation, table: tables.mastery },
      (transactionId) => recordOperations(tables, operation, staged, transactionId),
      committedBy(context),
    );
    if (result === "committed") return batch;
    await pauseAfterConflict(context.backoff, attempt);
    batch = await refresh();
  }
  throw new StoreConflictError(
    tables.mastery,
    undefined,
    `the records kept changing; gave up after ${MAX_APPLY_ATTEMPTS} attempts`,
    {
      operation,
      ids: batch.records.map((record) => record.$id),
    },
  );
}

/** A batch ready to stage: each record with its new revision and the one it was computed from. */
interface StagedWrites {
  appliedAt: string;
  writes: { record: MasteryRecord; revision: string; baseRevision: string }[];
  releasedLedgerRows: readonly string[];
}

function stageWrites(batch: RecordWrites): StagedWrites {
  return {
    appliedAt: new Date().toISOString(),
    writes: batch.records.map((record) => {
      const revision = uniqueId();
      return {
        record,
        revision,
        baseRevision: batch.revisions.get(record.$id) ?? `new:${revision}`,
      };
    }),
    releasedLedgerRows: batch.releasedLedgerRows ?? [],
  };
}

/** One batch's transaction: per `MAX_BULK_ROWS` records their ledger claims and their rows, then the releases. */
function recordOperations(
  tables: MasteryTables,
  operation: LedgerOperation,
  { appliedAt, writes, releasedLedgerRows }: StagedWrites,
  transactionId: string,
): TransactionOperation[] {
  const releases = chunks(releasedLedgerRows, MAX_EQUAL_VALUES).map(
    (rowIds): TransactionOperation => ({
      action: "bulkDelete",
      tableId: tables.masteryLedger,
      data: { queries: [Query.equal("$id", rowIds)] },
    }),
  );
  return [
    ...chunks(writes, MAX_BULK_ROWS).flatMap((chunk): TransactionOperation[] => [
      {
        action: "bulkCreate",
        tableId: tables.masteryLedger,
        data: chunk.map(({ record, baseRevision }) => ({
          $id: uniqueId(),
          ...ledgerColumns(operation, record, {
            baseRevision,
            transactionId,
            sessionId: null,
            appliedAt,
          }),
        })),
      },
      {
        action: "bulkUpsert",
        tableId: tables.mastery,
        data: chunk.map(({ record, revision }) => ({
          $id: record.$id,
          ...masteryColumns(record, revision),
        })),
      },
    ]),
    ...releases,
  ];
}

function revisionsOf(stored: Map<string, ReadMasteryRow>): Map<string, string> {
  return new Map([...stored].map(([id, row]) => [id, row.revision]));
}

function recordsOf(stored: Map<string, ReadMasteryRow>): Map<string, MasteryRecord> {
  return new Map([...stored].map(([id, row]) => [id, row.record]));
}

/** A restored record's student and course held by another row would break `unique_student_course`. */
async function assertNoPairHeldElsewhere(
  context: MasteryContext,
  records: readonly MasteryRecord[],
): Promise<void> {
  const ids = new Set(records.map((record) => record.$id));
  const restored = new Map(
    records.map((record) => [`${record.studentId}\u0000${record.courseId}`, record]),
  );
  for (const holder of await pairHolders(context, records)) {
    const { record: held } = readMastery(context, holder);
    const clash = restored.get(`${held.studentId}\u0000${held.courseId}`);
    if (clash !== undefined && !ids.has(held.$id)) {
      throw new StoreConflictError(
        context.tables.mastery,
        clash.$id,
        "another row already holds this student and course (unique_student_course)",
        {
          operation: "restore",
          studentId: held.studentId,
          courseId: held.courseId,
          heldBy: held.$id,
        },
      );
    }
  }
}

/** The stored rows of the records' students in the records' courses (a superset of the pairs). */
async function pairHolders(
  { gateway, tables }: MasteryContext,
  records: readonly MasteryRecord[],
): Promise<AppwriteRow[]> {
  // A chunk of MAX_EQUAL_VALUES records names at most that many courses, Appwrite's cap for `equal`.
  const holders: AppwriteRow[] = [];
  for (const chunk of chunks(records, MAX_EQUAL_VALUES)) {
    holders.push(
      ...(await gateway.listWhereIn(
        tables.mastery,
        "studentId",
        chunk.map((record) => record.studentId),
        [Query.equal("courseId", [...new Set(chunk.map((record) => record.courseId))])],
      )),
    );
  }
  return holders;
}

/** The ledger rows of lessons applied to `records` after the state each puts back. */
async function lessonsAfter(
  { gateway, tables }: MasteryContext,
  records: readonly MasteryRecord[],
): Promise<{ rowId: string; sessionId: string }[]> {
  const rows = await gateway.listWhereIn(
    tables.masteryLedger,
    "masteryId",
    records.map((record) => record.$id),
    [Query.equal("operation", "lesson")],
  );
  const entries = rows.map((row) => ({
    rowId: row.$id,
    ...ledgerEntryFromRow(tables.masteryLedger, row, String(row.sessionId)),
  }));
  return records.flatMap((record) =>
    ledgerEntriesAfter(
      record,
      entries.filter((entry) => entry.masteryId === record.$id),
    ),
  );
}
