/** `students` in the embedded store; the unique `userId` index is the database's. */
import type Database from "better-sqlite3";
import type { Student, StudentStore } from "../ports.js";
import {
  ambiguousStudent,
  duplicateStudent,
  parseStudentsInput,
  studentFromRow,
  TABLES,
} from "../shared/rows.js";
import { isUniqueViolation } from "./database.js";

type Row = Record<string, unknown> & { $id: string };

export function createSqliteStudentStore(
  db: Database.Database,
  assertOpen: () => void,
): StudentStore {
  const byUserId = db.prepare<[string], Row>(
    `SELECT * FROM students WHERE userId = ? ORDER BY "$id" LIMIT 2`,
  );
  const otherOfUser = db.prepare<[string, string], { $id: string }>(
    `SELECT "$id" FROM students WHERE userId = ? AND "$id" <> ?`,
  );
  const upsert = db.prepare(
    `INSERT INTO students ("$id", userId, name) VALUES (@$id, @userId, @name)
     ON CONFLICT ("$id") DO UPDATE SET userId = excluded.userId, name = excluded.name`,
  );
  const upsertAll = db.transaction((students: readonly Student[]) => {
    for (const student of students) {
      try {
        upsert.run({ ...student, name: student.name ?? null });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        const other = otherOfUser.get(student.userId, student.$id);
        if (other === undefined) throw error;
        throw duplicateStudent(student, other.$id);
      }
    }
  });
  const write = (students: readonly Student[], operation: string): void => {
    assertOpen();
    upsertAll(parseStudentsInput(students, operation));
  };
  return {
    async findByUserId(userId) {
      assertOpen();
      // The unique index makes a second row impossible here; the check keeps the rule in one shape.
      const rows = byUserId.all(userId);
      if (rows.length > 1)
        throw ambiguousStudent(
          TABLES.students,
          userId,
          rows.map((row) => row.$id),
        );
      const [row] = rows;
      return row === undefined ? null : studentFromRow(TABLES.students, row);
    },
    async put(student) {
      write([student], "put students");
    },
    async upsertMany(students) {
      write(students, "upsertMany students");
    },
  };
}
