/**
 * `npm start` end to end: the real CLI in a child process, answers piped to
 * stdin, a fresh embedded store per test file; the printed mastery is checked
 * against what the store holds.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { FAKE_TUTOR_LINES } from "../../src/models/fake.js";
import { createSqliteStores } from "../../src/stores/sqlite/index.js";
import { runChild, type ChildRun } from "../support/child-process.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSX = join(REPO_ROOT, "node_modules", ".bin", "tsx");
const COURSE_ID = "course_c84774";
const dir = mkdtempSync(join(tmpdir(), "teaching-graph-play-"));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `tsx src/cli/index.ts play` with `lines` piped to stdin, no teacher model. */
async function play(
  sqlitePath: string,
  lines: readonly string[],
  args: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<ChildRun> {
  return runChild(TSX, ["src/cli/index.ts", "play", ...args], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      SQLITE_PATH: sqlitePath,
      TEACHER_MODEL: "",
      APPWRITE_ENDPOINT: "",
      LOG_LEVEL: "error",
      ...env,
    },
    input: lines.map((line) => `${line}\n`).join(""),
  });
}

interface MasteryLine {
  outcomeId: string;
  mastery: number;
  cardScores: string;
  label: string;
}

const MASTERY_LINE = /^ {2}(\S+) {2}mastery (\d\.\d{4}) {2}card scores \[([^\]]*)\] {2}(.+)$/gm;

function masteryLines(stdout: string): MasteryLine[] {
  return [...stdout.matchAll(MASTERY_LINE)].map((match) => ({
    outcomeId: match[1] ?? "",
    mastery: Number(match[2]),
    cardScores: match[3] ?? "",
    label: match[4] ?? "",
  }));
}

/** The O1 documents of the demo course and the student's MasteryV2 map, as stored. */
async function stored(sqlitePath: string, studentId = "demo_student") {
  const stores = createSqliteStores(sqlitePath);
  try {
    const o1 = await stores.outcomes.findByOutcomeIds(COURSE_ID, ["O1"]);
    const all = await stores.outcomes.listByCourse(COURSE_ID);
    const row = await stores.mastery.get(studentId, COURSE_ID);
    return {
      o1Ids: o1.map((outcome) => outcome.$id).sort(),
      outcomeCount: all.length,
      ema: row === null ? null : (JSON.parse(row.emaByOutcome!) as Record<string, number>),
    };
  } finally {
    await stores.close();
  }
}

