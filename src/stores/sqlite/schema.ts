/**
 * The embedded store's schema: the Appwrite tables and columns (platform
 * facts' data model), the idempotency ledger, and the spec's Layer 3 as
 * database constraints on MasteryV2.
 *
 * Integrity triggers. A MasteryV2 INSERT, and an UPDATE of `emaByOutcome` or
 * `courseId`, is aborted by the database itself when the map is not a JSON
 * object, or when an entry the write adds or changes has an empty key, a key
 * that is not a document ID of an outcome of the row's course, or a value that
 * is not a number in [0, 1]. A CHECK keeps the map within 5000 characters.
 * Entries an UPDATE leaves exactly as they were are not re-checked: an operator
 * repair may remove some legacy keys and keep others, and a lesson's apply
 * carries legacy entries it does not touch.
 *
 * The one bypass is the `integrity_bypass` row: `restore` inserts it inside its
 * transaction to put backed-up (possibly corrupt) rows back exactly, and
 * deletes it before committing, so no other connection ever sees it.
 */
import type { Database } from "better-sqlite3";
import { z } from "zod";

export const SCHEMA_VERSION = 2;

/** Prefix of the triggers' abort messages; the rule name follows the colon. */
export const INTEGRITY_ERROR_PREFIX = "MASTERY_INTEGRITY:";

/** The CHECK constraint that bounds `emaByOutcome`. */
export const SIZE_CONSTRAINT = "ema_by_outcome_max_chars";

/**
 * `emaByOutcome` is nullable like Appwrite's (not required) column, so a
 * restore can put back a legacy row whose map is unset; the integrity
 * triggers still refuse NULL on every other write (`json_valid(NULL)` is not true).
 */
function masteryTableSql(name: string): string {
  return `CREATE TABLE IF NOT EXISTS ${name} (
  "$id" TEXT PRIMARY KEY NOT NULL,
  studentId TEXT NOT NULL CHECK (length(studentId) BETWEEN 1 AND 50),
  courseId TEXT NOT NULL CHECK (length(courseId) BETWEEN 1 AND 50),
  emaByOutcome TEXT CONSTRAINT ${SIZE_CONSTRAINT} CHECK (length(emaByOutcome) <= 5000),
  updatedAt TEXT NOT NULL
);`;
}

const TABLES_SQL = `
CREATE TABLE IF NOT EXISTS course_outcomes (
  "$id" TEXT PRIMARY KEY NOT NULL,
  courseId TEXT NOT NULL,
  courseSqaCode TEXT,
  unitCode TEXT NOT NULL,
  unitTitle TEXT NOT NULL,
  scqfCredits REAL,
  outcomeId TEXT NOT NULL,
  outcomeTitle TEXT NOT NULL,
  assessmentStandards TEXT NOT NULL,
  teacherGuidance TEXT,
  keywords TEXT
);
CREATE INDEX IF NOT EXISTS course_outcomes_course_outcome ON course_outcomes (courseId, outcomeId);

${masteryTableSql("MasteryV2")}
CREATE UNIQUE INDEX IF NOT EXISTS unique_student_course ON MasteryV2 (studentId, courseId);

-- One row per lesson session whose mastery was applied; written in the same
-- transaction as the MasteryV2 row, so a session is applied at most once.
CREATE TABLE IF NOT EXISTS mastery_ledger (
  "$id" TEXT PRIMARY KEY NOT NULL,
  studentId TEXT NOT NULL,
  courseId TEXT NOT NULL,
  masteryId TEXT NOT NULL,
  appliedAt TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS sessions (
  "$id" TEXT PRIMARY KEY NOT NULL,
  studentId TEXT NOT NULL,
  courseId TEXT NOT NULL,
  lessonTemplateId TEXT NOT NULL,
  lessonSnapshot TEXT NOT NULL,
  status TEXT NOT NULL,
  threadId TEXT,
  startedAt TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS lesson_templates (
  "$id" TEXT PRIMARY KEY NOT NULL,
  courseId TEXT NOT NULL,
  title TEXT NOT NULL,
  outcomeRefs TEXT NOT NULL,
  cards TEXT NOT NULL,
  lesson_type TEXT,
  estMinutes REAL,
  sow_order INTEGER
);
CREATE INDEX IF NOT EXISTS lesson_templates_course_title ON lesson_templates (courseId, title);

-- The platform's learners; one per Appwrite account user (the server's callers).
CREATE TABLE IF NOT EXISTS students (
  "$id" TEXT PRIMARY KEY NOT NULL,
  userId TEXT NOT NULL CHECK (length(userId) BETWEEN 1 AND 50),
  name TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS students_unique_user ON students (userId);

CREATE TABLE IF NOT EXISTS integrity_bypass (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  reason TEXT NOT NULL
);
`;

