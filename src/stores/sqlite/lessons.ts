import type Database from "better-sqlite3";
import { z } from "zod";
import { StoreDataError, StoreNotFoundError } from "../errors.js";
import type { LessonStore } from "../ports.js";
import {
  ambiguousTemplate,
  encodeSnapshot,
  LessonSessionSchema,
  LessonTemplateSchema,
  parseInput,
  parseStoredRow,
  sessionFromRow,
  TABLES,
  templateFromRow,
} from "../shared/rows.js";
import type { SessionListing } from "../../session/listing.js";
import { withoutNulls } from "./database.js";

type Row = Record<string, unknown> & { $id: string };

const sessionOf = (row: Row): ReturnType<typeof sessionFromRow> =>
  sessionFromRow({ ...withoutNulls(row, ["threadId", "completedAt", "score"]), $id: row.$id });
const templateOf = (row: Row): ReturnType<typeof templateFromRow> =>
  templateFromRow({
    ...withoutNulls(row, ["lesson_type", "estMinutes", "sow_order"]),
    $id: row.$id,
  });

export function createSqliteLessonStore(
  db: Database.Database,
  assertOpen: () => void,
): LessonStore {
  const sessionById = db.prepare<[string], Row>(`SELECT * FROM sessions WHERE "$id" = ?`);
  const upsertSession = db.prepare(
    `INSERT INTO sessions ("$id", studentId, courseId, lessonTemplateId, lessonSnapshot, status, threadId, startedAt, completedAt, score)
     VALUES (@$id, @studentId, @courseId, @lessonTemplateId, @lessonSnapshot, @status, @threadId, @startedAt, @completedAt, @score)
     ON CONFLICT ("$id") DO UPDATE SET studentId = excluded.studentId, courseId = excluded.courseId,
       lessonTemplateId = excluded.lessonTemplateId, lessonSnapshot = excluded.lessonSnapshot,
       status = excluded.status, threadId = excluded.threadId, startedAt = excluded.startedAt,
       completedAt = excluded.completedAt, score = excluded.score`,
  );
  // Binds only an unbound session: the first thread wins, atomically.
  const bindThread = db.prepare<[string, string]>(
    `UPDATE sessions SET threadId = ? WHERE "$id" = ? AND threadId IS NULL`,
  );
  const templateById = db.prepare<[string], Row>(`SELECT * FROM lesson_templates WHERE "$id" = ?`);
  const templatesByCourseAndTitle = db.prepare<[string, string], Row>(
    `SELECT * FROM lesson_templates WHERE courseId = ? AND title = ? ORDER BY "$id"`,
  );
  const upsertTemplate = db.prepare(
    `INSERT INTO lesson_templates ("$id", courseId, title, outcomeRefs, cards, lesson_type, estMinutes, sow_order)
     VALUES (@$id, @courseId, @title, @outcomeRefs, @cards, @lesson_type, @estMinutes, @sow_order)
     ON CONFLICT ("$id") DO UPDATE SET courseId = excluded.courseId, title = excluded.title,
       outcomeRefs = excluded.outcomeRefs, cards = excluded.cards, lesson_type = excluded.lesson_type,
       estMinutes = excluded.estMinutes, sow_order = excluded.sow_order`,
  );

  return {
    async getSession(sessionId) {
      assertOpen();
      const row = sessionById.get(sessionId);
      if (row === undefined) throw new StoreNotFoundError(TABLES.sessions, sessionId);
      return sessionOf(row);
    },
    async putSession(session) {
      assertOpen();
      const parsed = parseInput(LessonSessionSchema, session, "putSession");
      upsertSession.run({
        ...parsed,
        threadId: parsed.threadId ?? null,
        completedAt: parsed.completedAt ?? null,
        score: parsed.score ?? null,
        lessonSnapshot: encodeSnapshot(parsed.lessonSnapshot),
      });
    },
    async bindSessionThread(sessionId, threadId) {
      assertOpen();
      bindThread.run(threadId, sessionId);
      const row = sessionById.get(sessionId);
      if (row === undefined) throw new StoreNotFoundError(TABLES.sessions, sessionId);
      const bound = sessionOf(row).threadId;
      if (bound === undefined)
        throw new StoreDataError(TABLES.sessions, sessionId, "threadId is unset after binding");
      return bound;
    },
    async getLessonTemplate(templateId) {
      assertOpen();
      const row = templateById.get(templateId);
      if (row === undefined) throw new StoreNotFoundError(TABLES.lessonTemplates, templateId);
      return templateOf(row);
    },
    async findLessonTemplate(courseId, title) {
      assertOpen();
      const rows = templatesByCourseAndTitle.all(courseId, title);
      if (rows.length > 1) throw ambiguousTemplate(courseId, title, rows);
      const [row] = rows;
      return row === undefined ? null : templateOf(row);
    },
    async putLessonTemplate(template) {
      assertOpen();
      const parsed = parseInput(LessonTemplateSchema, template, "putLessonTemplate");
      upsertTemplate.run({
        ...parsed,
        lesson_type: parsed.lesson_type ?? null,
        estMinutes: parsed.estMinutes ?? null,
        sow_order: parsed.sow_order ?? null,
        outcomeRefs: JSON.stringify(parsed.outcomeRefs),
        cards: JSON.stringify(parsed.cards),
      });
    },
  };
}

const SnapshotHeadingSchema = z.looseObject({ title: z.string(), cards: z.array(z.unknown()) });

/**
 * The sessions that are not completed, newest first: what a local lesson
 * page offers to teach. Read-only, and only on the embedded store (the
 * platform lists a student's sessions itself, through its own permissions).
 */
export function listOpenSessions(db: Database.Database): SessionListing[] {
  const rows = db
    .prepare<[], Row>(
      `SELECT * FROM sessions WHERE status <> 'completed' ORDER BY startedAt DESC, "$id"`,
    )
    .all();
  return rows.map((row) => {
    const session = sessionOf(row);
    const heading = parseStoredRow(
      SnapshotHeadingSchema,
      TABLES.sessions,
      session.$id,
      session.lessonSnapshot,
    );
    return {
      $id: session.$id,
      studentId: session.studentId,
      courseId: session.courseId,
      status: session.status,
      threadId: session.threadId ?? null,
      startedAt: session.startedAt,
      lessonTitle: heading.title,
      cardCount: heading.cards.length,
    };
  });
}
