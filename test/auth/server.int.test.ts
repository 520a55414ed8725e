/**
 * Authentication and thread ownership through the real LangGraph dev server
 * (`langgraphjs dev` with the project's `auth.path`) and
 * `@langchain/langgraph-sdk`, against the Appwrite-compatible test server:
 * `TEACHING_AUTH=appwrite`, JWTs minted by the test server, two students and
 * a user who is not one. Lessons are not run here: every refusal happens
 * before the graph starts.
 */
import type { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startAppwriteTestServer,
  type AppwriteTestServer,
} from "../support/appwrite-server/index.js";
import { appwriteEnvFor } from "../support/appwrite-server/settings.js";
import { clientWithToken, refusalOf } from "../support/sdk.js";
import { startLangGraphServer, type LangGraphServer } from "../support/langgraphServer.js";

const ASSISTANT_ID = "teaching";

let appwrite: AppwriteTestServer;
let server: LangGraphServer;
let tokens: { ada: string; ben: string; stranger: string };

beforeAll(async () => {
  appwrite = await startAppwriteTestServer();
  for (const [userId, name] of [
    ["user_ada", "Ada"],
    ["user_ben", "Ben"],
    ["user_stranger", "Stranger"],
  ] as const) {
    appwrite.createUser({ $id: userId, name });
  }
  appwrite.seedRows("students", [
    { $id: "student_ada", userId: "user_ada", name: "Ada" },
    { $id: "student_ben", userId: "user_ben", name: "Ben" },
  ]);
  tokens = {
    ada: appwrite.createJwt("user_ada"),
    ben: appwrite.createJwt("user_ben"),
    stranger: appwrite.createJwt("user_stranger"),
  };
  server = await startLangGraphServer({
    env: {
      ...(appwriteEnvFor(appwrite) as Record<string, string>),
      TEACHING_AUTH: "appwrite",
      TEACHER_MODEL: "",
      LOG_LEVEL: "info",
    },
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await appwrite?.close();
});

const clientWith = (token?: string): Client => clientWithToken(server.url, token);

describe("authentication", () => {
  it("logs the mode on start", () => {
    expect(server.output()).toContain("auth: appwrite");
  });

  it("refuses a request without a token with 401", async () => {
    const refused = await refusalOf(clientWith().threads.search());
    expect(refused).toMatchObject({ status: 401 });
    expect(refused.message).toContain("AUTH_TOKEN_MISSING");
  });

  it("refuses a malformed, a forged and an expired token with 401", async () => {
    const malformed = await refusalOf(clientWith("not-a-jwt").threads.search());
    expect(malformed).toMatchObject({ status: 401 });
    expect(malformed.message).toContain("AUTH_TOKEN_MALFORMED");

    const [header, payload] = tokens.ada.split(".");
    const forged = await refusalOf(
      clientWith(`${header}.${payload}.c2lnbmF0dXJl`).threads.search(),
    );
    expect(forged).toMatchObject({ status: 401 });
    expect(forged.message).toContain("AUTH_TOKEN_INVALID");

    const expired = appwrite.createJwt("user_ada", { expiresInSeconds: -60 });
    expect((await refusalOf(clientWith(expired).threads.search())).status).toBe(401);
  });

  it("refuses an Appwrite user without a students row with 403", async () => {
    const refused = await refusalOf(clientWith(tokens.stranger).threads.search());
    expect(refused).toMatchObject({ status: 403 });
    expect(refused.message).toContain("NOT_A_STUDENT");
  });

  it("asks Appwrite once per token, not once per request", async () => {
    const token = appwrite.createJwt("user_ben");
    const accountRequests = () => appwrite.requests.filter((r) => r.path === "/account").length;
    const before = accountRequests();
    const ben = clientWith(token);
    for (let i = 0; i < 3; i++) await ben.threads.search();
    expect(accountRequests() - before).toBe(1);
  });
});

describe("thread ownership", () => {
  let threadId: string;
  const ada = () => clientWith(tokens.ada);
  const ben = () => clientWith(tokens.ben);

  beforeAll(async () => {
    // Claiming someone else as the owner does not work: the server stamps the caller.
    const thread = await ada().threads.create({ metadata: { owner: "student_ben", topic: "x" } });
    threadId = thread.thread_id;
  });

  it("stamps the creator as the owner", async () => {
    const thread = await ada().threads.get(threadId);
    expect(thread.metadata).toMatchObject({ owner: "student_ada", topic: "x" });
  });

  it("lists a thread in its owner's search only", async () => {
    const adas = await ada().threads.search({ limit: 100 });
    expect(adas.map((t) => t.thread_id)).toContain(threadId);
    const bens = await ben().threads.search({ limit: 100 });
    expect(bens.map((t) => t.thread_id)).not.toContain(threadId);
    const asked = await ben().threads.search({ metadata: { owner: "student_ada" } });
    expect(asked).toEqual([]);
  });

  it("answers another student 404 on reading, updating, deleting and running the thread", async () => {
    expect((await refusalOf(ben().threads.get(threadId))).status).toBe(404);
    expect((await refusalOf(ben().threads.getState(threadId))).status).toBe(404);
    expect((await refusalOf(ben().threads.update(threadId, { metadata: { x: 1 } }))).status).toBe(
      404,
    );
    expect(
      (await refusalOf(ben().runs.create(threadId, ASSISTANT_ID, { input: null }))).status,
    ).toBe(404);
    expect((await refusalOf(ben().threads.delete(threadId))).status).toBe(404);
    // Still there, still Ada's.
    expect((await ada().threads.get(threadId)).metadata).toMatchObject({ owner: "student_ada" });
  });

  it("keeps the owner through the owner's own metadata update", async () => {
    await ada().threads.update(threadId, { metadata: { owner: "student_ben", step: 2 } });
    expect((await ada().threads.get(threadId)).metadata).toMatchObject({
      owner: "student_ada",
      step: 2,
    });
  });

  it("refuses a run that sets a server-owned setting, naming it", async () => {
    const refused = await refusalOf(
      ada().runs.create(threadId, ASSISTANT_ID, {
        input: null,
        config: { configurable: { emaAlpha: 1 } },
      }),
    );
    expect(refused.status).toBe(403);
    expect(refused.message).toContain("CONFIGURATION_NOT_ALLOWED");
    expect(refused.message).toContain("emaAlpha");
    expect(await ada().runs.list(threadId)).toEqual([]);
  });

  it("refuses runs without a thread and direct state writes", async () => {
    const stateless = await refusalOf(ada().runs.create(null, ASSISTANT_ID, { input: null }));
    expect(stateless.status).toBe(403);
    expect(stateless.message).toContain("STATELESS_RUN_NOT_ALLOWED");
    const write = await refusalOf(
      ada().threads.updateState(threadId, { values: { session_context: {} } }),
    );
    expect(write.status).toBe(403);
    expect(write.message).toContain("STATE_UPDATE_NOT_ALLOWED");
  });

  // Crons are refused by the same rule (handlers.test.ts); the dev server does not implement them.
  it("lets students read assistants, not change them, and keeps the store closed", async () => {
    const assistants = await ada().assistants.search({ graphId: ASSISTANT_ID });
    expect(assistants.map((a) => a.graph_id)).toContain(ASSISTANT_ID);
    expect(
      (await refusalOf(ada().assistants.create({ graphId: ASSISTANT_ID, name: "mine" }))).status,
    ).toBe(403);
    expect((await refusalOf(ada().store.putItem(["notes"], "k", { v: 1 }))).status).toBe(403);
  });

  it("lets the owner delete the thread", async () => {
    await ada().threads.delete(threadId);
    expect((await refusalOf(ada().threads.get(threadId))).status).toBe(404);
  });
});
