/**
 * Starting a lesson through the real LangGraph SDK against a stub LangGraph
 * server that records every request: refused lessons must leave no request at
 * all (no thread, no run); accepted ones start with a valid session_context.
 */
import { Client } from "@langchain/langgraph-sdk";
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  vi,
  type MockInstance,
} from "vitest";
import { ConfigurationError } from "../../src/config/env.js";
import { encodeGzipPayload } from "../../src/lessons/codec.js";
import { getLogger } from "../../src/logger.js";
import { InvalidOutcomeIdError } from "../../src/mastery/errors.js";
import { parseSessionContext } from "../../src/session/context.js";
import { StoreDataError, StoreNotFoundError } from "../../src/stores/errors.js";
import { createMemoryStores } from "../../src/stores/memory/index.js";
import type { CourseOutcome } from "../../src/outcomes/schema.js";
import type { LessonSession, LessonStore, Stores } from "../../src/stores/ports.js";
import {
  DEFAULT_ASSISTANT_ID,
  ENRICHMENT_USER_MESSAGE,
  EnrichmentError,
  IncompleteEnrichmentError,
  InvalidLessonSnapshotError,
  LessonWithoutOutcomesError,
  SessionCourseMismatchError,
  startLessonSession,
  type LessonStreamPart,
} from "../../src/client/index.js";
import { startLangGraphStub, type LangGraphStub } from "../support/langgraph-stub.js";
import {
  COURSE_ID,
  STUDENT_ID,
  lessonSession,
  loadCourseOutcomes,
  loadLessonSnapshot,
} from "./support/fixtures.js";

const SESSION_ID = "session_fractions_01";

let stub: LangGraphStub;
let client: Client;
let stores: Stores;
let recordThread: MockInstance<LessonStore["setSessionThread"]>;
const outcomes = loadCourseOutcomes();
const o1DocumentIds = outcomes.filter((o) => o.outcomeId === "O1").map((o) => o.$id);

beforeAll(async () => {
  stub = await startLangGraphStub();
  client = new Client({ apiUrl: stub.url, apiKey: null, callerOptions: { maxRetries: 0 } });
});
afterAll(async () => {
  await stub.close();
});

/** Fresh stores seeded with `rows`; thread writes are watched. */
async function useStores(rows: readonly CourseOutcome[]): Promise<void> {
  stores = createMemoryStores();
  await stores.outcomes.upsertMany(rows);
  recordThread = vi.spyOn(stores.lessons, "setSessionThread");
}

