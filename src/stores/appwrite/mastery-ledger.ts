/**
 * What every MasteryV2 write on Appwrite shares (see mastery.ts for the
 * scheme): the tables it touches, its `mastery_ledger` claim, how a commit of
 * unknown outcome is settled, and the backoff after a conflicting commit.
 */
import { Permission, Query, Role } from "node-appwrite";
import type { MasteryRecord } from "../ports.js";
import type { AppwriteGateway } from "./gateway.js";
import { sessionRowId } from "./mapping.js";

/** The tables the MasteryV2 adapter reads and writes (their Appwrite IDs). */
export interface MasteryTables {
  mastery: string;
  masteryLedger: string;
  routine: string;
  evidence: string;
  sessions: string;
}

/** Backoff between attempts when other writers keep committing first: full jitter, doubling, capped. */
export interface ConflictBackoff {
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

/** What the adapter's reads and writes work with. */
export interface MasteryContext {
  gateway: AppwriteGateway;
  tables: MasteryTables;
  backoff: ConflictBackoff;
}

export type LedgerOperation = "lesson" | "repair" | "restore";

/** The ledger row ID of a lesson session (one ledger row per session). */
export const ledgerRowId = sessionRowId;

/** The revision a write was computed from, and the transaction that carries it. */
export interface LedgerClaim {
  baseRevision: string;
  transactionId: string;
  sessionId: string | null;
  appliedAt: string;
}

export function ledgerColumns(
  operation: LedgerOperation,
  record: MasteryRecord,
  claim: LedgerClaim,
): Record<string, unknown> {
  return {
    sessionId: claim.sessionId,
    operation,
    studentId: record.studentId,
    courseId: record.courseId,
    masteryId: record.$id,
    baseRevision: claim.baseRevision,
    transactionId: claim.transactionId,
    appliedAt: claim.appliedAt,
  };
}

/** Settles a commit of unknown outcome: its ledger rows carry the transaction ID. */
export function committedBy(context: MasteryContext): (transactionId: string) => Promise<boolean> {
  return async (transactionId) =>
    (
      await context.gateway.listRows(context.tables.masteryLedger, [
        Query.equal("transactionId", transactionId),
        Query.limit(1),
      ])
    ).length > 0;
}

/** Waits before the `attempt`th retry after a conflicting commit. */
export function pauseAfterConflict(backoff: ConflictBackoff, attempt: number): Promise<void> {
  return backoff.sleep(
    backoff.random() * Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** (attempt - 1)),
  );
}

/** The permission a created row gives the student's Appwrite user (none for an update or no user). */
export function readableBy(
  created: boolean,
  readerUserId: string | undefined,
): { $permissions?: string[] } {
  return created && readerUserId !== undefined
    ? { $permissions: [Permission.read(Role.user(readerUserId))] }
    : {};
}
