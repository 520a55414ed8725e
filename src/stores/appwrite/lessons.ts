/** `sessions` and `lesson_templates` on Appwrite. */
import { Query } from "node-appwrite";
import { StoreConflictError, StoreDataError, StoreNotFoundError } from "../errors.js";
import type { LessonStore } from "../ports.js";
import {
  ambiguousTemplate,
  encodeSnapshot,
  LessonSessionSchema,
  LessonTemplateSchema,
  parseInput,
  sessionFromRow,
  templateFromRow,
} from "../shared/rows.js";
import type { AppwriteGateway, AppwriteRow } from "./gateway.js";
import { columnsOf, isoDatetime, sessionRowId } from "./mapping.js";

export function createAppwriteLessonStore(
  gateway: AppwriteGateway,
  tables: { sessions: string; lessonTemplates: string; sessionThreads: string },
): LessonStore {
  const mustGet = async (table: string, id: string): Promise<AppwriteRow> => {
    const row = await gateway.getRow(table, id);
    if (row === null) throw new StoreNotFoundError(table, id);
    return row;
  };
  const templateOf = (row: AppwriteRow) => templateFromRow(columnsOf(row));
  /** The thread the session is bound to: its binding row, else (rows bound before bindings existed) its `threadId`. */
  const boundThread = async (sessionId: string): Promise<string | undefined> => {
    const [binding, session] = await Promise.all([
      gateway.getRow(tables.sessionThreads, sessionRowId(sessionId)),
      mustGet(tables.sessions, sessionId),
    ]);
    const bound = binding === null ? session.threadId : binding.threadId;
    if (bound === null || bound === undefined) return undefined;
    if (typeof bound !== "string" || bound === "")
      throw new StoreDataError(tables.sessions, sessionId, "threadId is not a thread id");
    return bound;
  };
  return {
    async getSession(sessionId) {
      const columns = columnsOf(await mustGet(tables.sessions, sessionId));
      return sessionFromRow({
        ...columns,
        startedAt: isoDatetime(columns.startedAt),
        ...(columns.completedAt === undefined
          ? {}
          : { completedAt: isoDatetime(columns.completedAt) }),
      });
    },
    async putSession(session) {
      const parsed = parseInput(LessonSessionSchema, session, "putSession");
      await gateway.upsertRow(tables.sessions, parsed.$id, {
        studentId: parsed.studentId,
        courseId: parsed.courseId,
        lessonTemplateId: parsed.lessonTemplateId,
        lessonSnapshot: encodeSnapshot(parsed.lessonSnapshot),
        status: parsed.status,
        threadId: parsed.threadId ?? null,
        startedAt: parsed.startedAt,
        completedAt: parsed.completedAt ?? null,
        score: parsed.score ?? null,
      });
    },
    async bindSessionThread(sessionId, threadId) {
      const bound = await boundThread(sessionId);
      if (bound !== undefined) return bound;
      // The binding row's ID is the session's: a second thread's create conflicts, so the first wins.
      const outcome = await gateway.runTransaction(
        { operation: "bindSessionThread", table: tables.sessionThreads, rowId: sessionId },
        () => [
          {
            action: "create",
            tableId: tables.sessionThreads,
            rowId: sessionRowId(sessionId),
            data: { sessionId, threadId, boundAt: new Date().toISOString() },
          },
          { action: "update", tableId: tables.sessions, rowId: sessionId, data: { threadId } },
        ],
        async () => (await boundThread(sessionId)) === threadId,
      );
      if (outcome === "committed") return threadId;
      const winner = await boundThread(sessionId);
      if (winner === undefined)
        throw new StoreConflictError(
          tables.sessions,
          sessionId,
          "the session changed while its thread was being bound; start the run again",
          { operation: "bindSessionThread", threadId },
        );
      return winner;
    },
    async getLessonTemplate(templateId) {
      return templateOf(await mustGet(tables.lessonTemplates, templateId));
    },
    async findLessonTemplate(courseId, title) {
      const matches = await gateway.listRows(tables.lessonTemplates, [
        Query.equal("courseId", courseId),
        Query.equal("title", title),
        Query.limit(2),
      ]);
      if (matches.length > 1) throw ambiguousTemplate(courseId, title, matches);
      const [match] = matches;
      return match === undefined ? null : templateOf(match);
    },
    async putLessonTemplate(template) {
      const parsed = parseInput(LessonTemplateSchema, template, "putLessonTemplate");
      await gateway.upsertRow(tables.lessonTemplates, parsed.$id, {
        courseId: parsed.courseId,
        title: parsed.title,
        outcomeRefs: JSON.stringify(parsed.outcomeRefs),
        cards: JSON.stringify(parsed.cards),
        lesson_type: parsed.lesson_type ?? null,
        estMinutes: parsed.estMinutes ?? null,
        sow_order: parsed.sow_order ?? null,
      });
    },
  };
}
