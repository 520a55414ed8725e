/**
 * Issue 8's "How it is checked": whole lessons through the real LangGraph dev
 * server (`langgraphjs dev` with `TEACHING_AUTH=appwrite`), driven with
 * `@langchain/langgraph-sdk` as a student's browser would drive it, against
 * the Appwrite-compatible test server. Two students, Ada and Ben, each with an
 * Appwrite user, a `students` row and sessions whose lesson snapshot the
 * server reads from its own store; the caller sends `{ session_id }` only.
 *
 * The owner completes a lesson (mastery keyed by the three O1 documents, the
 * session bound to the thread) and nothing she can read while it runs carries
 * an answer key; the other student can neither see, resume nor start it; a
 * forged `session_context`, a caller's `emaAlpha`, a replayed session, a
 * second thread for a session, a gzip-bomb snapshot and an oversize answer
 * are each refused with a typed error and nothing written.
 *
 * The LangGraph server hands a run's error to the caller as `{ error: name,
 * message }`, so the typed code is asserted where the caller sees it: at the
 * start of the message (the session errors and the auth refusals put it
 * there); the gzip bomb surfaces as the store's data error naming the cap.
 *
 * No model is configured: the lesson has the demo's deterministic cards only
 * (mcq and numeric).
 */
import type { Client, ThreadState } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { MAX_GUNZIPPED_BYTES } from "../../src/lessons/codec.js";
import type { Card, LessonSnapshot } from "../../src/lessons/schema.js";
import type { CourseOutcome } from "../../src/outcomes/schema.js";
import { createAppwriteStores } from "../../src/stores/appwrite/index.js";
import { correctOptionIndices } from "../../src/teaching/evaluation/mcq.js";
import { formatExpectedNumber } from "../../src/teaching/evaluation/numeric.js";
import {
  AnswerRequestSchema,
  LESSON_COMPLETION_SUMMARY,
  MAX_ANSWER_CHARS,
  type AnswerPayloadInput,
  type AnswerRequest,
} from "../../src/teaching/protocol.js";
import { PersistedCompletionSchema } from "../../src/teaching/lesson-record.js";
import { workedAnswerText } from "../../src/teaching/prompts.js";
import {
  startAppwriteTestServer,
  type AppwriteTestServer,
  type StoredRow,
} from "../support/appwrite-server/index.js";
import { appwriteEnvFor, appwriteSettingsFor } from "../support/appwrite-server/settings.js";
import { gzipBomb } from "../support/gzip-bomb.js";
import { startLangGraphServer, type LangGraphServer } from "../support/langgraphServer.js";
import { clientWithToken, refusalOf } from "../support/sdk.js";
import { secretKeysIn } from "../lessons/secrets.js";
import {
  COURSE_ID,
  LESSON_TEMPLATE_ID,
  correctAnswer,
  fixtureLesson,
  fixtureOutcomes,
  wrongAnswer,
} from "./support/fixtures.js";

const ASSISTANT_ID = "teaching";
const EMA_ALPHA = 0.3;
const MAX_ATTEMPTS = 3;

const ADA = { userId: "user_ada", studentId: "student_ada" };
const BEN = { userId: "user_ben", studentId: "student_ben" };

/** One session per scenario, so each starts from a session no other test touched. */
const SESSIONS = {
  /** Completed by Ada in the whole-lesson test, then replayed. */
  lesson: "session_ada_lesson",
  /** Started by Ada, then looked at (and refused) by Ben. */
  owned: "session_ada_owned",
  /** Never started: Ben tries to start it. */
  untouched: "session_ada_untouched",
  /** Sent with forged fields. */
  forged: "session_ada_forged",
  /** Started on one thread, then on a second. */
  twoThreads: "session_ada_two_threads",
  /** An oversize answer. */
  longAnswer: "session_ada_long_answer",
  /** Its stored snapshot is a gzip bomb. */
  bomb: "session_ada_bomb",
  /** Ben's own. */
  ben: "session_ben_lesson",
} as const;

