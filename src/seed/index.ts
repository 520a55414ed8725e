/**
 * Imports course outcomes and lesson templates into a store, idempotently:
 * an outcome already stored (same course, unit and outcome code) or a lesson
 * already stored (same course and title) is reported as `existing` and left
 * as it is. Every file is read and checked before anything is written.
 */
import { issueLines } from "../errors.js";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { z } from "zod";
import { uniqueId } from "../mastery/ids.js";
import { extractOutcomeIds } from "../outcomes/refs.js";
import type { CourseOutcome } from "../outcomes/schema.js";
import { StoreNotFoundError } from "../stores/errors.js";
import type { LessonTemplate, Stores } from "../stores/ports.js";
import { SeedConflictError, SeedFileError } from "./errors.js";
import {
  SeedCourseOutcomesFileSchema,
  lessonsFileSchemaFor,
  type SeedCourseOutcome,
  type SeedLessonTemplate,
} from "./schema.js";

export * from "./errors.js";
export * from "./schema.js";

export interface SeedFiles {
  courseOutcomeFiles: readonly string[];
  lessonFiles: readonly string[];
  /** Places every lesson in this course instead of the file's `courseId`. */
  lessonCourseId?: string;
}

export type SeedStatus = "created" | "existing";

export interface SeededOutcome {
  $id: string;
  status: SeedStatus;
  file: string;
  courseId: string;
  unitCode: string;
  outcomeId: string;
}

export interface SeededLesson {
  $id: string;
  status: SeedStatus;
  file: string;
  courseId: string;
  title: string;
}

export interface SeedReport {
  outcomes: SeededOutcome[];
  lessons: SeededLesson[];
}

/** The demo: the National 4 course's outcomes, and the fractions lesson placed in that course. */
export const DEMO_COURSE_ID = "course_c84774";

/**
 * The demo data, in the repository's `data/demo` (shipped with the package),
 * found relative to this module so that a fresh clone or an installed package
 * needs nothing beside it. The tests read their fixtures from here too.
 */
export const DEMO_FILES = {
  /** National 4 Mathematics: O1 and O2 in each of three units of course_c84774. */
  courseOutcomes: fileURLToPath(
    new URL("../../data/demo/course_outcomes/mathematics_national-4.json", import.meta.url),
  ),
  /** "Calculating Fractions of Amounts"; the file says course_test_mock. */
  lesson: fileURLToPath(
    new URL("../../data/demo/lessons/fractions-of-amounts.json", import.meta.url),
  ),
} as const;

/** The demo's seed files: its outcomes, and its lesson placed in DEMO_COURSE_ID. */
export function demoSeedFiles(): SeedFiles {
  return {
    courseOutcomeFiles: [DEMO_FILES.courseOutcomes],
    lessonFiles: [DEMO_FILES.lesson],
    lessonCourseId: DEMO_COURSE_ID,
  };
}

/** Seeds the demo data (idempotently) and returns the stored outcomes and lesson, for the player and tests. */
export async function seedDemoData(
  stores: Stores,
): Promise<{ outcomes: CourseOutcome[]; lessonTemplate: LessonTemplate; report: SeedReport }> {
  const report = await seedFromFiles(stores, demoSeedFiles());
  const ids = report.outcomes.map((outcome) => outcome.$id);
  const byId = new Map(
    (await stores.outcomes.getByIds(ids)).map((outcome) => [outcome.$id, outcome]),
  );
  const outcomes = ids.map((id) => {
    const outcome = byId.get(id);
    if (outcome === undefined)
      throw new StoreNotFoundError("course_outcomes", id, { operation: "seedDemoData" });
    return outcome;
  });
  const [lesson] = report.lessons;
  if (lesson === undefined)
    throw new SeedConflictError("the demo lesson file held no lesson", { files: demoSeedFiles() });
  return { outcomes, lessonTemplate: await stores.lessons.getLessonTemplate(lesson.$id), report };
}

