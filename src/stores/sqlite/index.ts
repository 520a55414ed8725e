/**
 * The embedded store (better-sqlite3): the default when Appwrite is not
 * configured. One database file holds the same tables and columns as the
 * Appwrite project; the schema, including the MasteryV2 integrity triggers,
 * is created on open. See ./schema.ts for the constraints and ./mastery.ts for
 * the idempotency ledger.
 */
import type { Stores } from "../ports.js";
import { assertOpen, openDatabase } from "./database.js";
import type { SessionListing } from "../../session/listing.js";
import { createSqliteLessonStore, listOpenSessions } from "./lessons.js";
import { createSqliteMasteryStore } from "./mastery.js";
import { createSqliteOutcomeStore } from "./outcomes.js";
import { createSqliteRoutineStore } from "./routine.js";
import { createSqliteStudentStore } from "./students.js";

/** Opens (creating folder, file and schema as needed) the store at `path`; `:memory:` for a throwaway one. */
export function createSqliteStores(path: string): Stores {
  const db = openDatabase(path);
  const ensureOpen = (): void => assertOpen(db, path);
  const outcomes = createSqliteOutcomeStore(db, ensureOpen);
  return {
    outcomes,
    lessons: createSqliteLessonStore(db, ensureOpen),
    mastery: createSqliteMasteryStore(db, outcomes, ensureOpen),
    routines: createSqliteRoutineStore(db, outcomes, ensureOpen),
    students: createSqliteStudentStore(db, ensureOpen),
    async close() {
      if (db.open) db.close();
    },
  };
}

/**
 * Lists the open sessions of the store at `path` (see `listOpenSessions`),
 * opening and closing the file for the one read.
 */
export function listSqliteOpenSessions(path: string): SessionListing[] {
  const db = openDatabase(path);
  try {
    return listOpenSessions(db);
  } finally {
    db.close();
  }
}