/** `json` if it is a JSON object, else `'{}'`; nested CASEs because SQLite does not promise short-circuit AND. */
function objectOrEmpty(json: string): string {
  return `CASE WHEN json_valid(${json}) THEN CASE WHEN json_type(${json}) = 'object' THEN ${json} ELSE '{}' END ELSE '{}' END`;
}

/** The same test as `isDocumentId` (src/mastery/ids.ts). */
const IS_DOCUMENT_ID = `(length(e.key) BETWEEN 20 AND 36 AND e.key GLOB '[a-zA-Z0-9]*' AND e.key NOT GLOB '*[^a-zA-Z0-9._-]*')`;

/** Trigger body checking the entries selected by `entries` (a FROM ... WHERE ... over `json_each ... e`). */
function integrityChecks(entries: string): string {
  const abortIf = (rule: string, condition: string): string =>
    `SELECT RAISE(ABORT, '${INTEGRITY_ERROR_PREFIX}${rule}') WHERE EXISTS (SELECT 1 ${entries} AND (${condition}));`;
  return [
    `SELECT RAISE(ABORT, '${INTEGRITY_ERROR_PREFIX}not_json_object')
       WHERE CASE WHEN json_valid(NEW.emaByOutcome) THEN json_type(NEW.emaByOutcome) IS NOT 'object' ELSE 1 END;`,
    abortIf("empty_key", "e.key = ''"),
    abortIf("invalid_id_format", `NOT ${IS_DOCUMENT_ID}`),
    abortIf(
      "unknown_outcome",
      `NOT EXISTS (SELECT 1 FROM course_outcomes o WHERE o."$id" = e.key AND o.courseId = NEW.courseId)`,
    ),
    abortIf("invalid_value", "e.type NOT IN ('integer', 'real') OR e.value < 0 OR e.value > 1"),
  ].join("\n  ");
}

const NO_BYPASS = "NOT EXISTS (SELECT 1 FROM integrity_bypass)";

const TRIGGERS_SQL = `
CREATE TRIGGER IF NOT EXISTS mastery_integrity_insert
BEFORE INSERT ON MasteryV2
WHEN ${NO_BYPASS}
BEGIN
  ${integrityChecks("FROM json_each(NEW.emaByOutcome) e WHERE 1")}
END;

CREATE TRIGGER IF NOT EXISTS mastery_integrity_update
BEFORE UPDATE OF emaByOutcome, courseId ON MasteryV2
WHEN ${NO_BYPASS}
BEGIN
  ${integrityChecks(`FROM json_each(NEW.emaByOutcome) e WHERE (
      NEW.courseId IS NOT OLD.courseId
      OR NOT EXISTS (
        SELECT 1 FROM json_each(${objectOrEmpty("OLD.emaByOutcome")}) o
        WHERE o.key = e.key AND o.type = e.type AND o.value IS e.value))`)}
END;
`;

const ColumnInfoSchema = z.looseObject({ name: z.string(), notnull: z.number() });

/**
 * Schema version 1 declared `emaByOutcome NOT NULL`. SQLite cannot drop a NOT
 * NULL in place, so such a table is rebuilt with the same rows (its index and
 * triggers go with the old table and are created again by the caller).
 */
function migrateNullableEmaByOutcome(db: Database): void {
  const columns = z.array(ColumnInfoSchema).parse(db.pragma("table_info(MasteryV2)"));
  if (columns.find((column) => column.name === "emaByOutcome")?.notnull !== 1) return;
  db.exec(`
    DROP TABLE IF EXISTS MasteryV2_migrating;
    ${masteryTableSql("MasteryV2_migrating")}
    INSERT INTO MasteryV2_migrating ("$id", studentId, courseId, emaByOutcome, updatedAt)
      SELECT "$id", studentId, courseId, emaByOutcome, updatedAt FROM MasteryV2;
    DROP TABLE MasteryV2;
    ALTER TABLE MasteryV2_migrating RENAME TO MasteryV2;
    CREATE UNIQUE INDEX unique_student_course ON MasteryV2 (studentId, courseId);
  `);
}

/** Creates whatever part of the schema is missing, migrating older versions; safe to run on every open. */
export function applySchema(db: Database): void {
  db.transaction(() => {
    db.exec(TABLES_SQL);
    migrateNullableEmaByOutcome(db);
    db.exec(TRIGGERS_SQL);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
