/** The ownership rules, called as LangGraph calls them: an event, a user, a mutable value. */
import { HTTPException } from "@langchain/langgraph-sdk/auth";
import { describe, expect, it } from "vitest";
import { refusalCode } from "../../src/auth/errors.js";
import {
  onAssistantRead,
  onCreateRun,
  onThreadAccess,
  onThreadCreate,
  onThreadUpdate,
  refuseOperation,
  type RuleEvent,
  type RunEventValue,
} from "../../src/auth/handlers.js";
import { anonymousUser, type StudentUser } from "../../src/auth/users.js";
import { SERVER_OWNED_SETTINGS } from "../../src/teaching/configuration.js";

const ada: StudentUser = {
  kind: "student",
  identity: "student_ada",
  userId: "user_ada",
  display_name: "Ada",
  permissions: [],
  is_authenticated: true,
};
const studio = {
  kind: "StudioUser",
  identity: "langgraph-studio-user",
  display_name: "langgraph-studio-user",
  permissions: [],
  is_authenticated: true,
};

function eventOf<V>(event: string, value: V, user: RuleEvent<V>["user"] = ada): RuleEvent<V> {
  return { event, user, value };
}

/** The refusal `run` throws: an HTTPException with this status and code. */
function refusalOf(run: () => unknown): {
  status: number;
  code: string | undefined;
  message: string;
} {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HTTPException);
    const http = error as HTTPException;
    return { status: http.status, code: refusalCode(error), message: http.message };
  }
  return expect.fail("the handler allowed it");
}

function runOf(
  kwargs: Record<string, unknown>,
  thread_id: string | null = "thread_1",
): RunEventValue {
  return { thread_id, metadata: {}, kwargs };
}

describe("who gets anywhere", () => {
  const handlers = [
    () => onThreadCreate(eventOf("threads:create", {}, anonymousUser())),
    () => onThreadAccess(eventOf("threads:read", {}, anonymousUser())),
    () => onThreadUpdate(eventOf("threads:update", { metadata: {} }, studio)),
    () => onCreateRun(eventOf("threads:create_run", runOf({}), studio)),
    () => onAssistantRead(eventOf("assistants:read", {}, anonymousUser())),
  ];
  it.each(handlers.map((handler, i) => [i, handler]))(
    "refuses a caller who is not a student (handler %i)",
    (_, handler) => {
      expect(refusalOf(handler)).toMatchObject({ status: 403, code: "OPERATION_NOT_ALLOWED" });
    },
  );

  it("refuses a student-looking user that is not authenticated", () => {
    const forged = { ...ada, is_authenticated: false };
    expect(refusalOf(() => onThreadAccess(eventOf("threads:read", {}, forged))).status).toBe(403);
  });
});

describe("threads", () => {
  it("stamps the creator as owner, over whatever the caller sent, and filters to them", () => {
    const metadata: Record<string, unknown> = { owner: "student_ben", topic: "fractions" };
    const value = { thread_id: "t", metadata };
    expect(onThreadCreate(eventOf("threads:create", value))).toEqual({ owner: "student_ada" });
    // In place: the server stores the object it passed (a thread copy reuses it).
    expect(metadata).toEqual({ owner: "student_ada", topic: "fractions" });
  });

  it("stamps a thread created without metadata", () => {
    const value: { metadata?: Record<string, unknown> | null } = { metadata: null };
    onThreadCreate(eventOf("threads:create", value));
    expect(value.metadata).toEqual({ owner: "student_ada" });
  });

  it.each(["threads:read", "threads:search", "threads:delete"])(
    "filters %s to the owner",
    (event) => {
      expect(onThreadAccess(eventOf(event, { thread_id: "t" }))).toEqual({ owner: "student_ada" });
    },
  );

  it("keeps the owner through a metadata update and allows a cancel", () => {
    const value = { thread_id: "t", metadata: { owner: "student_ben", step: 2 } };
    expect(onThreadUpdate(eventOf("threads:update", value))).toEqual({ owner: "student_ada" });
    expect(value.metadata).toEqual({ owner: "student_ada", step: 2 });
    const cancel = { thread_id: "t", action: "interrupt", metadata: { run_ids: ["r"] } };
    expect(onThreadUpdate(eventOf("threads:update", cancel))).toEqual({ owner: "student_ada" });
    const empty = { thread_id: "t", metadata: undefined };
    expect(onThreadUpdate(eventOf("threads:update", empty))).toEqual({ owner: "student_ada" });
  });

  it("refuses a direct state write (an update event with neither metadata nor action)", () => {
    expect(
      refusalOf(() =>
        onThreadUpdate(
          eventOf<{ thread_id: string; metadata?: undefined }>("threads:update", {
            thread_id: "t",
          }),
        ),
      ),
    ).toMatchObject({
      status: 403,
      code: "STATE_UPDATE_NOT_ALLOWED",
    });
  });
});

