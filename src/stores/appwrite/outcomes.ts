/** `course_outcomes` on Appwrite: every list reads all pages. */
import { Query } from "node-appwrite";
import type { CourseOutcome } from "../../outcomes/schema.js";
import type { CourseOutcomeStore } from "../ports.js";
import { parseOutcomesInput } from "../shared/rows.js";
import type { AppwriteGateway, AppwriteRow } from "./gateway.js";
import { outcomeFromRow } from "./mapping.js";

export function createAppwriteOutcomeStore(
  gateway: AppwriteGateway,
  table: string,
): CourseOutcomeStore {
  const outcomes = (rows: AppwriteRow[]): CourseOutcome[] =>
    rows.map((row) => outcomeFromRow(table, row));
  return {
    async findByOutcomeIds(courseId, outcomeIds) {
      if (outcomeIds.length === 0) return [];
      return outcomes(
        await gateway.listWhereIn(table, "outcomeId", outcomeIds, [
          Query.equal("courseId", courseId),
        ]),
      );
    },
    async getByIds(ids) {
      if (ids.length === 0) return [];
      return outcomes(await gateway.listWhereIn(table, "$id", ids));
    },
    async listByCourse(courseId) {
      return outcomes(await gateway.listAll(table, [Query.equal("courseId", courseId)]));
    },
    async upsertMany(input) {
      // Optional columns the outcome leaves out are written as null, so an upsert replaces the whole row.
      const rows = parseOutcomesInput(input).map((outcome) => ({
        ...outcome,
        teacherGuidance: outcome.teacherGuidance ?? null,
        keywords: outcome.keywords ?? null,
      }));
      await gateway.upsertRows(table, rows);
    },
  };
}
