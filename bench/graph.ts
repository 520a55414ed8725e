/**
 * Cost of one answered card: from `Command({ resume })` with a correct answer
 * to the next card's interrupt, for the teaching graph (deterministic
 * evaluator, SQLite checkpointer, in-memory mastery store) and for baseline
 * graphs with the same checkpointer and the same number of steps per card
 * whose nodes do nothing.
 *
 * The target (ratio <= 1.3) measures the graph's own work over the
 * framework's, so its baseline carries the same data: a mid-lesson copy of
 * the teaching state, which the checkpointer serializes at every step as it
 * does the teaching graph's. A second baseline that carries nothing is printed
 * beside it, so the cost of the state's size shows too. Also checks that a
 * card takes no more steps than the flow needs. Prints figures; asserts nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Command, END, START, StateGraph, StateSchema, interrupt } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { z } from "zod";
import type { Card } from "../src/lessons/schema.js";
import { uniqueId } from "../src/mastery/ids.js";
import type { CourseOutcome } from "../src/outcomes/schema.js";
import type { SessionContextInput } from "../src/session/context.js";
import { createMemoryStores } from "../src/stores/memory/index.js";
import { createTeachingGraph } from "../src/teaching/graph.js";

const TARGET_RATIO = 1.3;
/**
 * What a correctly answered card needs: accept the answer (await_answer),
 * judge it (evaluate), record its mastery (update_mastery) and show the next
 * card (present_card), whose await_answer then interrupts.
 */
const FLOW_STEPS_PER_CARD = 4;
const CARDS_PER_LESSON = 12;
const WARMUP_LESSONS = 3;
const MEASURED_LESSONS = 15;
const COURSE_ID = "course_bench";

interface Sample {
  /** 0-based card whose answer was timed. */
  card: number;
  millis: number;
  steps: number;
}

/** One graph under test, driven the same way as the other. */
interface Driver {
  /** Starts a lesson on a new thread; resolves at the first interrupt with the answers to give, in order. */
  start(threadId: string): Promise<unknown[]>;
  /** Resumes with an answer; resolves at the next interrupt (or the end). */
  resume(threadId: string, answer: unknown): Promise<void>;
  /** The nodes a resume runs, in order (streams updates; not for timing). */
  trace(threadId: string, answer: unknown): Promise<string[]>;
  step(threadId: string): Promise<number>;
}

