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
 */
import { Permission, Query, Role } from "node-appwrite";
import { z } from "zod";
import { uniqueId } from "../../mastery/ids.js";
import { StoreConflictError, StoreDataError } from "../errors.js";
import type {
  CourseOutcomeStore,
  MasteryRecord,
  MasteryRestoreResult,
  MasteryStore,
  RoutineRecord,
} from "../ports.js";
import { KeyedLock } from "../shared/keyed-lock.js";
import {
  applyLessonMasteryWith,
  completeLessonWith,
  ledgerEntriesAfter,
  MAX_APPLY_ATTEMPTS,
  parseRestoreInput,
  partitionRestore,
  parseScanOptions,
  planRepairs,
  type MasteryApplyBackend,
} from "../shared/mastery-write.js";
import type {
  PlannedCompletion,
  StoredEvidenceRow,
  StoredSessionState,
} from "../shared/completion-write.js";
import { byEvidenceOrder, parseInput } from "../shared/rows.js";
import {
  chunks,
  MAX_BULK_ROWS,
  MAX_EQUAL_VALUES,
  MAX_TRANSACTION_OPERATIONS,
  type AppwriteGateway,
  type AppwriteRow,
  type TransactionOperation,
} from "./gateway.js";
import {
  evidenceFromRow,
  ledgerEntryFromRow,
  masteryColumns,
  masteryFromRow,
  routineColumns,
  routineFromRow,
  sessionRowId,
  sessionStateFromRow,
  type ReadMasteryRow,
} from "./mapping.js";
import { routineClaim, routineRevisionOf } from "./routine.js";

/**
 * Records one repair or restore transaction writes: every `MAX_BULK_ROWS` of
 * them take two staged operations (their ledger claims and their rows), so
 * 5000 on the Free plan's 100 operations. A larger batch commits in several
 * transactions.
 */
export const RECORDS_PER_TRANSACTION = (MAX_TRANSACTION_OPERATIONS / 2) * MAX_BULK_ROWS;
/**
 * Records one restore transaction writes: half the operations stay free for
 * the deletes of the lesson ledger rows it releases (one operation each).
 */
export const RESTORES_PER_TRANSACTION = (MAX_TRANSACTION_OPERATIONS / 4) * MAX_BULK_ROWS;

/** A batch of whole records to write, the revisions they were read at, and ledger rows to delete. */
interface RecordWrites {
  records: MasteryRecord[];
  revisions: Map<string, string>;
  releasedLedgerRows?: string[];
}

interface RestoreWrites extends RecordWrites, MasteryRestoreResult {
  releasedLedgerRows: string[];
}

/** Backoff between attempts when other writers keep committing first: full jitter, doubling, capped. */
export interface ConflictBackoff {
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

type LedgerOperation = "lesson" | "repair" | "restore";

/** The ledger row ID of a lesson session (one ledger row per session). */
export const ledgerRowId = sessionRowId;

export function createAppwriteMasteryStore(
  gateway: AppwriteGateway,
  tables: {
    mastery: string;
    masteryLedger: string;
    routine: string;
    evidence: string;
    sessions: string;
  },
  outcomes: CourseOutcomeStore,
  backoff: ConflictBackoff,
): MasteryStore {
  const lock = new KeyedLock();

  const read = (row: AppwriteRow): ReadMasteryRow => masteryFromRow(tables.mastery, row);

  const readOne = async (studentId: string, courseId: string): Promise<ReadMasteryRow | null> => {
    const rows = await gateway.listRows(tables.mastery, [
      Query.equal("studentId", studentId),
      Query.equal("courseId", courseId),
      Query.limit(2),
    ]);
    if (rows.length > 1) {
      throw new StoreDataError(
        tables.mastery,
        rows.map((row) => row.$id).join(","),
        "two rows for one student and course (is the unique index unique_student_course missing?)",
        {
          studentId,
          courseId,
        },
      );
    }
    const [row] = rows;
    return row === undefined ? null : read(row);
  };

  const readByIds = async (ids: readonly string[]): Promise<Map<string, ReadMasteryRow>> =>
    new Map(
      (await gateway.listWhereIn(tables.mastery, "$id", ids)).map((row) => [row.$id, read(row)]),
    );

  const readRoutine = async (
    studentId: string,
    courseId: string,
  ): Promise<{ record: RoutineRecord; revision: string } | null> => {
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
    return row === undefined
      ? null
      : { record: routineFromRow(tables.routine, row), revision: routineRevisionOf(row) };
  };

  const readSession = async (sessionId: string): Promise<StoredSessionState | null> => {
    // A session ID Appwrite cannot hold as a row ID names no stored session.
    if (sessionRowId(sessionId) !== sessionId) return null;
    const row = await gateway.getRow(tables.sessions, sessionId);
    return row === null ? null : sessionStateFromRow(tables.sessions, row);
  };

  const evidenceOf = async (sessionId: string): Promise<StoredEvidenceRow[]> =>
    (await gateway.listAll(tables.evidence, [Query.equal("sessionId", sessionId)])).map((row) =>
      evidenceFromRow(tables.evidence, row),
    );

  const committedBy = async (transactionId: string): Promise<boolean> =>
    (
      await gateway.listRows(tables.masteryLedger, [
        Query.equal("transactionId", transactionId),
        Query.limit(1),
      ])
    ).length > 0;

  const pause = (attempt: number): Promise<void> =>
    backoff.sleep(
      backoff.random() * Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** (attempt - 1)),
    );