const NO_SUCH_SESSION = "session_that_does_not_exist";

/**
 * The demo numeric card with an answer no other text of the lesson contains
 * (a short number such as 4 also appears in stems, options and timestamps),
 * so a leak of the answer can be told apart.
 */
function withDistinctiveAnswer(card: Card): Card {
  if (card.cfu.type !== "numeric") return card;
  return {
    ...card,
    cfu: {
      ...card.cfu,
      stem: "A box of Scottish shortbread costs £13.71. It's reduced by 1/3 in a sale at Tesco. How much is the discount, in pounds?",
      expected: 4.57,
    },
  };
}

const lesson: LessonSnapshot = (() => {
  const demo = fixtureLesson({ cards: "deterministic" });
  return { ...demo, cards: demo.cards.map(withDistinctiveAnswer) };
})();
const outcomes: CourseOutcome[] = fixtureOutcomes();
const o1DocumentIds = outcomes
  .filter((outcome) => outcome.outcomeId === "O1")
  .map((outcome) => outcome.$id)
  .sort();

let appwrite: AppwriteTestServer;
let server: LangGraphServer;
let tokens: { ada: string; ben: string };

beforeAll(async () => {
  appwrite = await startAppwriteTestServer();
  for (const [student, name] of [
    [ADA, "Ada"],
    [BEN, "Ben"],
  ] as const) {
    appwrite.createUser({ $id: student.userId, name });
  }
  appwrite.seedRows("students", [
    { $id: ADA.studentId, userId: ADA.userId, name: "Ada" },
    { $id: BEN.studentId, userId: BEN.userId, name: "Ben" },
  ]);
  await seedLessons();
  tokens = { ada: appwrite.createJwt(ADA.userId), ben: appwrite.createJwt(BEN.userId) };
  server = await startLangGraphServer({
    env: {
      ...(appwriteEnvFor(appwrite) as Record<string, string>),
      TEACHING_AUTH: "appwrite",
      TEACHER_MODEL: "",
      TEACHING_EMA_ALPHA: String(EMA_ALPHA),
      TEACHING_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      LOG_LEVEL: "error",
    },
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await appwrite?.close();
});

/** The course's outcomes and the sessions, written as the platform writes them (the Appwrite adapter). */
async function seedLessons(): Promise<void> {
  const stores = createAppwriteStores(appwriteSettingsFor(appwrite));
  try {
    await stores.outcomes.upsertMany(outcomes);
    for (const [key, sessionId] of Object.entries(SESSIONS)) {
      if (key === "bomb") continue;
      await stores.lessons.putSession({
        $id: sessionId,
        studentId: key === "ben" ? BEN.studentId : ADA.studentId,
        courseId: COURSE_ID,
        lessonTemplateId: LESSON_TEMPLATE_ID,
        lessonSnapshot: lesson,
        status: "created",
        startedAt: "2025-11-12T15:00:00.000Z",
      });
    }
  } finally {
    await stores.close();
  }
  // Written raw: the adapter encodes an object, and a bomb is made, not encoded.
  appwrite.seedRows("sessions", [
    {
      $id: SESSIONS.bomb,
      studentId: ADA.studentId,
      courseId: COURSE_ID,
      lessonTemplateId: LESSON_TEMPLATE_ID,
      lessonSnapshot: gzipBomb(64),
      status: "created",
      startedAt: "2025-11-12T15:00:00.000Z",
    },
  ]);
}

const clientOf = (token: string): Client => clientWithToken(server.url, token);
const ada = () => clientOf(tokens.ada);
const ben = () => clientOf(tokens.ben);

interface StreamEvent {
  event: string;
  data: unknown;
}

type RunPayload =
  | { input: { session_context: Record<string, unknown> }; config?: Record<string, unknown> }
  | { command: { resume: unknown } };

/** Runs on the thread and returns every event streamed, in all the modes a frontend reads. */
async function streamRun(
  client: Client,
  threadId: string,
  payload: RunPayload,
): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const part of client.runs.stream(threadId, ASSISTANT_ID, {
    ...payload,
    streamMode: ["values", "messages", "updates"],
  })) {
    events.push({ event: part.event, data: part.data });
  }
  return events;
}

