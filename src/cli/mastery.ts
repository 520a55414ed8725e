/**
 * `teaching-graph mastery audit | clean | restore`: the operator tools for
 * MasteryV2 (see src/operator/). The store is the graph's: Appwrite when
 * APPWRITE_ENDPOINT is set, else the embedded SQLite file.
 *
 * stdout carries the report only (one JSON document with `--json`); progress,
 * the backup notice and logs go to stderr. Exit codes: 0 clean / done,
 * 1 problems found or left for review, 2 usage or runtime error.
 */
import { resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { isTypedError } from "../errors.js";
import type { AuditReport } from "../operator/audit.js";
import type { RestoreSummary } from "../operator/backup.js";
import { AUDIT_CATEGORIES } from "../operator/classify.js";
import type { CleanRecordResult, CleanSummary } from "../operator/clean.js";
import { createProgressReporter, type ProgressStream } from "../operator/progress.js";
import type { Stores } from "../stores/ports.js";
import { EXIT_OK, EXIT_PROBLEMS } from "./exit-codes.js";

/**
 * Records per page read. A run holds two pages at once. In `npm run bench`,
 * 2500 keeps peak memory flat from 10 000 to 100 000 records and a dry run
 * within 1.5x of a bare list-all pass; 1000 costs the dry run too many round
 * trips, 5000 (Appwrite's largest) grows peak memory by a fifth.
 */
export const DEFAULT_PAGE_SIZE = 2500;
/**
 * Records per bulk write. Each is atomic on every store (on Appwrite one
 * transaction holds up to 5000), and a write the store refuses for one record
 * is retried record by record. On Appwrite 500 take 8 requests (5 reads of
 * 100 IDs; a transaction created, staged with 10 bulk operations, committed),
 * against 80 in batches of 100, and keep that retry short.
 */
const DEFAULT_BATCH_SIZE = 500;
const DEFAULT_CONCURRENCY = 4;

/** What the commands reach outside themselves; tests pass their own. */
export interface MasteryCommandDeps {
  openStores(): Promise<Stores>;
  stdout: NodeJS.WritableStream;
  stderr: ProgressStream;
  setExitCode(code: number): void;
  now(): Date;
}

function defaultDeps(): MasteryCommandDeps {
  return {
    // Loaded on use, so that `--help` needs no store configuration.
    openStores: async () => (await import("../stores/index.js")).getDefaultStores(),
    stdout: process.stdout,
    stderr: process.stderr,
    setExitCode: (code) => {
      process.exitCode = code;
    },
    now: () => new Date(),
  };
}

function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError("must be a positive integer");
  }
  return parsed;
}

/** Where a clean's backup goes unless `--backup` says otherwise. */
export function defaultBackupPath(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return resolve(".data", "backups", `mastery-clean-${stamp}.jsonl`);
}

async function withStores<T>(
  deps: MasteryCommandDeps,
  run: (stores: Stores) => Promise<T>,
): Promise<T> {
  const stores = await deps.openStores();
  try {
    return await run(stores);
  } finally {
    await stores.close();
  }
}

