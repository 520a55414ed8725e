/**
 * In-memory stores for unit tests. Same semantics as the other adapters (the
 * shared write rules, idempotency ledger, serialized concurrent applies, JSON
 * columns stored encoded), so a test against memory means what it says.
 */
import type { CourseOutcome } from "../../outcomes/schema.js";
import { StoreConflictError, StoreNotFoundError, StoreUnavailableError } from "../errors.js";
import type {
  CourseOutcomeStore,
  LessonSession,
  LessonStore,
  LessonTemplate,
  MasteryRecord,
  MasteryStore,
  RoutineRecord,
  RoutineStore,
  Stores,
  StudentStore,
} from "../ports.js";
import type {
  PlannedCompletion,
  StoredEvidenceRow,
  StoredSessionState,
} from "../shared/completion-write.js";
import { KeyedLock } from "../shared/keyed-lock.js";
import { parseRoutineRestoreInput, planRoutineRepairs } from "../shared/routine-write.js";
import {
  applyLessonMasteryWith,
  assertUnchanged,
  ledgerEntriesAfter,
  completeLessonWith,
  parseRestoreInput,
  partitionRestore,
  parseScanOptions,
  planRepairs,
  type MasteryApplyBackend,
  type MasteryLedgerEntry,
} from "../shared/mastery-write.js";
import {
  ambiguousStudent,
  ambiguousTemplate,
  byEvidenceOrder,
  byId,
  duplicateStudent,
  encodeSnapshot,
  LessonSessionSchema,
  LessonTemplateSchema,
  parseInput,
  parseOutcomesInput,
  parseStoredRow,
  SessionStateSchema,
  parseStudentsInput,
  sessionFromRow,
  studentFromRow,
  TABLES,
  templateFromRow,
} from "../shared/rows.js";

type Row = Record<string, unknown> & { $id: string };

export function createMemoryStores(): Stores {
  let open = true;
  const assertOpen = (): void => {
    if (!open) throw new StoreUnavailableError("memory", "the store was closed");
  };
  const outcomes = createOutcomeStore(assertOpen);
  // Shared: a lesson's completion updates its session row in the same step as its mastery.
  const sessions = new Map<string, Row>();
  // Shared: a completion writes the Routine row the operator tools repair.
  const routines = new Map<string, RoutineRecord>();
  return {
    outcomes,
    lessons: createLessonStore(sessions, assertOpen),
    mastery: createMasteryStore(outcomes, sessions, routines, assertOpen),
    routines: createRoutineStore(outcomes, routines, assertOpen),
    students: createStudentStore(assertOpen),
    async close() {
      open = false;
    },
  };
}

function createOutcomeStore(assertOpen: () => void): CourseOutcomeStore {
  const rows = new Map<string, CourseOutcome>();
  const select = (predicate: (outcome: CourseOutcome) => boolean): CourseOutcome[] => {
    assertOpen();
    return [...rows.values()]
      .filter(predicate)
      .sort(byId)
      .map((outcome) => structuredClone(outcome));
  };
  return {
    async findByOutcomeIds(courseId, outcomeIds) {
      const wanted = new Set(outcomeIds);
      return select((outcome) => outcome.courseId === courseId && wanted.has(outcome.outcomeId));
    },
    async getByIds(ids) {
      const wanted = new Set(ids);
      return select((outcome) => wanted.has(outcome.$id));
    },
    async listByCourse(courseId) {
      return select((outcome) => outcome.courseId === courseId);
    },
    async upsertMany(outcomes) {
      assertOpen();
      for (const outcome of parseOutcomesInput(outcomes)) rows.set(outcome.$id, outcome);
    },
  };
}

function createLessonStore(sessions: Map<string, Row>, assertOpen: () => void): LessonStore {
  const templates = new Map<string, Row>();
  const getRow = (table: string, rows: Map<string, Row>, id: string): Row => {
    assertOpen();
    const row = rows.get(id);
    if (row === undefined) throw new StoreNotFoundError(table, id);
    return structuredClone(row);
  };
  return {
    async getSession(sessionId) {
      return sessionFromRow(getRow(TABLES.sessions, sessions, sessionId));
    },
    async putSession(session: LessonSession) {
      assertOpen();
      const parsed = parseInput(LessonSessionSchema, session, "putSession");
      sessions.set(parsed.$id, {
        ...parsed,
        lessonSnapshot: encodeSnapshot(parsed.lessonSnapshot),
      });
    },
    async bindSessionThread(sessionId, threadId) {
      const row = getRow(TABLES.sessions, sessions, sessionId);
      if (typeof row.threadId === "string") return row.threadId;
      sessions.set(sessionId, { ...row, threadId });
      return threadId;
    },
    async getLessonTemplate(templateId) {
      return templateFromRow(getRow(TABLES.lessonTemplates, templates, templateId));
    },
    async findLessonTemplate(courseId, title) {
      assertOpen();
      const matches = [...templates.values()].filter(
        (row) => row.courseId === courseId && row.title === title,
      );
      if (matches.length > 1) throw ambiguousTemplate(courseId, title, matches);
      const [match] = matches;
      return match === undefined ? null : templateFromRow(structuredClone(match));
    },
    async putLessonTemplate(template: LessonTemplate) {
      assertOpen();
      const parsed = parseInput(LessonTemplateSchema, template, "putLessonTemplate");
      templates.set(parsed.$id, {
        ...parsed,
        outcomeRefs: JSON.stringify(parsed.outcomeRefs),
        cards: JSON.stringify(parsed.cards),
      });
    },
  };
}

