/**
 * The Appwrite adapter: the store ports over node-appwrite's TablesDB API.
 * Tables and columns are provisioned from the repository's `appwrite.json`
 * (Appwrite CLI: `appwrite push tables`), including the `mastery_ledger` table
 * and MasteryV2's `revision` column that make mastery writes idempotent and
 * race-free (see mastery.ts), and the `Routine` and `evidence` tables a
 * lesson's completion writes in the same transaction. No client exists until
 * the first request.
 */
import type { AppwriteSettings } from "../../config/env.js";
import type { Stores } from "../ports.js";
import { AppwriteGateway } from "./gateway.js";
import { createAppwriteLessonStore } from "./lessons.js";
import { createAppwriteMasteryStore } from "./mastery.js";
import type { ConflictBackoff } from "./mastery-ledger.js";
import { createAppwriteOutcomeStore } from "./outcomes.js";
import { createAppwriteRoutineStore } from "./routine.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry.js";
import { createAppwriteStudentStore } from "./students.js";

export { AppwriteOutcomeUnknownError, AppwriteStoreError } from "./errors.js";
export type { RetryPolicy } from "./retry.js";
export { DEFAULT_RETRY_POLICY } from "./retry.js";

export interface AppwriteStoreOptions {
  /** Retries of transient failures (429, 5xx, timeouts); defaults in DEFAULT_RETRY_POLICY. */
  retry?: Partial<RetryPolicy>;
  /** Rows per list request; default 100. */
  pageSize?: number;
  /** Backoff between attempts when concurrent writers keep committing first; default 25 ms doubling up to 1 s. */
  conflictBackoff?: Partial<Pick<ConflictBackoff, "baseDelayMs" | "maxDelayMs">>;
}

export function createAppwriteStores(
  settings: AppwriteSettings,
  options: AppwriteStoreOptions = {},
): Stores {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const gateway = new AppwriteGateway(settings, policy, options.pageSize ?? 100);
  const outcomes = createAppwriteOutcomeStore(gateway, settings.tables.courseOutcomes);
  const backoff: ConflictBackoff = {
    baseDelayMs: 25,
    maxDelayMs: 1000,
    ...options.conflictBackoff,
    sleep: policy.sleep,
    random: policy.random,
  };
  return {
    outcomes,
    lessons: createAppwriteLessonStore(gateway, settings.tables),
    mastery: createAppwriteMasteryStore(gateway, settings.tables, outcomes, backoff),
    routines: createAppwriteRoutineStore(gateway, settings.tables, outcomes, backoff),
    students: createAppwriteStudentStore(gateway, settings.tables.students),
    async close() {
      gateway.close();
    },
  };
}