export function registerMasteryCommands(
  program: Command,
  deps: MasteryCommandDeps = defaultDeps(),
): void {
  const mastery = program
    .command("mastery")
    .description(
      "Audit, clean and restore MasteryV2 records (the store is chosen from the environment, as for the graph).",
    );

  mastery
    .command("audit")
    .description(
      "Scan every MasteryV2 record and report the spec's metrics: records with empty keys, string refs, keys not in " +
        "document-ID format, keys that are no outcome of the record's course, bad values, bad JSON, oversize maps. " +
        "Exit code 1 when any is found.",
    )
    .option("--json", "print one JSON object instead of the table")
    .option("--page-size <n>", "records per page read", positiveInt, DEFAULT_PAGE_SIZE)
    .option("--samples <n>", "record ids listed per category", positiveInt, 5)
    .addHelpText(
      "after",
      `
Each key of a record's emaByOutcome falls in one class, checked in this order:
  empty_key          the key ""
  string_ref         a legacy ref: O1, AS1.1, TOPIC_*, SKILL_*
  invalid_id_format  any other key that is not an Appwrite document ID
  unknown_outcome    a document ID that is no outcome $id of the record's course
Independently: invalid_value (a value that is not a number in [0, 1]),
invalid_json (emaByOutcome is not a JSON object string: unset/null,
unparseable, or another JSON value; no key classes then; clean skips it) and
oversize (more than 5000 characters stored). A record counts once in every
category it shows. Targets: empty-key rate 0 %; document-ID format 100 % (records
with no empty_key, string_ref or invalid_id_format key and valid JSON).`,
    )
    .action(async (options: { json?: boolean; pageSize: number; samples: number }) => {
      const { auditFoundProblems, auditMastery, auditRoutines } = await loadOnUse.audit();
      const { report, routine } = await withStores(deps, async (stores) => {
        const auditOptions = (label: string) => ({
          pageSize: options.pageSize,
          sampleSize: options.samples,
          progress: createProgressReporter(deps.stderr, { label }),
        });
        return {
          report: await auditMastery(stores, auditOptions("mastery audit")),
          routine: await auditRoutines(stores, auditOptions("routine audit")),
        };
      });
      deps.stdout.write(
        options.json === true
          ? `${JSON.stringify({ ...report, routine })}\n`
          : formatAudit("MasteryV2", report) + formatAudit("Routine dueAtByOutcome", routine),
      );
      deps.setExitCode(
        auditFoundProblems(report) || auditFoundProblems(routine) ? EXIT_PROBLEMS : EXIT_OK,
      );
    });

  mastery
    .command("clean")
    .description(
      "Remove empty keys from MasteryV2 records (the spec's Phase 3). A record that would become empty, or whose map " +
        "is not a JSON object (unset, unparseable), is skipped and listed for review. Every record it will change is first written to a JSON Lines " +
        "backup (undo with `mastery restore --from FILE`). Safe to rerun after an interruption; a second run changes " +
        "nothing. Exit code 1 when records are skipped, refused or keep unmatched refs (or, with --dry-run, would change).",
    )
    .option("--dry-run", "report what would change, per record, and write nothing")
    .option(
      "--migrate-refs",
      "also move string-ref keys (O1, TOPIC_*) to the document IDs of the course's outcomes with that outcomeId " +
        "(an existing document-ID key wins), and remove assessment-standard keys (AS1.1); unmatched refs stay and are reported",
    )
    .addOption(
      new Option(
        "--backup <path>",
        "backup file, created readable by you only (an existing one is appended to only if it is a backup of " +
          "mastery clean or empty; anything else is refused); default .data/backups/mastery-clean-<time>.jsonl",
      ).conflicts("dryRun"),
    )
    .option("--json", "print one JSON object: {records: [...], summary: {...}}")
    .option("--page-size <n>", "records per page read", positiveInt, DEFAULT_PAGE_SIZE)
    .option("--batch-size <n>", "repairs per bulk write", positiveInt, DEFAULT_BATCH_SIZE)
    .option("--concurrency <n>", "bulk writes in flight at once", positiveInt, DEFAULT_CONCURRENCY)
    .action(
      async (options: {
        dryRun?: boolean;
        migrateRefs?: boolean;
        backup?: string;
        json?: boolean;
        pageSize: number;
        batchSize: number;
        concurrency: number;
      }) => {
        const json = options.json === true;
        const dryRun = options.dryRun === true;
        const { cleanFoundProblems, cleanMastery, cleanRoutines } = await loadOnUse.clean();
        const errorLog = new RecordErrorLog();
        const stdout = new ChunkedWriter(deps.stdout);
        const output = json ? new JsonRecordsWriter(stdout) : undefined;
        const backupPath = dryRun
          ? undefined
          : resolve(options.backup ?? defaultBackupPath(deps.now()));
        const cleanOptions = (label: string) => ({
          dryRun,
          migrateRefs: options.migrateRefs === true,
          backupPath,
          pageSize: options.pageSize,
          batchSize: options.batchSize,
          concurrency: options.concurrency,
          progress: createProgressReporter(deps.stderr, { label }),
          onRecord: (result: CleanRecordResult) => {
            if (result.status === "error") errorLog.log(result);
            if (output !== undefined) output.record(result);
            else stdout.write(formatCleanRecord(result));
          },
          onBackupReady: ({ path, records }: { path: string; records: number }) => {
            deps.stderr.write(
              `Backup of ${records} record(s) written to ${path}\n` +
                `  undo with: teaching-graph mastery restore --from ${JSON.stringify(path)}\n`,
            );
          },
        });
        // MasteryV2 first, then Routine, into the same backup file (its lines say their table).
        const { summary, routine } = await withStores(deps, async (stores) => ({
          summary: await cleanMastery(stores, cleanOptions("mastery clean")),
          routine: await cleanRoutines(stores, cleanOptions("routine clean")),
        }))
          .catch((error: unknown) => {
            output?.abort(error);
            throw error;
          })
          .finally(async () => {
            stdout.flush();
            await errorLog.written();
          });
        if (output !== undefined) output.end(summary, routine);
        else
          stdout.write(
            formatCleanSummary("MasteryV2", summary) + formatCleanSummary("Routine", routine),
          );
        stdout.flush();
        deps.setExitCode(
          cleanFoundProblems(summary) || cleanFoundProblems(routine) ? EXIT_PROBLEMS : EXIT_OK,
        );
      },
    );

  mastery
    .command("restore")
    .description(
      "Put back the records of a `mastery clean` backup exactly as they were backed up (for a record backed up more " +
        "than once, its first, oldest line). The whole file is checked before anything is written. A record that " +
        "changed since the clean (a lesson was applied to it) is left as it is and listed; exit code 1 then.",
    )
    .requiredOption("--from <file>", "backup file (JSON Lines) written by mastery clean")
    .option(
      "--force",
      "also put back records that changed since the clean, undoing those changes; the lessons undone are listed " +
        "and their ledger entries removed, so each of them can be applied again",
    )
    .option("--json", "print one JSON object")
    .option("--batch-size <n>", "records per bulk write", positiveInt, DEFAULT_BATCH_SIZE)
    .option("--concurrency <n>", "bulk writes in flight at once", positiveInt, DEFAULT_CONCURRENCY)
    .addHelpText(
      "after",
      `
A record is put back only if it is absent or still as the clean left it (the
backup names every state the clean wrote). Any other state means something
wrote it since, usually a lesson: restoring would silently lose that lesson's
mastery, so the record is refused and listed (exit code 1).

With --force those records are put back too. A lesson applied after the
backed-up state then has no effect on the record any more, so its ledger
entry (which makes a lesson count once) is removed in the same commit: the
lesson is listed under "lessons undone" and may be applied again. Ledger
entries of lessons the restored record already holds stay, so no lesson is
counted twice and none is blocked.

Backups written before backup files had a header line do not name the clean's
writes: restore refuses every record such a clean changed unless --force.`,
    )
    .action(
      async (options: {
        from: string;
        force?: boolean;
        json?: boolean;
        batchSize: number;
        concurrency: number;
      }) => {
        const { restoreFromBackup } = await loadOnUse.backup();
        const summary = await withStores(deps, (stores) =>
          restoreFromBackup(stores, options.from, {
            batchSize: options.batchSize,
            concurrency: options.concurrency,
            force: options.force === true,
            progress: createProgressReporter(deps.stderr, { label: "mastery restore" }),
          }),
        );
        deps.stdout.write(
          options.json === true ? `${JSON.stringify(summary)}\n` : formatRestore(summary),
        );
        deps.setExitCode(
          summary.refused.length > 0 || summary.routine.refused.length > 0
            ? EXIT_PROBLEMS
            : EXIT_OK,
        );
      },
    );
}