/** Starts a session on a new thread of `client`'s student. */
async function startSession(
  client: Client,
  sessionContext: Record<string, unknown>,
): Promise<{ threadId: string; events: StreamEvent[] }> {
  const { thread_id: threadId } = await client.threads.create();
  const events = await streamRun(client, threadId, { input: { session_context: sessionContext } });
  return { threadId, events };
}

const RunErrorSchema = z.object({ error: z.string(), message: z.string() });

/** The run's one error event, as the SDK caller receives it. */
function runError(events: readonly StreamEvent[]): z.infer<typeof RunErrorSchema> {
  const errors = events.filter((event) => event.event === "error");
  expect(errors, `events: ${events.map((event) => event.event).join(", ")}`).toHaveLength(1);
  return RunErrorSchema.parse(errors[0]?.data);
}

function expectNoError(events: readonly StreamEvent[]): void {
  expect(events.filter((event) => event.event === "error")).toEqual([]);
}

/** The answer request the thread waits at, or undefined when it waits at none. */
function pendingRequestIn(state: ThreadState): AnswerRequest | undefined {
  const values = state.tasks.flatMap((task) => task.interrupts.map((pending) => pending.value));
  expect(values.length).toBeLessThanOrEqual(1);
  return values.length === 0 ? undefined : AnswerRequestSchema.parse(values[0]);
}

async function pendingRequest(client: Client, threadId: string): Promise<AnswerRequest> {
  const request = pendingRequestIn(await client.threads.getState(threadId));
  if (request === undefined) return expect.fail(`thread ${threadId} waits at no answer request`);
  return request;
}

function submit(request: AnswerRequest, studentResponse: string): AnswerPayloadInput {
  return {
    action: "submit_answer",
    student_response: studentResponse,
    card_id: request.card_id,
    interaction_id: request.interaction_id,
    timestamp: new Date().toISOString(),
  };
}

function cardOf(request: AnswerRequest): Card {
  const card = lesson.cards.find((candidate) => candidate.id === request.card_id);
  if (card === undefined) throw new Error(`the lesson has no card ${request.card_id}`);
  return card;
}

/** The rows a refused start must leave as they were. */
function writableRows(): Record<string, StoredRow[]> {
  return Object.fromEntries(
    ["sessions", "session_threads", "MasteryV2", "mastery_ledger"].map((table) => [
      table,
      appwrite.rows(table),
    ]),
  );
}

function sessionRow(sessionId: string): StoredRow {
  const row = appwrite.rows("sessions").find((candidate) => candidate.$id === sessionId);
  if (row === undefined) throw new Error(`no sessions row ${sessionId}`);
  return row;
}

/** Whether the session is bound to a thread (its binding row or its `threadId`). */
function boundThreadOf(sessionId: string): string | null {
  const binding = appwrite
    .rows("session_threads")
    .find((candidate) => candidate.sessionId === sessionId);
  const threadId = sessionRow(sessionId).threadId;
  if (binding !== undefined) expect(binding.threadId).toBe(threadId);
  return typeof threadId === "string" ? threadId : null;
}

/** Every string in `value` (keys and values, any depth): where answer-key text would show. */
function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return value.map(textOf).join("\n");
  if (typeof value !== "object" || value === null) return "";
  return Object.entries(value)
    .map(([key, child]) => `${key}\n${textOf(child)}`)
    .join("\n");
}

/**
 * What the student must not read while `card` can still be asked, as text:
 * the worked answer, the expected value, the 1-based correct option as the
 * mcq evaluator writes choices (`[1]`), the rubric's criteria, the
 * misconception notes and the hints not given yet.
 */
