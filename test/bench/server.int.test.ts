/**
 * The server benchmark's drivers do what its figures claim (timing is the
 * bench's business, not this test's): through the real dev server, a whole
 * demo lesson of the teaching graph started from a seeded `{ session_id }`
 * ends with its completion summary and the expected MasteryV2 row, and a
 * lesson of the do-nothing baseline graph asks for every card and ends.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  baselineLesson,
  expectedMastery,
  startBenchServer,
  storedMastery,
  teachLesson,
  type BenchSetup,
} from "../../bench/server.js";

const dir = mkdtempSync(join(tmpdir(), "teaching-graph-server-bench-test-"));
const STUDENT = "bench_test_student";
let setup: BenchSetup;

beforeAll(async () => {
  setup = await startBenchServer(join(dir, "teaching.db"), [STUDENT]);
});

afterAll(async () => {
  await setup?.server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the server benchmark's lessons", () => {
  it("teaches a seeded session to its end and records every outcome as mastered", async () => {
    expect(await storedMastery(setup.sqlitePath, STUDENT)).toBeNull();
    const lesson = await teachLesson(setup, STUDENT);
    expect(lesson.error).toBeUndefined();
    expect(lesson.turns.map((turn) => turn.kind)).toEqual(["start", "card", "last"]);
    const expected = await expectedMastery(setup);
    // The demo lesson's O1 is an outcome in each of the course's three units.
    expect(Object.values(expected)).toEqual([1, 1, 1]);
    expect(await storedMastery(setup.sqlitePath, STUDENT)).toEqual(expected);
  });

  it("runs the baseline graph through the same turns", async () => {
    const lesson = await baselineLesson(setup);
    expect(lesson.error).toBeUndefined();
    expect(lesson.turns.map((turn) => turn.kind)).toEqual(["start", "card", "last"]);
  });
});