/**
 * The operator modules and the logger, loaded when a command uses them: together
 * they cost more start-up than the rest of the CLI (issue 12's `--help` within
 * 3x of a bare node start), and `--help`, `seed` or `play` never use them.
 */
const loadOnUse = {
  audit: () => import("../operator/audit.js"),
  backup: () => import("../operator/backup.js"),
  clean: () => import("../operator/clean.js"),
  logger: () => import("../logger.js"),
};

/**
 * Logs the records a clean could not write, in order. The logger (pino and its
 * streams) is loaded at the first such record, not with the command: most runs
 * have none.
 */
class RecordErrorLog {
  private pending: Promise<void> = Promise.resolve();

  log(result: CleanRecordResult): void {
    this.pending = this.pending.then(async () => {
      const { getLogger } = await loadOnUse.logger();
      getLogger().error(
        {
          recordId: result.recordId,
          studentId: result.studentId,
          courseId: result.courseId,
          code: result.error?.code,
        },
        `mastery clean: record ${result.recordId} not cleaned: ${result.error?.message}`,
      );
    });
  }

  /** Resolves once every record logged so far is written (rejects if the logger could not load). */
  written(): Promise<void> {
    return this.pending;
  }
}

/**
 * Writes to `out` in chunks of about `CHUNK_CHARS`: a clean reports one line
 * per record it changes or skips, and a write per line cost a 100 000-record
 * run a quarter of a second in system calls. `flush` writes what is left.
 */
