import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeGzipPayload } from "../../src/lessons/codec.js";
import { MAX_LESSON_CARDS } from "../../src/lessons/schema.js";
import { isDocumentId } from "../../src/mastery/ids.js";
import {
  DEMO_COURSE_ID,
  demoSeedFiles,
  SeedConflictError,
  SeedFileError,
  seedDemoData,
  seedFromFiles,
} from "../../src/seed/index.js";
import { createMemoryStores } from "../../src/stores/memory/index.js";
import type { Stores } from "../../src/stores/ports.js";
import { rejectionOf } from "../stores/contract.js";
import { gzipBomb } from "../support/gzip-bomb.js";
import { manyCards } from "../teaching/support/fixtures.js";

const [OUTCOMES_FIXTURE, LESSON_FIXTURE] = [
  demoSeedFiles().courseOutcomeFiles[0] as string,
  demoSeedFiles().lessonFiles[0] as string,
];

let stores: Stores;
let dir: string;

beforeEach(async () => {
  stores = createMemoryStores();
  dir = await mkdtemp(join(tmpdir(), "teaching-graph-seed-"));
});
afterEach(async () => {
  await stores.close();
  await rm(dir, { recursive: true, force: true });
});

async function fixture(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, "utf8"));
}

async function writeJson(name: string, value: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof value === "string" ? value : JSON.stringify(value));
  return path;
}

async function fixtureOutcomes(): Promise<Record<string, unknown>[]> {
  return (await fixture(OUTCOMES_FIXTURE)) as Record<string, unknown>[];
}

async function nothingWritten(): Promise<void> {
  expect(await stores.outcomes.listByCourse(DEMO_COURSE_ID)).toEqual([]);
  expect(
    await stores.lessons.findLessonTemplate(DEMO_COURSE_ID, "Calculating Fractions of Amounts"),
  ).toBeNull();
}

describe("seedDemoData", () => {
  it("seeds the fixture outcomes with generated document IDs and the lesson placed in their course", async () => {
    const { outcomes, lessonTemplate, report } = await seedDemoData(stores);
    expect(outcomes).toHaveLength(6);
    expect(
      outcomes.every(
        (o) => isDocumentId(o.$id) && o.$id.length === 20 && /^[0-9a-f]+$/.test(o.$id),
      ),
    ).toBe(true);
    expect(new Set(outcomes.map((o) => o.$id)).size).toBe(6);
    expect(outcomes.map((o) => [o.unitCode, o.outcomeId])).toEqual([
      ["H22F 74", "O1"],
      ["H22F 74", "O2"],
      ["H22G 74", "O1"],
      ["H22G 74", "O2"],
      ["H225 74", "O1"],
      ["H225 74", "O2"],
    ]);
    // Appwrite stores keywords as a JSON string; the fixture gives an array.
    const source = await fixtureOutcomes();
    expect(JSON.parse(outcomes[0]?.keywords as string)).toEqual(source[0]?.keywords);
    expect(lessonTemplate).toMatchObject({
      courseId: DEMO_COURSE_ID,
      title: "Calculating Fractions of Amounts",
      outcomeRefs: ["O1", "AS1.2"],
      lesson_type: "teach",
      estMinutes: 50,
      sow_order: 1,
    });
    expect(lessonTemplate.cards).toHaveLength(4);
    expect(report.outcomes.every((o) => o.status === "created")).toBe(true);
    expect(await stores.outcomes.findByOutcomeIds(DEMO_COURSE_ID, ["O1"])).toHaveLength(3);
  });

  it("adds nothing the second time and returns the same rows", async () => {
    const first = await seedDemoData(stores);
    const second = await seedDemoData(stores);
    expect(second.outcomes).toEqual(first.outcomes);
    expect(second.lessonTemplate).toEqual(first.lessonTemplate);
    expect(
      [...second.report.outcomes, ...second.report.lessons].every(
        (row) => row.status === "existing",
      ),
    ).toBe(true);
    expect(await stores.outcomes.listByCourse(DEMO_COURSE_ID)).toHaveLength(6);
  });
});

