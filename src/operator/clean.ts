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
  MasteryStore,
  RoutineRecord,
  RoutineStore,
} from "../stores/ports.js";
import {
  StoreConflictError,
  StoreNotFoundError,
  StoreWriteRefusedError,
} from "../stores/errors.js";
import { nextUpdatedAt } from "../stores/shared/mastery-write.js";
import { BackupWriter, readBackup, type BackupEntry, type BackupTable } from "./backup.js";
import { OperatorStateError } from "./errors.js";
import { CourseOutcomeCache, type CourseOutcomeIndex } from "./outcome-index.js";
import { readAhead } from "./pages.js";
import { silentProgress, type ProgressReporter } from "./progress.js";
import {
  planRepair,
  planRoutineRepair,
  type AddedKey,
  type MapRepairPlan,
  type RepairOptions,
  type SkipReason,
  type UnmatchedRef,
} from "./repair.js";
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
  table: BackupTable;
  recordId: string;
  studentId: string;
  courseId: string;
  status: CleanRecordStatus;
  keysRemoved: string[];
  keysAdded: AddedKey[];
  unmatchedRefs: UnmatchedRef[];
  /** Why a record was skipped. */
  reason?: "would_be_empty" | SkipReason;
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

/** Cleans MasteryV2's `emaByOutcome`. */
export async function cleanMastery(
  stores: { mastery: MasteryStore; outcomes: CourseOutcomeStore },
  options: CleanOptions,
): Promise<CleanSummary> {
  return runClean(masteryTable(stores.mastery), stores.outcomes, options);
}

/**
 * Cleans Routine's `dueAtByOutcome` by the same rules, `fsrsByOutcome`
 * following it (./repair.ts), with the same backup, resumability and
 * conditional writes. Its lines go to the same kind of backup file (a
 * `mastery clean` writes both tables' lines to one file).
 */
export async function cleanRoutines(
  stores: { routines: RoutineStore; outcomes: CourseOutcomeStore },
  options: CleanOptions,
): Promise<CleanSummary> {
  return runClean(routineTable(stores.routines), stores.outcomes, options);
}

function runClean<R extends OperatorRecord, W>(
  table: CleanTable<R, W>,
  outcomes: CourseOutcomeStore,
  options: CleanOptions,
): Promise<CleanSummary> {
  const run = new CleanRun(table, outcomes, options);
  return options.dryRun ? run.dryRun() : run.clean();
}

/** What every row a clean handles has. */
interface OperatorRecord {
  $id: string;
  studentId: string;
  courseId: string;
  updatedAt: string;
}

type ChangeOf<W> = Extract<MapRepairPlan<W>, { kind: "change" }>;

/** A record this run will change, and the `updatedAt` its repair writes. */
interface CleanEntry<R> {
  record: R;
  cleanedUpdatedAt: string;
}

/** What differs between the tables a clean handles; the rest is `CleanRun`'s. */
interface CleanTable<R extends OperatorRecord, W> {
  name: BackupTable;
  scan(options: { pageSize: number }): AsyncIterable<R[]>;
  get(studentId: string, courseId: string): Promise<R | null>;
  /** Writes the repairs, conditional on each record being unchanged (the store's `repair`). */
  repair(changes: readonly { entry: CleanEntry<R>; plan: ChangeOf<W> }[]): Promise<void>;
  plan(record: R, outcomes: CourseOutcomeIndex, options: RepairOptions): MapRepairPlan<W>;
  /** True when `record` already holds what `plan` writes. */
  holds(record: R, plan: ChangeOf<W>): boolean;
  backupEntry(entry: CleanEntry<R>): BackupEntry;
  /** The record of one of this run's backup lines; a line of the other table is an error. */
  fromBackup(entry: BackupEntry): R;
}

function masteryTable(mastery: MasteryStore): CleanTable<MasteryRecord, MasteryWrite> {
  return {
    name: "MasteryV2",
    scan: (options) => mastery.scan(options),
    get: (studentId, courseId) => mastery.get(studentId, courseId),
    repair: (changes) =>
      mastery.repair(
        changes.map(({ entry: { record, cleanedUpdatedAt }, plan }) => ({
          $id: record.$id,
          studentId: record.studentId,
          courseId: record.courseId,
          expectedUpdatedAt: record.updatedAt,
          emaByOutcome: plan.emaByOutcome,
          updatedAt: cleanedUpdatedAt,
        })),
      ),
    plan: planRepair,
    holds: (record, plan) => record.emaByOutcome === JSON.stringify(plan.emaByOutcome),
    backupEntry: (entry) => ({ table: "MasteryV2", ...entry }),
    fromBackup: (entry) => {
      if (entry.table !== "MasteryV2") throw wrongTable(entry, "MasteryV2");
      return entry.record;
    },
  };
}

function routineTable(routines: RoutineStore): CleanTable<RoutineRecord, RoutineWrite> {
  return {
    name: "Routine",
    scan: (options) => routines.scan(options),
    get: (studentId, courseId) => routines.get(studentId, courseId),
    repair: (changes) =>
      routines.repair(
        changes.map(({ entry: { record, cleanedUpdatedAt }, plan }) => ({
          $id: record.$id,
          studentId: record.studentId,
          courseId: record.courseId,
          expectedUpdatedAt: record.updatedAt,
          dueAtByOutcome: plan.dueAtByOutcome,
          fsrsByOutcome: plan.fsrsByOutcome,
          updatedAt: cleanedUpdatedAt,
        })),
      ),
    plan: planRoutineRepair,
    holds: (record, plan) =>
      record.dueAtByOutcome === JSON.stringify(plan.dueAtByOutcome) &&
      record.fsrsByOutcome ===
        (plan.fsrsByOutcome === null ? null : JSON.stringify(plan.fsrsByOutcome)),
    backupEntry: (entry) => ({ table: "Routine", ...entry }),
    fromBackup: (entry) => {
      if (entry.table !== "Routine") throw wrongTable(entry, "Routine");
      return entry.record;
    },
  };
}

