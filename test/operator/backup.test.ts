import { appendFile, chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  BACKUP_HEADER,
  BackupWriter,
  readBackup,
  restoreFromBackup,
} from "../../src/operator/backup.js";
import { BackupFileError } from "../../src/operator/errors.js";
import { createMemoryStores } from "../../src/stores/memory/index.js";
import type { MasteryRecord, Stores } from "../../src/stores/ports.js";
import { masteryRecord, O1_U0 } from "./support/dataset.js";
import { snapshot } from "./support/stores.js";

const first = masteryRecord("rec_a", { "": 0, [O1_U0]: 0.5 });
const second = masteryRecord("rec_b", '{"broken": ');
const line = (record: object) => `${JSON.stringify(record)}\n`;
const HEADER = line(BACKUP_HEADER);
const CLEANED_AT = "2025-12-01T00:00:00.000Z";
const entry = (record: MasteryRecord) => ({
  table: "MasteryV2" as const,
  record,
  cleanedUpdatedAt: CLEANED_AT,
});
/** A MasteryV2 line as written: no `table`, as in every backup before Routine rows. */
const masteryLine = (record: MasteryRecord) => line({ record, cleanedUpdatedAt: CLEANED_AT });

describe("backup files", () => {
  let dir: string;
  let stores: Stores;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "mastery-backup-"));
    stores = createMemoryStores();
  });
  afterEach(async () => {
    await stores.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("appends to an existing file, cutting off a partial last line left by a killed run", async () => {
    const path = join(dir, "nested", "b.jsonl");
    const writer = await BackupWriter.open(path);
    await writer.append([entry(first)]);
    await writer.close();
    await appendFile(path, '{"record":{"$id":"rec_half","stud');

    const again = await BackupWriter.open(path);
    expect(again.startOffset).toBe(Buffer.byteLength(HEADER + masteryLine(first)));
    await again.append([entry(second)]);
    await again.sync();
    expect(again.appended).toBe(1);
    await again.close();
    expect(await readFile(path, "utf8")).toBe(HEADER + masteryLine(first) + masteryLine(second));

    const read = [];
    for await (const batch of readBackup(path, {
      batchSize: 1,
      start: again.startOffset,
      end: again.endOffset,
    }))
      read.push(...batch);
    expect(read).toEqual([{ ...entry(second), line: 1 }]);
  });

  it.each([
    ["a text file", "line one\nlast line without newline"],
    ["a JSON Lines file of records without the header", line(first)],
    ["a file with another format marker", line({ ...BACKUP_HEADER, version: 1 })],
  ])("refuses to append to %s and leaves it untouched", async (_name, content) => {
    const path = join(dir, "other.txt");
    await writeFile(path, content, { mode: 0o644 });
    await chmod(path, 0o644);
    for (const attempt of [
      () => BackupWriter.assertAppendable(path),
      () => BackupWriter.open(path),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackupFileError);
      expect(error).toMatchObject({ code: "BACKUP_FILE_INVALID", context: { path } });
    }
    expect(await readFile(path, "utf8")).toBe(content);
    expect((await stat(path)).mode & 0o777).toBe(0o644);
  });

  it("creates backups readable by their owner only, and keeps a reopened one so", async () => {
    const path = join(dir, "b.jsonl");
    const writer = await BackupWriter.open(path);
    await writer.close();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await chmod(path, 0o644); // as a backup from before backups were private
    const reopened = await BackupWriter.open(path);
    await reopened.close();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, "utf8")).toBe(HEADER);
  });

  it("adopts an existing empty file (e.g. from mktemp), writing the header", async () => {
    const path = join(dir, "empty.jsonl");
    await writeFile(path, "", { mode: 0o644 });
    await chmod(path, 0o644);
    const writer = await BackupWriter.open(path);
    await writer.append([entry(first)]);
    await writer.close();
    expect(await readFile(path, "utf8")).toBe(HEADER + masteryLine(first));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("restores records exactly (corrupt ones too), the first line of each record winning", async () => {
    const path = join(dir, "b.jsonl");
    const later = { ...first, emaByOutcome: "{}", updatedAt: "2026-01-01T00:00:00.000Z" };
    await writeFile(path, line(first) + line(second) + line(later));
    const summary = await restoreFromBackup(stores, path, { batchSize: 2, concurrency: 2 });
    expect(summary).toEqual({
      path,
      lines: 3,
      restored: 2,
      duplicatesIgnored: 1,
      ignoredPartialLineBytes: 0,
      refused: [],
      releasedSessions: [],
      routine: { restored: 0, duplicatesIgnored: 0, refused: [] },
    });
    expect(await snapshot(stores.mastery)).toEqual(
      new Map([
        ["rec_a", first],
        ["rec_b", second],
      ]),
    );
  });

  it("ignores and reports a partial last line on restore", async () => {
    const path = join(dir, "b.jsonl");
    await writeFile(path, `${line(first)}{"$id":"rec_`);
    const summary = await restoreFromBackup(stores, path, { batchSize: 2, concurrency: 1 });
    expect(summary).toMatchObject({
      lines: 1,
      restored: 1,
      ignoredPartialLineBytes: Buffer.byteLength(`{"$id":"rec_`),
    });
  });

  it.each([
    ["a line that is not JSON", "not json\n", 2],
    ["a line that is not a record", `${JSON.stringify({ $id: "x", studentId: "s" })}\n`, 2],
    ["a record with extra fields", line({ ...second, extra: 1 }), 2],
  ])("refuses a file with %s and restores nothing", async (_name, bad, badLine) => {
    const path = join(dir, "b.jsonl");
    await writeFile(path, line(first) + bad + line(second));
    const error = await restoreFromBackup(stores, path, {
      batchSize: 1,
      concurrency: 1,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupFileError);
    expect(error).toMatchObject({ code: "BACKUP_FILE_INVALID", context: { path, line: badLine } });
    expect((await snapshot(stores.mastery)).size).toBe(0);
  });

  it("refuses a missing file", async () => {
    const path = join(dir, "missing.jsonl");
    await expect(
      restoreFromBackup(stores, path, { batchSize: 1, concurrency: 1 }),
    ).rejects.toMatchObject({
      code: "BACKUP_FILE_INVALID",
      context: { path },
    });
  });
});