class ChunkedWriter {
  private static readonly CHUNK_CHARS = 64 * 1024;
  private pending = "";

  constructor(private readonly out: NodeJS.WritableStream) {}

  write(text: string): void {
    this.pending += text;
    if (this.pending.length >= ChunkedWriter.CHUNK_CHARS) this.flush();
  }

  flush(): void {
    if (this.pending === "") return;
    this.out.write(this.pending);
    this.pending = "";
  }
}

/**
 * Streams `{"records":[...],"summary":{...}}` one record at a time, so a large
 * run never holds its report in memory. A run that fails ends the document with
 * `"summary":null,"error":{code,message}` instead, so stdout stays valid JSON.
 */
class JsonRecordsWriter {
  private count = 0;

  constructor(private readonly out: ChunkedWriter) {
    out.write('{"records":[');
  }

  record(result: CleanRecordResult): void {
    this.out.write(`${this.count === 0 ? "\n" : ",\n"}${JSON.stringify(result)}`);
    this.count += 1;
  }

  /** `summary` is MasteryV2's (as before Routine rows were cleaned); `routineSummary` Routine's. */
  end(summary: CleanSummary, routine: CleanSummary): void {
    this.out.write(
      `${this.count === 0 ? "" : "\n"}],"summary":${JSON.stringify(summary)},"routineSummary":${JSON.stringify(routine)}}\n`,
    );
  }

  abort(error: unknown): void {
    const described = isTypedError(error)
      ? { code: error.code, message: error.message }
      : { code: "UNEXPECTED", message: error instanceof Error ? error.message : String(error) };
    this.out.write(
      `${this.count === 0 ? "" : "\n"}],"summary":null,"error":${JSON.stringify(described)}}\n`,
    );
  }
}

const percent = (rate: number) => `${(rate * 100).toFixed(2)} %`;

function formatAudit(title: string, report: AuditReport): string {
  const lines = [`${title} audit: ${report.total} record(s)`, ""];
  lines.push(`  ${"category".padEnd(18)} ${"records".padStart(8)} ${"rate".padStart(9)}  samples`);
  for (const category of AUDIT_CATEGORIES) {
    const { count, rate, samples } = report.categories[category];
    lines.push(
      `  ${category.padEnd(18)} ${String(count).padStart(8)} ${percent(rate).padStart(9)}  ${samples.join(", ")}`,
    );
  }
  const { empty_key_rate: emptyKeys, document_id_format: format } = report.targets;
  lines.push(
    "",
    "Targets",
    `  empty-key rate 0 %          ${percent(emptyKeys.actual).padStart(9)}  ${emptyKeys.pass ? "PASS" : "FAIL"}`,
    `  document-ID format 100 %    ${percent(format.actual).padStart(9)}  ${format.pass ? "PASS" : "FAIL"}`,
    "",
  );
  return lines.join("\n");
}

