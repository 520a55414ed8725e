/**
 * Starting a lesson through the real LangGraph SDK against a stub LangGraph
 * server that records every request. The client names only the session: the
 * server loads, checks and enriches it (test/teaching/nodes/
 * prepare-session-stored.test.ts), so all that is tested here is what goes
 * over the wire, and that nothing else does.
 */
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ConfigurationError } from "../../src/config/env.js";
import {
  DEFAULT_ASSISTANT_ID,
  startLessonSession,
  type LessonStreamPart,
} from "../../src/client/index.js";
import { startLangGraphStub, type LangGraphStub } from "../support/langgraph-stub.js";

const SESSION_ID = "session_fractions_01";
const JWT = "eyJhbGciOiJIUzI1NiJ9.student.signature";

let stub: LangGraphStub;
let client: Client;

beforeAll(async () => {
  stub = await startLangGraphStub();
  client = new Client({ apiUrl: stub.url, apiKey: null, callerOptions: { maxRetries: 0 } });
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => {
  stub.reset();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "startLessonSession should have been refused").toBeInstanceOf(Error);
  return error;
}

const routes = () => stub.requests.map((request) => `${request.method} ${request.path}`);

/** The `session_context` of the run request the stub received last. */
function sentSessionContext(): unknown {
  const body = stub.requests.at(-1)?.body as { input?: { session_context?: unknown } };
  return body.input?.session_context;
}

describe("startLessonSession: what goes over the wire", () => {
  it("creates a thread tagged with the session, then a run whose input names only the session", async () => {
    const started = await startLessonSession({ sessionId: SESSION_ID, client });

    expect(routes()).toEqual(["POST /threads", `POST /threads/${started.threadId}/runs`]);
    expect(stub.threads.get(started.threadId)?.metadata).toEqual({ session_id: SESSION_ID });
    const run = stub.runs.get(started.runId);
    expect(run?.assistant_id).toBe(DEFAULT_ASSISTANT_ID);
    expect(started.run.run_id).toBe(started.runId);
    expect(run?.input).toEqual({ messages: [], session_context: { session_id: SESSION_ID } });
    // No student, lesson, outcomes or settings anywhere else in the requests either.
    const [threadBody, runBody] = stub.requests.map((request) => request.body);
    expect(threadBody).toEqual({ metadata: { session_id: SESSION_ID } });
    expect(Object.keys(runBody as object).sort()).toEqual(["assistant_id", "input"]);
  });

  it.each([true, false])("passes use_plain_text: %s through", async (usePlainText) => {
    const started = await startLessonSession({ sessionId: SESSION_ID, client, usePlainText });

    expect(stub.runs.get(started.runId)?.input).toEqual({
      messages: [],
      session_context: { session_id: SESSION_ID, use_plain_text: usePlainText },
    });
  });

  it("runs the assistant it is given", async () => {
    const started = await startLessonSession({
      sessionId: SESSION_ID,
      client,
      assistantId: "teaching_v2",
    });

    expect(stub.runs.get(started.runId)?.assistant_id).toBe("teaching_v2");
  });

  it("starts on the thread it is given without creating another", async () => {
    const existing = await client.threads.create();
    stub.requests.length = 0;

    const started = await startLessonSession({
      sessionId: SESSION_ID,
      client,
      threadId: existing.thread_id,
    });

    expect(started.threadId).toBe(existing.thread_id);
    expect(routes()).toEqual([`POST /threads/${existing.thread_id}/runs`]);
    expect(stub.threads.size).toBe(1);
  });

  it("streams on request: resolves once the run exists and replays every event, the first included", async () => {
    const started = await startLessonSession({ sessionId: SESSION_ID, client, stream: {} });

    expect(stub.runs.has(started.runId)).toBe(true);
    const request = stub.requests.at(-1);
    expect(request?.path).toBe(`/threads/${started.threadId}/runs/stream`);
    expect(request?.body).toMatchObject({
      stream_mode: ["messages", "updates"],
      stream_subgraphs: true,
    });
    expect(sentSessionContext()).toEqual({ session_id: SESSION_ID });

    const parts: LessonStreamPart[] = [];
    for await (const part of started.stream) parts.push(part);
    expect(parts.map((p) => p.event)).toEqual(["metadata", "updates", "end"]);
    expect(parts[0]?.data).toMatchObject({ run_id: started.runId });
  });

  it("takes the run id from the stream's metadata event when the server sends no Content-Location", async () => {
    stub.omitContentLocation = true;

    const started = await startLessonSession({
      sessionId: SESSION_ID,
      client,
      stream: { streamMode: ["values"] },
    });

    expect(stub.runs.has(started.runId)).toBe(true);
    expect(stub.requests.at(-1)?.body).toMatchObject({ stream_mode: ["values"] });
  });
});

describe("startLessonSession: which server, and as whom", () => {
  it("builds its own client from LANGGRAPH_API_URL when given neither client nor apiUrl", async () => {
    vi.stubEnv("LANGGRAPH_API_URL", stub.url);

    const started = await startLessonSession({ sessionId: SESSION_ID });

    expect(stub.runs.has(started.runId)).toBe(true);
  });

  it("uses an explicit apiUrl", async () => {
    vi.stubEnv("LANGGRAPH_API_URL", "");

    const started = await startLessonSession({ sessionId: SESSION_ID, apiUrl: stub.url });

    expect(stub.threads.has(started.threadId)).toBe(true);
  });

  it.each([
    {
      mode: "in the background",
      start: () => startLessonSession({ sessionId: SESSION_ID, apiUrl: stub.url, jwt: JWT }),
    },
    {
      mode: "streamed",
      start: () =>
        startLessonSession({ sessionId: SESSION_ID, apiUrl: stub.url, jwt: JWT, stream: {} }),
    },
  ])("sends the student's JWT as a bearer token on every request ($mode)", async ({ start }) => {
    await start();

    expect(stub.requests).toHaveLength(2);
    for (const request of stub.requests) {
      expect(request.headers.authorization, `${request.method} ${request.path}`).toBe(
        `Bearer ${JWT}`,
      );
    }
  });

  it("sends no Authorization header without a JWT", async () => {
    await startLessonSession({ sessionId: SESSION_ID, apiUrl: stub.url });

    expect(stub.requests.map((request) => request.headers.authorization)).toEqual([
      undefined,
      undefined,
    ]);
  });

  it("no client, no apiUrl and no LANGGRAPH_API_URL is a configuration error, before any request", async () => {
    vi.stubEnv("LANGGRAPH_API_URL", "");

    const error = await refusal(startLessonSession({ sessionId: SESSION_ID, jwt: JWT }));

    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({
      code: "CONFIGURATION_ERROR",
      context: { missing: ["LANGGRAPH_API_URL"] },
    });
    expect(stub.requests).toEqual([]);
  });
});

describe("startLessonSession: failures", () => {
  it("a refused thread creation starts no run", async () => {
    stub.fail({ method: "POST", path: /^\/threads$/, status: 503, times: 1 });

    const error = await refusal(startLessonSession({ sessionId: SESSION_ID, client }));

    expect(String(error)).toContain("503");
    expect(routes()).toEqual(["POST /threads"]);
    expect(stub.runs.size).toBe(0);
  });

  it("a refused run leaves the thread it created, and a retry on that thread creates no other", async () => {
    stub.fail({ method: "POST", path: /\/runs$/, status: 409, times: 1 });

    const error = await refusal(startLessonSession({ sessionId: SESSION_ID, client }));

    expect(String(error)).toContain("409");
    expect(stub.runs.size).toBe(0);
    expect(routes().some((route) => route.startsWith("DELETE"))).toBe(false);
    // The caller finds it by its metadata (threads.search), as the stub's registry does here.
    const [thread, ...others] = [...stub.threads.values()];
    expect(others).toEqual([]);
    expect(thread?.metadata).toEqual({ session_id: SESSION_ID });

    const retried = await startLessonSession({
      sessionId: SESSION_ID,
      client,
      threadId: thread!.thread_id,
    });

    expect(retried.threadId).toBe(thread!.thread_id);
    expect(stub.threads.size).toBe(1);
    expect(stub.runs.get(retried.runId)?.input).toEqual({
      messages: [],
      session_context: { session_id: SESSION_ID },
    });
  });
});