  const ledgerColumns = (
    operation: LedgerOperation,
    record: MasteryRecord,
    claim: {
      baseRevision: string;
      transactionId: string;
      sessionId: string | null;
      appliedAt: string;
    },
  ): Record<string, unknown> => ({
    sessionId: claim.sessionId,
    operation,
    studentId: record.studentId,
    courseId: record.courseId,
    masteryId: record.$id,
    baseRevision: claim.baseRevision,
    transactionId: claim.transactionId,
    appliedAt: claim.appliedAt,
  });

  /**
   * The completion's writes, staged in the apply's transaction: the Routine
   * row (created, the unique index `unique_student_course` refusing a second
   * one, or updated), the session row (update: a row gone meanwhile fails the
   * transaction as stale) and the evidence rows as bulk creates of at most
   * `MAX_BULK_ROWS` (a lesson's 1000 rows at most: 10 operations, well under
   * the 100 a transaction may stage). The Routine row gets a new revision and
   * its read revision is claimed in the ledger, as operator repairs of it do
   * (./routine.ts): of a lesson and a repair computed from one state, one commits.
   */
  const completionOperations = (
    completion: PlannedCompletion,
    readerUserId: string | undefined,
    claim: { transactionId: string; baseRevision: string | null },
  ): TransactionOperation[] => {
    const { expected, record } = completion.routine;
    const revision = uniqueId();
    const routineClaimRow: TransactionOperation = {
      action: "bulkCreate",
      tableId: tables.masteryLedger,
      data: [
        routineClaim(tables.masteryLedger, record, {
          operation: "lesson_routine",
          baseRevision: claim.baseRevision ?? `new:${revision}`,
          transactionId: claim.transactionId,
          appliedAt: record.updatedAt,
        }),
      ],
    };
    const routine: TransactionOperation = {
      action: expected === null ? "create" : "update",
      tableId: tables.routine,
      rowId: record.$id,
      data: {
        ...routineColumns(record),
        revision,
        ...(expected === null && readerUserId !== undefined
          ? { $permissions: [Permission.read(Role.user(readerUserId))] }
          : {}),
      },
    };
    const session: TransactionOperation[] =
      completion.session === null
        ? []
        : [
            {
              action: "update",
              tableId: tables.sessions,
              rowId: completion.session.expected.$id,
              data: { ...completion.session.update },
            },
          ];
    const evidence = chunks(completion.evidence, MAX_BULK_ROWS).map(
      (chunk): TransactionOperation => ({
        action: "bulkCreate",
        tableId: tables.evidence,
        data: chunk.map((row) => ({ ...row })),
      }),
    );
    return [routine, routineClaimRow, ...session, ...evidence];
  };