describe("runs", () => {
  it("allows a run on a thread, filtered to the owner, with the owner in the run's metadata", () => {
    const value = runOf({
      input: { session_context: { session_id: "s" } },
      command: { resume: 1 },
    });
    value.metadata = { owner: "student_ben", note: "n" };
    expect(onCreateRun(eventOf("threads:create_run", value))).toEqual({ owner: "student_ada" });
    expect(value.metadata).toEqual({ owner: "student_ada", note: "n" });
  });

  it("refuses a run without a thread", () => {
    for (const threadId of [null, undefined]) {
      const value = { ...runOf({}), thread_id: threadId };
      expect(refusalOf(() => onCreateRun(eventOf("threads:create_run", value)))).toMatchObject({
        status: 403,
        code: "STATELESS_RUN_NOT_ALLOWED",
      });
    }
  });

  it.each(SERVER_OWNED_SETTINGS.map((setting) => [setting]))(
    "refuses %s in configurable or in context, naming it",
    (setting) => {
      for (const kwargs of [
        { config: { configurable: { [setting]: 1 } } },
        { context: { [setting]: 1 } },
      ]) {
        const refused = refusalOf(() => onCreateRun(eventOf("threads:create_run", runOf(kwargs))));
        expect(refused).toMatchObject({ status: 403, code: "CONFIGURATION_NOT_ALLOWED" });
        expect(refused.message).toContain(setting);
      }
    },
  );

  it("names every server-owned setting a run sets", () => {
    const kwargs = {
      config: { configurable: { emaAlpha: 1, teacherModel: "openai:x", thread_id: "t" } },
      context: { maxAttempts: 9 },
    };
    const refused = refusalOf(() => onCreateRun(eventOf("threads:create_run", runOf(kwargs))));
    expect(refused.message).toContain("emaAlpha, maxAttempts, teacherModel are the server's");
  });

  it("allows other configurable keys (the server's own, headers) and a non-object context", () => {
    const kwargs = {
      config: { configurable: { thread_id: "t", "x-request-id": "r", langgraph_auth_user: ada } },
      context: "plain",
    };
    expect(onCreateRun(eventOf("threads:create_run", runOf(kwargs)))).toEqual({
      owner: "student_ada",
    });
  });

  it.each([
    ["command.update", { command: { resume: 1, update: { score: 1 } } }],
    ["command.goto", { command: { goto: "complete" } }],
    ["checkpoint_id", { config: { configurable: { checkpoint_id: "c1" } } }],
    ["webhook", { webhook: "http://169.254.169.254/" }],
  ])("refuses %s", (option, kwargs) => {
    const refused = refusalOf(() => onCreateRun(eventOf("threads:create_run", runOf(kwargs))));
    expect(refused).toMatchObject({ status: 403, code: "RUN_OPTION_NOT_ALLOWED" });
    expect(refused.message).toContain(option);
  });
});

describe("assistants, crons, the store", () => {
  it("lets a student read and search assistants, unfiltered", () => {
    expect(onAssistantRead(eventOf("assistants:search", {}))).toBeUndefined();
  });

  it.each([
    "assistants:create",
    "assistants:update",
    "assistants:delete",
    "crons:create",
    "crons:search",
    "store:put",
    "store:get",
  ])("refuses %s", (event) => {
    expect(refusalOf(() => refuseOperation(eventOf(event, {})))).toMatchObject({
      status: 403,
      code: "OPERATION_NOT_ALLOWED",
    });
  });
});
