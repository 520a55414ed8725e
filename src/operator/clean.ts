/**
 * `mastery clean`: the spec's Phase 3 (remove empty keys), optionally
 * migrating string refs to document IDs (see ./repair.ts for what changes).
 *
 * A real run has two passes:
 * 1. scan every record, plan its repair, and append each record that will
 *    change to the backup file, exactly as read, with the `updatedAt` its
 *    repair will write (so a restore knows the state the clean leaves it in);
 *    the file is flushed to disk;
 * 2. read those records back from the backup and write their repairs with
 *    `MasteryStore.repair`, in batches, a bounded number at a time.
 * So every record the run may touch is in the backup before the first write,
 * and memory never holds more than a few pages.
 *
 * A repair is conditional on the record being unchanged since it was read.
 * If it changed (a lesson was recorded meanwhile), the record is read again,
 * its new value appended to the backup, and its repair planned and written
 * again, up to `maxConflictRetries` times.
 *
 * Killed at any point, a rerun finishes the job: written records plan to no
 * change, the rest are backed up again and repaired, and the result is the
 * one of an uninterrupted run. With the same `--backup` path the rerun
 * appends, so the file keeps the original values of records already cleaned.
 *
 * Per-record outcomes (skipped, or a write the store refuses for that record)
 * are reported and counted, never dropped; anything else (store unreachable
 * after the adapter's retries, backup not writable) aborts the run.
 */
import type {
  CourseOutcomeStore,
  MasteryRecord,
  MasteryRepair,
  MasteryStore,
} from "../stores/ports.js";
import {
  StoreConflictError,
  StoreNotFoundError,
  StoreWriteRefusedError,
} from "../stores/errors.js";
import { nextUpdatedAt } from "../stores/shared/mastery-write.js";
import { BackupWriter, readBackup } from "./backup.js";
import { OperatorStateError } from "./errors.js";
import { CourseOutcomeCache } from "./outcome-index.js";
import { readAhead } from "./pages.js";
import { silentProgress, type ProgressReporter } from "./progress.js";
import { planRepair, type AddedKey, type RepairPlan, type UnmatchedRef } from "./repair.js";
import { TaskWindow } from "./task-window.js";

export interface CleanOptions {
  migrateRefs: boolean;
  dryRun: boolean;
  /** Where the backup goes (appended to if it exists); required unless `dryRun`. */
  backupPath?: string;
  pageSize: number;
  /** Repairs per `MasteryStore.repair` call. */
  batchSize: number;
  /** Repair calls in flight at once. */
  concurrency: number;
  /** Re-reads of a record that changed between read and write; default 3. */
  maxConflictRetries?: number;
  progress?: ProgressReporter;
  /** Every record with something to report (anything but unchanged without unmatched refs). */
  onRecord?: (result: CleanRecordResult) => void;
  /** Called once the backup is on disk, before the first write. */
  onBackupReady?: (backup: { path: string; records: number }) => void;
}

export type CleanRecordStatus = "would_clean" | "cleaned" | "skipped" | "unchanged" | "error";

export interface CleanRecordResult {
  recordId: string;
  studentId: string;
  courseId: string;
  status: CleanRecordStatus;
  keysRemoved: string[];
  keysAdded: AddedKey[];
  unmatchedRefs: UnmatchedRef[];
  /** Why a record was skipped. */
  reason?: "would_be_empty" | "invalid_json";
  /** Why a write was refused. */
  error?: { code: string; message: string };
}

export interface CleanSummary {
  dryRun: boolean;
  migrateRefs: boolean;
  scanned: number;
  /** Records written (with `dryRun`: records that would be). */
  cleaned: number;
  /** Records left for manual review (would be empty, or unparseable). */
  skipped: number;
  /** Records whose write was refused. */
  errors: number;
  unchanged: number;
  /** Records keeping string refs no outcome matched (only with `migrateRefs`). */
  recordsWithUnmatchedRefs: number;
  /** Absolute path of the backup; null in a dry run or when nothing was to change. */
  backupPath: string | null;
  /** Lines this run appended to the backup (re-read records add one each). */
  backedUp: number;
}

/** True when the run leaves something for the operator (the CLI's exit code 1). */
export function cleanFoundProblems(summary: CleanSummary): boolean {
  return (
    summary.skipped > 0 ||
    summary.errors > 0 ||
    summary.recordsWithUnmatchedRefs > 0 ||
    (summary.dryRun && summary.cleaned > 0)
  );
}

export async function cleanMastery(
  stores: { mastery: MasteryStore; outcomes: CourseOutcomeStore },
  options: CleanOptions,
): Promise<CleanSummary> {
  const run = new CleanRun(stores, options);
  return options.dryRun ? run.dryRun() : run.clean();
}

type ChangePlan = Extract<RepairPlan, { kind: "change" }>;

interface PlannedChange {
  record: MasteryRecord;
  plan: ChangePlan;
}

class CleanRun {
  private readonly outcomes: CourseOutcomeCache;
  private readonly progress: ProgressReporter;
  private readonly summary: CleanSummary;