interface TeachingDriver extends Driver {
  /** The thread's state values, as the checkpointer holds them. */
  values(threadId: string): Promise<unknown>;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "teaching-graph-bench-"));
  const checkpointer = SqliteSaver.fromConnString(join(dir, "checkpoints.db"));
  try {
    const teaching = await teachingDriver(checkpointer);
    const probe = await probeLesson(teaching);
    const drivers = {
      teaching,
      emptyState: baselineDriver(checkpointer, probe.steps, null),
      sameState: baselineDriver(checkpointer, probe.steps, probe.midLessonValues),
    };
    const samples: Record<keyof typeof drivers, Sample[]> = {
      teaching: [],
      emptyState: [],
      sameState: [],
    };
    for (let lesson = 0; lesson < WARMUP_LESSONS + MEASURED_LESSONS; lesson += 1) {
      // Interleaved so that drift (GC, file cache, other load) hits all alike.
      for (const name of ["teaching", "emptyState", "sameState"] as const) {
        const timed = await timeLesson(drivers[name], `${name}-${lesson}`);
        if (lesson >= WARMUP_LESSONS) samples[name].push(...timed);
      }
    }
    report(probe.nodes, samples);
  } finally {
    checkpointer.db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Times every card whose answer leads to another card (the last one leads to the lesson's end). */
async function timeLesson(driver: Driver, threadId: string): Promise<Sample[]> {
  const answers = await driver.start(threadId);
  const samples: Sample[] = [];
  let step = await driver.step(threadId);
  for (const [card, answer] of answers.slice(0, -1).entries()) {
    const started = performance.now();
    await driver.resume(threadId, answer);
    const millis = performance.now() - started;
    const next = await driver.step(threadId);
    samples.push({ card, millis, steps: next - step });
    step = next;
  }
  return samples;
}

/**
 * The nodes and graph steps of one correctly answered card of the teaching
 * graph, and the lesson's state values half-way through.
 */
async function probeLesson(
  driver: TeachingDriver,
): Promise<{ nodes: string[]; steps: number; midLessonValues: unknown }> {
  const [first, ...rest] = await driver.start("probe");
  const before = await driver.step("probe");
  const nodes = await driver.trace("probe", first);
  const steps = (await driver.step("probe")) - before;
  for (const answer of rest.slice(0, Math.floor(CARDS_PER_LESSON / 2) - 1))
    await driver.resume("probe", answer);
  return { nodes, steps, midLessonValues: await driver.values("probe") };
}

async function teachingDriver(checkpointer: SqliteSaver): Promise<TeachingDriver> {
  const stores = createMemoryStores();
  const outcomes = benchOutcomes();
  await stores.outcomes.upsertMany(outcomes);
  const graph = createTeachingGraph({
    getStores: () => stores,
    getChatModel: async () => undefined,
    authMode: "none",
  }).compile({ checkpointer });
  const cards = benchCards();
  const config = (threadId: string) => ({ configurable: { thread_id: threadId } });
  return {
    async start(threadId) {
      const sessionContext: SessionContextInput = {
        session_id: threadId,
        student_id: "bench_student",
        lesson_snapshot: {
          lessonTemplateId: "bench_lesson",
          courseId: COURSE_ID,
          title: "Benchmark lesson",
          outcomeRefs: ["O1"],
          cards,
        },
        enriched_outcomes: outcomes,
      };
      await graph.invoke({ messages: [], session_context: sessionContext }, config(threadId));
      return cards.map((card) => ({
        action: "submit_answer",
        card_id: card.id,
        student_response: correctAnswer(card),
      }));
    },
    async resume(threadId, answer) {
      await graph.invoke(new Command({ resume: answer }), config(threadId));
    },
    async trace(threadId, answer) {
      const nodes: string[] = [];
      const stream = await graph.stream(new Command({ resume: answer }), {
        ...config(threadId),
        streamMode: "updates",
      });
      for await (const update of stream)
        nodes.push(...Object.keys(update).filter((key) => key !== "__interrupt__"));
      return nodes;
    },
    async step(threadId) {
      return stepOf(await graph.getState(config(threadId)));
    },
    async values(threadId) {
      return (await graph.getState(config(threadId))).values;
    },
  };
}

/**
 * `wait` interrupts like await_answer; then `idle` runs `stepsPerCard - 1`
 * times, doing nothing but count, and leads back to `wait`, so a resume runs
 * the same number of steps as a correctly answered card of the teaching graph.
 * `ballast` is carried in a channel no node touches (null: nothing to carry).
 */
function baselineDriver(checkpointer: SqliteSaver, stepsPerCard: number, ballast: unknown): Driver {
  const State = new StateSchema({
    /** Cards answered so far. */
    cards: z.int().default(0),
    /** Idle steps left before the next wait. */
    remaining: z.int().default(0),
    /** Data that is only carried from checkpoint to checkpoint. */
    ballast: z.unknown(),
  });
  type BaselineState = typeof State.State;
  const graph = new StateGraph(State)
    .addNode("wait", (state: BaselineState) => {
      interrupt({ type: "answer_request" });
      return { cards: state.cards + 1, remaining: stepsPerCard - 1 };
    })
    .addNode("idle", (state: BaselineState) => ({ remaining: state.remaining - 1 }))
    .addEdge(START, "wait")
    .addEdge("wait", "idle")
    .addConditionalEdges(
      "idle",
      (state: BaselineState) =>
        state.remaining > 0 ? "idle" : state.cards >= CARDS_PER_LESSON ? END : "wait",
      ["idle", "wait", END],
    )
    .compile({ checkpointer });
  const config = (threadId: string) => ({ configurable: { thread_id: threadId } });
  return {
    async start(threadId) {
      await graph.invoke({ cards: 0, ballast }, config(threadId));
      return Array.from({ length: CARDS_PER_LESSON }, () => "answer");
    },
    async resume(threadId, answer) {
      await graph.invoke(new Command({ resume: answer }), config(threadId));
    },
    async trace(threadId, answer) {
      const nodes: string[] = [];
      const stream = await graph.stream(new Command({ resume: answer }), {
        ...config(threadId),
        streamMode: "updates",
      });
      for await (const update of stream)
        nodes.push(...Object.keys(update).filter((key) => key !== "__interrupt__"));
      return nodes;
    },
    async step(threadId) {
      return stepOf(await graph.getState(config(threadId)));
    },
  };
}

function stepOf(state: { metadata?: { step?: number } }): number {
  const step = state.metadata?.step;
  if (step === undefined) throw new Error("checkpoint without a step number");
  return step;
}

function benchOutcomes(): CourseOutcome[] {
  return ["Unit A", "Unit B", "Unit C"].map((unitTitle, index) => ({
    $id: uniqueId(Date.now() + index),
    courseId: COURSE_ID,
    unitCode: `BENCH ${index + 1}`,
    unitTitle,
    outcomeId: "O1",
    outcomeTitle: `Outcome 1 of ${unitTitle}`,
    assessmentStandards: "[]",
  }));
}

/** Alternating MCQ and numeric cards, the two deterministic kinds. */
function benchCards(): Card[] {
  return Array.from({ length: CARDS_PER_LESSON }, (_, index) => {
    const base = {
      id: `card_${String(index + 1).padStart(3, "0")}`,
      title: `Card ${index + 1}`,
      explainer: `Explainer of card ${index + 1}.`,
    };
    return index % 2 === 0
      ? {
          ...base,
          cfu: {
            id: `q${index}`,
            type: "mcq",
            stem: "Which is one quarter?",
            options: ["1/4", "1/2", "1/3"],
            answerIndex: 0,
          },
        }
      : {
          ...base,
          cfu: {
            id: `q${index}`,
            type: "numeric",
            stem: "What is 1/3 of £12?",
            expected: 4,
            tolerance: 0.01,
            money2dp: true,
          },
        };
  });
}

function correctAnswer(card: Card): string {
  const cfu = card.cfu;
  if (cfu.type === "numeric") return String(cfu.expected);
  if (cfu.type === "mcq" && cfu.multiSelect !== true) {
    const option = cfu.options[cfu.answerIndex];
    if (option !== undefined) return option;
  }
  throw new Error(`bench cards are numeric or single-choice MCQs; got ${JSON.stringify(cfu)}`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function summary(samples: readonly Sample[]): string {
  const millis = samples.map((sample) => sample.millis);
  const sorted = [...millis].sort((a, b) => a - b);
  const p95 = sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))] ?? Number.NaN;
  const mean = millis.reduce((sum, value) => sum + value, 0) / millis.length;
  const steps = [...new Set(samples.map((sample) => sample.steps))].join("/");
  return `median ${ms(median(millis))}, mean ${ms(mean)}, p95 ${ms(p95)}; steps per answered card ${steps}`;
}

/** Median time of the early and the late cards of a lesson: growth comes from the state the checkpointer copies. */
function growth(samples: readonly Sample[]): string {
  const third = Math.floor((CARDS_PER_LESSON - 1) / 3);
  const early = samples.filter((sample) => sample.card < third).map((sample) => sample.millis);
  const late = samples
    .filter((sample) => sample.card >= CARDS_PER_LESSON - 1 - third)
    .map((sample) => sample.millis);
  return `first ${third} cards ${ms(median(early))}, last ${third} cards ${ms(median(late))}`;
}

function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

function report(
  nodes: readonly string[],
  samples: Record<"teaching" | "emptyState" | "sameState", Sample[]>,
): void {
  const medianOf = (name: keyof typeof samples) =>
    median(samples[name].map((sample) => sample.millis));
  const ratio = medianOf("teaching") / medianOf("sameState");
  const steps = Math.max(...samples.teaching.map((sample) => sample.steps));
  const lines = [
    `answered cards timed per graph: ${samples.teaching.length} (${MEASURED_LESSONS} lessons of ${CARDS_PER_LESSON} cards after ${WARMUP_LESSONS} warm-up lessons; SQLite checkpointer)`,
    `nodes per correctly answered card: ${nodes.join(" -> ")} (then await_answer interrupts)`,
    `teaching graph:                         ${summary(samples.teaching)}`,
    `                                        ${growth(samples.teaching)}`,
    `baseline, same state, nodes do nothing: ${summary(samples.sameState)}`,
    `baseline, empty state, nodes do nothing: ${summary(samples.emptyState)}`,
    `  -> teaching / empty-state baseline ${(medianOf("teaching") / medianOf("emptyState")).toFixed(2)}: the checkpointer's cost of carrying the lesson (cards, outcomes, messages) is most of the difference`,
    `steps per answered card: ${steps}, flow needs ${FLOW_STEPS_PER_CARD}  ${steps <= FLOW_STEPS_PER_CARD ? "PASS" : "FAIL"}`,
    `ratio (median teaching / same-state baseline): ${ratio.toFixed(2)}, target <= ${TARGET_RATIO}  ${ratio <= TARGET_RATIO ? "PASS" : "FAIL"}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
