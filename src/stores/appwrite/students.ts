/**
 * `students` on Appwrite. appwrite.json gives `userId` a unique index; a
 * platform table provisioned without it may hold two rows for one user, which
 * `findByUserId` reports rather than picking one.
 */
import { Query } from "node-appwrite";
import type { Student, StudentStore } from "../ports.js";
import {
  ambiguousStudent,
  duplicateStudent,
  parseStudentsInput,
  studentFromRow,
} from "../shared/rows.js";
import { AppwriteStoreError } from "./errors.js";
import type { AppwriteGateway } from "./gateway.js";
import { columnsOf } from "./mapping.js";

export function createAppwriteStudentStore(gateway: AppwriteGateway, table: string): StudentStore {
  const findRows = (userId: string) =>
    gateway.listRows(table, [Query.equal("userId", userId), Query.limit(2)]);

  const write = async (input: readonly Student[], operation: string): Promise<void> => {
    const students = parseStudentsInput(input, operation);
    try {
      await gateway.upsertRows(
        table,
        students.map((student) => ({ ...student, name: student.name ?? null })),
      );
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw await conflictOf(students, error);
    }
  };

  /** Names the student and the row that already holds its user, as the other adapters do. */
  const conflictOf = async (students: readonly Student[], error: unknown): Promise<unknown> => {
    for (const student of students) {
      const other = (await findRows(student.userId)).find((row) => row.$id !== student.$id);
      if (other !== undefined) return duplicateStudent(student, other.$id);
    }
    return error;
  };

  return {
    async findByUserId(userId) {
      const rows = await findRows(userId);
      if (rows.length > 1)
        throw ambiguousStudent(
          table,
          userId,
          rows.map((row) => row.$id),
        );
      const [row] = rows;
      return row === undefined ? null : studentFromRow(table, columnsOf(row));
    },
    put: (student) => write([student], "put students"),
    upsertMany: (students) => write(students, "upsertMany students"),
  };
}

function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof AppwriteStoreError &&
    error.appwriteCode === 409 &&
    error.appwriteType === "row_already_exists"
  );
}