  constructor(
    private readonly stores: { mastery: MasteryStore; outcomes: CourseOutcomeStore },
    private readonly options: CleanOptions,
  ) {
    this.outcomes = new CourseOutcomeCache(stores.outcomes);
    this.progress = options.progress ?? silentProgress;
    this.summary = {
      dryRun: options.dryRun,
      migrateRefs: options.migrateRefs,
      scanned: 0,
      cleaned: 0,
      skipped: 0,
      errors: 0,
      unchanged: 0,
      recordsWithUnmatchedRefs: 0,
      backupPath: null,
      backedUp: 0,
    };
  }

  async dryRun(): Promise<CleanSummary> {
    await this.scan((changes) => {
      for (const { record, plan } of changes) this.report(record, plan, "would_clean");
    });
    return this.summary;
  }

  async clean(): Promise<CleanSummary> {
    const backupPath = this.options.backupPath;
    if (backupPath === undefined) {
      throw new OperatorStateError("a clean that writes needs a backup path", {});
    }
    // Refused before the scan; opened at the first record to change: a run with nothing to do leaves no file.
    await BackupWriter.assertAppendable(backupPath);
    let backup: BackupWriter | undefined;
    try {
      await this.scan(async (changes) => {
        backup ??= await BackupWriter.open(backupPath);
        await backup.append(changes.map(({ record }) => toBackupEntry(record)));
      });
      if (backup === undefined) return this.summary;
      this.summary.backupPath = backup.path;
      await backup.sync();
      const scanEnd = backup.endOffset;
      const toWrite = backup.appended;
      this.options.onBackupReady?.({ path: backup.path, records: toWrite });
      await this.writeRepairs(backup, scanEnd, toWrite);
      this.summary.backedUp = backup.appended;
    } finally {
      await backup?.close();
    }
    return this.summary;
  }

  /** Pass 1: plans every record; `onChanges` gets each page's records that change, the rest are reported here. */
  private async scan(onChanges: (changes: PlannedChange[]) => Promise<void> | void): Promise<void> {
    this.progress.phase("scan");
    const pages = readAhead(this.stores.mastery.scan({ pageSize: this.options.pageSize }), (page) =>
      this.outcomes.load(page.map((record) => record.courseId)),
    );
    for await (const page of pages) {
      const changes: PlannedChange[] = [];
      for (const record of page) {
        this.summary.scanned += 1;
        const plan = this.plan(record);
        if (plan.kind === "change") changes.push({ record, plan });
        else this.report(record, plan);
      }
      if (changes.length > 0) await onChanges(changes);
      this.progress.advance(page.length);
    }
    this.progress.finish();
  }

  /** Pass 2: the repairs of the records this run backed up, from the backup. */
  private async writeRepairs(backup: BackupWriter, end: number, total: number): Promise<void> {
    this.progress.phase("write", total);
    const window = new TaskWindow(this.options.concurrency);
    const batches = readBackup(backup.path, {
      batchSize: this.options.batchSize,
      start: backup.startOffset,
      end,
    });
    for await (const lines of batches) {
      const entries = lines.map(({ record, cleanedUpdatedAt }) => {
        if (cleanedUpdatedAt === null) {
          throw new OperatorStateError("this run's backup line has no cleanedUpdatedAt", {
            recordId: record.$id,
          });
        }
        return { record, cleanedUpdatedAt };
      });
      await window.submit(async () => {
        await this.writeBatch(backup, entries);
        this.progress.advance(entries.length);
      });
    }
    await window.drain();
    this.progress.finish();
  }

  private async writeBatch(backup: BackupWriter, entries: readonly CleanEntry[]): Promise<void> {
    const planned = entries.map((entry) => ({ entry, plan: this.plannedChange(entry.record) }));
    try {
      await this.stores.mastery.repair(planned.map(({ entry, plan }) => toRepair(entry, plan)));
    } catch (error) {
      if (!isRecordRefusal(error)) throw error;
      // Find out which record the store refused by writing them one by one. A
      // store writes a batch all or nothing, except Appwrite beyond one
      // transaction (100 records), which commits chunk by chunk: a record an
      // earlier chunk wrote conflicts now and is recognised in replanChanged.
      for (const { entry, plan } of planned) await this.writeOne(backup, entry, plan, 0);
      return;
    }
    for (const { entry, plan } of planned) this.report(entry.record, plan, "cleaned");
  }

  private async writeOne(
    backup: BackupWriter,
    entry: CleanEntry,
    plan: ChangePlan,
    conflicts: number,
  ): Promise<void> {
    const { record } = entry;
    try {
      await this.stores.mastery.repair([toRepair(entry, plan)]);
      this.report(record, plan, "cleaned");
    } catch (error) {
      if (
        error instanceof StoreConflictError &&
        conflicts < (this.options.maxConflictRetries ?? 3)
      ) {
        await this.replanChanged(backup, record, plan, conflicts + 1);
      } else if (isRecordRefusal(error)) {
        this.reportError(record, plan, error);
      } else {
        throw error;
      }
    }
  }

