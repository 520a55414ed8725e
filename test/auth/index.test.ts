/** The auth module's wiring: which mode registers what, and what the server log says on start. */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { AuthSettings } from "../../src/config/env.js";
import {
  onAssistantRead,
  onCreateRun,
  onThreadAccess,
  onThreadCreate,
  onThreadUpdate,
  refuseOperation,
} from "../../src/auth/handlers.js";
import { announceAuth, auth, createTeachingAuth, defaultAuthDeps } from "../../src/auth/index.js";

const none: AuthSettings = { mode: "none", explicit: false, store: "sqlite" };
const appwrite: AuthSettings = { mode: "appwrite", explicit: false, store: "appwrite" };

function logsOf(settings: AuthSettings): { level: number; msg: string }[] {
  const lines: string[] = [];
  announceAuth(settings, pino({ level: "info" }, { write: (line: string) => lines.push(line) }));
  return lines.map((line) => JSON.parse(line) as { level: number; msg: string });
}

describe("createTeachingAuth", () => {
  it("none: everyone is the anonymous caller, and no rule filters anything", async () => {
    const cache = createTeachingAuth(none, defaultAuthDeps())["~handlerCache"];
    expect(cache.callbacks).toBeUndefined();
    const user = await cache.authenticate?.(new Request("http://127.0.0.1/threads/search"));
    expect(user).toMatchObject({ identity: "anonymous", is_authenticated: false });
  });

  it("appwrite: each event goes to its rule, and anything else is refused", () => {
    const { callbacks } = createTeachingAuth(appwrite, defaultAuthDeps())["~handlerCache"];
    expect(callbacks).toEqual({
      "threads:create": onThreadCreate,
      "threads:read": onThreadAccess,
      "threads:search": onThreadAccess,
      "threads:delete": onThreadAccess,
      "threads:update": onThreadUpdate,
      "threads:create_run": onCreateRun,
      "assistants:read": onAssistantRead,
      "assistants:search": onAssistantRead,
      "*": refuseOperation,
    });
  });

  it("exports the server's auth as an Auth instance (what the server checks on load)", () => {
    expect("~handlerCache" in auth).toBe(true);
  });
});

describe("announceAuth", () => {
  it("says auth is off for local development on the embedded store", () => {
    expect(logsOf(none)).toEqual([
      expect.objectContaining({ level: 30, msg: expect.stringContaining("local development") }),
    ]);
  });

  it("warns when auth is off on the Appwrite store", () => {
    const [line] = logsOf({ mode: "none", explicit: true, store: "appwrite" });
    expect(line).toMatchObject({ level: 40, msg: expect.stringContaining("TEACHING_AUTH=none") });
  });

  it("says JWTs are required in appwrite mode", () => {
    expect(logsOf(appwrite)).toEqual([
      expect.objectContaining({ level: 30, msg: expect.stringContaining("Appwrite account JWT") }),
    ]);
  });
});