describe("npm start (teaching-graph play)", () => {
  const sqlitePath = join(dir, "lesson.db");

  // Concurrent with the first lesson below (separate store files): the two child processes overlap.
  it.concurrent(
    "fails with a typed error when the input ends mid-lesson, and records no mastery",
    async () => {
      const path = join(dir, "ended.db");
      const { code, stdout, stderr } = await play(path, ["2"], ["--student", "student_ended"]);
      expect(code).toBe(2);
      expect(stderr).toContain(
        "error [PLAYER_INPUT_ENDED]: Input ended while card card_001 (1 of 2) waited for an answer",
      );
      expect(stdout).not.toContain("Mastery recorded");
      expect((await stored(path, "student_ended")).ema).toBeNull();
    },
  );

  it.concurrent(
    "continues the lesson left unfinished on the next start, and finishes it once",
    async () => {
      const path = join(dir, "continued.db");
      const student = ["--student", "student_continued"];
      // Card 1 right first time (1.0), then the input ends at card 2.
      const first = await play(path, ["1/4"], student);
      expect(first.code).toBe(2);
      expect(first.stderr).toContain("waited for an answer");
      expect(first.stderr).toContain("`npm start` continues it");
      const sessionId = /session (\S+)\)/.exec(first.stdout)?.[1];
      expect(sessionId).toBeDefined();

      const second = await play(path, ["4"], student);
      expect(second.stderr).toBe("");
      expect(second.code).toBe(0);
      expect(second.stdout).toContain(
        `Continuing the unfinished lesson: Calculating Fractions of Amounts (2 cards, course course_c84774, session ${sessionId})`,
      );
      // The transcript so far is shown again, then card 2 is asked, not card 1.
      expect(second.stdout).toContain('Correct! The answer is "1/4".');
      expect(second.stdout).toContain("[card 2/2, attempt 1 of 3");
      expect(second.stdout).not.toContain("[card 1/2");
      expect(second.stdout).toContain("Evidence rows stored: 2 (session completed)");
      const { o1Ids, ema } = await stored(path, "student_continued");
      expect(ema).toEqual(Object.fromEntries(o1Ids.map((id) => [id, 1])));

      // Finished: the next start opens a new lesson.
      const third = await play(path, ["1/4", "4"], student);
      expect(third.code).toBe(0);
      expect(third.stdout).toContain("Lesson: Calculating Fractions of Amounts");
      expect(third.stdout).not.toContain(sessionId ?? "");
    },
  );

  it.concurrent(
    "teaches the deterministic cards from piped answers and prints the mastery it stored",
    async () => {
      // Card 1 (mcq): a blank line (refused, same attempt), a wrong option, then the right letter: 0.7.
      // Card 2 (numeric, £4): right first time, with a currency sign: 1.0.
      const { code, stdout, stderr } = await play(sqlitePath, ["", "1/2", "a", "£4.00"]);
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expect(stdout).toContain("TEACHER_MODEL is not set");
      expect(stdout).toContain("card_002, card_004 (judged against a rubric) are left out");
      expect(stdout).toContain(
        "Lesson: Calculating Fractions of Amounts (2 cards, course course_c84774",
      );
      expect(stdout).toContain("Question: Which of these represents one-quarter?");
      expect(stdout).toContain("(MISSING_ANSWER)");
      expect(stdout).toContain('Not quite: "1/2" is not the right answer.');
      expect(stdout).toContain("Have another go (attempt 2 of 3).");
      expect(stdout).toContain('Correct! The answer is "1/4".');
      expect(stdout).toContain("Correct! 4.00 is right.");

      const lines = masteryLines(stdout);
      const { o1Ids, ema } = await stored(sqlitePath);
      expect(lines.map((line) => line.outcomeId).sort()).toEqual(o1Ids);
      expect(o1Ids).toHaveLength(3);
      // EMA of 0.7 then 1.0 with alpha 0.3: 0.3 * 1.0 + 0.7 * 0.7.
      for (const line of lines) {
        expect(line).toMatchObject({ mastery: 0.79, cardScores: "0.7, 1.0" });
        expect(line.label).toMatch(/^H22[FG5] 74 O1 /);
      }
      expect(ema).toEqual(Object.fromEntries(o1Ids.map((id) => [id, 0.79])));
      expect(stdout).toContain('"studentId": "demo_student"');
      // Two cards: a wrong and a right attempt, then a right one.
      expect(stdout).toContain("Evidence rows stored: 3 (session completed)");
      const reviews = [...stdout.matchAll(/^ {2}(\S+) {2}next review (\S+) {2}/gm)];
      expect(reviews.map((match) => match[1]).sort()).toEqual(o1Ids);
      for (const match of reviews) expect(Date.parse(match[2] ?? "")).toBeGreaterThan(Date.now());
    },
  );

  // After the first lesson: same store file.
  it("seeds idempotently and folds a second lesson into the same record", async () => {
    // Card 1 skipped: 0.3; card 2 right first time: 1.0.
    const { code, stdout } = await play(sqlitePath, ["skip", "4"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Card skipped.");
    const { o1Ids, outcomeCount, ema } = await stored(sqlitePath);
    expect(outcomeCount).toBe(6);
    // 0.3 * 0.3 + 0.7 * 0.79 = 0.643, then 0.3 * 1.0 + 0.7 * 0.643 = 0.7501.
    const lines = masteryLines(stdout);
    expect(lines.map((line) => line.outcomeId).sort()).toEqual(o1Ids);
    for (const line of lines)
      expect(line).toMatchObject({ mastery: 0.7501, cardScores: "0.3, 1.0" });
    expect(ema).toEqual(Object.fromEntries(o1Ids.map((id) => [id, 0.7501])));
  });
});

describe("npm start with a teacher model (the test-only fake:tutor)", () => {
  it("answers a '?' line as a question, then asks the same card again and finishes the lesson", async () => {
    const played = await play(
      join(dir, "tutor.db"),
      ["?What is a denominator?", "1/4", "A full answer", "4", "A full answer"],
      [],
      { TEACHER_MODEL: "fake:tutor", TEACHING_FAKE_MODELS: "1" },
    );
    expect(played.stderr).toBe("");
    expect(played.code).toBe(0);
    const { stdout } = played;
    const answer = stdout.indexOf(FAKE_TUTOR_LINES.answer_question!);
    expect(answer).toBeGreaterThan(0);
    // Card 1 is asked again after the answer, at the same attempt.
    expect(stdout.indexOf("[card 1/4, attempt 1 of 3", answer)).toBeGreaterThan(answer);
    // Each line of the teacher is printed once (streamed, not again from the state).
    expect(stdout.split(FAKE_TUTOR_LINES.answer_question!)).toHaveLength(2);
    expect(stdout.split(FAKE_TUTOR_LINES.present_card!)).toHaveLength(5);
    expect(stdout).toContain(FAKE_TUTOR_LINES.lesson_summary);
    expect(stdout).toContain("Mastery recorded for student demo_student");
  }, 120_000);

  it("continues a lesson whose teacher failed, from the step that failed", async () => {
    const path = join(dir, "failed-teacher.db");
    const failed = await play(path, ["1/4"], [], {
      TEACHER_MODEL: "fake:unavailable",
      TEACHING_FAKE_MODELS: "1",
    });
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain("error [TEACHER_MODEL_FAILED]");
    expect(failed.stdout).not.toContain("[card 1/4");

    const continued = await play(path, ["1/4", "A full answer", "4", "A full answer"], [], {
      TEACHER_MODEL: "fake:tutor",
      TEACHING_FAKE_MODELS: "1",
    });
    expect(continued.stderr).toBe("");
    expect(continued.code).toBe(0);
    expect(continued.stdout).toContain("Continuing the unfinished lesson");
    expect(continued.stdout.split(FAKE_TUTOR_LINES.present_card!)).toHaveLength(5);
    expect(continued.stdout).toContain("Mastery recorded for student demo_student");
  }, 120_000);
});
