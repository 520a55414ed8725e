import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Command, CommanderError } from "commander";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultBackupPath, registerMasteryCommands } from "../../src/cli/mastery.js";
import { AUDIT_CATEGORIES } from "../../src/operator/classify.js";
import { StoreUnavailableError } from "../../src/stores/errors.js";
import { createMemoryStores } from "../../src/stores/memory/index.js";
import type { Stores } from "../../src/stores/ports.js";
import { BackupFileError } from "../../src/operator/errors.js";
import { corruptedDataset, O1_U0 } from "../operator/support/dataset.js";
import { EXPECTED_COUNTS, EXPECTED_DEFAULT_CLEAN } from "../operator/support/expected.js";
import { snapshot } from "../operator/support/stores.js";
import { seed } from "../operator/support/stores.js";

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

describe("teaching-graph mastery (in process, memory store)", () => {
  let stores: Stores;
  let stdout: Capture;
  let stderr: Capture;
  let exitCode: number | undefined;
  let dir: string;
  let opened: number;

  beforeEach(async () => {
    stores = createMemoryStores();
    await seed(stores, corruptedDataset());
    stdout = new Capture();
    stderr = new Capture();
    exitCode = undefined;
    opened = 0;
    dir = await mkdtemp(join(tmpdir(), "mastery-cli-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function run(...args: string[]): Promise<unknown> {
    const program = new Command("teaching-graph").exitOverride().configureOutput({
      writeOut: (text) => stdout.write(text),
      writeErr: (text) => stderr.write(text),
    });
    registerMasteryCommands(program, {
      // The command closes what it opens; the test keeps using the data through a fresh handle.
      openStores: async () => {
        opened += 1;
        return { ...stores, close: async () => undefined };
      },
      stdout,
      stderr,
      setExitCode: (code) => {
        exitCode = code;
      },
      now: () => new Date("2025-11-12T14:30:00.123Z"),
    });
    return program.parseAsync(["node", "teaching-graph", "mastery", ...args]);
  }

  it("audit --json prints the documented shape with every category and exits 1", async () => {
    await run("audit", "--json", "--page-size", "3");
    const report = JSON.parse(stdout.text) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual(["total", "categories", "targets", "routine"]);
    expect(report.routine).toMatchObject({ total: 0 });
    expect(report.total).toBe(15);
    const categories = report.categories as Record<
      string,
      { count: number; rate: number; samples: string[] }
    >;
    expect(Object.keys(categories)).toEqual([...AUDIT_CATEGORIES]);
    for (const category of AUDIT_CATEGORIES) {
      expect(Object.keys(categories[category]!)).toEqual(["count", "rate", "samples"]);
      expect(categories[category]!.count).toBe(EXPECTED_COUNTS[category]);
    }
    expect(report.targets).toMatchObject({
      empty_key_rate: { pass: false },
      document_id_format: { pass: false },
    });
    expect(exitCode).toBe(1);
    expect(stderr.text).toContain("[mastery audit] scan: 15 records");
  });

  it("audit prints a table with pass/fail targets, and exits 0 on clean data", async () => {
    await run("audit");
    expect(stdout.text).toContain("MasteryV2 audit: 15 record(s)");
    expect(stdout.text).toMatch(
      /empty_key\s+5\s+33\.33 %\s+rec_02_empty_key, rec_03_would_be_empty/,
    );
    expect(stdout.text).toMatch(/empty-key rate 0 %\s+33\.33 %\s+FAIL/);

    stores = createMemoryStores();
    await seed(stores, []);
    stdout.text = "";
    await run("audit");
    expect(stdout.text).toMatch(/document-ID format 100 %\s+100\.00 %\s+PASS/);
    expect(exitCode).toBe(0);
  });

  it("clean --dry-run --json streams valid JSON, writes nothing, exits 1", async () => {
    const before = await snapshot(stores.mastery);
    await run("clean", "--dry-run", "--json", "--migrate-refs");
    const output = JSON.parse(stdout.text) as {
      records: { recordId: string; status: string }[];
      summary: Record<string, unknown>;
    };
    expect(output.summary).toMatchObject({
      dryRun: true,
      migrateRefs: true,
      scanned: 15,
      cleaned: 6,
      skipped: 3,
      errors: 0,
      backupPath: null,
    });
    expect(output.records.filter((r) => r.status === "would_clean")).toHaveLength(6);
    expect(await snapshot(stores.mastery)).toEqual(before);
    expect(exitCode).toBe(1);
  });

  it("clean backs up, prints the path, and restore --from undoes it", async () => {
    const backup = join(dir, "b.jsonl");
    await run("clean", "--backup", backup);
    expect(stderr.text).toContain(`Backup of 4 record(s) written to ${backup}`);
    expect(stdout.text).toMatch(/cleaned\s+MasteryV2 rec_02_empty_key .*removed: ""/);
    expect(stdout.text).toMatch(
      /skipped\s+MasteryV2 rec_03_would_be_empty .*reason: would_be_empty/,
    );
    expect(stdout.text).toMatch(/records cleaned:\s+4/);
    expect(exitCode).toBe(1); // three records wait for manual review
    const after = await snapshot(stores.mastery);
    for (const id of Object.keys(EXPECTED_DEFAULT_CLEAN))
      expect(after.get(id)?.emaByOutcome).toBe(JSON.stringify(EXPECTED_DEFAULT_CLEAN[id]));

    stdout.text = "";
    await run("restore", "--from", backup, "--json");
    expect(JSON.parse(stdout.text)).toEqual({
      path: backup,
      lines: 4,
      restored: 4,
      duplicatesIgnored: 0,
      ignoredPartialLineBytes: 0,
      refused: [],
      releasedSessions: [],
      routine: { restored: 0, duplicatesIgnored: 0, refused: [] },
    });
    expect(exitCode).toBe(0);
    expect(await snapshot(stores.mastery)).toEqual(
      new Map(corruptedDataset().map((r) => [r.$id, r])),
    );
  });

  it("clean refuses a --backup file that is not one of its backups, before writing anything", async () => {
    const notes = join(dir, "notes.txt");
    await writeFile(notes, "keep me\nlast line");
    const before = await snapshot(stores.mastery);
    const error = await run("clean", "--backup", notes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupFileError); // a typed error: exit code 2 in main
    expect(await readFile(notes, "utf8")).toBe("keep me\nlast line");
    expect(await snapshot(stores.mastery)).toEqual(before);
    expect(exitCode).toBeUndefined();
  });

  it("restore exits 1 and lists a record a lesson changed after the clean; --force puts it back", async () => {
    const backup = join(dir, "b.jsonl");
    await run("clean", "--backup", backup);
    await stores.mastery.applyLessonMastery({
      sessionId: "sess_after_clean",
      studentId: "student_rec_02_empty_key",
      courseId: "course_c84774",
      updates: [{ outcome_id: O1_U0, score: 0.2, timestamp: "2025-11-20T10:00:00.000Z" }],
      alpha: 0.5,
    });
    stdout.text = "";
    await run("restore", "--from", backup);
    expect(exitCode).toBe(1);
    expect(stdout.text).toMatch(/Restored 3 record\(s\)/);
    expect(stdout.text).toMatch(
      /refused 1 record\(s\) changed since the clean[^\n]*\n\s+rec_02_empty_key/,
    );

    stdout.text = "";
    await run("restore", "--from", backup, "--force");
    expect(exitCode).toBe(0);
    expect(stdout.text).toContain(
      "lessons undone (ledger entries removed; they may be applied again): sess_after_clean",
    );
    expect(await snapshot(stores.mastery)).toEqual(
      new Map(corruptedDataset().map((r) => [r.$id, r])),
    );
    expect(await stores.mastery.isSessionApplied("sess_after_clean")).toBe(false);
  });

  it("clean exits 0 when nothing is left for review", async () => {
    stores = createMemoryStores();
    await seed(
      stores,
      corruptedDataset().filter((r) => r.$id === "rec_02_empty_key"),
    );
    await run("clean", "--backup", join(dir, "b.jsonl"), "--json");
    expect(JSON.parse(stdout.text).summary).toMatchObject({ cleaned: 1, skipped: 0, errors: 0 });
    expect(exitCode).toBe(0);
  });

  it("names the default backup after the run's time", () => {
    expect(defaultBackupPath(new Date("2025-11-12T14:30:00.123Z"))).toMatch(
      /\.data\/backups\/mastery-clean-20251112T143000Z\.jsonl$/,
    );
  });

  it.each([
    [["audit", "--page-size", "0"], "commander.invalidArgument"],
    [["clean", "--batch-size", "1.5"], "commander.invalidArgument"],
    [["clean", "--dry-run", "--backup", "x.jsonl"], "commander.conflictingOption"],
    [["restore"], "commander.missingMandatoryOptionValue"],
    [["audit", "--bogus"], "commander.unknownOption"],
  ])("refuses %j as a usage error without opening the store", async (args, code) => {
    const error = await run(...args).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommanderError);
    expect(error).toMatchObject({ code });
    expect((error as CommanderError).exitCode).not.toBe(0);
    expect(opened).toBe(0);
  });

  it.each([["audit"], ["clean"], ["restore"]])(
    "mastery %s --help describes the command",
    async (command) => {
      const error = await run(command, "--help").catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "commander.helpDisplayed", exitCode: 0 });
      expect(stdout.text).toContain(`Usage: teaching-graph mastery ${command}`);
      expect(stdout.text).toContain("--json");
      if (command === "restore") expect(stdout.text).toContain("--force");
    },
  );

  it("ends clean --json with the error when the run fails, keeping stdout valid JSON", async () => {
    const failing = new StoreUnavailableError("test", "down");
    const program = new Command("teaching-graph").exitOverride();
    registerMasteryCommands(program, {
      openStores: () => Promise.reject(failing),
      stdout,
      stderr,
      setExitCode: (code) => {
        exitCode = code;
      },
      now: () => new Date(),
    });
    await expect(
      program.parseAsync(["node", "teaching-graph", "mastery", "clean", "--dry-run", "--json"]),
    ).rejects.toBe(failing);
    expect(JSON.parse(stdout.text)).toEqual({
      records: [],
      summary: null,
      error: { code: "STORE_UNAVAILABLE", message: failing.message },
    });
    expect(exitCode).toBeUndefined();
  });

  it("lets a store failure propagate as a typed error (exit code 2 in main)", async () => {
    const failing = new StoreUnavailableError("test", "down");
    const program = new Command("teaching-graph").exitOverride();
    registerMasteryCommands(program, {
      openStores: () => Promise.reject(failing),
      stdout,
      stderr,
      setExitCode: (code) => {
        exitCode = code;
      },
      now: () => new Date(),
    });
    await expect(program.parseAsync(["node", "teaching-graph", "mastery", "audit"])).rejects.toBe(
      failing,
    );
    expect(exitCode).toBeUndefined();
    expect(stdout.text).toBe("");
  });
});