function createStudentStore(assertOpen: () => void): StudentStore {
  const rows = new Map<string, Row>();
  const upsert = (input: readonly Parameters<StudentStore["put"]>[0][], operation: string) => {
    assertOpen();
    const students = parseStudentsInput(input, operation);
    for (const student of students) {
      const other = [...rows.values()].find(
        (row) => row.userId === student.userId && row.$id !== student.$id,
      );
      if (other !== undefined) throw duplicateStudent(student, other.$id);
    }
    for (const student of students) rows.set(student.$id, { ...student });
  };
  return {
    async findByUserId(userId) {
      assertOpen();
      const matches = [...rows.values()].filter((row) => row.userId === userId).sort(byId);
      if (matches.length > 1)
        throw ambiguousStudent(
          TABLES.students,
          userId,
          matches.map((row) => row.$id),
        );
      const [match] = matches;
      return match === undefined ? null : studentFromRow(TABLES.students, structuredClone(match));
    },
    async put(student) {
      upsert([student], "put students");
    },
    async upsertMany(students) {
      upsert(students, "upsertMany students");
    },
  };
}

function createMasteryStore(
  outcomes: CourseOutcomeStore,
  sessions: Map<string, Row>,
  routines: Map<string, RoutineRecord>,
  assertOpen: () => void,
): MasteryStore {
  const records = new Map<string, MasteryRecord>();
  const ledger = new Map<string, MasteryLedgerEntry>();
  const evidence = new Map<string, StoredEvidenceRow>();
  const lock = new KeyedLock();

  const findRoutine = (studentId: string, courseId: string): RoutineRecord | undefined =>
    [...routines.values()].find(
      (routine) => routine.studentId === studentId && routine.courseId === courseId,
    );
  const sessionState = (sessionId: string): StoredSessionState | null => {
    const row = sessions.get(sessionId);
    return row === undefined
      ? null
      : parseStoredRow(SessionStateSchema, TABLES.sessions, sessionId, {
          threadId: null,
          completedAt: null,
          ...row,
        });
  };
  /** Whether the completion's Routine and session rows are still what it was planned from. */
  const completionUnchanged = (completion: PlannedCompletion | null): boolean => {
    if (completion === null) return true;
    const { expected, record } = completion.routine;
    const routine = findRoutine(record.studentId, record.courseId);
    const routineUnchanged =
      expected === null
        ? routine === undefined
        : routine?.$id === expected.$id && routine.updatedAt === expected.updatedAt;
    const session = completion.session;
    const row = session === null ? undefined : sessions.get(session.expected.$id);
    const sessionUnchanged =
      session === null || (row !== undefined && row.status === session.expected.status);
    return routineUnchanged && sessionUnchanged;
  };
  const writeCompletion = (completion: PlannedCompletion | null): void => {
    if (completion === null) return;
    routines.set(completion.routine.record.$id, { ...completion.routine.record });
    for (const row of completion.evidence) evidence.set(row.$id, { ...row });
    const session = completion.session;
    if (session !== null) {
      const row = sessions.get(session.expected.$id) as Row;
      sessions.set(session.expected.$id, { ...row, ...session.update });
    }
  };

  const findByPair = (studentId: string, courseId: string): MasteryRecord | undefined =>
    [...records.values()].find(
      (record) => record.studentId === studentId && record.courseId === courseId,
    );

  const backend: MasteryApplyBackend = {
    async read({ sessionId, studentId, courseId }) {
      assertOpen();
      const entry = ledger.get(sessionId);
      const record = findByPair(studentId, courseId);
      const routine = findRoutine(studentId, courseId);
      return {
        ledger: entry === undefined ? null : { ...entry },
        record: record === undefined ? null : { ...record },
        routine: routine === undefined ? null : { ...routine },
        session: sessionState(sessionId),
      };
    },
    async countEvidence(sessionId) {
      assertOpen();
      return [...evidence.values()].filter((row) => row.sessionId === sessionId).length;
    },
    async commit(plan) {
      assertOpen();
      const current = findByPair(plan.record.studentId, plan.record.courseId);
      const unchanged =
        plan.expected === null
          ? current === undefined && !records.has(plan.record.$id)
          : current?.$id === plan.expected.$id && current.updatedAt === plan.expected.updatedAt;
      if (!unchanged || !completionUnchanged(plan.completion) || ledger.has(plan.ledger.sessionId))
        return "stale";
      records.set(plan.record.$id, { ...plan.record });
      ledger.set(plan.ledger.sessionId, { ...plan.ledger });
      writeCompletion(plan.completion);
      return "committed";
    },
  };

  return {
    async get(studentId, courseId) {
      assertOpen();
      const record = findByPair(studentId, courseId);
      return record === undefined ? null : { ...record };
    },
    applyLessonMastery(input) {
      return applyLessonMasteryWith({ outcomes, backend, lock }, input);
    },
    completeLesson(input) {
      return completeLessonWith({ outcomes, backend, lock }, input);
    },
    async getRoutine(studentId, courseId) {
      assertOpen();
      const routine = findRoutine(studentId, courseId);
      return routine === undefined ? null : { ...routine };
    },
    async listEvidence(sessionId) {
      assertOpen();
      return [...evidence.values()]
        .filter((row) => row.sessionId === sessionId)
        .sort(byEvidenceOrder)
        .map(({ $id: _id, ...row }) => ({ ...row }));
    },
    async isSessionApplied(sessionId) {
      assertOpen();
      return ledger.has(sessionId);
    },
    scan(options) {
      return scanById(records, options, assertOpen);
    },
    async repair(repairs) {
      assertOpen();
      const planned = await planRepairs(outcomes, repairs, new Map(records));
      // Re-checked after the async lookups: everything or nothing is written.
      for (const { record, expectedUpdatedAt } of planned) {
        assertUnchanged(record.$id, expectedUpdatedAt, records.get(record.$id)?.updatedAt);
      }
      for (const { record } of planned) records.set(record.$id, { ...record });
    },
    async restore(input, options) {
      assertOpen();
      const { write, skipped } = partitionRestore(
        parseRestoreInput(input),
        records,
        options?.ifUpdatedAtIn,
      );
      const next = new Map(records);
      for (const record of write) next.set(record.$id, { ...record });
      assertUniquePairs(next);
      const released = write.flatMap((record) =>
        ledgerEntriesAfter(
          record,
          [...ledger.values()].filter((entry) => entry.masteryId === record.$id),
        ),
      );
      records.clear();
      for (const [id, record] of next) records.set(id, record);
      for (const entry of released) ledger.delete(entry.sessionId);
      return { skipped, releasedSessions: released.map((entry) => entry.sessionId) };
    },
  };
}