function answerKeyTexts(card: Card, hintsShown: number): string[] {
  const { cfu } = card;
  const texts = [
    workedAnswerText(cfu),
    ...(cfu.type === "numeric" ? [formatExpectedNumber(cfu), String(cfu.expected)] : []),
    ...(cfu.type === "mcq"
      ? [
          `[${correctOptionIndices(cfu)
            .map((i) => i + 1)
            .join(", ")}]`,
        ]
      : []),
    ...(cfu.rubric?.criteria.map((criterion) => criterion.description) ?? []),
    ...(card.misconceptions?.flatMap((note) => [note.misconception, note.clarification]) ?? []),
    ...(cfu.hints?.slice(hintsShown) ?? []),
  ];
  return [...new Set(texts)];
}

/**
 * `text` where no digit touches it: the expected 4.57 must not match inside a
 * timestamp such as `…T10:34.571Z`, which a state is full of.
 */
function standalone(text: string): RegExp {
  return new RegExp(`(?<!\\d)${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?!\\d)`);
}

/**
 * Everything Ada can read about the thread right now (its state, its history,
 * the events of the run that got here) carries no answer-key field, and no
 * answer-key text of a card that has not ended.
 */
async function expectNoAnswerKey(
  threadId: string,
  events: readonly StreamEvent[],
  unended: readonly { card: Card; hintsShown: number }[],
): Promise<void> {
  const state = await ada().threads.getState(threadId);
  const history = await ada().threads.getHistory(threadId);
  const readable = { state, history, events };
  expect(secretKeysIn(readable)).toEqual([]);
  const text = textOf(readable);
  const leaks = unended.flatMap(({ card, hintsShown }) =>
    answerKeyTexts(card, hintsShown)
      .filter((secret) => standalone(secret).test(text))
      .map((secret) => `${card.id}: ${secret}`),
  );
  expect(leaks).toEqual([]);
}

const SummaryCallSchema = z.object({
  name: z.literal(LESSON_COMPLETION_SUMMARY),
  args: z.looseObject({
    mastery_record: z.object({
      status: z.string(),
      recordId: z.string(),
      emaByOutcome: z.record(z.string(), z.number()),
    }),
    persisted: PersistedCompletionSchema,
  }),
});

/** The `lesson_completion_summary` tool call in the thread's messages. */
function summaryCallIn(values: unknown): z.infer<typeof SummaryCallSchema> {
  const messages = z
    .looseObject({
      messages: z.array(
        z.looseObject({ tool_calls: z.array(z.looseObject({ name: z.string() })).optional() }),
      ),
    })
    .parse(values).messages;
  const calls = messages
    .flatMap((message) => message.tool_calls ?? [])
    .filter((call) => call.name === LESSON_COMPLETION_SUMMARY);
  expect(calls).toHaveLength(1);
  return SummaryCallSchema.parse(calls[0]);
}