/** Reads, checks and seeds the files; throws SeedFileError / SeedConflictError before writing anything. */
export async function seedFromFiles(stores: Stores, files: SeedFiles): Promise<SeedReport> {
  const outcomeFiles = await Promise.all(
    files.courseOutcomeFiles.map(async (file) => ({
      file,
      rows: await readSeedFile(file, SeedCourseOutcomesFileSchema),
    })),
  );
  const lessonFiles = await Promise.all(
    files.lessonFiles.map(async (file) => ({
      file,
      rows: await readSeedFile(file, lessonsFileSchemaFor),
    })),
  );
  const outcomes = outcomeFiles.flatMap(({ file, rows }) =>
    rows.map((row, index) => ({ file, index, row })),
  );
  const lessons = lessonFiles.flatMap(({ file, rows }) =>
    rows.map((row, index) => ({ file, index, row: placeLesson(row, files.lessonCourseId) })),
  );

  const outcomePlan = await planOutcomes(stores, outcomes);
  const lessonPlan = await planLessons(stores, lessons, outcomePlan.byCourse);

  if (outcomePlan.create.length > 0) await stores.outcomes.upsertMany(outcomePlan.create);
  for (const template of lessonPlan.create) await stores.lessons.putLessonTemplate(template);
  return { outcomes: outcomePlan.report, lessons: lessonPlan.report };
}

/** Parses one file with `schema`; every problem is a SeedFileError naming the file and the fields. */
export async function readSeedFile<T>(
  file: string,
  schema: z.ZodType<T> | ((json: unknown) => z.ZodType<T>),
): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new SeedFileError(file, [`(file): cannot be read: ${(error as Error).message}`], error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SeedFileError(file, [`(file): not valid JSON: ${(error as Error).message}`], error);
  }
  const parsed = (typeof schema === "function" ? schema(json) : schema).safeParse(json);
  if (!parsed.success) {
    throw new SeedFileError(file, issueLines(parsed.error));
  }
  return parsed.data;
}

function placeLesson(lesson: SeedLessonTemplate, courseId: string | undefined): SeedLessonTemplate {
  return courseId === undefined ? lesson : { ...lesson, courseId };
}

interface Located<T> {
  file: string;
  index: number;
  row: T;
}

const where = ({ file, index }: Located<unknown>) => ({ file, index });

async function planOutcomes(stores: Stores, inputs: readonly Located<SeedCourseOutcome>[]) {
  const naturalKey = (o: { courseId: string; unitCode: string; outcomeId: string }) =>
    JSON.stringify([o.courseId, o.unitCode, o.outcomeId]);
  const byCourse = new Map<string, CourseOutcome[]>();
  for (const courseId of new Set(inputs.map(({ row }) => row.courseId))) {
    byCourse.set(courseId, await stores.outcomes.listByCourse(courseId));
  }
  const stored = new Map(
    [...byCourse.values()].flat().map((outcome) => [naturalKey(outcome), outcome]),
  );
  const givenIds = inputs.flatMap(({ row }) => (row.$id === undefined ? [] : [row.$id]));
  const takenIds = new Set(
    (await stores.outcomes.getByIds(givenIds)).map((outcome) => outcome.$id),
  );

  const seen = new Map<string, Located<SeedCourseOutcome>>();
  const create: CourseOutcome[] = [];
  const report: SeededOutcome[] = [];
  for (const input of inputs) {
    const { row } = input;
    const key = naturalKey(row);
    const identity = { courseId: row.courseId, unitCode: row.unitCode, outcomeId: row.outcomeId };
    const first = seen.get(key);
    if (first !== undefined) {
      throw new SeedConflictError("the same outcome (course, unit, outcome code) appears twice", {
        ...identity,
        first: where(first),
        second: where(input),
      });
    }
    seen.set(key, input);

    const existing = stored.get(key);
    if (existing !== undefined) {
      if (row.$id !== undefined && row.$id !== existing.$id) {
        throw new SeedConflictError(
          `the file gives $id ${row.$id} to an outcome stored as ${existing.$id}`,
          {
            ...identity,
            ...where(input),
          },
        );
      }
      report.push({ $id: existing.$id, status: "existing", file: input.file, ...identity });
      continue;
    }
    if (row.$id !== undefined && takenIds.has(row.$id)) {
      throw new SeedConflictError(`$id ${row.$id} already names another outcome`, {
        ...identity,
        ...where(input),
      });
    }
    const outcome: CourseOutcome = { ...row, $id: row.$id ?? uniqueId() };
    takenIds.add(outcome.$id);
    create.push(outcome);
    byCourse.set(row.courseId, [...(byCourse.get(row.courseId) ?? []), outcome]);
    report.push({ $id: outcome.$id, status: "created", file: input.file, ...identity });
  }
  return { create, report, byCourse };
}

