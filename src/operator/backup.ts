/**
 * Backups of MasteryV2 records as JSON Lines. The first line names the file
 * (`BACKUP_HEADER`): `--backup` appends only to a file that starts with it
 * (or is empty), so it never touches anything else. Then one line per record
 * a clean will change: the record exactly as read, and the `updatedAt` the
 * clean writes it with (chosen before the write, so the line is complete
 * before the write it protects). A file only ever grows: a rerun with the same
 * path appends, so the first line of a record is always its value before any
 * clean touched it, and a restore puts back the first line of each record.
 *
 * From the lines of a record a restore knows every state a clean left it in;
 * a record stored in any other state changed since (a lesson was applied), and
 * putting the backup back would lose that change (see `restoreFromBackup`).
 *
 * A run killed while appending can leave a partial last line, which belongs
 * to a record that was never changed. Opening for append cuts that partial
 * line off; a restore ignores it and says so. Files are created readable by
 * their owner only: they hold student IDs.
 *
 * Backups written before the header existed (record lines only, no
 * `updatedAt` of the clean's write) are still restored; appended to, never.
 */
import { createReadStream } from "node:fs";
import { mkdir, open, stat, type FileHandle } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { z } from "zod";
import type { MasteryRecord, MasteryStore, RoutineRecord, RoutineStore } from "../stores/ports.js";
import { BackupFileError } from "./errors.js";
import { silentProgress, type ProgressReporter } from "./progress.js";
import { TaskWindow } from "./task-window.js";

/** The first line of every backup `BackupWriter` creates. */
export const BACKUP_HEADER = { format: "teaching-graph/mastery-clean-backup", version: 2 } as const;
const BackupHeaderSchema = z.strictObject({
  format: z.literal(BACKUP_HEADER.format),
  version: z.literal(BACKUP_HEADER.version),
});
const HEADER_LINE = `${JSON.stringify(BACKUP_HEADER)}\n`;
/** Files are readable and writable by their owner only. */
const BACKUP_FILE_MODE = 0o600;

const MasteryRecordLineSchema = z.strictObject({
  $id: z.string().min(1),
  studentId: z.string(),
  courseId: z.string(),
  emaByOutcome: z.string().nullable(),
  updatedAt: z.string(),
});
const RoutineRecordLineSchema = z.strictObject({
  $id: z.string().min(1),
  studentId: z.string(),
  courseId: z.string(),
  dueAtByOutcome: z.string().nullable(),
  fsrsByOutcome: z.string().nullable(),
  lastTaughtAt: z.string().nullable(),
  spacingPolicyVersion: z.number().nullable(),
  schema_version: z.number().nullable(),
  updatedAt: z.string(),
});
/**
 * A line of a current backup: the record as read, and the `updatedAt` the
 * clean writes. A MasteryV2 line has no `table` (as every line had before
 * Routine rows were cleaned, so older files read the same); a Routine line
 * says `"table": "Routine"`.
 */
const BackupEntrySchema = z.union([
  z
    .strictObject({ record: MasteryRecordLineSchema, cleanedUpdatedAt: z.string().min(1) })
    .transform((line) => ({ table: "MasteryV2" as const, ...line })),
  z.strictObject({
    table: z.literal("Routine"),
    record: RoutineRecordLineSchema,
    cleanedUpdatedAt: z.string().min(1),
  }),
]);

/** The tables a backup holds rows of. */
export type BackupTable = "MasteryV2" | "Routine";

/** One record a clean is about to change, as its backup line holds it. */
export type BackupEntry =
  | {
      table: "MasteryV2";
      record: MasteryRecord;
      /** The `updatedAt` the clean writes the record with; null in a backup written before it was recorded. */
      cleanedUpdatedAt: string | null;
    }
  | { table: "Routine"; record: RoutineRecord; cleanedUpdatedAt: string | null };

/** The text of an entry's line (see `BackupEntrySchema`). */
function backupLineText({ table, record, cleanedUpdatedAt }: BackupEntry): string {
  return table === "MasteryV2"
    ? JSON.stringify({ record, cleanedUpdatedAt })
    : JSON.stringify({ table, record, cleanedUpdatedAt });
}

/** Version 1: record lines without a header (older backups); version 2: `BACKUP_HEADER`. */
type BackupVersion = 1 | 2;

const NEWLINE = 0x0a;
const TAIL_CHUNK = 64 * 1024;

