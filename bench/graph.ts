/**
 * Cost of one answered card: from `Command({ resume })` with a correct answer
 * to the next card's interrupt, for the teaching graph as the server runs it
 * (a lesson started from `{ session_id }` on a session seeded in the memory
 * stores; deterministic evaluator; the incremental SQLite checkpointer of
 * src/checkpoint) and for baseline graphs with the same checkpointer and the
 * same number of steps per card whose nodes do nothing.
 *
 * The targets: the teaching graph within 1.3x of the baseline that carries
 * nothing (the framework's floor: whatever the checkpointer copies at every
 * step beyond that is the graph's cost), and flat over a lesson (its last
 * cards within 1.1x of its first: the state must not grow with the
 * transcript in a way that costs). Printed beside them: a baseline carrying a
 * mid-lesson copy of the teaching state (the graph's own work over the
 * framework's), one that writes at each step what the teaching graph's node
 * wrote there (splitting that work into what a card must write and the rest),
 * and the lesson sent inline (the development path, whose state carries the
 * whole lesson). Also checks that a card takes no more steps than the flow
 * needs. Prints figures; asserts nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import {
  mapChatMessagesToStoredMessages,
  mapStoredMessagesToChatMessages,
  type BaseMessage,
} from "@langchain/core/messages";
import { Command, END, START, StateGraph, StateSchema, interrupt } from "@langchain/langgraph";
import { z } from "zod";
import { IncrementalSqliteSaver } from "../src/checkpoint/sqlite-saver.js";
import type { Card, LessonSnapshot } from "../src/lessons/schema.js";
import { uniqueId } from "../src/mastery/ids.js";
import type { CourseOutcome } from "../src/outcomes/schema.js";
import { createMemoryStores } from "../src/stores/memory/index.js";
import { createTeachingGraph } from "../src/teaching/graph.js";
import { TeachingState, type SessionStartInput } from "../src/teaching/state.js";

/** Teaching graph over the empty-state floor. */
const TARGET_RATIO = 1.3;
/** Last cards of a lesson over its first. */
const TARGET_FLATNESS = 1.1;
/** Cards at each end of a lesson compared for flatness. */
const FLATNESS_CARDS = 3;
/**
 * What a correctly answered card needs: accept the answer (await_answer),
 * judge it (evaluate), record its mastery (update_mastery) and show the next
 * card (present_card), whose await_answer then interrupts.
 */
const FLOW_STEPS_PER_CARD = 4;
const CARDS_PER_LESSON = 12;
const WARMUP_LESSONS = 3;
const MEASURED_LESSONS = 25;
const COURSE_ID = "course_bench";

interface Sample {
  /** 0-based measured lesson (round) the card was timed in; every driver teaches one lesson per round. */
  round: number;
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
  step(threadId: string): Promise<number>;
}

interface NodeUpdate {
  node: string;
  update: Record<string, unknown>;
}

const DRIVER_NAMES = ["teaching", "emptyState", "sameState", "sameWrites", "inline"] as const;
type DriverName = (typeof DRIVER_NAMES)[number];