function createRoutineStore(
  outcomes: CourseOutcomeStore,
  routines: Map<string, RoutineRecord>,
  assertOpen: () => void,
): RoutineStore {
  return {
    async get(studentId, courseId) {
      assertOpen();
      const routine = [...routines.values()].find(
        (row) => row.studentId === studentId && row.courseId === courseId,
      );
      return routine === undefined ? null : { ...routine };
    },
    scan(options) {
      return scanById(routines, options, assertOpen);
    },
    async repair(repairs) {
      assertOpen();
      const planned = await planRoutineRepairs(outcomes, repairs, new Map(routines));
      // Re-checked after the async lookups: everything or nothing is written.
      for (const { record, expectedUpdatedAt } of planned) {
        assertUnchanged(
          record.$id,
          expectedUpdatedAt,
          routines.get(record.$id)?.updatedAt,
          TABLES.routine,
        );
      }
      for (const { record } of planned) routines.set(record.$id, { ...record });
    },
    async restore(input, options) {
      assertOpen();
      const { write, skipped } = partitionRestore(
        parseRoutineRestoreInput(input),
        routines,
        options?.ifUpdatedAtIn,
      );
      const next = new Map(routines);
      for (const record of write) next.set(record.$id, { ...record });
      assertUniquePairs(next, TABLES.routine);
      routines.clear();
      for (const [id, record] of next) routines.set(id, record);
      return { skipped };
    },
  };
}

/** The unique (`studentId`, `courseId`) index. */
function assertUniquePairs(
  records: ReadonlyMap<string, { $id: string; studentId: string; courseId: string }>,
  table: string = TABLES.mastery,
): void {
  const seen = new Map<string, string>();
  for (const record of records.values()) {
    const pair = `${record.studentId}\u0000${record.courseId}`;
    const other = seen.get(pair);
    if (other !== undefined) {
      throw new StoreConflictError(
        table,
        record.$id,
        "another row has the same student and course (unique_student_course)",
        {
          studentId: record.studentId,
          courseId: record.courseId,
          otherId: other,
        },
      );
    }
    seen.set(pair, record.$id);
  }
}

/** The rows in `$id` order, a page (of copies) at a time, starting after `after`. */
async function* scanById<T extends { $id: string }>(
  rows: ReadonlyMap<string, T>,
  options: { pageSize: number; after?: string },
  assertOpen: () => void,
): AsyncGenerator<T[]> {
  const { pageSize, after } = parseScanOptions(options);
  let cursor = after;
  for (;;) {
    assertOpen();
    const page = [...rows.values()]
      .filter((row) => cursor === undefined || row.$id > cursor)
      .sort(byId)
      .slice(0, pageSize)
      .map((row) => ({ ...row }));
    if (page.length === 0) return;
    yield page;
    if (page.length < pageSize) return;
    cursor = page[page.length - 1]?.$id;
  }
}