describe("a lesson through the dev server with appwrite auth", () => {
  let lessonThread: string;

  it("lets Ada complete a lesson from { session_id } alone, never showing her an answer key on the way", async () => {
    const [mcq, numeric] = lesson.cards;
    expect([mcq?.cfu.type, numeric?.cfu.type]).toEqual(["mcq", "numeric"]);
    if (mcq === undefined || numeric === undefined) return;

    const started = await startSession(ada(), { session_id: SESSIONS.lesson });
    lessonThread = started.threadId;
    expectNoError(started.events);
    let request = await pendingRequest(ada(), lessonThread);
    expect(request).toMatchObject({ card_id: mcq.id, attempt: 1, error: null });
    await expectNoAnswerKey(lessonThread, started.events, [
      { card: mcq, hintsShown: 0 },
      { card: numeric, hintsShown: 0 },
    ]);

    // The mcq: wrong, then right (0.7).
    let events = await streamRun(ada(), lessonThread, {
      command: { resume: submit(request, wrongAnswer(mcq)) },
    });
    expectNoError(events);
    request = await pendingRequest(ada(), lessonThread);
    expect(request).toMatchObject({ card_id: mcq.id, attempt: 2, error: null });
    await expectNoAnswerKey(lessonThread, events, [
      { card: mcq, hintsShown: 0 },
      { card: numeric, hintsShown: 0 },
    ]);
    events = await streamRun(ada(), lessonThread, {
      command: { resume: submit(request, correctAnswer(mcq)) },
    });
    expectNoError(events);

    // The numeric card: wrong at every attempt (0.3); a hint after each wrong answer but the last.
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      request = await pendingRequest(ada(), lessonThread);
      expect(request).toMatchObject({ card_id: numeric.id, attempt, error: null });
      await expectNoAnswerKey(lessonThread, events, [{ card: numeric, hintsShown: attempt - 1 }]);
      events = await streamRun(ada(), lessonThread, {
        command: { resume: submit(request, wrongAnswer(numeric)) },
      });
      expectNoError(events);
    }

    const final = await ada().threads.getState(lessonThread);
    expect(pendingRequestIn(final)).toBeUndefined();
    expect(final.next).toEqual([]);
    // The text search finds what it looks for: once the card has ended, its answer and hints show.
    const finalText = textOf(final.values);
    expect(finalText).toContain(workedAnswerText(numeric.cfu));
    expect(numeric.cfu.hints?.length).toBeGreaterThanOrEqual(MAX_ATTEMPTS - 1);
    for (const hint of numeric.cfu.hints?.slice(0, MAX_ATTEMPTS - 1) ?? []) {
      expect(finalText).toContain(hint);
    }

    // EMA per O1 document, alpha 0.3: the mcq's 0.7, then 0.3 * 0.3 + 0.7 * 0.7.
    expect(o1DocumentIds).toHaveLength(3);
    const expectedEma = Object.fromEntries(o1DocumentIds.map((id) => [id, 0.58]));
    const summary = summaryCallIn(final.values);
    expect(summary.args.mastery_record).toMatchObject({
      status: "applied",
      emaByOutcome: expectedEma,
    });
    expect(summary.args).toMatchObject({
      session_id: SESSIONS.lesson,
      student_id: ADA.studentId,
      course_id: COURSE_ID,
    });

    const mastery = appwrite.rows("MasteryV2");
    expect(mastery).toHaveLength(1);
    const [row] = mastery;
    expect(row).toMatchObject({
      $id: summary.args.mastery_record.recordId,
      studentId: ADA.studentId,
      courseId: COURSE_ID,
      // Ada's own Appwrite account may read the row; nobody else is granted anything.
      $permissions: [`read("user:${ADA.userId}")`],
    });
    expect(JSON.parse(String(row?.emaByOutcome))).toEqual(expectedEma);
    expect(boundThreadOf(SESSIONS.lesson)).toBe(lessonThread);

    // The whole completion (issue 9): one evidence row per attempt (2 on the mcq, 3 on the
    // numeric card), the session completed, next reviews keyed by the O1 documents only.
    const evidence = appwrite.rows("evidence").filter((row) => row.sessionId === SESSIONS.lesson);
    expect(evidence).toHaveLength(2 + MAX_ATTEMPTS);
    const session = appwrite.rows("sessions").find((row) => row.$id === SESSIONS.lesson);
    expect(session).toMatchObject({ status: "completed", threadId: lessonThread });
    const [routine] = appwrite.rows("Routine").filter((row) => row.studentId === ADA.studentId);
    const dueAt = z
      .record(z.string(), z.string())
      .parse(JSON.parse(String(routine?.dueAtByOutcome)));
    expect(Object.keys(dueAt).sort()).toEqual([...o1DocumentIds].sort());
    expect(summary.args.persisted).toMatchObject({
      status: "applied",
      evidence_count: 2 + MAX_ATTEMPTS,
      due_at_by_outcome: dueAt,
      session_status: "completed",
    });
  });

  it("refuses a replay of the completed session on a new thread, changing nothing", async () => {
    expect(lessonThread).toBeDefined();
    const before = writableRows();
    const replay = await startSession(ada(), { session_id: SESSIONS.lesson });
    const error = runError(replay.events);
    expect(error.message).toContain("SESSION_ALREADY_COMPLETED");
    expect(writableRows()).toEqual(before);
    expect(pendingRequestIn(await ada().threads.getState(replay.threadId))).toBeUndefined();
  });
});

