import type Database from "better-sqlite3";
import { CourseOutcomeSchema, type CourseOutcome } from "../../outcomes/schema.js";
import type { CourseOutcomeStore } from "../ports.js";
import { parseOutcomesInput, parseStoredRow, TABLES, toOutcomeRow } from "../shared/rows.js";
import { withoutNulls } from "./database.js";

type Row = Record<string, unknown> & { $id: string };

const OPTIONAL_TEXT = ["teacherGuidance", "keywords"] as const;

function outcomeFromRow(row: Row): CourseOutcome {
  return toOutcomeRow(
    parseStoredRow(
      CourseOutcomeSchema,
      TABLES.courseOutcomes,
      row.$id,
      withoutNulls(row, OPTIONAL_TEXT),
    ),
  );
}

export function createSqliteOutcomeStore(
  db: Database.Database,
  assertOpen: () => void,
): CourseOutcomeStore {
  // Lists travel as one JSON array parameter: no limit on the number of ids.
  const byIds = db.prepare<[string], Row>(
    `SELECT * FROM course_outcomes WHERE "$id" IN (SELECT value FROM json_each(?)) ORDER BY "$id"`,
  );
  const byCourseAndCodes = db.prepare<[string, string], Row>(
    `SELECT * FROM course_outcomes WHERE courseId = ? AND outcomeId IN (SELECT value FROM json_each(?)) ORDER BY "$id"`,
  );
  const byCourse = db.prepare<[string], Row>(
    `SELECT * FROM course_outcomes WHERE courseId = ? ORDER BY "$id"`,
  );
  const upsert = db.prepare(
    `INSERT INTO course_outcomes ("$id", courseId, courseSqaCode, unitCode, unitTitle, scqfCredits, outcomeId,
       outcomeTitle, assessmentStandards, teacherGuidance, keywords)
     VALUES (@$id, @courseId, @courseSqaCode, @unitCode, @unitTitle, @scqfCredits, @outcomeId,
       @outcomeTitle, @assessmentStandards, @teacherGuidance, @keywords)
     ON CONFLICT ("$id") DO UPDATE SET courseId = excluded.courseId, courseSqaCode = excluded.courseSqaCode,
       unitCode = excluded.unitCode, unitTitle = excluded.unitTitle, scqfCredits = excluded.scqfCredits,
       outcomeId = excluded.outcomeId, outcomeTitle = excluded.outcomeTitle,
       assessmentStandards = excluded.assessmentStandards, teacherGuidance = excluded.teacherGuidance,
       keywords = excluded.keywords`,
  );
  const upsertAll = db.transaction((outcomes: CourseOutcome[]) => {
    for (const outcome of outcomes) {
      upsert.run({
        ...outcome,
        teacherGuidance: outcome.teacherGuidance ?? null,
        keywords: outcome.keywords ?? null,
      });
    }
  });

  return {
    async findByOutcomeIds(courseId, outcomeIds) {
      assertOpen();
      return byCourseAndCodes.all(courseId, JSON.stringify(outcomeIds)).map(outcomeFromRow);
    },
    async getByIds(ids) {
      assertOpen();
      return byIds.all(JSON.stringify(ids)).map(outcomeFromRow);
    },
    async listByCourse(courseId) {
      assertOpen();
      return byCourse.all(courseId).map(outcomeFromRow);
    },
    async upsertMany(outcomes) {
      assertOpen();
      upsertAll.immediate(parseOutcomesInput(outcomes));
    },
  };
}
