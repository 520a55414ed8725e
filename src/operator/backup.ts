/**
 * Backups of MasteryV2 records as JSON Lines: one record, exactly as read from
 * the store, per line. A file only ever grows: a rerun with the same path
 * appends, so the first line of a record is always its value before any clean
 * touched it, and a restore puts back the first line of each record.
 *
 * A line is written completely before the write it protects; a run killed
 * while appending can leave a partial last line, which belongs to a record
 * that was never changed. Opening for append cuts that partial line off; a
 * restore ignores it and says so.
 */
import { createReadStream } from "node:fs";
import { mkdir, open, stat, type FileHandle } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { z } from "zod";
import type { MasteryRecord, MasteryStore } from "../stores/ports.js";
import { BackupFileError } from "./errors.js";
import { silentProgress, type ProgressReporter } from "./progress.js";
import { TaskWindow } from "./task-window.js";

const BackupLineSchema = z.strictObject({
  $id: z.string().min(1),
  studentId: z.string(),
  courseId: z.string(),
  emaByOutcome: z.string().nullable(),
  updatedAt: z.string(),
});

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

  /** Opens (creating directories and file) for appending, cutting off a partial last line. */
  static async open(path: string): Promise<BackupWriter> {
    const absolute = resolve(path);
    await mkdir(dirname(absolute), { recursive: true });
    const handle = await open(absolute, "a+");
    try {
      const { size } = await handle.stat();
      const end = await completeLinesEnd(handle, size);
      if (end < size) await handle.truncate(end);
      return new BackupWriter(handle, absolute, end, end);
    } catch (error) {
      await handle.close();
      throw error;
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
  append(records: readonly MasteryRecord[]): Promise<void> {
    if (records.length === 0) return this.tail;
    const bytes = Buffer.from(
      records.map((record) => `${JSON.stringify(record)}\n`).join(""),
      "utf8",
    );
    return this.enqueue(async () => {
      await this.handle.appendFile(bytes);
      this.offset += bytes.length;
      this.records += records.length;
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

/** One record read back from a backup, with its 1-based line number. */
export interface BackupLine {
  record: MasteryRecord;
  line: number;
}

/**
 * The records of `path` between byte offsets `start` and `end` (complete lines
 * only), `batchSize` at a time. Any line that is not a record is an error.
 */
export async function* readBackup(
  path: string,
  options: { batchSize: number; start?: number; end: number },
): AsyncGenerator<BackupLine[], void, undefined> {
  const start = options.start ?? 0;
  if (options.end <= start) return;
  const lines = createInterface({
    input: createReadStream(path, { start, end: options.end - 1 }),
    crlfDelay: Infinity,
  });
  // Counted from `start`: a restore reads from the file's beginning, so its errors name the file's lines.
  let lineNumber = 0;
  let batch: BackupLine[] = [];
  for await (const text of lines) {
    lineNumber += 1;
    batch.push({ record: parseBackupLine(path, lineNumber, text), line: lineNumber });
    if (batch.length >= options.batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function parseBackupLine(path: string, line: number, text: string): MasteryRecord {
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
  const parsed = BackupLineSchema.safeParse(value);
  if (!parsed.success) {
    throw new BackupFileError(
      path,
      `line ${line} is not a MasteryV2 record: ${parsed.error.message}`,
      {
        line,
        text: text.slice(0, 200),
      },
    );
  }
  return parsed.data;
}

export interface RestoreSummary {
  path: string;
  /** Complete lines in the file. */
  lines: number;
  /** Records put back (the first line of each record). */
  restored: number;
  /** Later lines of records already restored from an earlier line. */
  duplicatesIgnored: number;
  /** Bytes of a partial last line left by an interrupted run (its record was never changed). */
  ignoredPartialLineBytes: number;
}

/**
 * Puts every record of a backup back exactly as it was backed up (the first
 * line of each record wins). The whole file is validated before anything is written.
 */
export async function restoreFromBackup(
  mastery: MasteryStore,
  path: string,
  options: { batchSize: number; concurrency: number; progress?: ProgressReporter },
): Promise<RestoreSummary> {
  const progress = options.progress ?? silentProgress;
  const absolute = resolve(path);
  const { size } = await stat(absolute).catch((error: unknown) => {
    throw new BackupFileError(absolute, "cannot be read", {}, error);
  });
  const handle = await open(absolute, "r");
  const end = await completeLinesEnd(handle, size).finally(() => handle.close());

  // First pass: validate every line and count the records, so nothing is written from a bad file.
  const recordIds = new Set<string>();
  let lines = 0;
  for await (const batch of readBackup(absolute, { batchSize: 1000, end })) {
    lines += batch.length;
    for (const { record } of batch) recordIds.add(record.$id);
  }

  progress.phase("restore", recordIds.size);
  const restoredIds = new Set<string>();
  const window = new TaskWindow(options.concurrency);
  for await (const batch of readBackup(absolute, { batchSize: options.batchSize, end })) {
    const firsts: MasteryRecord[] = [];
    for (const { record } of batch) {
      if (restoredIds.has(record.$id)) continue;
      restoredIds.add(record.$id);
      firsts.push(record);
    }
    if (firsts.length === 0) continue;
    await window.submit(async () => {
      await mastery.restore(firsts);
      progress.advance(firsts.length);
    });
  }
  await window.drain();
  progress.finish();
  return {
    path: absolute,
    lines,
    restored: restoredIds.size,
    duplicatesIgnored: lines - restoredIds.size,
    ignoredPartialLineBytes: size - end,
  };
}
