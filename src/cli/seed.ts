/**
 * `teaching-graph seed`: imports course outcomes and lesson templates into the
 * configured store (Appwrite when APPWRITE_ENDPOINT is set, else the embedded
 * SQLite file), idempotently, and prints the ids. `--demo` seeds the demo
 * course and lesson (in the repository's `data/demo`) that `npm run dev` and
 * `npm start` use.
 */
import { Command, Option } from "commander";
import type { SeedFiles, SeedReport } from "../seed/index.js";
import type { Stores } from "../stores/ports.js";

/** What the command reaches outside itself; tests pass their own. */
export interface SeedCommandDeps {
  openStores(): Promise<Stores>;
  stdout: NodeJS.WritableStream;
}

function defaultDeps(): SeedCommandDeps {
  return {
    // Loaded on use, so that `--help` needs no store configuration.
    openStores: async () => (await import("../stores/index.js")).getDefaultStores(),
    stdout: process.stdout,
  };
}

interface SeedOptions {
  courseOutcomes?: string[];
  lesson?: string[];
  course?: string;
  demo?: boolean;
  json?: boolean;
}

export function registerSeedCommand(program: Command, deps: SeedCommandDeps = defaultDeps()): void {
  program
    .command("seed")
    .description(
      "Import course outcomes and lesson templates into the configured store. Idempotent: outcomes already stored " +
        "(same course, unit and outcome code) and lessons already stored (same course and title) are left as they are. " +
        "An $id in a file is kept; otherwise one is generated. Every file is checked before anything is written.",
    )
    .option("--course-outcomes <files...>", "JSON files, each an array of course outcomes")
    .option("--lesson <files...>", "JSON files, each a lesson template (or an array of them)")
    .option(
      "--course <id>",
      "place the lessons in this course instead of the courseId in their files",
    )
    .addOption(
      new Option(
        "--demo",
        "seed the demo course outcomes and the fractions lesson (in course_c84774) from data/demo",
      ).conflicts(["courseOutcomes", "lesson", "course"]),
    )
    .option("--json", "print one JSON object: {outcomes: [...], lessons: [...]}")
    .action(async function (this: Command, options: SeedOptions) {
      // Loaded on use: every other command starts without the seed code and its schemas.
      const { demoSeedFiles, seedFromFiles } = await import("../seed/index.js");
      const files = options.demo === true ? demoSeedFiles() : seedFilesOf(options);
      if (files.courseOutcomeFiles.length === 0 && files.lessonFiles.length === 0) {
        this.error("error: nothing to seed: give --course-outcomes, --lesson or --demo");
      }
      const stores = await deps.openStores();
      try {
        const report = await seedFromFiles(stores, files);
        deps.stdout.write(
          options.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report),
        );
      } finally {
        await stores.close();
      }
    });
}

function seedFilesOf(options: SeedOptions): SeedFiles {
  const files: SeedFiles = {
    courseOutcomeFiles: options.courseOutcomes ?? [],
    lessonFiles: options.lesson ?? [],
  };
  if (options.course !== undefined) files.lessonCourseId = options.course;
  return files;
}

function count(rows: readonly { status: string }[], noun: string): string {
  const created = rows.filter((row) => row.status === "created").length;
  return `${rows.length} ${noun}${rows.length === 1 ? "" : "s"} (${created} created, ${rows.length - created} existing)`;
}

/** One line per row, so the ids are easy to copy; a summary last. */
export function formatReport(report: SeedReport): string {
  const lines: string[] = [];
  if (report.outcomes.length > 0) {
    lines.push("course_outcomes:");
    for (const o of report.outcomes)
      lines.push(`  ${o.status.padEnd(8)} ${o.$id}  ${o.courseId}  ${o.unitCode}  ${o.outcomeId}`);
  }
  if (report.lessons.length > 0) {
    lines.push("lesson_templates:");
    for (const l of report.lessons)
      lines.push(`  ${l.status.padEnd(8)} ${l.$id}  ${l.courseId}  ${l.title}`);
  }
  lines.push(`Seeded ${count(report.outcomes, "outcome")} and ${count(report.lessons, "lesson")}.`);
  return `${lines.join("\n")}\n`;
}