/** The byte offset just after the file's last newline: where its complete lines end. */
async function completeLinesEnd(handle: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(TAIL_CHUNK);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - TAIL_CHUNK);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const lastNewline = chunk.subarray(0, bytesRead).lastIndexOf(NEWLINE);
    if (lastNewline >= 0) return start + lastNewline + 1;
    end = start;
  }
  return 0;
}

/** Appends records to a backup file; appends are serialized and whole lines. */
export class BackupWriter {
  private tail: Promise<void> = Promise.resolve();
  private records = 0;

  private constructor(
    private readonly handle: FileHandle,
    /** Absolute path of the file. */
    readonly path: string,
    /** Where this run's lines start (earlier runs' lines come before). */
    readonly startOffset: number,
    private offset: number,
  ) {}

  /**
   * Opens for appending: creates the file (and its directories) with the
   * header, or reopens one of its own backups (cutting off a partial last
   * line). An existing file that is not one is refused untouched.
   */
  static async open(path: string): Promise<BackupWriter> {
    const absolute = resolve(path);
    await mkdir(dirname(absolute), { recursive: true });
    const handle = await open(absolute, "a+", BACKUP_FILE_MODE);
    try {
      const { size } = await handle.stat();
      if (size > 0) await assertOwnBackup(handle, absolute);
      // A file of ours from before backups were private, or created under a lax umask.
      await handle.chmod(BACKUP_FILE_MODE);
      if (size === 0) {
        await handle.appendFile(HEADER_LINE);
        const start = Buffer.byteLength(HEADER_LINE);
        return new BackupWriter(handle, absolute, start, start);
      }
      const end = await completeLinesEnd(handle, size);
      if (end < size) await handle.truncate(end);
      return new BackupWriter(handle, absolute, end, end);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * Refuses (BackupFileError) an existing file that `open` would refuse, and
   * changes nothing: a clean checks before its scan, not after.
   */
  static async assertAppendable(path: string): Promise<void> {
    const absolute = resolve(path);
    let handle: FileHandle;
    try {
      handle = await open(absolute, "r");
    } catch (error) {
      if (isNotFound(error)) return;
      throw new BackupFileError(absolute, "cannot be read", {}, error);
    }
    try {
      if ((await handle.stat()).size > 0) await assertOwnBackup(handle, absolute);
    } finally {
      await handle.close();
    }
  }

  /** Byte offset after the last line appended so far. */
  get endOffset(): number {
    return this.offset;
  }

  /** Records appended by this writer. */
  get appended(): number {
    return this.records;
  }

  /** Appends whole lines (after any append still in progress). */
  append(entries: readonly BackupEntry[]): Promise<void> {
    if (entries.length === 0) return this.tail;
    const bytes = Buffer.from(
      entries.map((entry) => `${backupLineText(entry)}\n`).join(""),
      "utf8",
    );
    return this.enqueue(async () => {
      await this.handle.appendFile(bytes);
      this.offset += bytes.length;
      this.records += entries.length;
    });
  }

  /** Flushes what was appended to disk: call before a write the lines protect. */
  sync(): Promise<void> {
    return this.enqueue(() => this.handle.datasync());
  }

  private enqueue(operation: () => Promise<void>): Promise<void> {
    const next = this.tail.then(operation);
    this.tail = next;
    return next;
  }

  async close(): Promise<void> {
    try {
      await this.tail;
    } finally {
      await this.handle.close();
    }
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "ENOENT";
}

/** Bytes read to find the header: far more than the header line takes. */
const HEADER_PROBE_BYTES = 4096;

/** The file's first line, if it has a complete one within the probe. */
async function firstLine(handle: FileHandle): Promise<string | null> {
  const probe = Buffer.alloc(HEADER_PROBE_BYTES);
  const { bytesRead } = await handle.read(probe, 0, HEADER_PROBE_BYTES, 0);
  const newline = probe.subarray(0, bytesRead).indexOf(NEWLINE);
  return newline < 0 ? null : probe.subarray(0, newline).toString("utf8");
}

function isHeader(line: string | null): boolean {
  if (line === null) return false;
  try {
    return BackupHeaderSchema.safeParse(JSON.parse(line)).success;
  } catch {
    return false; // not JSON: not a header, which is what is asked
  }
}

async function assertOwnBackup(handle: FileHandle, path: string): Promise<void> {
  if (!isHeader(await firstLine(handle))) {
    throw new BackupFileError(
      path,
      "exists and is not a mastery clean backup (its first line is not the backup header); " +
        "refusing to append to it: choose another --backup path",
      { expectedHeader: BACKUP_HEADER },
    );
  }
}

/** The backup's version and the byte offset where its record lines start. */
async function backupLayout(path: string): Promise<{ version: BackupVersion; start: number }> {
  const handle = await open(path, "r");
  try {
    const line = await firstLine(handle);
    return isHeader(line)
      ? { version: 2, start: Buffer.byteLength(`${line}\n`) }
      : { version: 1, start: 0 };
  } finally {
    await handle.close();
  }
}

/** One record read back from a backup, with its 1-based line number in the file. */
export type BackupLine = BackupEntry & { line: number };

/**
 * The records of `path` between byte offsets `start` and `end` (complete lines
 * only), `batchSize` at a time. Any line that is not a record is an error.
 */
export async function* readBackup(
  path: string,
  options: {
    batchSize: number;
    start: number;
    end: number;
    version?: BackupVersion;
    /** Line number of the line at `start`; default 1. */
    firstLine?: number;
  },
): AsyncGenerator<BackupLine[], void, undefined> {
  const { start, end } = options;
  if (end <= start) return;
  const lines = createInterface({
    input: createReadStream(path, { start, end: end - 1 }),
    crlfDelay: Infinity,
  });
  let lineNumber = (options.firstLine ?? 1) - 1;
  let batch: BackupLine[] = [];
  for await (const text of lines) {
    lineNumber += 1;
    const entry = parseBackupLine(path, lineNumber, text, options.version ?? 2);
    batch.push({ ...entry, line: lineNumber });
    if (batch.length >= options.batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function parseBackupLine(
  path: string,
  line: number,
  text: string,
  version: BackupVersion,
): BackupEntry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BackupFileError(
      path,
      `line ${line} is not JSON`,
      { line, text: text.slice(0, 200) },
      error,
    );
  }
  const parsed =
    version === 2
      ? BackupEntrySchema.safeParse(value)
      : MasteryRecordLineSchema.transform((record) => ({
          table: "MasteryV2" as const,
          record,
          cleanedUpdatedAt: null,
        })).safeParse(value);
  if (!parsed.success) {
    throw new BackupFileError(
      path,
      `line ${line} is not a MasteryV2 or Routine record: ${parsed.error.message}`,
      {
        line,
        text: text.slice(0, 200),
      },
    );
  }
  return parsed.data;
}

/** What a restore did to one table's rows. */
export interface TableRestore {
  /** Records put back (the first line of each record). */
  restored: number;
  /** Later lines of records already read from an earlier line. */
  duplicatesIgnored: number;
  /**
   * Records not put back: they changed since the backup (a lesson applied
   * after the clean, say), and `force` was not given. Each with the
   * `updatedAt` it has now.
   */
  refused: { recordId: string; updatedAt: string }[];
}

/** The MasteryV2 figures at the top level (as before Routine rows were backed up), Routine's in `routine`. */
export interface RestoreSummary extends TableRestore {
  path: string;
  /** Complete record lines in the file, of both tables (the header not counted). */
  lines: number;
  /** Bytes of a partial last line left by an interrupted run (its record was never changed). */
  ignoredPartialLineBytes: number;
  /**
   * Lesson sessions whose ledger entries went with a record put back: they
   * were applied after the state restored, so their updates are gone and the
   * lesson may be applied again (only with `force`).
   */
  releasedSessions: string[];
  routine: TableRestore;
}

/** What a record's lines say it may hold now if nothing but a clean wrote it since its first line. */
type Expected = string[] | "changed";

/**
 * Follows a record through its lines: each line's record must be one of the
 * states the previous line allows (its own, or the clean's write of it);
 * otherwise something else wrote between two reads of the clean.
 */
function expectAfter(previous: Expected | undefined, entry: BackupEntry): Expected {
  if (previous === "changed") return previous;
  if (previous !== undefined && !previous.includes(entry.record.updatedAt)) return "changed";
  return entry.cleanedUpdatedAt === null
    ? [entry.record.updatedAt]
    : [entry.record.updatedAt, entry.cleanedUpdatedAt];
}

/** One table's conditions and tallies during a restore. */
class TableRestoreState {
  readonly expected = new Map<string, Expected>();
  readonly seen = new Set<string>();
  lines = 0;
  readonly refused: TableRestore["refused"] = [];

  ifUpdatedAtIn(force: boolean): ReadonlyMap<string, readonly string[]> | undefined {
    if (force) return undefined;
    return new Map(
      [...this.expected].map(([id, states]) => [id, states === "changed" ? [] : states] as const),
    );
  }

  summary(): TableRestore {
    return {
      restored: this.seen.size - this.refused.length,
      duplicatesIgnored: this.lines - this.seen.size,
      refused: this.refused,
    };
  }
}

/**
 * Puts every record of a backup back as it was backed up (the first line of
 * each record wins), MasteryV2 and Routine rows alike. The whole file is
 * validated before anything is written.
 *
 * A record is put back only if it is absent or stored as a clean left it (a
 * state its lines name); any other record changed since (a lesson was
 * applied, another tool wrote), so putting it back would lose that change: it
 * is left as it is and reported in `refused`. With `force` every record is put
 * back. For MasteryV2 the store then removes the ledger entries of the lessons
 * it undoes (`releasedSessions`), so those lessons can be applied again rather
 * than be blocked for ever. A Routine row releases nothing: a lesson's ledger
 * entry stands for its mastery, which the MasteryV2 row still holds, so
 * applying it again would count it twice; the undone review dates are
 * scheduled again when the outcome is next taught. The check and the write
 * are one conditional store commit.
 */
export async function restoreFromBackup(
  stores: { mastery: MasteryStore; routines: RoutineStore },
  path: string,
  options: {
    batchSize: number;
    concurrency: number;
    force?: boolean;
    progress?: ProgressReporter;
  },
): Promise<RestoreSummary> {
  const progress = options.progress ?? silentProgress;
  const absolute = resolve(path);
  const { size } = await stat(absolute).catch((error: unknown) => {
    throw new BackupFileError(absolute, "cannot be read", {}, error);
  });
  const handle = await open(absolute, "r");
  const end = await completeLinesEnd(handle, size).finally(() => handle.close());
  const { version, start } = await backupLayout(absolute);
  const read = (batchSize: number) =>
    readBackup(absolute, { batchSize, start, end, version, firstLine: version === 2 ? 2 : 1 });

  // First pass: validate every line and follow each record, so nothing is written from a bad file.
  const tables = { MasteryV2: new TableRestoreState(), Routine: new TableRestoreState() };
  let lines = 0;
  for await (const batch of read(1000)) {
    lines += batch.length;
    for (const entry of batch) {
      const table = tables[entry.table];
      table.lines += 1;
      table.expected.set(
        entry.record.$id,
        expectAfter(table.expected.get(entry.record.$id), entry),
      );
    }
  }
  const force = options.force === true;
  const conditions = {
    MasteryV2: tables.MasteryV2.ifUpdatedAtIn(force),
    Routine: tables.Routine.ifUpdatedAtIn(force),
  };

  progress.phase("restore", tables.MasteryV2.expected.size + tables.Routine.expected.size);
  const releasedSessions: string[] = [];
  const window = new TaskWindow(options.concurrency);
  for await (const batch of read(options.batchSize)) {
    const masteryFirsts: MasteryRecord[] = [];
    const routineFirsts: RoutineRecord[] = [];
    for (const entry of batch) {
      const table = tables[entry.table];
      if (table.seen.has(entry.record.$id)) continue;
      table.seen.add(entry.record.$id);
      if (entry.table === "MasteryV2") masteryFirsts.push(entry.record);
      else routineFirsts.push(entry.record);
    }
    if (masteryFirsts.length > 0) {
      await window.submit(async () => {
        const result = await stores.mastery.restore(masteryFirsts, {
          ifUpdatedAtIn: conditions.MasteryV2,
        });
        tables.MasteryV2.refused.push(...result.skipped.map(refusal));
        releasedSessions.push(...result.releasedSessions);
        progress.advance(masteryFirsts.length);
      });
    }
    if (routineFirsts.length > 0) {
      await window.submit(async () => {
        const result = await stores.routines.restore(routineFirsts, {
          ifUpdatedAtIn: conditions.Routine,
        });
        tables.Routine.refused.push(...result.skipped.map(refusal));
        progress.advance(routineFirsts.length);
      });
    }
  }
  await window.drain();
  progress.finish();
  return {
    path: absolute,
    lines,
    ...tables.MasteryV2.summary(),
    ignoredPartialLineBytes: size - end,
    releasedSessions,
    routine: tables.Routine.summary(),
  };
}

function refusal({ $id, updatedAt }: { $id: string; updatedAt: string }) {
  return { recordId: $id, updatedAt };
}
