/**
 * A lesson's apply (and completion) on Appwrite: the backend the shared apply
 * loop (../shared/mastery-write.ts) reads through and commits with, one
 * TablesDB transaction per commit.
 */
import { routineClaim } from "./routine.js";
import { uniqueId } from "../../mastery/ids.js";
import type { PlannedCompletion } from "../shared/completion-write.js";
import type { MasteryApplyBackend, PlannedApply } from "../shared/mastery-write.js";
import { chunks, MAX_BULK_ROWS, type TransactionOperation } from "./gateway.js";
import {
  committedBy,
  ledgerColumns,
  ledgerRowId,
  pauseAfterConflict,
  readableBy,
  type MasteryContext,
  type MasteryTables,
} from "./mastery-ledger.js";
import { ledgerEntryFromRow, masteryColumns, routineColumns } from "./mapping.js";
import { readEvidence, readMasteryOf, readRoutineOf, readSessionState } from "./mastery-reads.js";

/** The record an apply read, and the revision it was read at. */
interface ReadRevision {
  recordId: string;
  revision: string;
}

/**
 * The backend of one apply: remembers the revision of the record it last read.
 * `readerUserId`: the Appwrite user who may read a record this apply creates.
 */
export function applyBackend(
  context: MasteryContext,
  readerUserId: string | undefined,
): MasteryApplyBackend {
  const { gateway, tables } = context;
  let readRevision: ReadRevision | null = null;
  let routineRevision: string | null = null;
  let staleCommits = 0;
  return {
    async read({ sessionId, studentId, courseId }) {
      const [ledgerRow, current, routine, session] = await Promise.all([
        gateway.getRow(tables.masteryLedger, ledgerRowId(sessionId)),
        readMasteryOf(context, studentId, courseId),
        readRoutineOf(context, studentId, courseId),
        readSessionState(context, sessionId),
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
      return (await readEvidence(context, sessionId)).length;
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
        (transactionId) =>
          applyOperations(
            tables,
            plan,
            { revision, baseRevision, transactionId, routineBaseRevision: routineRevision },
            readerUserId,
          ),
        committedBy(context),
      );
      if (result === "stale") await pauseAfterConflict(context.backoff, ++staleCommits);
      return result;
    },
  };
}

/** One apply's transaction: the record, its lesson ledger row, and the completion's rows if any. */
function applyOperations(
  tables: MasteryTables,
  plan: PlannedApply,
  claim: {
    revision: string;
    baseRevision: string;
    transactionId: string;
    /** The revision of the Routine row the plan was computed from; null when there was none. */
    routineBaseRevision: string | null;
  },
  readerUserId: string | undefined,
): TransactionOperation[] {
  const ledger: TransactionOperation = {
    action: "create",
    tableId: tables.masteryLedger,
    rowId: ledgerRowId(plan.ledger.sessionId),
    data: ledgerColumns("lesson", plan.record, {
      baseRevision: claim.baseRevision,
      transactionId: claim.transactionId,
      sessionId: plan.ledger.sessionId,
      appliedAt: plan.ledger.appliedAt,
    }),
  };
  const record: TransactionOperation = {
    action: plan.expected === null ? "create" : "update",
    tableId: tables.mastery,
    rowId: plan.record.$id,
    data: {
      ...masteryColumns(plan.record, claim.revision),
      ...readableBy(plan.expected === null, readerUserId),
    },
  };
  return [
    record,
    ledger,
    ...(plan.completion === null
      ? []
      : completionOperations(tables, plan.completion, readerUserId, {
          transactionId: claim.transactionId,
          baseRevision: claim.routineBaseRevision,
        })),
  ];
}

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
function completionOperations(
  tables: MasteryTables,
  completion: PlannedCompletion,
  readerUserId: string | undefined,
  claim: { transactionId: string; baseRevision: string | null },
): TransactionOperation[] {
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
      ...readableBy(expected === null, readerUserId),
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
}