describe("seedFromFiles", () => {
  it("keeps an $id given in the file", async () => {
    const outcomes = await fixtureOutcomes();
    const given = "68f576b1000c0f5d0ae8";
    const file = await writeJson("outcomes.json", [{ ...outcomes[0], $id: given }, outcomes[1]]);
    const report = await seedFromFiles(stores, { courseOutcomeFiles: [file], lessonFiles: [] });
    expect(report.outcomes[0]).toMatchObject({
      $id: given,
      status: "created",
      file,
      unitCode: "H22F 74",
      outcomeId: "O1",
    });
    expect(await stores.outcomes.getByIds([given])).toHaveLength(1);
  });

  it("matches stored outcomes by course, unit and code, and lessons by course and title", async () => {
    const first = await seedFromFiles(stores, demoSeedFiles());
    const again = await seedFromFiles(stores, {
      courseOutcomeFiles: [OUTCOMES_FIXTURE],
      lessonFiles: [LESSON_FIXTURE],
      lessonCourseId: DEMO_COURSE_ID,
    });
    expect(again.outcomes.map((o) => o.$id)).toEqual(first.outcomes.map((o) => o.$id));
    expect(again.lessons).toEqual([{ ...first.lessons[0], status: "existing" }]);
  });

  it("accepts outcome refs and cards stored encoded, as Appwrite exports them", async () => {
    const lesson = (await fixture(LESSON_FIXTURE)) as Record<string, unknown>;
    const file = await writeJson("lesson.json", {
      ...lesson,
      outcomeRefs: JSON.stringify(lesson.outcomeRefs),
      cards: encodeGzipPayload(lesson.cards),
    });
    const report = await seedFromFiles(stores, {
      courseOutcomeFiles: [OUTCOMES_FIXTURE],
      lessonFiles: [file],
      lessonCourseId: DEMO_COURSE_ID,
    });
    const stored = await stores.lessons.getLessonTemplate(report.lessons[0]?.$id as string);
    expect(stored.outcomeRefs).toEqual(lesson.outcomeRefs);
    expect(stored.cards).toEqual(lesson.cards);
  });

  describe("refuses bad files, naming file and field, and writes nothing", () => {
    it("an outcome without a required field (after a good file)", async () => {
      const outcomes = await fixtureOutcomes();
      const withoutUnit = { ...outcomes[1] };
      delete withoutUnit.unitCode;
      const bad = await writeJson("bad.json", [outcomes[0], withoutUnit]);
      const error = await rejectionOf(
        seedFromFiles(stores, { courseOutcomeFiles: [OUTCOMES_FIXTURE, bad], lessonFiles: [] }),
        SeedFileError,
      );
      expect(error.code).toBe("SEED_FILE_INVALID");
      expect(error.file).toBe(bad);
      expect(error.fields).toEqual([expect.stringMatching(/^\[1\]\.unitCode: /)]);
      expect(error.message).toContain(bad);
      await nothingWritten();
    });

    it("an $id that is not a document ID", async () => {
      const outcomes = await fixtureOutcomes();
      const bad = await writeJson("bad-id.json", [{ ...outcomes[0], $id: "O1" }]);
      const error = await rejectionOf(
        seedFromFiles(stores, { courseOutcomeFiles: [bad], lessonFiles: [] }),
        SeedFileError,
      );
      expect(error.fields).toEqual([
        expect.stringMatching(/^\[0\]\.\$id: must be an Appwrite document ID/),
      ]);
      await nothingWritten();
    });

    it("a file that is not JSON, an empty array, and a missing file", async () => {
      const notJson = await writeJson("not.json", "{oops");
      const empty = await writeJson("empty.json", []);
      for (const file of [notJson, empty, join(dir, "absent.json")]) {
        const error = await rejectionOf(
          seedFromFiles(stores, { courseOutcomeFiles: [file], lessonFiles: [] }),
          SeedFileError,
        );
        expect(error.context).toMatchObject({ file });
      }
      await nothingWritten();
    });

    it("a lesson card the graph could not present", async () => {
      const lesson = (await fixture(LESSON_FIXTURE)) as { cards: Record<string, unknown>[] };
      const [card, ...rest] = lesson.cards;
      const broken = { ...card, cfu: { ...(card?.cfu as object), answerIndex: 9 } };
      const bad = await writeJson("bad-lesson.json", { ...lesson, cards: [broken, ...rest] });
      const error = await rejectionOf(
        seedFromFiles(stores, {
          courseOutcomeFiles: [OUTCOMES_FIXTURE],
          lessonFiles: [bad],
          lessonCourseId: DEMO_COURSE_ID,
        }),
        SeedFileError,
      );
      expect(error.fields.join()).toMatch(/^cards\[0\]\.cfu/);
      await nothingWritten();
    });

    it.each([
      {
        case: `more than ${MAX_LESSON_CARDS} cards`,
        cards: () => manyCards(MAX_LESSON_CARDS + 1),
        field: `cards: a lesson has at most ${MAX_LESSON_CARDS} cards, got ${MAX_LESSON_CARDS + 1}`,
      },
      {
        case: "cards as a gzip bomb",
        cards: () => gzipBomb(8),
        field: expect.stringMatching(
          /^cards: cannot be decoded: gzip data of \d+ bytes inflates past/,
        ),
      },
    ])("a lesson with $case", async ({ cards, field }) => {
      const lesson = (await fixture(LESSON_FIXTURE)) as Record<string, unknown>;
      const bad = await writeJson("big-lesson.json", { ...lesson, cards: cards() });
      const error = await rejectionOf(
        seedFromFiles(stores, {
          courseOutcomeFiles: [OUTCOMES_FIXTURE],
          lessonFiles: [bad],
          lessonCourseId: DEMO_COURSE_ID,
        }),
        SeedFileError,
      );
      expect(error.fields).toEqual([field]);
      await nothingWritten();
    });

    it("a lesson whose outcome refs match no outcome of its course (the fixture left in course_test_mock)", async () => {
      const error = await rejectionOf(
        seedFromFiles(stores, {
          courseOutcomeFiles: [OUTCOMES_FIXTURE],
          lessonFiles: [LESSON_FIXTURE],
        }),
        SeedFileError,
      );
      expect(error.file).toBe(LESSON_FIXTURE);
      expect(error.fields[0]).toContain("no outcome of course course_test_mock has outcomeId O1");
      await nothingWritten();
    });

    it("a lesson whose refs hold no outcome at all", async () => {
      const lesson = (await fixture(LESSON_FIXTURE)) as Record<string, unknown>;
      const bad = await writeJson("standards-only.json", {
        ...lesson,
        outcomeRefs: ["AS1.1", " "],
      });
      const error = await rejectionOf(
        seedFromFiles(stores, {
          courseOutcomeFiles: [OUTCOMES_FIXTURE],
          lessonFiles: [bad],
          lessonCourseId: DEMO_COURSE_ID,
        }),
        SeedFileError,
      );
      expect(error.fields[0]).toMatch(/holds no outcome ref/);
      await nothingWritten();
    });
  });

  describe("refuses conflicting data and writes nothing", () => {
    it("the same outcome in two files", async () => {
      const error = await rejectionOf(
        seedFromFiles(stores, {
          courseOutcomeFiles: [OUTCOMES_FIXTURE, OUTCOMES_FIXTURE],
          lessonFiles: [],
        }),
        SeedConflictError,
      );
      expect(error.code).toBe("SEED_CONFLICT");
      expect(error.context).toMatchObject({
        courseId: DEMO_COURSE_ID,
        unitCode: "H22F 74",
        outcomeId: "O1",
      });
      await nothingWritten();
    });

    it("an $id that differs from the stored outcome's", async () => {
      await seedFromFiles(stores, { courseOutcomeFiles: [OUTCOMES_FIXTURE], lessonFiles: [] });
      const outcomes = await fixtureOutcomes();
      const file = await writeJson("renamed.json", [
        { ...outcomes[0], $id: "68f576b1000c0f5d0ae8" },
      ]);
      const error = await rejectionOf(
        seedFromFiles(stores, { courseOutcomeFiles: [file], lessonFiles: [] }),
        SeedConflictError,
      );
      expect(error.context).toMatchObject({ file, index: 0, outcomeId: "O1" });
      expect(await stores.outcomes.getByIds(["68f576b1000c0f5d0ae8"])).toEqual([]);
    });

    it("an $id that already names another outcome", async () => {
      const outcomes = await fixtureOutcomes();
      const taken = "68f576b1000c0f5d0ae8";
      const first = await writeJson("first.json", [{ ...outcomes[0], $id: taken }]);
      await seedFromFiles(stores, { courseOutcomeFiles: [first], lessonFiles: [] });
      const second = await writeJson("second.json", [{ ...outcomes[1], $id: taken }]);
      await rejectionOf(
        seedFromFiles(stores, { courseOutcomeFiles: [second], lessonFiles: [] }),
        SeedConflictError,
      );
      expect((await stores.outcomes.getByIds([taken]))[0]?.outcomeId).toBe("O1");
    });
  });
});