async function planLessons(
  stores: Stores,
  inputs: readonly Located<SeedLessonTemplate>[],
  outcomesByCourse: ReadonlyMap<string, readonly CourseOutcome[]>,
) {
  const seen = new Map<string, Located<SeedLessonTemplate>>();
  const create: LessonTemplate[] = [];
  const report: SeededLesson[] = [];
  for (const input of inputs) {
    const { row } = input;
    const identity = { courseId: row.courseId, title: row.title };
    const key = JSON.stringify([row.courseId, row.title]);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new SeedConflictError("the same lesson (course, title) appears twice", {
        ...identity,
        first: where(first),
        second: where(input),
      });
    }
    seen.set(key, input);
    const courseOutcomes =
      outcomesByCourse.get(row.courseId) ?? (await stores.outcomes.listByCourse(row.courseId));
    assertRefsResolve(input, courseOutcomes);

    const existing = await stores.lessons.findLessonTemplate(row.courseId, row.title);
    if (existing !== null) {
      if (row.$id !== undefined && row.$id !== existing.$id) {
        throw new SeedConflictError(
          `the file gives $id ${row.$id} to a lesson stored as ${existing.$id}`,
          {
            ...identity,
            ...where(input),
          },
        );
      }
      report.push({ $id: existing.$id, status: "existing", file: input.file, ...identity });
      continue;
    }
    if (row.$id !== undefined && (await lessonExists(stores, row.$id))) {
      throw new SeedConflictError(`$id ${row.$id} already names another lesson template`, {
        ...identity,
        ...where(input),
      });
    }
    const template = toTemplate(row, row.$id ?? uniqueId());
    create.push(template);
    report.push({ $id: template.$id, status: "created", file: input.file, ...identity });
  }
  return { create, report };
}

/**
 * A lesson must name at least one outcome, and each outcome code it names
 * must exist in its course: otherwise its mastery could never be recorded.
 */
function assertRefsResolve(
  input: Located<SeedLessonTemplate>,
  courseOutcomes: readonly CourseOutcome[],
): void {
  const { row, file } = input;
  const field = `outcomeRefs of lesson ${JSON.stringify(row.title)}`;
  const codes = extractOutcomeIds(row.outcomeRefs);
  if (codes.length === 0) {
    throw new SeedFileError(file, [
      `${field}: ${JSON.stringify(row.outcomeRefs)} holds no outcome ref (only assessment standards or blanks), so mastery could never be recorded`,
    ]);
  }
  const known = new Set(courseOutcomes.map((outcome) => outcome.outcomeId));
  const missing = codes.filter((code) => !known.has(code));
  if (missing.length > 0) {
    throw new SeedFileError(file, [
      `${field}: no outcome of course ${row.courseId} has outcomeId ${missing.join(", ")}; seed the course outcomes first (or with --course-outcomes)`,
    ]);
  }
}

async function lessonExists(stores: Stores, id: string): Promise<boolean> {
  try {
    await stores.lessons.getLessonTemplate(id);
    return true;
  } catch (error) {
    if (error instanceof StoreNotFoundError) return false;
    throw error;
  }
}

function toTemplate(row: SeedLessonTemplate, $id: string): LessonTemplate {
  const template: LessonTemplate = {
    $id,
    courseId: row.courseId,
    title: row.title,
    outcomeRefs: row.outcomeRefs,
    cards: row.cards,
  };
  if (row.lesson_type !== undefined) template.lesson_type = row.lesson_type;
  if (row.estMinutes !== undefined) template.estMinutes = row.estMinutes;
  if (row.sow_order !== undefined) template.sow_order = row.sow_order;
  return template;
}
