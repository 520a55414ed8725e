/**
 * Issue 12, through the server: whole lessons taught through the real
 * `langgraphjs dev` server with `@langchain/langgraph-sdk`, as a frontend
 * drives them, on the embedded store (SQLite in a temporary folder), auth
 * `none`, no teacher model (so the demo lesson's deterministic cards: an MCQ
 * and a numeric card, as `npm start` teaches them).
 *
 * Lessons start the production way: each student's session of the demo lesson
 * is seeded in the store with the project's own seed code and store API
 * before the server starts, and the run sends `{ session_id }` only. Every
 * card is answered correctly from the lesson file's answer key (the bench's
 * own knowledge, not the graph's). Only the public protocol is read: the
 * interrupt values, the resume payloads, the completion tool call and the
 * store's MasteryV2 rows.
 *
 * Beside the teaching graph the server serves two do-nothing graphs of
 * `bench/baseline-graph.ts`: the baseline, with a lesson's interrupt/resume
 * shape per card and nothing more, and one with the teaching graph's steps
 * per card as well. All are driven the same way (`runs.wait`; the clock runs
 * from the request to the response at the next interrupt or the end), one
 * lesson of each in turn.
 *
 * At 1, 10 and 50 lessons at once (each lesson its own student), prints
 * throughput and p50/p95 per-turn latency for every graph, then checks that
 * every teaching lesson finished without error and left its student's
 * MasteryV2 row equal to the expected one: computed independently (every
 * card right first time scores each outcome of the lesson 1) and equal to a
 * single reference lesson's. Targets, with PASS/FAIL: per card (an answer to
 * the next card's question) within 1.2x of the baseline, one lesson at a
 * time; all lessons finish, with correct mastery and no error.
 *
 * The dev server's run queue is patched (patches/, see README): unpatched,
 * every turn waited for an idle worker's random sleep of up to a second and
 * then for a 500 ms poll after the run ended, whatever the graph did. What
 * the figures show beyond the teaching graph's work is LangGraph's cost per
 * node run (a checkpoint in the dev server's MemorySaver, which copies the
 * whole state, a streamed values event, traced runs), which the do-nothing
 * graph with the teaching graph's steps isolates; the graph's own cost per
 * card, with the project's checkpointer, is measured without the server by
 * bench/graph.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Client } from "@langchain/langgraph-sdk";
import { z } from "zod";
import { LessonSnapshotSchema, type LessonSnapshot } from "../src/lessons/schema.js";
import { DEMO_COURSE_ID, seedDemoData } from "../src/seed/index.js";
import { createSqliteStores } from "../src/stores/sqlite/index.js";
import { deterministicCards } from "../src/teaching/evaluation/index.js";
import {
  AnswerRequestSchema,
  LESSON_COMPLETION_SUMMARY,
  type AnswerPayloadInput,
  type AnswerRequest,
} from "../src/teaching/protocol.js";
import { startLangGraphServer, type LangGraphServer } from "../test/support/langgraphServer.js";
import { BaselineRequestSchema } from "./baseline-graph.js";

const DEMO_LESSON = new URL("../data/demo/lessons/fractions-of-amounts.json", import.meta.url);
export const TEACHING = "teaching";
export const BASELINE = "baseline";
export const BASELINE_TEACHING_STEPS = "baseline_teaching_steps";
const BASELINES = [BASELINE, BASELINE_TEACHING_STEPS] as const;
/** The target: a card through the server within this many times the baseline's. */
const TARGET_RATIO = 1.2;
/** Lessons at once, and how many lessons each level teaches in all (in rounds of that many). */
const LEVELS = [
  { concurrency: 1, lessons: 60 },
  { concurrency: 10, lessons: 50 },
  { concurrency: 50, lessons: 50 },
] as const;
const WARMUP_LESSONS = 2;
/** Schema extraction compiles TypeScript while the server starts. */
const SERVER_READY_TIMEOUT_MS = 180_000;

type BaselineName = (typeof BASELINES)[number];
type GraphName = typeof TEACHING | BaselineName;
type TurnKind = "start" | "card" | "last";

interface Turn {
  kind: TurnKind;
  millis: number;
}

interface LessonRun {
  turns: Turn[];
  /** Why the lesson did not finish as it should; undefined when it did. */
  error?: string;
}