  /**
   * The record changed since it was read: read it again; if it holds what this
   * run planned, this run wrote it; otherwise back it up and repair what it is now.
   */
  private async replanChanged(
    backup: BackupWriter,
    stale: MasteryRecord,
    stalePlan: ChangePlan,
    conflicts: number,
  ): Promise<void> {
    const current = await this.stores.mastery.get(stale.studentId, stale.courseId);
    if (current === null || current.$id !== stale.$id) {
      const reason = current === null ? "no longer exists" : `was replaced by ${current.$id}`;
      this.reportError(stale, undefined, {
        code: "RECORD_GONE",
        message: `record ${stale.$id} ${reason} since it was read`,
      });
      return;
    }
    if (current.emaByOutcome === JSON.stringify(stalePlan.emaByOutcome)) {
      this.report(current, stalePlan, "cleaned");
      return;
    }
    await this.outcomes.load([current.courseId]);
    const plan = this.plan(current);
    if (plan.kind !== "change") {
      this.report(current, plan);
      return;
    }
    const entry = toBackupEntry(current);
    await backup.append([entry]);
    await backup.sync();
    await this.writeOne(backup, entry, plan, conflicts);
  }

  private plan(record: MasteryRecord): RepairPlan {
    return planRepair(record, this.outcomes.get(record.courseId), {
      migrateRefs: this.options.migrateRefs,
    });
  }

  /** A backed-up record plans to a change again: planning is deterministic and the outcomes are cached. */
  private plannedChange(record: MasteryRecord): ChangePlan {
    const plan = this.plan(record);
    if (plan.kind !== "change") {
      throw new OperatorStateError("a backed-up record no longer plans to a change", {
        recordId: record.$id,
        plan,
      });
    }
    return plan;
  }

  /** Counts and reports a record; `status` defaults to what the plan says. */
  private report(record: MasteryRecord, plan: RepairPlan, status?: CleanRecordStatus): void {
    const resolved: CleanRecordStatus = status ?? (plan.kind === "skip" ? "skipped" : "unchanged");
    const changes =
      plan.kind === "skip" && plan.reason === "invalid_json"
        ? { keysRemoved: [], keysAdded: [], unmatchedRefs: [] }
        : {
            keysRemoved: plan.keysRemoved,
            keysAdded: plan.keysAdded,
            unmatchedRefs: plan.unmatchedRefs,
          };
    if (resolved === "skipped") this.summary.skipped += 1;
    else if (resolved === "unchanged") this.summary.unchanged += 1;
    else this.summary.cleaned += 1;
    if (changes.unmatchedRefs.length > 0) this.summary.recordsWithUnmatchedRefs += 1;
    if (resolved === "unchanged" && changes.unmatchedRefs.length === 0) return;
    this.options.onRecord?.({
      recordId: record.$id,
      studentId: record.studentId,
      courseId: record.courseId,
      status: resolved,
      ...changes,
      ...(plan.kind === "skip" ? { reason: plan.reason } : {}),
    });
  }

  private reportError(
    record: MasteryRecord,
    plan: ChangePlan | undefined,
    error: { code: string; message: string },
  ): void {
    this.summary.errors += 1;
    this.options.onRecord?.({
      recordId: record.$id,
      studentId: record.studentId,
      courseId: record.courseId,
      status: "error",
      keysRemoved: plan?.keysRemoved ?? [],
      keysAdded: plan?.keysAdded ?? [],
      unmatchedRefs: plan?.unmatchedRefs ?? [],
      error: { code: error.code, message: error.message },
    });
  }
}

/**
 * The store refusing a repair because of one record (gone, changed, or the
 * result breaks the integrity rules), as opposed to the store failing as a whole.
 */
function isRecordRefusal(
  error: unknown,
): error is StoreConflictError | StoreNotFoundError | StoreWriteRefusedError {
  return (
    error instanceof StoreConflictError ||
    error instanceof StoreNotFoundError ||
    error instanceof StoreWriteRefusedError
  );
}

/** A record this run will change, and the `updatedAt` its repair writes. */
interface CleanEntry {
  record: MasteryRecord;
  cleanedUpdatedAt: string;
}

/**
 * The backup line of a record about to change. The `updatedAt` of the repair
 * is chosen here, before the line is written, so the backup names the state
 * the clean leaves the record in even if the run dies right after the write.
 */
function toBackupEntry(record: MasteryRecord): CleanEntry {
  return { record, cleanedUpdatedAt: nextUpdatedAt(record.updatedAt) };
}

function toRepair({ record, cleanedUpdatedAt }: CleanEntry, plan: ChangePlan): MasteryRepair {
  return {
    $id: record.$id,
    studentId: record.studentId,
    courseId: record.courseId,
    expectedUpdatedAt: record.updatedAt,
    emaByOutcome: plan.emaByOutcome,
    updatedAt: cleanedUpdatedAt,
  };
}