beforeEach(async () => {
  stub.reset();
  await useStores(outcomes);
  vi.spyOn(getLogger(), "error").mockReturnValue(undefined);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

async function putSession(overrides: Partial<LessonSession> = {}): Promise<LessonSession> {
  const session = lessonSession(SESSION_ID, overrides);
  await stores.lessons.putSession(session);
  return session;
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "startLessonSession should have been refused").toBeInstanceOf(Error);
  return error;
}

function expectNothingStarted(): void {
  expect(stub.requests).toEqual([]);
  expect(stub.threads.size).toBe(0);
  expect(stub.runs.size).toBe(0);
  expect(recordThread).not.toHaveBeenCalled();
}

describe("startLessonSession: happy path", () => {
  it("creates and records a thread, then a run whose session_context carries the course's O1 documents, one per unit", async () => {
    await putSession();

    const started = await startLessonSession({ sessionId: SESSION_ID, stores, client });

    expect(stub.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /threads",
      `POST /threads/${started.threadId}/runs`,
    ]);
    expect(stub.threads.get(started.threadId)?.metadata).toMatchObject({
      session_id: SESSION_ID,
      student_id: STUDENT_ID,
    });
    expect(recordThread.mock.calls).toEqual([[SESSION_ID, started.threadId]]);
    expect((await stores.lessons.getSession(SESSION_ID)).threadId).toBe(started.threadId);

    const run = stub.runs.get(started.runId);
    expect(run?.assistant_id).toBe(DEFAULT_ASSISTANT_ID);
    expect(started.run.run_id).toBe(started.runId);
    const input = run?.input as { messages: unknown; session_context: unknown };
    expect(input.messages).toEqual([]);

    const context = parseSessionContext(input.session_context);
    expect(context.session_id).toBe(SESSION_ID);
    expect(context.student_id).toBe(STUDENT_ID);
    expect(context.lesson_snapshot.outcomeRefs).toEqual(["O1", "AS1.2"]);
    expect(context.enriched_outcomes.map((o) => o.$id).sort()).toEqual([...o1DocumentIds].sort());
    expect(new Set(context.enriched_outcomes.map((o) => o.unitCode)).size).toBe(3);
    expect(
      context.enriched_outcomes.every((o) => o.outcomeId === "O1" && o.courseId === COURSE_ID),
    ).toBe(true);
    expect(started.sessionContext).toEqual(context);
  });

  it("reads a gzip:+base64 snapshot and passes course details through", async () => {
    await putSession({ lessonSnapshot: encodeGzipPayload(loadLessonSnapshot()) });

    const started = await startLessonSession({
      sessionId: SESSION_ID,
      stores,
      client,
      assistantId: "teaching_v2",
      course: { subject: "mathematics", level: "national-4", title: "Mathematics N4" },
      usePlainText: true,
    });

    const context = parseSessionContext(
      (stub.runs.get(started.runId)?.input as { session_context: unknown }).session_context,
    );
    expect(context.lesson_snapshot.title).toBe("Calculating Fractions of Amounts");
    expect(context).toMatchObject({
      course_subject: "mathematics",
      course_level: "national-4",
      course_title: "Mathematics N4",
      use_plain_text: true,
    });
    expect(stub.runs.get(started.runId)?.assistant_id).toBe("teaching_v2");
  });

  it("reuses the session's thread instead of creating another", async () => {
    const existing = await client.threads.create();
    await putSession({ threadId: existing.thread_id });
    stub.requests.length = 0;

    const started = await startLessonSession({ sessionId: SESSION_ID, stores, client });

    expect(started.threadId).toBe(existing.thread_id);
    expect(stub.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /threads/${existing.thread_id}/runs`,
    ]);
    expect(recordThread).not.toHaveBeenCalled();
  });

  it("streams on request: resolves once the run exists and replays every event, the first included", async () => {
    await putSession();

    const started = await startLessonSession({ sessionId: SESSION_ID, stores, client, stream: {} });

    expect(stub.runs.has(started.runId)).toBe(true);
    const request = stub.requests.at(-1);
    expect(request?.path).toBe(`/threads/${started.threadId}/runs/stream`);
    expect(request?.body).toMatchObject({
      stream_mode: ["messages", "updates"],
      stream_subgraphs: true,
    });

    const parts: LessonStreamPart[] = [];
    for await (const part of started.stream) parts.push(part);
    expect(parts.map((p) => p.event)).toEqual(["metadata", "updates", "end"]);
    expect(parts[0]?.data).toMatchObject({ run_id: started.runId });
  });

  it("takes the run id from the stream's metadata event when the server sends no Content-Location", async () => {
    await putSession();
    stub.omitContentLocation = true;

    const started = await startLessonSession({
      sessionId: SESSION_ID,
      stores,
      client,
      stream: { streamMode: ["values"] },
    });

    expect(stub.runs.has(started.runId)).toBe(true);
    expect(stub.requests.at(-1)?.body).toMatchObject({ stream_mode: ["values"] });
  });

  it("builds its own client from LANGGRAPH_API_URL when given neither client nor apiUrl", async () => {
    vi.stubEnv("LANGGRAPH_API_URL", stub.url);
    await putSession();

    const started = await startLessonSession({ sessionId: SESSION_ID, stores });

    expect(stub.runs.has(started.runId)).toBe(true);
  });

  it("uses an explicit apiUrl", async () => {
    vi.stubEnv("LANGGRAPH_API_URL", "");
    await putSession();

    const started = await startLessonSession({ sessionId: SESSION_ID, stores, apiUrl: stub.url });

    expect(stub.threads.has(started.threadId)).toBe(true);
  });
});

describe("startLessonSession: refused before any request to the server", () => {
  it("spec Scenario 2: outcomes deleted -> EnrichmentError with both messages, no thread, no run", async () => {
    await useStores([]);
    await putSession();
    const logError = vi.mocked(getLogger().error);

    const error = await refusal(startLessonSession({ sessionId: SESSION_ID, stores, client }));

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
    expect(logError).toHaveBeenCalledTimes(1);
    expectNothingStarted();
  });

  it("a partial miss names the missing refs", async () => {
    await putSession({
      lessonSnapshot: loadLessonSnapshot({ outcomeRefs: ["O1", "O3", "AS1.2"] }),
    });

    const error = await refusal(startLessonSession({ sessionId: SESSION_ID, stores, client }));

    expect(error).toBeInstanceOf(IncompleteEnrichmentError);
    expect(error).toMatchObject({
      code: "OUTCOME_ENRICHMENT_INCOMPLETE",
      missingOutcomeIds: ["O3"],
    });
    expectNothingStarted();
  });

  it("a lesson with only assessment standards is refused without querying outcomes", async () => {
    await putSession({ lessonSnapshot: loadLessonSnapshot({ outcomeRefs: ["AS1.1", "AS1.2"] }) });
    const findOutcomes = vi.spyOn(stores.outcomes, "findByOutcomeIds");

    const error = await refusal(startLessonSession({ sessionId: SESSION_ID, stores, client }));

    expect(error).toBeInstanceOf(LessonWithoutOutcomesError);
    expect(error).toMatchObject({
      code: "LESSON_HAS_NO_OUTCOMES",
      userMessage: ENRICHMENT_USER_MESSAGE,
    });
    expect(findOutcomes).not.toHaveBeenCalled();
    expectNothingStarted();
  });

  it("a store error while enriching propagates unchanged", async () => {
    await putSession();
    const failure = new Error("course_outcomes unreachable");
    vi.spyOn(stores.outcomes, "findByOutcomeIds").mockRejectedValue(failure);

    await expect(startLessonSession({ sessionId: SESSION_ID, stores, client })).rejects.toBe(
      failure,
    );
    expectNothingStarted();
  });

  it("an unknown session propagates the store's not-found error", async () => {
    const error = await refusal(
      startLessonSession({ sessionId: "session_missing", stores, client }),
    );

    expect(error).toBeInstanceOf(StoreNotFoundError);
    expect(error).toMatchObject({ context: { table: "sessions", id: "session_missing" } });
    expectNothingStarted();
  });

  it("a snapshot that breaks the lesson schema is refused with the offending fields", async () => {
    await putSession({ lessonSnapshot: { ...loadLessonSnapshot(), cards: [] } });

    const error = await refusal(startLessonSession({ sessionId: SESSION_ID, stores, client }));

    expect(error).toBeInstanceOf(InvalidLessonSnapshotError);
    expect(error).toMatchObject({
      code: "INVALID_LESSON_SNAPSHOT",
      context: { sessionId: SESSION_ID },
    });
    expect((error as InvalidLessonSnapshotError).issues.join()).toContain("lessonSnapshot.cards");
    expectNothingStarted();
  });

  it("an undecodable stored snapshot propagates the store's data error", async () => {
    await putSession({ lessonSnapshot: "gzip:not-base64-gzip" });

    const error = await refusal(startLessonSession({ sessionId: SESSION_ID, stores, client }));

    expect(error).toBeInstanceOf(StoreDataError);
    expect(error).toMatchObject({
      code: "STORE_DATA_INVALID",
      context: { table: "sessions", id: SESSION_ID, column: "lessonSnapshot" },
    });
    expectNothingStarted();
  });

  it("a snapshot still a string after the store decoded it is refused, not decoded again", async () => {
    await putSession({ lessonSnapshot: JSON.stringify(JSON.stringify(loadLessonSnapshot())) });

    const error = await refusal(startLessonSession({ sessionId: SESSION_ID, stores, client }));

    expect(error).toBeInstanceOf(InvalidLessonSnapshotError);
    expectNothingStarted();
  });

  it("a session whose snapshot names another course is refused", async () => {
    await putSession({ courseId: "course_c84473" });

    const error = await refusal(startLessonSession({ sessionId: SESSION_ID, stores, client }));

    expect(error).toBeInstanceOf(SessionCourseMismatchError);
    expect(error).toMatchObject({
      code: "SESSION_COURSE_MISMATCH",
      context: {
        sessionId: SESSION_ID,
        sessionCourseId: "course_c84473",
        snapshotCourseId: COURSE_ID,
      },
    });
    expectNothingStarted();
  });

  it("an enriched outcome without a document ID fails session_context validation", async () => {
    const legacy = { ...outcomes.find((o) => o.outcomeId === "O1")!, $id: "O1" };
    await useStores([legacy]);
    await putSession();

    const error = await refusal(startLessonSession({ sessionId: SESSION_ID, stores, client }));

    expect(error).toBeInstanceOf(InvalidOutcomeIdError);
    expect(error).toMatchObject({ code: "INVALID_OUTCOME_ID", context: { value: "O1" } });
    expectNothingStarted();
  });

  it("no client, no apiUrl and no LANGGRAPH_API_URL is a configuration error, before the session is read", async () => {
    vi.stubEnv("LANGGRAPH_API_URL", "");
    await putSession();
    const getSession = vi.spyOn(stores.lessons, "getSession");

    const error = await refusal(startLessonSession({ sessionId: SESSION_ID, stores }));

    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({
      code: "CONFIGURATION_ERROR",
      context: { missing: ["LANGGRAPH_API_URL"] },
    });
    expect(getSession).not.toHaveBeenCalled();
    expectNothingStarted();
  });
});

describe("startLessonSession: failures after the first request", () => {
  it("deletes the new thread again when the session cannot record it", async () => {
    await putSession();
    const failure = new Error("sessions table unavailable");
    recordThread.mockRejectedValue(failure);

    await expect(startLessonSession({ sessionId: SESSION_ID, stores, client })).rejects.toBe(
      failure,
    );

    const [create, remove] = stub.requests;
    expect(create?.path).toBe("/threads");
    expect(remove?.method).toBe("DELETE");
    expect(stub.threads.size).toBe(0);
    expect(stub.runs.size).toBe(0);
  });

  it("keeps the recorded thread when the run is refused, and reuses it on retry", async () => {
    await putSession();
    stub.fail({ method: "POST", path: /\/runs$/, status: 409, times: 1 });

    const error = await refusal(startLessonSession({ sessionId: SESSION_ID, stores, client }));
    expect(String(error)).toContain("409");
    expect(stub.runs.size).toBe(0);
    const recorded = (await stores.lessons.getSession(SESSION_ID)).threadId;
    expect(recorded).toBeDefined();
    expect(stub.threads.has(recorded!)).toBe(true);

    const retried = await startLessonSession({ sessionId: SESSION_ID, stores, client });

    expect(retried.threadId).toBe(recorded);
    expect(stub.threads.size).toBe(1);
    expect(recordThread).toHaveBeenCalledTimes(1);
  });
});