describe("another student", () => {
  let adaThread: string;
  let asked: AnswerRequest;

  beforeAll(async () => {
    const started = await startSession(ada(), { session_id: SESSIONS.owned });
    expectNoError(started.events);
    adaThread = started.threadId;
    asked = await pendingRequest(ada(), adaThread);
  });

  it("gets 404 on Ada's thread and does not find it in search", async () => {
    expect((await refusalOf(ben().threads.get(adaThread))).status).toBe(404);
    expect((await refusalOf(ben().threads.getState(adaThread))).status).toBe(404);
    const bens = await ben().threads.search({ limit: 100 });
    expect(bens.map((thread) => thread.thread_id)).not.toContain(adaThread);
    const adas = await ada().threads.search({ limit: 100 });
    expect(adas.map((thread) => thread.thread_id)).toContain(adaThread);
  });

  it("cannot answer Ada's card: 404, and her lesson has not moved", async () => {
    const before = await ada().threads.getState(adaThread);
    const refused = await refusalOf(
      ben().runs.create(adaThread, ASSISTANT_ID, {
        command: { resume: submit(asked, correctAnswer(cardOf(asked))) },
      }),
    );
    expect(refused.status).toBe(404);
    const after = await ada().threads.getState(adaThread);
    expect(after.checkpoint).toEqual(before.checkpoint);
    expect(pendingRequestIn(after)).toEqual(asked);
  });

  it("cannot start Ada's session from his own thread: SESSION_NOT_OWNED, worded as for no session at all, nothing written", async () => {
    const before = writableRows();
    const refused = runError(
      (await startSession(ben(), { session_id: SESSIONS.untouched })).events,
    );
    expect(refused.message).toContain("SESSION_NOT_OWNED");
    const missing = runError((await startSession(ben(), { session_id: NO_SUCH_SESSION })).events);
    expect(missing).toEqual(refused);
    expect(writableRows()).toEqual(before);
    expect(boundThreadOf(SESSIONS.untouched)).toBeNull();
  });

  it("starts his own session (the refusals above are about ownership, not his token)", async () => {
    const started = await startSession(ben(), { session_id: SESSIONS.ben });
    expectNoError(started.events);
    expect((await pendingRequest(ben(), started.threadId)).card_index).toBe(0);
    expect(boundThreadOf(SESSIONS.ben)).toBe(started.threadId);
    // And Ada cannot start his.
    const refused = runError((await startSession(ada(), { session_id: SESSIONS.ben })).events);
    expect(refused.message).toContain("SESSION_NOT_OWNED");
  });
});

describe("forged input", () => {
  it("refuses a session_context that carries more than the session, naming the fields, nothing written", async () => {
    const before = writableRows();
    const forged = await startSession(ada(), {
      session_id: SESSIONS.forged,
      student_id: BEN.studentId,
      lesson_snapshot: lesson,
      enriched_outcomes: outcomes,
    });
    const error = runError(forged.events);
    expect(error.message).toMatch(/^INVALID_SESSION_CONTEXT: /);
    for (const field of ["student_id", "lesson_snapshot", "enriched_outcomes"]) {
      expect(error.message).toContain(`${field}: not accepted`);
    }
    expect(writableRows()).toEqual(before);
    expect(boundThreadOf(SESSIONS.forged)).toBeNull();
  });

  it("refuses a caller's emaAlpha at the edge with CONFIGURATION_NOT_ALLOWED, nothing written", async () => {
    const before = writableRows();
    const { thread_id: threadId } = await ada().threads.create();
    const refused = await refusalOf(
      ada().runs.create(threadId, ASSISTANT_ID, {
        input: { session_context: { session_id: SESSIONS.forged } },
        config: { configurable: { emaAlpha: 1 } },
      }),
    );
    expect(refused.status).toBe(403);
    expect(refused.message).toContain("CONFIGURATION_NOT_ALLOWED");
    expect(refused.message).toContain("emaAlpha");
    expect(await ada().runs.list(threadId)).toEqual([]);
    expect(writableRows()).toEqual(before);
  });
});