interface LevelResult {
  concurrency: number;
  graph: GraphName;
  runs: LessonRun[];
  wallMillis: number;
}

/** One of the demo lesson's cards as the bench knows it: its ID and the answer it accepts. */
export interface KnownCard {
  id: string;
  answer: string;
}

export interface BenchSetup {
  server: LangGraphServer;
  client: Client;
  sqlitePath: string;
  lesson: LessonSnapshot;
  answerKey: KnownCard[];
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "teaching-graph-server-bench-"));
  const students = benchStudents();
  let setup: BenchSetup | undefined;
  try {
    setup = await startBenchServer(join(dir, "teaching.db"), students.all);
    const expected = await expectedMastery(setup);
    for (let index = 0; index < WARMUP_LESSONS; index += 1) {
      await teachLesson(setup, students.warmup[index]!);
      for (const baseline of BASELINES) await baselineLesson(setup, baseline);
    }
    const reference = await storedMastery(setup.sqlitePath, students.warmup[0]!);
    const results: LevelResult[] = [];
    const masteryProblems: string[] = [];
    for (const level of LEVELS) {
      const levelStudents = students.byLevel.get(level.concurrency)!;
      results.push(...(await runLevel(setup, level.concurrency, levelStudents)));
      masteryProblems.push(
        ...(await checkMastery(setup.sqlitePath, levelStudents, expected, reference)),
      );
    }
    report(results, masteryProblems);
  } finally {
    await setup?.server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Student IDs: a few for warm-up (the first is the reference lesson), then each level's own. */
function benchStudents() {
  const warmup = Array.from({ length: WARMUP_LESSONS }, (_, index) => `bench_warmup_${index}`);
  const byLevel = new Map(
    LEVELS.map((level) => [
      level.concurrency,
      Array.from({ length: level.lessons }, (_, index) => `bench_c${level.concurrency}_${index}`),
    ]),
  );
  return { warmup, byLevel, all: [...warmup, ...[...byLevel.values()].flat()] };
}

/**
 * Seeds the demo data and one session per student into a new embedded store
 * at `sqlitePath`, then starts the dev server on it with the baseline graph
 * beside the teaching graph. The caller stops the server.
 */
export async function startBenchServer(
  sqlitePath: string,
  studentIds: readonly string[],
): Promise<BenchSetup> {
  const lesson = await seedSessions(sqlitePath, studentIds);
  const server = await startLangGraphServer({
    env: {
      SQLITE_PATH: sqlitePath,
      TEACHER_MODEL: "",
      APPWRITE_ENDPOINT: "",
      TEACHING_AUTH: "none",
      LOG_LEVEL: "error",
    },
    extraGraphs: {
      [BASELINE]: "bench/baseline-graph.ts:graph",
      [BASELINE_TEACHING_STEPS]: "bench/baseline-graph.ts:teachingStepsGraph",
    },
    readyTimeoutMs: SERVER_READY_TIMEOUT_MS,
  });
  const client = new Client({ apiUrl: server.url, callerOptions: { maxRetries: 0 } });
  return { server, client, sqlitePath, lesson, answerKey: answerKey(lesson) };
}

/**
 * The demo lesson's deterministic cards (no model is configured), in one
 * session per student, the session ID being the student's ID: as the
 * platform opens a session when a student starts a lesson.
 */
async function seedSessions(
  sqlitePath: string,
  studentIds: readonly string[],
): Promise<LessonSnapshot> {
  const stores = createSqliteStores(sqlitePath);
  try {
    const { lessonTemplate } = await seedDemoData(stores);
    const template = LessonSnapshotSchema.parse({
      lessonTemplateId: lessonTemplate.$id,
      courseId: lessonTemplate.courseId,
      title: lessonTemplate.title,
      outcomeRefs: lessonTemplate.outcomeRefs,
      cards: lessonTemplate.cards,
      lesson_type: lessonTemplate.lesson_type,
      estMinutes: lessonTemplate.estMinutes,
    });
    const lesson = { ...template, cards: deterministicCards(template.cards) };
    for (const studentId of studentIds) {
      await stores.lessons.putSession({
        $id: studentId,
        studentId,
        courseId: lesson.courseId,
        lessonTemplateId: lesson.lessonTemplateId,
        lessonSnapshot: lesson,
        status: "created",
        startedAt: new Date().toISOString(),
      });
    }
    return lesson;
  } finally {
    await stores.close();
  }
}

const DemoLessonFileSchema = z.object({
  cards: z.array(
    z.object({
      id: z.string(),
      cfu: z.discriminatedUnion("type", [
        z.object({ type: z.literal("mcq"), options: z.array(z.string()), answerIndex: z.int() }),
        z.object({ type: z.literal("numeric"), expected: z.number() }),
        z.object({ type: z.literal("structured_response") }),
      ]),
    }),
  ),
});

/** The right answer to each card of `lesson`, from the demo lesson file. */
function answerKey(lesson: LessonSnapshot): KnownCard[] {
  const file = DemoLessonFileSchema.parse(JSON.parse(readFileSync(DEMO_LESSON, "utf8")));
  return lesson.cards.map((card) => {
    const known = file.cards.find((candidate) => candidate.id === card.id);
    if (known === undefined) throw new Error(`the demo lesson file has no card ${card.id}`);
    const { cfu } = known;
    if (cfu.type === "mcq") return { id: card.id, answer: cfu.options[cfu.answerIndex]! };
    if (cfu.type === "numeric") return { id: card.id, answer: String(cfu.expected) };
    throw new Error(`card ${card.id} needs a model to be judged; the bench has none`);
  });
}

/**
 * Every card right at the first attempt scores 1 for each of the lesson's
 * outcomes, so a new student's MasteryV2 map holds 1 for each outcome
 * document the lesson's references name in the course.
 */
export async function expectedMastery(setup: BenchSetup): Promise<Record<string, number>> {
  const stores = createSqliteStores(setup.sqlitePath);
  try {
    const outcomes = await stores.outcomes.findByOutcomeIds(
      setup.lesson.courseId,
      setup.lesson.outcomeRefs,
    );
    if (outcomes.length === 0) throw new Error("the demo lesson names no stored outcome");
    return Object.fromEntries(outcomes.map((outcome) => [outcome.$id, 1]));
  } finally {
    await stores.close();
  }
}

/** The student's MasteryV2 map in the demo course, parsed; null when the student has no row. */
export async function storedMastery(sqlitePath: string, studentId: string): Promise<unknown> {
  const stores = createSqliteStores(sqlitePath);
  try {
    const row = await stores.mastery.get(studentId, DEMO_COURSE_ID);
    return row?.emaByOutcome == null ? null : (JSON.parse(row.emaByOutcome) as unknown);
  } finally {
    await stores.close();
  }
}

/** One line per student whose MasteryV2 map is not the expected one (or not the reference lesson's). */
async function checkMastery(
  sqlitePath: string,
  studentIds: readonly string[],
  expected: Record<string, number>,
  reference: unknown,
): Promise<string[]> {
  const problems: string[] = [];
  if (!isDeepStrictEqual(reference, expected)) {
    problems.push(
      `reference lesson: ${JSON.stringify(reference)}, expected ${JSON.stringify(expected)}`,
    );
  }
  for (const studentId of studentIds) {
    const stored = await storedMastery(sqlitePath, studentId);
    if (!isDeepStrictEqual(stored, expected)) {
      problems.push(
        `${studentId}: ${JSON.stringify(stored)}, expected ${JSON.stringify(expected)}`,
      );
    }
  }
  return problems;
}

/** Time one request; a failure is rethrown with the turn named. */
async function timed<T>(request: () => Promise<T>): Promise<{ value: T; millis: number }> {
  const started = performance.now();
  const value = await request();
  return { value, millis: performance.now() - started };
}

const WaitResponseSchema = z.looseObject({
  __interrupt__: z.array(z.object({ value: z.unknown() })).optional(),
});

const CompletionValuesSchema = z.looseObject({
  messages: z.array(
    z.looseObject({
      tool_calls: z.array(z.looseObject({ name: z.string() })).optional(),
    }),
  ),
});

/** The single interrupt value of a `runs.wait` response; undefined when the run ended. */
export function interruptValue(response: unknown): unknown {
  const interrupts = WaitResponseSchema.parse(response).__interrupt__ ?? [];
  if (interrupts.length > 1) throw new Error(`${interrupts.length} interrupts at once`);
  return interrupts[0]?.value;
}

/** The resume that answers `request` with `card`'s answer. */
export function answerPayload(request: AnswerRequest, card: KnownCard): AnswerPayloadInput {
  return {
    action: "submit_answer",
    student_response: card.answer,
    card_id: request.card_id,
    interaction_id: request.interaction_id,
    timestamp: new Date().toISOString(),
  };
}

/**
 * Teaches the student's stored session on a new thread, answering every card
 * correctly; each request is a turn. Checks the protocol on the way: the
 * cards come in order, each asked once with no error, and the last answer
 * ends the lesson with its completion summary.
 */
export async function teachLesson(setup: BenchSetup, studentId: string): Promise<LessonRun> {
  const turns: Turn[] = [];
  try {
    const thread = await setup.client.threads.create();
    const wait = (payload: Parameters<Client["runs"]["wait"]>[2]) =>
      timed(() => setup.client.runs.wait(thread.thread_id, TEACHING, payload));
    let response = await wait({
      input: { messages: [], session_context: { session_id: studentId } },
    });
    turns.push({ kind: "start", millis: response.millis });
    for (const [index, card] of setup.answerKey.entries()) {
      const request = AnswerRequestSchema.parse(interruptValue(response.value));
      if (request.card_id !== card.id || request.attempt !== 1 || request.error !== null) {
        throw new Error(`expected a first request for ${card.id}, got ${JSON.stringify(request)}`);
      }
      response = await wait({ command: { resume: answerPayload(request, card) } });
      turns.push({
        kind: index === setup.answerKey.length - 1 ? "last" : "card",
        millis: response.millis,
      });
    }
    if (interruptValue(response.value) !== undefined) {
      throw new Error(
        `the lesson asked again after its last card: ${JSON.stringify(response.value)}`,
      );
    }
    const { messages } = CompletionValuesSchema.parse(response.value);
    const summaries = messages.flatMap((message) =>
      (message.tool_calls ?? []).filter((call) => call.name === LESSON_COMPLETION_SUMMARY),
    );
    if (summaries.length !== 1) throw new Error(`${summaries.length} completion summaries`);
    return { turns };
  } catch (error) {
    return {
      turns,
      error: `${studentId}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** A lesson of a do-nothing graph with as many cards as the teaching lesson; same turns, same checks. */
export async function baselineLesson(
  setup: BenchSetup,
  graph: BaselineName = BASELINE,
): Promise<LessonRun> {
  const turns: Turn[] = [];
  const totalCards = setup.answerKey.length;
  try {
    const thread = await setup.client.threads.create();
    const wait = (payload: Parameters<Client["runs"]["wait"]>[2]) =>
      timed(() => setup.client.runs.wait(thread.thread_id, graph, payload));
    let response = await wait({ input: { total_cards: totalCards } });
    turns.push({ kind: "start", millis: response.millis });
    for (let index = 0; index < totalCards; index += 1) {
      const request = BaselineRequestSchema.parse(interruptValue(response.value));
      if (request.card_index !== index) {
        throw new Error(`expected card ${index}, got ${JSON.stringify(request)}`);
      }
      response = await wait({ command: { resume: { card_index: index } } });
      turns.push({ kind: index === totalCards - 1 ? "last" : "card", millis: response.millis });
    }
    if (interruptValue(response.value) !== undefined) {
      throw new Error(`the baseline asked again after its last card`);
    }
    return { turns };
  } catch (error) {
    return { turns, error: `${graph}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * Teaches `studentIds` in rounds of `concurrency` lessons at once, each round
 * followed by a round of as many lessons of each baseline, so that all meet
 * the same moments of the machine.
 */
async function runLevel(
  setup: BenchSetup,
  concurrency: number,
  studentIds: readonly string[],
): Promise<LevelResult[]> {
  const level = (graph: GraphName): LevelResult => ({
    concurrency,
    graph,
    runs: [],
    wallMillis: 0,
  });
  const teaching = level(TEACHING);
  const baselines = BASELINES.map((graph) => ({ graph, result: level(graph) }));
  const runRound = async (result: LevelResult, lessons: (() => Promise<LessonRun>)[]) => {
    const round = await timed(() => Promise.all(lessons.map((lesson) => lesson())));
    result.runs.push(...round.value);
    result.wallMillis += round.millis;
  };
  for (let first = 0; first < studentIds.length; first += concurrency) {
    const round = studentIds.slice(first, first + concurrency);
    await runRound(
      teaching,
      round.map((studentId) => () => teachLesson(setup, studentId)),
    );
    for (const { graph, result } of baselines) {
      await runRound(
        result,
        round.map(() => () => baselineLesson(setup, graph)),
      );
    }
  }
  return [teaching, ...baselines.map(({ result }) => result)];
}

function report(results: readonly LevelResult[], masteryProblems: readonly string[]): void {
  const header = ["at once", "graph", "lessons", "turns", "wall s", "turns/s", "lessons/s"];
  const rows = results.map((result) => {
    const turns = result.runs.flatMap((lessonRun) => lessonRun.turns.map((turn) => turn.millis));
    const seconds = result.wallMillis / 1000;
    return [
      String(result.concurrency),
      result.graph,
      String(result.runs.length),
      String(turns.length),
      seconds.toFixed(1),
      (turns.length / seconds).toFixed(1),
      (result.runs.length / seconds).toFixed(2),
      ...(["start", "card", "last"] as const).flatMap((kind) => {
        const millis = turnMillis(result, kind);
        return [percentile(millis, 0.5).toFixed(0), percentile(millis, 0.95).toFixed(0)];
      }),
      percentile(turns, 0.5).toFixed(0),
      percentile(turns, 0.95).toFixed(0),
      String(result.runs.filter((lessonRun) => lessonRun.error !== undefined).length),
    ];
  });
  const columns = [
    ...header,
    "start p50",
    "p95",
    "card p50",
    "p95",
    "last p50",
    "p95",
    "turn p50",
    "p95",
    "errors",
  ];
  const lines = [
    "per-turn latency in ms: start = session_id to the first card's question; card = an answer to the",
    "next card's question; last = the last answer to the lesson's end (mastery written)",
    table([columns, ...rows]),
    ...ratioLines(results),
    ...outcomeLines(results, masteryProblems),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

function ratioLines(results: readonly LevelResult[]): string[] {
  return LEVELS.flatMap(({ concurrency }) => {
    const median = (graph: GraphName) =>
      percentile(
        turnMillis(
          results.find((r) => r.concurrency === concurrency && r.graph === graph)!,
          "card",
        ),
        0.5,
      );
    const [teaching, baseline, teachingSteps] = [
      median(TEACHING),
      median(BASELINE),
      median(BASELINE_TEACHING_STEPS),
    ];
    const ratio = teaching / baseline;
    const target =
      concurrency === 1
        ? `, target <= ${TARGET_RATIO}  ${ratio <= TARGET_RATIO ? "PASS" : "FAIL"}`
        : "";
    return [
      `per card, ${concurrency} lesson(s) at once: teaching ${teaching.toFixed(0)} ms / baseline ${baseline.toFixed(0)} ms = ${ratio.toFixed(2)}${target}`,
      `  do-nothing graph with the teaching graph's steps ${teachingSteps.toFixed(0)} ms: ` +
        `/ baseline ${(teachingSteps / baseline).toFixed(2)} (LangGraph's cost of the extra steps), ` +
        `teaching / it ${(teaching / teachingSteps).toFixed(2)} (the teaching graph's work and state)`,
    ];
  });
}

function outcomeLines(
  results: readonly LevelResult[],
  masteryProblems: readonly string[],
): string[] {
  const errors = results.flatMap((result) =>
    result.runs.flatMap((lessonRun) => (lessonRun.error === undefined ? [] : [lessonRun.error])),
  );
  const lessons = results
    .filter((result) => result.graph === TEACHING)
    .reduce((sum, result) => sum + result.runs.length, 0);
  const passed = errors.length === 0 && masteryProblems.length === 0;
  return [
    `all ${lessons} teaching lessons finish with the expected MasteryV2 and no error (baselines' lessons too): ` +
      `${errors.length} errors, ${masteryProblems.length} wrong mastery rows  ${passed ? "PASS" : "FAIL"}`,
    ...[...errors, ...masteryProblems].slice(0, 10).map((problem) => `  ${problem}`),
  ];
}

function turnMillis(result: LevelResult, kind: TurnKind): number[] {
  return result.runs.flatMap((lessonRun) =>
    lessonRun.turns.filter((turn) => turn.kind === kind).map((turn) => turn.millis),
  );
}

/** Nearest-rank percentile; NaN for no values. */
function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

function table(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) => row.map((cell, column) => cell.padStart(widths[column]!)).join("  "))
    .join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
