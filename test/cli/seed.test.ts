import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Command, CommanderError } from "commander";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerSeedCommand } from "../../src/cli/seed.js";
import { demoSeedFiles, SeedFileError, type SeedReport } from "../../src/seed/index.js";
import type { Stores } from "../../src/stores/ports.js";
import { createSqliteStores } from "../../src/stores/sqlite/index.js";
import { rejectionOf } from "../stores/contract.js";

const DEMO = demoSeedFiles();

let dir: string;
let path: string;
let output: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "teaching-graph-seed-cli-"));
  path = join(dir, "teaching.db");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `teaching-graph seed ...args` against the SQLite file; each run opens (and closes) its own stores. */
async function seed(...args: string[]): Promise<string> {
  output = "";
  const program = new Command("teaching-graph")
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerSeedCommand(program, {
    openStores: async () => createSqliteStores(path),
    stdout: new Writable({
      write(chunk: Buffer, _encoding, done) {
        output += chunk.toString();
        done();
      },
    }),
  });
  await program.parseAsync(["seed", ...args], { from: "user" });
  return output;
}

async function withStores<T>(read: (stores: Stores) => Promise<T>): Promise<T> {
  const stores = createSqliteStores(path);
  try {
    return await read(stores);
  } finally {
    await stores.close();
  }
}

describe("teaching-graph seed", () => {
  it("--demo seeds the fixture course and lesson and prints the ids it assigned", async () => {
    const text = await seed("--demo");
    const outcomes = await withStores((stores) => stores.outcomes.listByCourse("course_c84774"));
    expect(outcomes).toHaveLength(6);
    for (const outcome of outcomes)
      expect(text).toContain(
        `created  ${outcome.$id}  course_c84774  ${outcome.unitCode}  ${outcome.outcomeId}`,
      );
    expect(text).toMatch(
      /lesson_templates:\n {2}created {2}[0-9a-f]{20} {2}course_c84774 {2}Calculating Fractions of Amounts\n/,
    );
    expect(text).toMatch(
      /Seeded 6 outcomes \(6 created, 0 existing\) and 1 lesson \(1 created, 0 existing\)\.\n$/,
    );
  });

  it("adds nothing on a second run and reports the same ids as existing (--json)", async () => {
    const first = JSON.parse(await seed("--demo", "--json")) as SeedReport;
    const second = JSON.parse(await seed("--demo", "--json")) as SeedReport;
    expect(second.outcomes.map((o) => o.$id)).toEqual(first.outcomes.map((o) => o.$id));
    expect([...second.outcomes, ...second.lessons].every((row) => row.status === "existing")).toBe(
      true,
    );
    expect(
      await withStores(
        async (stores) => (await stores.outcomes.listByCourse("course_c84774")).length,
      ),
    ).toBe(6);
  });

  it("seeds given files, placing the lessons with --course", async () => {
    const report = JSON.parse(
      await seed(
        "--course-outcomes",
        ...DEMO.courseOutcomeFiles,
        "--lesson",
        ...DEMO.lessonFiles,
        "--course",
        "course_c84774",
        "--json",
      ),
    ) as SeedReport;
    expect(report.lessons).toEqual([
      expect.objectContaining({ courseId: "course_c84774", status: "created" }),
    ]);
    const lesson = await withStores((stores) =>
      stores.lessons.getLessonTemplate(report.lessons[0]?.$id as string),
    );
    expect(lesson.courseId).toBe("course_c84774");
  });

  it("refuses a bad file with a typed error and writes nothing", async () => {
    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify([{ courseId: "course_c84774" }]));
    const error = await rejectionOf(
      seed("--course-outcomes", ...DEMO.courseOutcomeFiles, bad),
      SeedFileError,
    );
    expect(error.context).toMatchObject({ file: bad });
    expect(await withStores((stores) => stores.outcomes.listByCourse("course_c84774"))).toEqual([]);
  });

  it("refuses --demo with files, and a run with nothing to seed, as usage errors", async () => {
    const conflict = await rejectionOf(seed("--demo", "--lesson", "x.json"), CommanderError);
    expect(conflict.message).toContain("cannot be used with");
    const nothing = await rejectionOf(seed(), CommanderError);
    expect(nothing.message).toContain("nothing to seed");
  });
});
