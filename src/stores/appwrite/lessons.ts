/** `sessions` and `lesson_templates` on Appwrite. */
import { Query } from "node-appwrite";
import { StoreNotFoundError } from "../errors.js";
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
import { isRowNotFound, type AppwriteGateway, type AppwriteRow } from "./gateway.js";
import { columnsOf, isoDatetime } from "./mapping.js";

export function createAppwriteLessonStore(
  gateway: AppwriteGateway,
  tables: { sessions: string; lessonTemplates: string },
): LessonStore {
  const mustGet = async (table: string, id: string): Promise<AppwriteRow> => {
    const row = await gateway.getRow(table, id);
    if (row === null) throw new StoreNotFoundError(table, id);
    return row;
  };
  const templateOf = (row: AppwriteRow) => templateFromRow(columnsOf(row));
  return {
    async getSession(sessionId) {
      const columns = columnsOf(await mustGet(tables.sessions, sessionId));
      return sessionFromRow({ ...columns, startedAt: isoDatetime(columns.startedAt) });
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
      });
    },
    async setSessionThread(sessionId, threadId) {
      try {
        await gateway.updateRow(tables.sessions, sessionId, { threadId });
      } catch (error) {
        if (isRowNotFound(error))
          throw new StoreNotFoundError(tables.sessions, sessionId, {
            operation: "setSessionThread",
          });
        throw error;
      }
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