function formatCleanRecord(result: CleanRecordResult): string {
  const parts = [
    `${result.status.padEnd(11)} ${result.table} ${result.recordId} (student ${result.studentId}, course ${result.courseId})`,
  ];
  if (result.reason !== undefined) parts.push(`reason: ${result.reason}`);
  if (result.keysRemoved.length > 0)
    parts.push(`removed: ${result.keysRemoved.map((key) => JSON.stringify(key)).join(", ")}`);
  if (result.keysAdded.length > 0) {
    parts.push(
      `added: ${result.keysAdded.map((added) => `${added.key}=${JSON.stringify(added.value)} (from ${added.from})`).join(", ")}`,
    );
  }
  if (result.unmatchedRefs.length > 0) {
    parts.push(
      `unmatched refs: ${result.unmatchedRefs.map((ref) => `${ref.key} (${ref.reason})`).join(", ")}`,
    );
  }
  if (result.error !== undefined)
    parts.push(`error [${result.error.code}]: ${result.error.message}`);
  return `${parts.join("; ")}\n`;
}

function formatCleanSummary(table: string, summary: CleanSummary): string {
  const lines = [
    "",
    `${table} clean${summary.dryRun ? " (dry run: nothing written)" : ""}${summary.migrateRefs ? " with --migrate-refs" : ""}`,
    `  records scanned:          ${summary.scanned}`,
    `  ${summary.dryRun ? "would be cleaned:       " : "records cleaned:        "}  ${summary.cleaned}`,
    `  skipped (manual review):  ${summary.skipped}`,
    `  errors:                   ${summary.errors}`,
    `  unchanged:                ${summary.unchanged}`,
  ];
  if (summary.migrateRefs)
    lines.push(`  with unmatched refs:      ${summary.recordsWithUnmatchedRefs}`);
  if (summary.backupPath !== null) {
    lines.push(
      `  backup:                   ${summary.backupPath} (${summary.backedUp} line(s) added)`,
    );
  } else if (!summary.dryRun) {
    lines.push("  backup:                   none (nothing to change)");
  }
  return `${lines.join("\n")}\n`;
}

function formatRestore(summary: RestoreSummary): string {
  const lines = [
    `Restored ${summary.restored} record(s) from ${summary.path}`,
    `  lines read: ${summary.lines}; later lines of the same record ignored: ${summary.duplicatesIgnored}`,
  ];
  if (summary.ignoredPartialLineBytes > 0) {
    lines.push(
      `  ignored an incomplete last line (${summary.ignoredPartialLineBytes} bytes) left by an interrupted clean; its record was never changed`,
    );
  }
  if (summary.refused.length > 0) {
    lines.push(
      `  refused ${summary.refused.length} record(s) changed since the clean (left as they are; --force puts them back):`,
      ...summary.refused.map(
        ({ recordId, updatedAt }) => `    ${recordId} (updatedAt ${updatedAt})`,
      ),
    );
  }
  const { routine } = summary;
  lines.push(
    `Routine: restored ${routine.restored} row(s); later lines of the same row ignored: ${routine.duplicatesIgnored}`,
  );
  if (routine.refused.length > 0) {
    lines.push(
      `  refused ${routine.refused.length} Routine row(s) changed since the clean (left as they are; --force puts them back):`,
      ...routine.refused.map(
        ({ recordId, updatedAt }) => `    ${recordId} (updatedAt ${updatedAt})`,
      ),
    );
  }
  if (summary.releasedSessions.length > 0) {
    lines.push(
      `  lessons undone (ledger entries removed; they may be applied again): ${summary.releasedSessions.join(", ")}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