describe("one session, two threads", () => {
  it("refuses the second thread with SESSION_THREAD_MISMATCH; the first still teaches", async () => {
    const first = await startSession(ada(), { session_id: SESSIONS.twoThreads });
    expectNoError(first.events);
    const asked = await pendingRequest(ada(), first.threadId);
    expect(asked).toMatchObject({ card_index: 0, attempt: 1 });
    expect(boundThreadOf(SESSIONS.twoThreads)).toBe(first.threadId);

    const before = writableRows();
    const second = await startSession(ada(), { session_id: SESSIONS.twoThreads });
    expect(runError(second.events).message).toContain("SESSION_THREAD_MISMATCH");
    expect(writableRows()).toEqual(before);
    expect(pendingRequestIn(await ada().threads.getState(second.threadId))).toBeUndefined();

    expectNoError(
      await streamRun(ada(), first.threadId, {
        command: { resume: submit(asked, correctAnswer(cardOf(asked))) },
      }),
    );
    expect(await pendingRequest(ada(), first.threadId)).toMatchObject({
      card_index: 1,
      attempt: 1,
    });
  });
});

describe("limits", () => {
  it("refuses a gzip-bomb snapshot quickly with a typed error, writes nothing, and keeps answering", async () => {
    const before = writableRows();
    const startedAt = Date.now();
    const bombed = await startSession(ada(), { session_id: SESSIONS.bomb });
    const elapsedMs = Date.now() - startedAt;
    // The caller sees the store's data error naming the column and the cap; its cause
    // (PayloadTooLargeError, PAYLOAD_TOO_LARGE) stays on the server, which sends name and message only.
    const error = runError(bombed.events);
    expect(error.error).toBe("StoreDataError");
    expect(error.message).toContain("lessonSnapshot");
    expect(error.message).toContain(`inflates past the ${MAX_GUNZIPPED_BYTES} bytes allowed`);
    expect(writableRows()).toEqual(before);
    // 64 MiB would take seconds to inflate; the cap stops at 1 MiB.
    expect(elapsedMs).toBeLessThan(5_000);
    const threads = await ada().threads.search({ limit: 100 });
    expect(threads.map((thread) => thread.thread_id)).toContain(bombed.threadId);
  });

  it("answers an oversize answer with ANSWER_TOO_LONG in the next interrupt; the lesson does not move", async () => {
    const started = await startSession(ada(), { session_id: SESSIONS.longAnswer });
    expectNoError(started.events);
    const asked = await pendingRequest(ada(), started.threadId);
    const events = await streamRun(ada(), started.threadId, {
      command: { resume: submit(asked, "x".repeat(MAX_ANSWER_CHARS + 1)) },
    });
    expectNoError(events);
    const again = await pendingRequest(ada(), started.threadId);
    expect(again).toMatchObject({
      card_id: asked.card_id,
      interaction_id: asked.interaction_id,
      attempt: 1,
      error: { code: "ANSWER_TOO_LONG", field: "student_response" },
    });
    const state = await ada().threads.getState(started.threadId);
    expect(z.looseObject({ evidence: z.array(z.unknown()) }).parse(state.values).evidence).toEqual(
      [],
    );
  });
});