  /** The backend of one apply: remembers the revision of the record it last read. */
  /** `readerUserId`: the Appwrite user who may read a record this apply creates. */
  const applyBackend = (readerUserId: string | undefined): MasteryApplyBackend => {
    let readRevision: { recordId: string; revision: string } | null = null;
    let routineRevision: string | null = null;
    let staleCommits = 0;
    return {
      async read({ sessionId, studentId, courseId }) {
        const [ledgerRow, current, routine, session] = await Promise.all([
          gateway.getRow(tables.masteryLedger, ledgerRowId(sessionId)),
          readOne(studentId, courseId),
          readRoutine(studentId, courseId),
          readSession(sessionId),
        ]);
        readRevision =
          current === null ? null : { recordId: current.record.$id, revision: current.revision };
        routineRevision = routine?.revision ?? null;
        return {
          ledger:
            ledgerRow === null
              ? null
              : ledgerEntryFromRow(tables.masteryLedger, ledgerRow, sessionId),
          record: current?.record ?? null,
          routine: routine?.record ?? null,
          session,
        };
      },
      async countEvidence(sessionId) {
        return (await evidenceOf(sessionId)).length;
      },
      async commit(plan) {
        if ((plan.expected?.$id ?? null) !== (readRevision?.recordId ?? null)) {
          throw new Error(
            "applyLessonMastery: the plan was not computed from the record this backend read",
          );
        }
        const revision = uniqueId();
        const baseRevision = readRevision?.revision ?? `new:${revision}`;
        const result = await gateway.runTransaction(
          { operation: "applyLessonMastery", table: tables.mastery, rowId: plan.record.$id },
          (transactionId): TransactionOperation[] => {
            const ledger: TransactionOperation = {
              action: "create",
              tableId: tables.masteryLedger,
              rowId: ledgerRowId(plan.ledger.sessionId),
              data: ledgerColumns("lesson", plan.record, {
                baseRevision,
                transactionId,
                sessionId: plan.ledger.sessionId,
                appliedAt: plan.ledger.appliedAt,
              }),
            };
            const record: TransactionOperation = {
              action: plan.expected === null ? "create" : "update",
              tableId: tables.mastery,
              rowId: plan.record.$id,
              data: {
                ...masteryColumns(plan.record, revision),
                ...(plan.expected === null && readerUserId !== undefined
                  ? { $permissions: [Permission.read(Role.user(readerUserId))] }
                  : {}),
              },
            };
            return [
              record,
              ledger,
              ...(plan.completion === null
                ? []
                : completionOperations(plan.completion, readerUserId, {
                    transactionId,
                    baseRevision: routineRevision,
                  })),
            ];
          },
          committedBy,
        );
        if (result === "stale") await pause(++staleCommits);
        return result;
      },
    };
  };