interface TeachingDriver extends Driver {
  /** The nodes a resume runs, in order, with what each wrote (streams updates; not for timing). */
  trace(threadId: string, answer: unknown): Promise<NodeUpdate[]>;
  /** The thread's state values, as the checkpointer holds them. */
  values(threadId: string): Promise<unknown>;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "teaching-graph-bench-"));
  const checkpointer = IncrementalSqliteSaver.fromConnString(join(dir, "checkpoints.db"));
  try {
    const teaching = await teachingDriver(checkpointer, "stored");
    const probe = await probeLesson(teaching, checkpointer);
    const drivers: Record<DriverName, Driver> = {
      teaching,
      emptyState: baselineDriver(checkpointer, probe.steps, null),
      sameState: baselineDriver(checkpointer, probe.steps, probe.midLessonValues),
      sameWrites: sameWritesDriver(checkpointer, probe.cardWrites),
      inline: await teachingDriver(checkpointer, "inline"),
    };
    const samples: Record<DriverName, Sample[]> = {
      teaching: [],
      emptyState: [],
      sameState: [],
      sameWrites: [],
      inline: [],
    };
    for (let lesson = 0; lesson < WARMUP_LESSONS + MEASURED_LESSONS; lesson += 1) {
      // Interleaved so that drift (GC, file cache, other load) hits all alike.
      for (const name of DRIVER_NAMES) {
        const timed = await timeLesson(drivers[name], `${name}-${lesson}`, lesson - WARMUP_LESSONS);
        if (lesson >= WARMUP_LESSONS) samples[name].push(...timed);
      }
    }
    report(probe, samples);
  } finally {
    checkpointer.db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Times every card whose answer leads to another card (the last one leads to the lesson's end). */
async function timeLesson(driver: Driver, threadId: string, round: number): Promise<Sample[]> {
  const answers = await driver.start(threadId);
  const samples: Sample[] = [];
  let step = await driver.step(threadId);
  for (const [card, answer] of answers.slice(0, -1).entries()) {
    const started = performance.now();
    await driver.resume(threadId, answer);
    const millis = performance.now() - started;
    const next = await driver.step(threadId);
    samples.push({ round, card, millis, steps: next - step });
    step = next;
  }
  return samples;
}

/**
 * The nodes and graph steps of one correctly answered card of the teaching
 * graph, the lesson's state values half-way through, and the size of its
 * checkpoint after the first card and before the last.
 */
async function probeLesson(
  driver: TeachingDriver,
  checkpointer: IncrementalSqliteSaver,
): Promise<Probe> {
  const [first, ...rest] = await driver.start("probe");
  const before = await driver.step("probe");
  const updates = await driver.trace("probe", first);
  const steps = (await driver.step("probe")) - before;
  const firstCard = await checkpointBytes(checkpointer, "probe");
  const lastTimed = rest.length - 1;
  let midLessonValues: unknown;
  for (const [index, answer] of rest.slice(0, lastTimed).entries()) {
    await driver.resume("probe", answer);
    if (index === Math.floor(CARDS_PER_LESSON / 2) - 2)
      midLessonValues = await driver.values("probe");
  }
  const lastCard = await checkpointBytes(checkpointer, "probe");
  return {
    nodes: updates.map(({ node }) => node),
    cardWrites: updates.map(({ update }) => update),
    steps,
    midLessonValues,
    checkpoint: { firstCard, lastCard },
  };
}

interface Probe {
  nodes: string[];
  /** What each node of the probed card wrote, in order. */
  cardWrites: Record<string, unknown>[];
  steps: number;
  midLessonValues: unknown;
  /** The thread's latest checkpoint after the first answered card and before the last one. */
  checkpoint: { firstCard: CheckpointBytes; lastCard: CheckpointBytes };
}

/** Serialised bytes of a checkpoint's channel values, in all and of the transcript (`messages`). */
interface CheckpointBytes {
  total: number;
  messages: number;
}

async function checkpointBytes(
  checkpointer: IncrementalSqliteSaver,
  threadId: string,
): Promise<CheckpointBytes> {
  const tuple = await checkpointer.getTuple({ configurable: { thread_id: threadId } });
  if (tuple === undefined) throw new Error(`no checkpoint for thread ${threadId}`);
  let total = 0;
  let messages = 0;
  for (const [channel, value] of Object.entries(tuple.checkpoint.channel_values)) {
    const [, bytes] = await checkpointer.serde.dumpsTyped(value);
    total += bytes.length;
    if (channel === "messages") messages = bytes.length;
  }
  return { total, messages };
}

/**
 * The teaching graph, its lessons started as the server starts them
 * (`stored`: `{ session_id }` of a session row in the store) or sent whole by
 * the caller (`inline`: Studio, tests).
 */
async function teachingDriver(
  checkpointer: IncrementalSqliteSaver,
  start: "stored" | "inline",
): Promise<TeachingDriver> {
  const stores = createMemoryStores();
  const outcomes = benchOutcomes();
  await stores.outcomes.upsertMany(outcomes);
  const graph = createTeachingGraph({
    getStores: () => stores,
    getChatModel: async () => undefined,
    authMode: "none",
  }).compile({ checkpointer });
  const cards = benchCards();
  const lesson: LessonSnapshot = {
    lessonTemplateId: "bench_lesson",
    courseId: COURSE_ID,
    title: "Benchmark lesson",
    outcomeRefs: ["O1"],
    cards,
  };
  const sessionContext = async (threadId: string): Promise<SessionStartInput> => {
    const sessionId = `session_${threadId}`;
    if (start === "inline") {
      return {
        session_id: sessionId,
        student_id: "bench_student",
        lesson_snapshot: lesson,
        enriched_outcomes: outcomes,
      };
    }
    await stores.lessons.putSession({
      $id: sessionId,
      studentId: "bench_student",
      courseId: COURSE_ID,
      lessonTemplateId: lesson.lessonTemplateId,
      lessonSnapshot: lesson,
      status: "created",
      startedAt: new Date().toISOString(),
    });
    return { session_id: sessionId };
  };
  const config = (threadId: string) => ({ configurable: { thread_id: threadId } });
  return {
    async start(threadId) {
      await graph.invoke(
        { messages: [], session_context: await sessionContext(threadId) },
        config(threadId),
      );
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
      return nodeUpdates(
        await graph.stream(new Command({ resume: answer }), {
          ...config(threadId),
          streamMode: "updates",
        }),
      );
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
function baselineDriver(
  checkpointer: IncrementalSqliteSaver,
  stepsPerCard: number,
  ballast: unknown,
): Driver {
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
    async step(threadId) {
      return stepOf(await graph.getState(config(threadId)));
    },
  };
}

/**
 * The teaching graph's state, and per card what its nodes wrote for the probed
 * card (`cardWrites`, one update a step: the card's messages, evidence,
 * score and progress), written again by nodes that do nothing else: `wait`
 * interrupts like await_answer and writes the first update, then `replay`
 * writes the others, one a step. What it costs over the empty baseline is the
 * price of writing what a card writes (new message objects included); what
 * the teaching graph costs over it is the nodes' work beyond their writes and
 * the graph's size (nodes, routers).
 */
function sameWritesDriver(
  checkpointer: IncrementalSqliteSaver,
  cardWrites: readonly Record<string, unknown>[],
): Driver {
  const State = new StateSchema({
    ...TeachingState.fields,
    /** Cards answered so far. */
    replayed_cards: z.int().default(0),
    /** The next of the card's updates to write. */
    replay_step: z.int().default(0),
  });
  type ReplayState = typeof State.State;
  const write = (step: number) => {
    const update = cardWrites[step];
    if (update === undefined)
      throw new Error(
        `the probed card wrote ${cardWrites.length} updates; there is no update ${step}`,
      );
    return asNewMessages(update);
  };
  const graph = new StateGraph(State)
    .addNode("wait", (state: ReplayState) => {
      interrupt({ type: "answer_request" });
      return { ...write(0), replayed_cards: state.replayed_cards + 1, replay_step: 1 };
    })
    .addNode("replay", (state: ReplayState) => ({
      ...write(state.replay_step),
      replay_step: state.replay_step + 1,
    }))
    .addEdge(START, "wait")
    .addEdge("wait", "replay")
    .addConditionalEdges(
      "replay",
      (state: ReplayState) =>
        state.replay_step < cardWrites.length
          ? "replay"
          : state.replayed_cards >= CARDS_PER_LESSON
            ? END
            : "wait",
      ["replay", "wait", END],
    )
    .compile({ checkpointer });
  const config = (threadId: string) => ({ configurable: { thread_id: threadId } });
  return {
    async start(threadId) {
      await graph.invoke({ replayed_cards: 0 }, config(threadId));
      return Array.from({ length: CARDS_PER_LESSON }, () => "answer");
    },
    async resume(threadId, answer) {
      await graph.invoke(new Command({ resume: answer }), config(threadId));
    },
    async step(threadId) {
      return stepOf(await graph.getState(config(threadId)));
    },
  };
}

/** `update` with copies of its messages that have no ID, so that the transcript gains new messages, as a card's do. */
function asNewMessages(update: Record<string, unknown>): Record<string, unknown> {
  const messages = update.messages;
  if (!Array.isArray(messages)) return update;
  const stored = mapChatMessagesToStoredMessages(messages as BaseMessage[]).map(
    ({ type, data }) => ({ type, data: { ...data, id: undefined } }),
  );
  return { ...update, messages: mapStoredMessagesToChatMessages(stored) };
}

/** The updates of a stream in `updates` mode, the interrupt left out. */
async function nodeUpdates(stream: AsyncIterable<Record<string, unknown>>): Promise<NodeUpdate[]> {
  const updates: NodeUpdate[] = [];
  for await (const chunk of stream) {
    for (const [node, update] of Object.entries(chunk)) {
      if (node !== "__interrupt__")
        updates.push({ node, update: update as Record<string, unknown> });
    }
  }
  return updates;
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

/**
 * The lesson's last cards over its first ({@link FLATNESS_CARDS} at each end):
 * per lesson, the median of its last cards over the median of its first, then
 * the median over every measured lesson (a lesson is compared with itself, so
 * the machine's load changing between lessons does not count). More than 1
 * when a step costs more as the lesson's state grows.
 */
function flatness(samples: readonly Sample[]): { first: number; last: number; ratio: number } {
  const timedCards = CARDS_PER_LESSON - 1;
  const isFirst = (sample: Sample) => sample.card < FLATNESS_CARDS;
  const isLast = (sample: Sample) => sample.card >= timedCards - FLATNESS_CARDS;
  const millisOf = (of: readonly Sample[], keep: (sample: Sample) => boolean) =>
    median(of.filter(keep).map((sample) => sample.millis));
  const perLesson = [...byRound(samples).values()].map(
    (lesson) => millisOf(lesson, isLast) / millisOf(lesson, isFirst),
  );
  return {
    first: millisOf(samples, isFirst),
    last: millisOf(samples, isLast),
    ratio: median(perLesson),
  };
}

/**
 * One driver's cards over another's: per round (each driver taught one lesson,
 * back to back), the ratio of their median cards; then the median over the
 * rounds. Pairing by round keeps the machine's drift out of the ratio.
 */
function pairedRatio(numerator: readonly Sample[], denominator: readonly Sample[]): number {
  const denominators = byRound(denominator);
  const ratios = [...byRound(numerator)].map(([round, lesson]) => {
    const other = denominators.get(round);
    if (other === undefined) throw new Error(`round ${round} has no samples to compare with`);
    return median(lesson.map((s) => s.millis)) / median(other.map((s) => s.millis));
  });
  return median(ratios);
}

function byRound(samples: readonly Sample[]): Map<number, Sample[]> {
  const rounds = new Map<number, Sample[]>();
  for (const sample of samples)
    rounds.set(sample.round, [...(rounds.get(sample.round) ?? []), sample]);
  return rounds;
}

function growth(samples: readonly Sample[]): string {
  const { first, last, ratio } = flatness(samples);
  return `first ${FLATNESS_CARDS} cards ${ms(first)}, last ${FLATNESS_CARDS} cards ${ms(last)} (x${ratio.toFixed(2)})`;
}

function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

function report(probe: Probe, samples: Record<DriverName, Sample[]>): void {
  const { firstCard, lastCard } = probe.checkpoint;
  const ratioTo = (name: DriverName, baseline: DriverName) =>
    pairedRatio(samples[name], samples[baseline]).toFixed(2);
  const ratio = pairedRatio(samples.teaching, samples.emptyState);
  const flat = flatness(samples.teaching).ratio;
  const steps = Math.max(...samples.teaching.map((sample) => sample.steps));
  const lines = [
    `answered cards timed per graph: ${samples.teaching.length} (${MEASURED_LESSONS} lessons of ${CARDS_PER_LESSON} cards after ${WARMUP_LESSONS} warm-up lessons; SQLite checkpointer, src/checkpoint)`,
    `nodes per correctly answered card: ${probe.nodes.join(" -> ")} (then await_answer interrupts)`,
    `the thread's state, serialised (a step writes only the channels it changed): ${firstCard.total} bytes after the first card (transcript ${firstCard.messages}), ${lastCard.total} before the last (transcript ${lastCard.messages})`,
    `teaching graph, { session_id } (server): ${summary(samples.teaching)}`,
    `                                         ${growth(samples.teaching)}`,
    `baseline, empty state, nodes do nothing: ${summary(samples.emptyState)}`,
    `baseline, same state, nodes do nothing:  ${summary(samples.sameState)}`,
    `  -> teaching / same-state baseline ${ratioTo("teaching", "sameState")}: the nodes' own work, and storing what they write`,
    `baseline, teaching's state and writes, nodes do nothing: ${summary(samples.sameWrites)}`,
    `  -> it / empty-state baseline ${ratioTo("sameWrites", "emptyState")}: writing what a card writes (new messages, evidence, score, progress) to the teaching state`,
    `  -> teaching / it ${ratioTo("teaching", "sameWrites")}: the nodes' work beyond their writes, and the graph's size (nodes, routers)`,
    `teaching graph, lesson sent inline (dev): ${summary(samples.inline)}`,
    `                                         ${growth(samples.inline)}`,
    `  -> inline / empty-state baseline ${ratioTo("inline", "emptyState")}: the development path carries the whole lesson in its state`,
    `steps per answered card: ${steps}, flow needs ${FLOW_STEPS_PER_CARD}  ${steps <= FLOW_STEPS_PER_CARD ? "PASS" : "FAIL"}`,
    `ratio (teaching / empty-state baseline, median over rounds of each round's median card): ${ratio.toFixed(2)}, target <= ${TARGET_RATIO}  ${ratio <= TARGET_RATIO ? "PASS" : "FAIL"}`,
    `flatness (last ${FLATNESS_CARDS} cards / first ${FLATNESS_CARDS} of the same lesson, median over lessons): ${flat.toFixed(2)}, target <= ${TARGET_FLATNESS}  ${flat <= TARGET_FLATNESS ? "PASS" : "FAIL"}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
