/**
 * The embedded store's list of open sessions (the lesson page's picker under
 * `npm run dev`): sessions not completed, newest first, with the lesson's
 * title and size from the snapshot, and a malformed snapshot refused by name.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LessonSession } from "../../src/stores/ports.js";
import { createSqliteStores, listSqliteOpenSessions } from "../../src/stores/sqlite/index.js";

let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "teaching-graph-sessions-"));
  path = join(dir, "teaching.db");
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function session(id: string, startedAt: string, extra: Partial<LessonSession> = {}): LessonSession {
  return {
    $id: id,
    studentId: "student_1",
    courseId: "course_1",
    lessonTemplateId: "template_1",
    lessonSnapshot: { title: `Lesson ${id}`, cards: [{}, {}, {}] },
    status: "created",
    startedAt,
    ...extra,
  };
}

describe("listSqliteOpenSessions", () => {
  it("lists the sessions not completed, newest first, with their thread once started", async () => {
    const stores = createSqliteStores(path);
    await stores.lessons.putSession(session("old", "2025-01-01T00:00:00.000Z"));
    await stores.lessons.putSession(session("new", "2025-01-03T00:00:00.000Z"));
    await stores.lessons.putSession(
      session("done", "2025-01-02T00:00:00.000Z", {
        status: "completed",
        completedAt: "2025-01-02T01:00:00.000Z",
      }),
    );
    await stores.lessons.bindSessionThread("old", "thread_1");
    await stores.close();

    expect(listSqliteOpenSessions(path)).toEqual([
      {
        $id: "new",
        studentId: "student_1",
        courseId: "course_1",
        status: "created",
        threadId: null,
        startedAt: "2025-01-03T00:00:00.000Z",
        lessonTitle: "Lesson new",
        cardCount: 3,
      },
      expect.objectContaining({ $id: "old", threadId: "thread_1", lessonTitle: "Lesson old" }),
    ]);
  });

  it("refuses a session whose snapshot has no title, naming the row", async () => {
    const stores = createSqliteStores(path);
    await stores.lessons.putSession(session("bad", "2025-01-01T00:00:00.000Z"));
    await stores.close();
    const db = new Database(path);
    db.prepare(`UPDATE sessions SET lessonSnapshot = '{"cards":[]}'`).run();
    db.close();

    expect(() => listSqliteOpenSessions(path)).toThrow(
      expect.objectContaining({
        code: "STORE_DATA_INVALID",
        message: expect.stringContaining("bad"),
      }),
    );
  });
});