  /**
   * Writes whole records with their ledger claims (and deletes the ledger rows
   * a restore releases) in one transaction; on a conflict asks `refresh` for
   * the batch to write instead (it throws when the operation must be refused).
   * Returns the batch that was written.
   */
  const writeRecords = async <B extends RecordWrites>(
    operation: LedgerOperation,
    initial: B,
    refresh: () => Promise<B>,
  ): Promise<B> => {
    let batch = initial;
    for (let attempt = 1; attempt <= MAX_APPLY_ATTEMPTS; attempt++) {
      if (batch.records.length === 0) return batch;
      const appliedAt = new Date().toISOString();
      const writes = batch.records.map((record) => {
        const revision = uniqueId();
        return {
          record,
          revision,
          baseRevision: batch.revisions.get(record.$id) ?? `new:${revision}`,
        };
      });
      const releases = (batch.releasedLedgerRows ?? []).map((rowId): TransactionOperation => ({
        action: "delete",
        tableId: tables.masteryLedger,
        rowId,
      }));
      const result = await gateway.runTransaction(
        { operation, table: tables.mastery },
        (transactionId): TransactionOperation[] => [
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
        ],
        committedBy,
      );
      if (result === "committed") return batch;
      await pause(attempt);
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
  };

  const revisionsOf = (stored: Map<string, ReadMasteryRow>): Map<string, string> =>
    new Map([...stored].map(([id, row]) => [id, row.revision]));
  const recordsOf = (stored: Map<string, ReadMasteryRow>): Map<string, MasteryRecord> =>
    new Map([...stored].map(([id, row]) => [id, row.record]));

  const assertNoPairHeldElsewhere = async (records: readonly MasteryRecord[]): Promise<void> => {
    const ids = new Set(records.map((record) => record.$id));
    const restored = new Map(
      records.map((record) => [`${record.studentId}\u0000${record.courseId}`, record]),
    );
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
    for (const holder of holders) {
      const { record: held } = read(holder);
      const clash = restored.get(`${held.studentId}\u0000${held.courseId}`);
      if (clash !== undefined && !ids.has(held.$id)) {
        throw new StoreConflictError(
          tables.mastery,
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
  };

  /** The ledger rows of lessons applied to `records` after the state each puts back. */
  const lessonsAfter = async (
    records: readonly MasteryRecord[],
  ): Promise<{ rowId: string; sessionId: string }[]> => {
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
  };

  /** One restore transaction, planned from what is stored now (again after a conflict). */
  const restoreChunk = async (
    records: MasteryRecord[],
    ifUpdatedAtIn: ReadonlyMap<string, readonly string[]> | undefined,
  ): Promise<MasteryRestoreResult> => {
    const plan = async (): Promise<RestoreWrites> => {
      const stored = await readByIds(records.map((record) => record.$id));
      const { write, skipped } = partitionRestore(records, recordsOf(stored), ifUpdatedAtIn);
      const released = await lessonsAfter(write);
      return {
        records: write,
        revisions: revisionsOf(stored),
        releasedLedgerRows: released.map((entry) => entry.rowId),
        skipped,
        releasedSessions: released.map((entry) => entry.sessionId),
      };
    };
    const written = await writeRecords("restore", await plan(), async () => {
      await assertNoPairHeldElsewhere(records);
      return plan();
    });
    return { skipped: written.skipped, releasedSessions: written.releasedSessions };
  };

  return {
    async get(studentId, courseId) {
      return (await readOne(studentId, courseId))?.record ?? null;
    },

    applyLessonMastery(input) {
      return applyLessonMasteryWith(
        { outcomes, backend: applyBackend(input.readerUserId), lock },
        input,
      );
    },
    completeLesson(input) {
      return completeLessonWith(
        { outcomes, backend: applyBackend(input.readerUserId), lock },
        input,
      );
    },
    async getRoutine(studentId, courseId) {
      return (await readRoutine(studentId, courseId))?.record ?? null;
    },
    async listEvidence(sessionId) {
      return (await evidenceOf(sessionId)).sort(byEvidenceOrder).map(({ $id: _id, ...row }) => row);
    },
    async isSessionApplied(sessionId) {
      return (await gateway.getRow(tables.masteryLedger, ledgerRowId(sessionId))) !== null;
    },

    async *scan(options) {
      const { pageSize, after } = parseScanOptions(options);
      for await (const page of gateway.pages(tables.mastery, [], pageSize, after)) {
        yield page.map((row) => read(row).record);
      }
    },

    async repair(repairs) {
      parseInput(z.array(z.object({ $id: z.string().min(1) })), repairs, "repair");
      const stored = await readByIds(repairs.map((repair) => repair.$id));
      // The whole batch is checked before anything is written; each chunk is then one transaction.
      const planned = await planRepairs(outcomes, repairs, recordsOf(stored));
      const revisions = revisionsOf(stored);
      for (let start = 0; start < repairs.length; start += RECORDS_PER_TRANSACTION) {
        const chunk = repairs.slice(start, start + RECORDS_PER_TRANSACTION);
        const records = planned
          .slice(start, start + RECORDS_PER_TRANSACTION)
          .map((plan) => plan.record);
        // After a conflict the chunk is planned again from a fresh read, which refuses changed records.
        await writeRecords("repair", { records, revisions }, async () => {
          const current = await readByIds(chunk.map((repair) => repair.$id));
          const replanned = await planRepairs(outcomes, chunk, recordsOf(current));
          return { records: replanned.map((plan) => plan.record), revisions: revisionsOf(current) };
        });
      }
    },

    async restore(records, options) {
      const parsed = parseRestoreInput(records);
      const transactions = chunks(parsed, RESTORES_PER_TRANSACTION);
      // Every chunk is checked against the unique index before anything is written.
      for (const records of transactions) await assertNoPairHeldElsewhere(records);
      const result: MasteryRestoreResult = { skipped: [], releasedSessions: [] };
      for (const records of transactions) {
        const chunk = await restoreChunk(records, options?.ifUpdatedAtIn);
        result.skipped.push(...chunk.skipped);
        result.releasedSessions.push(...chunk.releasedSessions);
      }
      return result;
    },
  };
}
