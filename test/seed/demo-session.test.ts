import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDemoSession } from "../../src/seed/demo-session.js";
import { createSqliteStores, listSqliteOpenSessions } from "../../src/stores/sqlite/index.js";
import type { Stores } from "../../src/stores/ports.js";

let dir: string;
let path: string;
let stores: Stores;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "teaching-graph-demo-session-"));
  path = join(dir, "teaching.db");
  stores = createSqliteStores(path);
});
afterEach(async () => {
  await stores.close();
  await rm(dir, { recursive: true, force: true });
});

const student = { studentId: "student_demo", withModel: false };

describe("openDemoSession", () => {
  it("keeps a session nobody started instead of opening another", async () => {
    const first = await openDemoSession(stores, student, listSqliteOpenSessions(path));
    const again = await openDemoSession(stores, student, listSqliteOpenSessions(path));
    expect(first.reused).toBe(false);
    expect(again).toMatchObject({ sessionId: first.sessionId, reused: true });
    expect(listSqliteOpenSessions(path)).toHaveLength(1);
  });

  it("opens a new one when the open one teaches other cards, belongs to another student, or was started", async () => {
    const offline = await openDemoSession(stores, student, listSqliteOpenSessions(path));
    const withModel = await openDemoSession(
      stores,
      { ...student, withModel: true },
      listSqliteOpenSessions(path),
    );
    expect(withModel.sessionId).not.toBe(offline.sessionId);
    const other = await openDemoSession(
      stores,
      { ...student, studentId: "student_other" },
      listSqliteOpenSessions(path),
    );
    expect(other.reused).toBe(false);
    const started = listSqliteOpenSessions(path).map((session) =>
      session.$id === offline.sessionId ? { ...session, threadId: "thread_1" } : session,
    );
    const afterStart = await openDemoSession(stores, student, started);
    expect(afterStart.reused).toBe(false);
    expect(afterStart.sessionId).not.toBe(offline.sessionId);
  });

  it("continues the newest started session the caller can continue, and no other", async () => {
    const older = await openDemoSession(stores, student);
    const newer = await openDemoSession(stores, student);
    const startedElsewhere = await openDemoSession(stores, student);
    const threadOf = new Map([
      [older.sessionId, "thread_older"],
      [newer.sessionId, "thread_newer"],
      [startedElsewhere.sessionId, "thread_elsewhere"],
    ]);
    // The listing is newest first; these three began in the same millisecond at most.
    const open = [newer, startedElsewhere, older].map((session) => {
      const listed = listSqliteOpenSessions(path).find((row) => row.$id === session.sessionId);
      if (listed === undefined) throw new Error(`session ${session.sessionId} is not listed`);
      return { ...listed, threadId: threadOf.get(session.sessionId) ?? null };
    });
    const held = new Set(["thread_older", "thread_newer"]);
    const canContinue = async (threadId: string) => held.has(threadId);
    const continued = await openDemoSession(stores, { ...student, canContinue }, open);
    expect(continued).toMatchObject({
      sessionId: newer.sessionId,
      reused: true,
      startedThread: "thread_newer",
    });
    // Another student's started session, or one whose thread the caller lacks, is not taken.
    const other = await openDemoSession(
      stores,
      { ...student, studentId: "student_other", canContinue },
      open,
    );
    expect(other).toMatchObject({ reused: false, startedThread: null });
    const nothingHeld = await openDemoSession(
      stores,
      { ...student, canContinue: async () => false },
      open,
    );
    expect(nothingHeld).toMatchObject({ reused: false, startedThread: null });
  });

  it("always opens a new one when given no open sessions (the terminal player)", async () => {
    const first = await openDemoSession(stores, student);
    const second = await openDemoSession(stores, student);
    expect(second.sessionId).not.toBe(first.sessionId);
  });
});