type MasteryWrite = { emaByOutcome: Record<string, unknown> };
type RoutineWrite = {
  dueAtByOutcome: Record<string, unknown>;
  fsrsByOutcome: Record<string, unknown> | null;
};

function wrongTable(entry: BackupEntry, expected: BackupTable): OperatorStateError {
  return new OperatorStateError(`this run's backup line is not a ${expected} record`, {
    recordId: entry.record.$id,
    table: entry.table,
  });
}

interface PlannedChange<R, W> {
  record: R;
  plan: ChangeOf<W>;
}

class CleanRun<R extends OperatorRecord, W> {
  private readonly outcomes: CourseOutcomeCache;
  private readonly progress: ProgressReporter;
  private readonly summary: CleanSummary;

  constructor(
    private readonly table: CleanTable<R, W>,
    outcomes: CourseOutcomeStore,
    private readonly options: CleanOptions,
  ) {
    this.outcomes = new CourseOutcomeCache(outcomes);
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
        await backup.append(changes.map(({ record }) => this.backupEntry(record)));
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
  private async scan(
    onChanges: (changes: PlannedChange<R, W>[]) => Promise<void> | void,
  ): Promise<void> {
    this.progress.phase("scan");
    const pages = readAhead(this.table.scan({ pageSize: this.options.pageSize }), (page) =>
      this.outcomes.load(page.map((record) => record.courseId)),
    );
    for await (const page of pages) {
      const changes: PlannedChange<R, W>[] = [];
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
      const entries = lines.map((line): CleanEntry<R> => {
        if (line.cleanedUpdatedAt === null) {
          throw new OperatorStateError("this run's backup line has no cleanedUpdatedAt", {
            recordId: line.record.$id,
          });
        }
        return { record: this.table.fromBackup(line), cleanedUpdatedAt: line.cleanedUpdatedAt };
      });
      await window.submit(async () => {
        await this.writeBatch(backup, entries);
        this.progress.advance(entries.length);
      });
    }
    await window.drain();
    this.progress.finish();
  }

  private async writeBatch(backup: BackupWriter, entries: readonly CleanEntry<R>[]): Promise<void> {
    const planned = entries.map((entry) => ({ entry, plan: this.plannedChange(entry.record) }));
    try {
      await this.table.repair(planned);
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
    entry: CleanEntry<R>,
    plan: ChangeOf<W>,
    conflicts: number,
  ): Promise<void> {
    const { record } = entry;
    try {
      await this.table.repair([{ entry, plan }]);
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
    stale: R,
    stalePlan: ChangeOf<W>,
    conflicts: number,
  ): Promise<void> {
    const current = await this.table.get(stale.studentId, stale.courseId);
    if (current === null || current.$id !== stale.$id) {
      const reason = current === null ? "no longer exists" : `was replaced by ${current.$id}`;
      this.reportError(stale, undefined, {
        code: "RECORD_GONE",
        message: `record ${stale.$id} ${reason} since it was read`,
      });
      return;
    }
    if (this.table.holds(current, stalePlan)) {
      this.report(current, stalePlan, "cleaned");
      return;
    }
    await this.outcomes.load([current.courseId]);
    const plan = this.plan(current);
    if (plan.kind !== "change") {
      this.report(current, plan);
      return;
    }
    const entry = toCleanEntry(current);
    await backup.append([this.table.backupEntry(entry)]);
    await backup.sync();
    await this.writeOne(backup, entry, plan, conflicts);
  }

  private plan(record: R): MapRepairPlan<W> {
    return this.table.plan(record, this.outcomes.get(record.courseId), {
      migrateRefs: this.options.migrateRefs,
    });
  }

  private backupEntry(record: R): BackupEntry {
    return this.table.backupEntry(toCleanEntry(record));
  }

  /** A backed-up record plans to a change again: planning is deterministic and the outcomes are cached. */
  private plannedChange(record: R): ChangeOf<W> {
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
  private report(record: R, plan: MapRepairPlan<W>, status?: CleanRecordStatus): void {
    const resolved: CleanRecordStatus = status ?? (plan.kind === "skip" ? "skipped" : "unchanged");
    const changes =
      plan.kind === "skip" && plan.reason !== "would_be_empty"
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
      table: this.table.name,
      recordId: record.$id,
      studentId: record.studentId,
      courseId: record.courseId,
      status: resolved,
      ...changes,
      ...(plan.kind === "skip" ? { reason: plan.reason } : {}),
    });
  }

  private reportError(
    record: R,
    plan: ChangeOf<W> | undefined,
    error: { code: string; message: string },
  ): void {
    this.summary.errors += 1;
    this.options.onRecord?.({
      table: this.table.name,
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

/**
 * The entry of a record about to change. The `updatedAt` of the repair is
 * chosen here, before its backup line is written, so the backup names the
 * state the clean leaves the record in even if the run dies right after the write.
 */
function toCleanEntry<R extends OperatorRecord>(record: R): CleanEntry<R> {
  return { record, cleanedUpdatedAt: nextUpdatedAt(record.updatedAt) };
}
