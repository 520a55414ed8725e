/**
 * The server benchmark's drivers do what its figures claim (timing is the
 * bench's business, not this test's): through the real dev server, a whole
 * demo lesson of the teaching graph started from a seeded `{ session_id }`
 * ends with its completion summary and the expected MasteryV2 row, a lesson
 * of each do-nothing graph asks for every card and ends, and the one that
 * stands for the teaching graph's steps runs the teaching graph's nodes per
 * card.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnswerRequestSchema } from "../../src/teaching/protocol.js";
import {
  BASELINE,
  BASELINE_TEACHING_STEPS,
  TEACHING,
  answerPayload,
  baselineLesson,
  expectedMastery,
  interruptValue,
  startBenchServer,
  storedMastery,
  teachLesson,
  type BenchSetup,
} from "../../bench/server.js";

const dir = mkdtempSync(join(tmpdir(), "teaching-graph-server-bench-test-"));
const STUDENT = "bench_test_student";
/** Whose lesson is traced node by node. */
const TRACED_STUDENT = "bench_test_traced_student";
let setup: BenchSetup;

beforeAll(async () => {
  setup = await startBenchServer(join(dir, "teaching.db"), [STUDENT, TRACED_STUDENT]);
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

  it.each([BASELINE, BASELINE_TEACHING_STEPS] as const)(
    "runs the do-nothing graph %s through the same turns",
    async (graph) => {
      const lesson = await baselineLesson(setup, graph);
      expect(lesson.error).toBeUndefined();
      expect(lesson.turns.map((turn) => turn.kind)).toEqual(["start", "card", "last"]);
    },
  );

  it("runs the teaching graph's nodes per card in the do-nothing graph that stands for its steps", async () => {
    const teaching = await nodesOfFirstAnswer(
      TEACHING,
      { messages: [], session_context: { session_id: TRACED_STUDENT } },
      (value) => answerPayload(AnswerRequestSchema.parse(value), setup.answerKey[0]!),
    );
    expect(teaching).toEqual(["await_answer", "evaluate", "update_mastery", "present_card"]);
    const totalCards = setup.answerKey.length;
    const teachingSteps = await nodesOfFirstAnswer(
      BASELINE_TEACHING_STEPS,
      { total_cards: totalCards },
      () => ({ card_index: 0 }),
    );
    expect(teachingSteps).toEqual(teaching);
    const baseline = await nodesOfFirstAnswer(BASELINE, { total_cards: totalCards }, () => ({
      card_index: 0,
    }));
    expect(baseline).toEqual(["await_answer", "present_card"]);
  });
});

/** The nodes that ran, in order, from the answer to a new thread's first question to the next. */
async function nodesOfFirstAnswer(
  graph: string,
  input: Record<string, unknown>,
  answer: (question: unknown) => unknown,
): Promise<string[]> {
  const thread = await setup.client.threads.create();
  const started = await setup.client.runs.wait(thread.thread_id, graph, { input });
  const nodes: string[] = [];
  for await (const chunk of setup.client.runs.stream(thread.thread_id, graph, {
    command: { resume: answer(interruptValue(started)) },
    streamMode: "updates",
  })) {
    if (chunk.event === "error") throw new Error(JSON.stringify(chunk.data));
    if (chunk.event === "updates")
      nodes.push(...Object.keys(chunk.data as object).filter((key) => key !== "__interrupt__"));
  }
  return nodes;
}
