/**
 * prepare_session for a stored session: the caller names only the session,
 * the server loads it, checks whose it is and whether it may start here,
 * enriches its outcomes (spec Phase 2), checks the mastery rules (Phase 1)
 * and that every card can be judged, and only then binds it to the thread.
 * Every refusal is a typed error and writes nothing.
 */
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { Overwrite, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { encodeGzipPayload } from "../../../src/lessons/codec.js";
import { publicLesson } from "../../../src/lessons/public.js";
import { InvalidOutcomeIdError } from "../../../src/mastery/errors.js";
import {
  ENRICHMENT_USER_MESSAGE,
  EnrichmentError,
  IncompleteEnrichmentError,
  LessonWithoutOutcomesError,
} from "../../../src/outcomes/errors.js";
import { SessionContextError } from "../../../src/session/context.js";
import {
  InvalidLessonSnapshotError,
  SessionAccessError,
  SessionCourseMismatchError,
} from "../../../src/session/errors.js";
import { StoreDataError, StoreNotFoundError } from "../../../src/stores/errors.js";
import { createMemoryStores } from "../../../src/stores/memory/index.js";
import type { LessonSession, Stores } from "../../../src/stores/ports.js";
import { ConfigurationNotAllowedError } from "../../../src/teaching/configuration.js";
import { storedSessionLesson, type TeachingGraphDeps } from "../../../src/teaching/deps.js";
import { TeachingStateError } from "../../../src/teaching/errors.js";
import { EvaluatorUnavailableError } from "../../../src/teaching/evaluation/index.js";
import { createPrepareSession } from "../../../src/teaching/nodes/prepare-session.js";
import type { State, Update } from "../../../src/teaching/state.js";
import { secretKeysIn } from "../../lessons/secrets.js";
import {
  COURSE_ID,
  STUDENT_ID,
  fixtureLesson,
  lessonFixture,
  storedSession,
} from "../support/fixtures.js";
import { silenceLogs } from "../support/logs.js";

const THREAD_ID = "thread_stored_01";
const OTHER_STUDENT_ID = "student_other_002";

const fixture = lessonFixture({ cards: "deterministic" });
const SESSION_ID = fixture.sessionContext.session_id;

let stores: Stores;

beforeEach(async () => {
  silenceLogs();
  stores = createMemoryStores();
  await stores.outcomes.upsertMany(fixture.outcomes);
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function putSession(overrides: Partial<LessonSession> = {}): Promise<LessonSession> {
  const session = storedSession(fixture, overrides);
  await stores.lessons.putSession(session);
  return session;
}

/** The user the LangGraph server's auth handler put into the run. */
/** The user the auth handler puts on a run (src/auth/users.ts `StudentUser`). */
function authUser(identity: string) {
  return {
    kind: "student",
    identity,
    userId: `user_${identity}`,
    display_name: identity,
    is_authenticated: true,
    permissions: [],
  };
}

/** A run on THREAD_ID by `caller` (none: no authenticated user in the run). */
function runConfig(
  caller: string | null = STUDENT_ID,
  configurable: Record<string, unknown> = {},
): LangGraphRunnableConfig {
  return {
    configurable: {
      thread_id: THREAD_ID,
      ...(caller === null ? {} : { langgraph_auth_user: authUser(caller) }),
      ...configurable,
    },
  };
}

interface StartOptions {
  authMode?: "appwrite" | "none";
  /** The graph's dependencies (to look at its lesson cache); built from the other options when absent. */
  deps?: TeachingGraphDeps;
  config?: LangGraphRunnableConfig;
  /** What the thread already holds besides the input. */
  state?: Partial<State>;
  model?: FakeListChatModel;
}

async function start(
  sessionContext: unknown = { session_id: SESSION_ID },
  options: StartOptions = {},
): Promise<Update> {
  const node = createPrepareSession(options.deps ?? startDeps(options));
  const state = { messages: [], ...options.state, session_context: sessionContext } as State;
  return node(state, options.config ?? runConfig());
}

function startDeps(options: StartOptions = {}): TeachingGraphDeps {
  return {
    getStores: () => stores,
    authMode: options.authMode ?? "appwrite",
    getChatModel: async () => options.model,
  };
}

async function refusal(
  sessionContext?: unknown,
  options?: StartOptions,
): Promise<Error & { code: string; context: Record<string, unknown> }> {
  return start(sessionContext, options).then(
    () => {
      throw new Error("prepare_session started the session");
    },
    (error: unknown) => error as Error & { code: string; context: Record<string, unknown> },
  );
}

/** A refused start leaves the session as it was (`threadId`: its binding before) and no mastery. */
async function expectNothingWritten(
  threadId: string | undefined = undefined,
  sessionId = SESSION_ID,
): Promise<void> {
  expect((await stores.lessons.getSession(sessionId)).threadId).toBe(threadId);
  expect(await stores.mastery.get(STUDENT_ID, COURSE_ID)).toBeNull();
}

const o1Documents = fixture.enrichedOutcomes.map((outcome) => outcome.$id).sort();

describe("the owner starts a stored session", () => {
  it("the lesson's progress and the session's student in the state, the lesson and its enriched outcomes in the graph's cache, and the session is bound to the thread", async () => {
    await putSession();
    const deps = startDeps();

    const update = await start(undefined, { deps });

    expect(secretKeysIn(update)).toEqual([]);
    expect(update).toEqual({
      session_context: null,
      session_id: SESSION_ID,
      student_id: STUDENT_ID,
      inline_lesson: null,
      outcome_ids: expect.any(Array),
      use_plain_text: false,
      max_attempts: 3,
      total_cards: fixture.lesson.cards.length,
      current_card_index: 0,
      card: null,
      evidence: new Overwrite([]),
      card_scores: new Overwrite([]),
      mastery_updates: [],
      mastery_record: null,
      persisted: null,
    });
    expect([...(update.outcome_ids ?? [])].sort()).toEqual(o1Documents);
    expect((await stores.lessons.getSession(SESSION_ID)).threadId).toBe(THREAD_ID);
    const reads = vi.spyOn(stores.lessons, "getSession");
    const cached = await storedSessionLesson(deps, SESSION_ID);
    expect(reads).not.toHaveBeenCalled();
    expect(cached.lesson).toEqual(publicLesson(fixture.lesson));
    expect(cached.outcomes.map((outcome) => outcome.$id)).toEqual(update.outcome_ids);
    expect(cached.outcomes.every((o) => o.outcomeId === "O1" && o.courseId === COURSE_ID)).toBe(
      true,
    );
    expect(new Set(cached.outcomes.map((outcome) => outcome.unitCode)).size).toBe(3);
  });

  it("passes use_plain_text through and reads a gzip:+base64 snapshot", async () => {
    await putSession({ lessonSnapshot: encodeGzipPayload(fixture.lesson) });

    const deps = startDeps();
    const update = await start({ session_id: SESSION_ID, use_plain_text: true }, { deps });

    expect(update).toMatchObject({
      use_plain_text: true,
      total_cards: fixture.lesson.cards.length,
    });
    expect((await storedSessionLesson(deps, SESSION_ID)).snapshot).toEqual(fixture.lesson);
  });

  it("starts again on the thread it is bound to when that thread has no lesson yet (its first start was not saved)", async () => {
    await putSession();
    await stores.lessons.bindSessionThread(SESSION_ID, THREAD_ID);

    const update = await start();

    expect(update.session_id).toBe(SESSION_ID);
    expect((await stores.lessons.getSession(SESSION_ID)).threadId).toBe(THREAD_ID);
  });

  it("accepts rubric cards when a teacher model is configured", async () => {
    await putSession({ lessonSnapshot: fixtureLesson() });

    const update = await start(undefined, { model: new FakeListChatModel({ responses: [] }) });

    expect(update.total_cards).toBe(4);
    expect(secretKeysIn(update)).toEqual([]);
  });

  it("without authentication ({ session_id }, no caller in the run): starts, with the session's student", async () => {
    await putSession({ studentId: OTHER_STUDENT_ID });

    const update = await start(undefined, { authMode: "none", config: runConfig(null) });

    expect(update).toMatchObject({ student_id: OTHER_STUDENT_ID, inline_lesson: null });
    expect((await stores.lessons.getSession(SESSION_ID)).threadId).toBe(THREAD_ID);
  });
});

describe("a lesson that cannot be taught is refused before the first card, nothing written", () => {
  it("spec Scenario 2: outcomes deleted -> EnrichmentError with the developer message and the userMessage", async () => {
    stores = createMemoryStores();
    await putSession();
    const logged = silenceLogs();

    const error = await refusal();

    expect(error).toBeInstanceOf(EnrichmentError);
    expect(error).toMatchObject({
      code: "OUTCOME_ENRICHMENT_FAILED",
      message: 'Outcome enrichment failed: Expected 1 outcomes from refs ["O1"], but found 0',
      userMessage: ENRICHMENT_USER_MESSAGE,
      context: {
        courseId: COURSE_ID,
        outcomeRefsInSnapshot: ["O1", "AS1.2"],
        outcomeIdsToFind: ["O1"],
        enrichedOutcomesFound: 0,
        sessionId: SESSION_ID,
      },
    });
    expect(logged.error).toHaveBeenCalledTimes(1);
    await expectNothingWritten();
  });

  it("a partial miss names the missing refs", async () => {
    await putSession({
      lessonSnapshot: { ...fixture.lesson, outcomeRefs: ["O1", "O3", "AS1.2"] },
    });

    const error = await refusal();

    expect(error).toBeInstanceOf(IncompleteEnrichmentError);
    expect(error).toMatchObject({
      code: "OUTCOME_ENRICHMENT_INCOMPLETE",
      missingOutcomeIds: ["O3"],
      userMessage: ENRICHMENT_USER_MESSAGE,
    });
    await expectNothingWritten();
  });

  it("a lesson with only assessment standards is refused without querying outcomes", async () => {
    await putSession({ lessonSnapshot: { ...fixture.lesson, outcomeRefs: ["AS1.1", "AS1.2"] } });
    const findOutcomes = vi.spyOn(stores.outcomes, "findByOutcomeIds");

    const error = await refusal();

    expect(error).toBeInstanceOf(LessonWithoutOutcomesError);
    expect(error).toMatchObject({
      code: "LESSON_HAS_NO_OUTCOMES",
      userMessage: ENRICHMENT_USER_MESSAGE,
    });
    expect(findOutcomes).not.toHaveBeenCalled();
    await expectNothingWritten();
  });

  it("a store error while enriching propagates unchanged", async () => {
    await putSession();
    const failure = new Error("course_outcomes unreachable");
    vi.spyOn(stores.outcomes, "findByOutcomeIds").mockRejectedValue(failure);

    await expect(start()).rejects.toBe(failure);
    await expectNothingWritten();
  });

  it("an enriched outcome without a document ID breaks the mastery rules (Phase 1)", async () => {
    const legacy = { ...fixture.enrichedOutcomes[0]!, $id: "O1" };
    stores = createMemoryStores();
    await stores.outcomes.upsertMany([legacy]);
    await putSession();

    const error = await refusal();

    expect(error).toBeInstanceOf(InvalidOutcomeIdError);
    expect(error).toMatchObject({ code: "INVALID_OUTCOME_ID", context: { value: "O1" } });
    await expectNothingWritten();
  });

  it("a snapshot that breaks the lesson schema names the offending fields", async () => {
    await putSession({ lessonSnapshot: { ...fixture.lesson, cards: [] } });

    const error = await refusal();

    expect(error).toBeInstanceOf(InvalidLessonSnapshotError);
    expect(error).toMatchObject({
      code: "INVALID_LESSON_SNAPSHOT",
      context: { sessionId: SESSION_ID },
    });
    expect((error as InvalidLessonSnapshotError).issues.join()).toContain("lessonSnapshot.cards");
    await expectNothingWritten();
  });

  it("a snapshot still a string after the store decoded it is refused, not decoded again", async () => {
    await putSession({ lessonSnapshot: JSON.stringify(JSON.stringify(fixture.lesson)) });

    const error = await refusal();

    expect(error).toBeInstanceOf(InvalidLessonSnapshotError);
    await expectNothingWritten();
  });

  it("an undecodable stored snapshot propagates the store's data error", async () => {
    await putSession({ lessonSnapshot: "gzip:not-base64-gzip" });
    const bind = vi.spyOn(stores.lessons, "bindSessionThread");

    const error = await refusal();

    expect(error).toBeInstanceOf(StoreDataError);
    expect(error).toMatchObject({
      code: "STORE_DATA_INVALID",
      context: { table: "sessions", id: SESSION_ID, column: "lessonSnapshot" },
    });
    expect(bind).not.toHaveBeenCalled();
    expect(await stores.mastery.get(STUDENT_ID, COURSE_ID)).toBeNull();
  });

  it("a session whose snapshot names another course is refused", async () => {
    await putSession({ courseId: "course_c84473" });

    const error = await refusal();

    expect(error).toBeInstanceOf(SessionCourseMismatchError);
    expect(error).toMatchObject({
      code: "SESSION_COURSE_MISMATCH",
      context: {
        sessionId: SESSION_ID,
        sessionCourseId: "course_c84473",
        snapshotCourseId: COURSE_ID,
      },
    });
    await expectNothingWritten();
  });

  it("rubric cards without a teacher model", async () => {
    await putSession({ lessonSnapshot: fixtureLesson() });

    const error = await refusal();

    expect(error).toBeInstanceOf(EvaluatorUnavailableError);
    expect(error.context).toMatchObject({ cardIds: ["card_002", "card_004"] });
    await expectNothingWritten();
  });

  it("an unknown session under appwrite auth: SESSION_NOT_OWNED", async () => {
    const error = await refusal({ session_id: "session_missing" });

    expect(error).toBeInstanceOf(SessionAccessError);
    expect(error).toMatchObject({
      code: "SESSION_NOT_OWNED",
      context: { sessionId: "session_missing" },
    });
    expect(await stores.mastery.get(STUDENT_ID, COURSE_ID)).toBeNull();
  });

  it("an unknown session without authentication: the store's not-found error", async () => {
    const error = await refusal(
      { session_id: "session_missing" },
      { authMode: "none", config: runConfig(null) },
    );

    expect(error).toBeInstanceOf(StoreNotFoundError);
    expect(error).toMatchObject({ context: { table: "sessions", id: "session_missing" } });
  });
});

describe("who may start a session, and where", () => {
  it("another student's session: SESSION_NOT_OWNED, told exactly as an unknown session", async () => {
    await putSession({ studentId: OTHER_STUDENT_ID });

    const error = await refusal();
    const unknown = await refusal({ session_id: "session_missing" });

    expect(error).toBeInstanceOf(SessionAccessError);
    expect(error.code).toBe("SESSION_NOT_OWNED");
    expect(error.message).toBe(unknown.message);
    expect(Object.keys(error.context)).toEqual(Object.keys(unknown.context));
    expect(JSON.stringify([error.message, error.context])).not.toContain(OTHER_STUDENT_ID);
    await expectNothingWritten();
    expect(await stores.mastery.get(OTHER_STUDENT_ID, COURSE_ID)).toBeNull();
  });

  it("another student's session with an undecodable snapshot: SESSION_NOT_OWNED, the snapshot never read", async () => {
    await putSession({ studentId: OTHER_STUDENT_ID, lessonSnapshot: "gzip:not-base64-gzip" });

    const error = await refusal();
    const unknown = await refusal({ session_id: "session_missing" });

    expect(error).toBeInstanceOf(SessionAccessError);
    expect(error.code).toBe("SESSION_NOT_OWNED");
    expect(error.message).toBe(unknown.message);
    await expectNothingWritten();
  });

  it('a session with status "completed": SESSION_ALREADY_COMPLETED', async () => {
    await putSession({ status: "completed" });

    const error = await refusal();

    expect(error).toBeInstanceOf(SessionAccessError);
    expect(error).toMatchObject({
      code: "SESSION_ALREADY_COMPLETED",
      context: { sessionId: SESSION_ID, threadId: THREAD_ID },
    });
    await expectNothingWritten();
  });

  it("a session whose mastery was applied: SESSION_ALREADY_COMPLETED, mastery unchanged", async () => {
    await putSession();
    await stores.mastery.applyLessonMastery({
      sessionId: SESSION_ID,
      studentId: STUDENT_ID,
      courseId: COURSE_ID,
      updates: fixture.enrichedOutcomes.map((outcome) => ({
        outcome_id: outcome.$id,
        score: 1,
        timestamp: "2025-11-12T15:30:00.000Z",
      })),
      alpha: 0.3,
    });
    const before = await stores.mastery.get(STUDENT_ID, COURSE_ID);

    const error = await refusal();

    expect(error).toBeInstanceOf(SessionAccessError);
    expect(error.code).toBe("SESSION_ALREADY_COMPLETED");
    expect((await stores.lessons.getSession(SESSION_ID)).threadId).toBeUndefined();
    expect(await stores.mastery.get(STUDENT_ID, COURSE_ID)).toEqual(before);
  });

  it("a session bound to another thread: SESSION_THREAD_MISMATCH, the binding kept", async () => {
    await putSession();
    await stores.lessons.bindSessionThread(SESSION_ID, "thread_other");

    const error = await refusal();

    expect(error).toBeInstanceOf(SessionAccessError);
    expect(error).toMatchObject({
      code: "SESSION_THREAD_MISMATCH",
      context: { sessionId: SESSION_ID, threadId: THREAD_ID },
    });
    await expectNothingWritten("thread_other");
  });

  it("a thread that already started this session: SESSION_ALREADY_STARTED", async () => {
    await putSession();
    await stores.lessons.bindSessionThread(SESSION_ID, THREAD_ID);

    const error = await refusal(undefined, {
      state: { session_id: SESSION_ID, current_card_index: 0 },
    });

    expect(error).toBeInstanceOf(SessionAccessError);
    expect(error).toMatchObject({
      code: "SESSION_ALREADY_STARTED",
      context: { sessionId: SESSION_ID, threadSessionId: SESSION_ID },
    });
    await expectNothingWritten(THREAD_ID);
  });

  it("a thread that already started another session: SESSION_THREAD_MISMATCH", async () => {
    await putSession();

    const error = await refusal(undefined, {
      state: { session_id: "session_earlier", current_card_index: 0 },
    });

    expect(error).toBeInstanceOf(SessionAccessError);
    expect(error).toMatchObject({
      code: "SESSION_THREAD_MISMATCH",
      context: { sessionId: SESSION_ID, threadSessionId: "session_earlier" },
    });
    await expectNothingWritten();
  });

  it("an authenticated caller sending the lesson, student or outcomes: INVALID_SESSION_CONTEXT naming exactly those", async () => {
    await putSession();

    const error = await refusal({
      session_id: SESSION_ID,
      student_id: STUDENT_ID,
      lesson_snapshot: fixture.lesson,
      enriched_outcomes: fixture.enrichedOutcomes,
      use_plain_text: true,
    });

    expect(error).toBeInstanceOf(SessionContextError);
    expect(error.code).toBe("INVALID_SESSION_CONTEXT");
    expect(error.context.refusedFields).toEqual([
      "student_id",
      "lesson_snapshot",
      "enriched_outcomes",
    ]);
    expect((error as SessionContextError).fields.map((field) => field.split(":")[0])).toEqual([
      "student_id",
      "lesson_snapshot",
      "enriched_outcomes",
    ]);
    await expectNothingWritten();
  });

  it("an authenticated caller setting emaAlpha: CONFIGURATION_NOT_ALLOWED", async () => {
    await putSession();

    const error = await refusal(undefined, { config: runConfig(STUDENT_ID, { emaAlpha: 1 }) });

    expect(error).toBeInstanceOf(ConfigurationNotAllowedError);
    expect(error).toMatchObject({
      code: "CONFIGURATION_NOT_ALLOWED",
      context: { settings: ["emaAlpha"] },
    });
    await expectNothingWritten();
  });

  it.each([
    { case: "no langgraph_auth_user", config: runConfig(null) },
    {
      case: "an empty identity",
      config: runConfig(null, { langgraph_auth_user: authUser("") }),
    },
  ])("appwrite auth with $case: INVALID_TEACHING_STATE", async ({ config }) => {
    await putSession();

    const error = await refusal(undefined, { config });

    expect(error).toBeInstanceOf(TeachingStateError);
    expect(error.code).toBe("INVALID_TEACHING_STATE");
    expect(error.message).toContain("auth handler");
    await expectNothingWritten();
  });

  it("a run without a thread: INVALID_TEACHING_STATE", async () => {
    await putSession();

    const error = await refusal(undefined, {
      config: { configurable: { langgraph_auth_user: authUser(STUDENT_ID) } },
    });

    expect(error).toBeInstanceOf(TeachingStateError);
    expect(error.message).toContain("thread_id");
    await expectNothingWritten();
  });
});
