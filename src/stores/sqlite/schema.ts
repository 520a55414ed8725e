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
 * `Routine.dueAtByOutcome` has the same triggers, its values held to be
 * dates (text SQLite reads as a date and time) instead of scores.
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
import {
  DUE_AT_BY_OUTCOME_MAX_CHARS,
  FSRS_BY_OUTCOME_MAX_CHARS,
} from "../shared/completion-write.js";

export const SCHEMA_VERSION = 3;

/** Prefix of the triggers' abort messages; the rule name follows the colon. */
export const INTEGRITY_ERROR_PREFIX = "MASTERY_INTEGRITY:";

/** The CHECK constraint that bounds `emaByOutcome`. */
export const SIZE_CONSTRAINT = "ema_by_outcome_max_chars";
/** The CHECK constraint that bounds `Routine.dueAtByOutcome`. */
export const DUE_SIZE_CONSTRAINT = "due_at_by_outcome_max_chars";

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
  startedAt TEXT NOT NULL,
  completedAt TEXT,
  score REAL CHECK (score BETWEEN 0 AND 1)
);

-- The platform's review schedule, one row per student and course. Its
-- dueAtByOutcome keys are held to the same rules as MasteryV2's (triggers below).
CREATE TABLE IF NOT EXISTS Routine (
  "$id" TEXT PRIMARY KEY NOT NULL,
  studentId TEXT NOT NULL CHECK (length(studentId) BETWEEN 1 AND 50),
  courseId TEXT NOT NULL CHECK (length(courseId) BETWEEN 1 AND 50),
  dueAtByOutcome TEXT CONSTRAINT ${DUE_SIZE_CONSTRAINT} CHECK (length(dueAtByOutcome) <= ${DUE_AT_BY_OUTCOME_MAX_CHARS}),
  fsrsByOutcome TEXT CHECK (length(fsrsByOutcome) <= ${FSRS_BY_OUTCOME_MAX_CHARS}),
  lastTaughtAt TEXT,
  spacingPolicyVersion INTEGER,
  schema_version INTEGER,
  updatedAt TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS routine_unique_student_course ON Routine (studentId, courseId);

-- One row per answer (or skip), written with the lesson's completion.
CREATE TABLE IF NOT EXISTS evidence (
  "$id" TEXT PRIMARY KEY NOT NULL,
  sessionId TEXT NOT NULL,
  itemId TEXT NOT NULL,
  cardId TEXT NOT NULL,
  interactionId TEXT NOT NULL,
  response TEXT,
  correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
  attempts INTEGER NOT NULL,
  confidence REAL NOT NULL,
  reasoning TEXT NOT NULL,
  feedback TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  partialCredit REAL NOT NULL,
  method TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS evidence_session ON evidence (sessionId);

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

/** A trigger's value rule: the SQL condition on `e` that makes an entry's value invalid, and its rule name. */
interface ValueRule {
  rule: string;
  invalid: string;
}

const SCORE_RULE: ValueRule = {
  rule: "invalid_value",
  invalid: "e.type NOT IN ('integer', 'real') OR e.value < 0 OR e.value > 1",
};
/** A due date: text SQLite reads as a date and time (ISO 8601, `Z` included). */
const DUE_DATE_RULE: ValueRule = {
  rule: "invalid_due_date",
  invalid: "e.type IS NOT 'text' OR julianday(e.value) IS NULL",
};

/** Trigger body checking `NEW.<column>`'s entries selected by `entries` (a FROM ... WHERE ... over `json_each ... e`). */
function integrityChecks(column: string, entries: string, value: ValueRule): string {
  const abortIf = (rule: string, condition: string): string =>
    `SELECT RAISE(ABORT, '${INTEGRITY_ERROR_PREFIX}${rule}') WHERE EXISTS (SELECT 1 ${entries} AND (${condition}));`;
  return [
    `SELECT RAISE(ABORT, '${INTEGRITY_ERROR_PREFIX}not_json_object')
       WHERE CASE WHEN json_valid(NEW.${column}) THEN json_type(NEW.${column}) IS NOT 'object' ELSE 1 END;`,
    abortIf("empty_key", "e.key = ''"),
    abortIf("invalid_id_format", `NOT ${IS_DOCUMENT_ID}`),
    abortIf(
      "unknown_outcome",
      `NOT EXISTS (SELECT 1 FROM course_outcomes o WHERE o."$id" = e.key AND o.courseId = NEW.courseId)`,
    ),
    abortIf(value.rule, value.invalid),
  ].join("\n  ");
}

/** Entries of `NEW.<column>` an UPDATE adds or changes (or all, when the course changes). */
function changedEntries(column: string): string {
  return `FROM json_each(NEW.${column}) e WHERE (
      NEW.courseId IS NOT OLD.courseId
      OR NOT EXISTS (
        SELECT 1 FROM json_each(${objectOrEmpty(`OLD.${column}`)}) o
        WHERE o.key = e.key AND o.type = e.type AND o.value IS e.value))`;
}

/** Layer 3 on a table with an outcome-keyed JSON map: INSERT and UPDATE triggers. */
function integrityTriggers(
  table: string,
  prefix: string,
  column: string,
  value: ValueRule,
): string {
  return `
CREATE TRIGGER IF NOT EXISTS ${prefix}_integrity_insert
BEFORE INSERT ON ${table}
WHEN ${NO_BYPASS}
BEGIN
  ${integrityChecks(column, `FROM json_each(NEW.${column}) e WHERE 1`, value)}
END;

CREATE TRIGGER IF NOT EXISTS ${prefix}_integrity_update
BEFORE UPDATE OF ${column}, courseId ON ${table}
WHEN ${NO_BYPASS}
BEGIN
  ${integrityChecks(column, changedEntries(column), value)}
END;
`;
}

const NO_BYPASS = "NOT EXISTS (SELECT 1 FROM integrity_bypass)";

const TRIGGERS_SQL =
  integrityTriggers("MasteryV2", "mastery", "emaByOutcome", SCORE_RULE) +
  integrityTriggers("Routine", "routine", "dueAtByOutcome", DUE_DATE_RULE);

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

/** Schema version 2's tables lack columns added since; SQLite adds a column in place. */
function addMissingColumns(db: Database, table: string, columns: Record<string, string>): void {
  const present = new Set(
    z
      .array(ColumnInfoSchema)
      .parse(db.pragma(`table_info(${table})`))
      .map((column) => column.name),
  );
  for (const [name, definition] of Object.entries(columns)) {
    if (!present.has(name)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${definition}`);
  }
}

/** Creates whatever part of the schema is missing, migrating older versions; safe to run on every open. */
export function applySchema(db: Database): void {
  db.transaction(() => {
    db.exec(TABLES_SQL);
    migrateNullableEmaByOutcome(db);
    addMissingColumns(db, "sessions", {
      completedAt: "TEXT",
      score: "REAL CHECK (score BETWEEN 0 AND 1)",
    });
    db.exec(TRIGGERS_SQL);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
