/**
 * The store contract: every adapter (memory, SQLite, Appwrite) runs this same
 * suite, so the graph and the operator tools can rely on one behaviour.
 * `makeStores` must return an empty store each time (scan tests see the whole table).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeGzipPayload, PayloadTooLargeError } from "../../src/lessons/codec.js";
import {
  foldMasteryUpdates,
  type EmaByOutcome,
  type MasteryUpdate,
} from "../../src/mastery/ema.js";
import { InvalidMasteryRecordError, type MasteryRule } from "../../src/mastery/errors.js";
import type { CourseOutcome } from "../../src/outcomes/schema.js";
import {
  StoreConflictError,
  StoreDataError,
  StoreInputError,
  StoreNotFoundError,
  StoreWriteRefusedError,
} from "../../src/stores/errors.js";
import type {
  CompleteLessonInput,
  EvidenceRow,
  LessonSession,
  LessonTemplate,
  MasteryRecord,
  Stores,
  Student,
} from "../../src/stores/ports.js";
import { gzipBomb } from "../support/gzip-bomb.js";

export type MakeStores = () => Promise<{ stores: Stores; cleanup?: () => Promise<void> }>;

/** A document ID (20 characters of the `ID.unique()` alphabet) unique to this run. */
export function testId(tag: string, n: number): string {
  return `${tag}${RUN}${n.toString().padStart(6, "0")}`.slice(0, 20).padEnd(20, "0");
}
const RUN = Math.floor(Math.random() * 0xfffffff)
  .toString(16)
  .padStart(7, "0");

export function makeOutcome(
  courseId: string,
  $id: string,
  unitCode: string,
  outcomeId: string,
): CourseOutcome {
  return {
    $id,
    courseId,
    courseSqaCode: null,
    unitCode,
    unitTitle: `Unit ${unitCode}`,
    scqfCredits: 6,
    outcomeId,
    outcomeTitle: `Outcome ${outcomeId} of ${unitCode}`,
    assessmentStandards: JSON.stringify([{ code: "AS1.1", desc: "An assessment standard" }]),
  };
}

function update(outcome_id: string, score: number): MasteryUpdate {
  return { outcome_id, score, timestamp: "2025-11-12T15:00:00.000Z" };
}

/** The rejection of `promise`, checked to be an instance of `errorClass`. */
export async function rejectionOf<T extends Error>(
  promise: Promise<unknown>,
  errorClass: abstract new (...args: never[]) => T,
): Promise<T> {
  let settled: unknown;
  try {
    settled = await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(errorClass);
    return error as T;
  }
  return expect.fail(`expected ${errorClass.name}, resolved with ${JSON.stringify(settled)}`);
}

async function allPages(pages: AsyncIterable<MasteryRecord[]>): Promise<MasteryRecord[][]> {
  const result: MasteryRecord[][] = [];
  for await (const page of pages) result.push(page);
  return result;
}

function emaOf(record: MasteryRecord | null): unknown {
  expect(record).not.toBeNull();
  return JSON.parse((record as MasteryRecord).emaByOutcome!);
}

/**
 * Asserts that concurrent lessons on one outcome landed as if applied one at
 * a time: each apply's result (`value`, the outcome's value it wrote) is the
 * EMA fold of its `score` into the value the previous one wrote, starting
 * from none, and the last one is `stored`. A lost update (two applies folding
 * into the same earlier value) breaks the chain. Scores must be distinct
 * enough that their folds differ.
 */
export function expectSequentialFolds(
  applies: readonly { score: number; value: number | undefined }[],
  alpha: number,
  stored: number | undefined,
): void {
  const key = testId("fold", 0);
  const pending = [...applies];
  let current: EmaByOutcome = {};
  while (pending.length > 0) {
    const next = pending.findIndex(
      ({ score, value }) =>
        foldMasteryUpdates(current, [{ outcome_id: key, score, timestamp: "t" }], alpha)[key] ===
        value,
    );
    expect(
      next,
      `no apply folds into ${JSON.stringify(current)}: ${JSON.stringify(pending)}`,
    ).toBeGreaterThanOrEqual(0);
    current = { [key]: pending[next]!.value! };
    pending.splice(next, 1);
  }
  expect(stored).toBe(current[key]);
}

export function describeStoreContract(name: string, makeStores: MakeStores): void {
  describe(`store contract: ${name}`, () => {
    let stores: Stores;
    let cleanup: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      ({ stores, cleanup } = await makeStores());
    });
    afterEach(async () => {
      await stores.close();
      await cleanup?.();
    });

    describe("course outcomes", () => {
      const courseId = "course_contract_a";
      const otherCourseId = "course_contract_b";
      // 30 units with O1 and O2 each: 60 rows, more than one default page of 25.
      const units = Array.from({ length: 30 }, (_, i) => `U${String(i).padStart(2, "0")} 74`);
      const many = units.flatMap((unit, i) => [
        makeOutcome(courseId, testId("a", i * 2), unit, "O1"),
        makeOutcome(courseId, testId("a", i * 2 + 1), unit, "O2"),
      ]);
      const other = makeOutcome(otherCourseId, testId("b", 0), units[0] as string, "O1");

      beforeEach(async () => {
        await stores.outcomes.upsertMany([...many, other]);
      });

      it("finds every outcome of a course with the given codes, across pages", async () => {
        const found = await stores.outcomes.findByOutcomeIds(courseId, ["O1"]);
        expect(found).toHaveLength(30);
        expect(found.every((o) => o.courseId === courseId && o.outcomeId === "O1")).toBe(true);
        const both = await stores.outcomes.findByOutcomeIds(courseId, ["O1", "O2"]);
        expect(both.map((o) => o.$id).sort()).toEqual(many.map((o) => o.$id).sort());
        expect(await stores.outcomes.findByOutcomeIds(courseId, ["O9"])).toEqual([]);
      });

      it("lists a whole course across pages, and nothing of other courses", async () => {
        const listed = await stores.outcomes.listByCourse(courseId);
        expect(listed.map((o) => o.$id).sort()).toEqual(many.map((o) => o.$id).sort());
        expect(await stores.outcomes.listByCourse(otherCourseId)).toMatchObject([other]);
      });

      it("gets outcomes by document ID, skipping absent ones", async () => {
        const ids = many.slice(0, 28).map((o) => o.$id);
        const found = await stores.outcomes.getByIds([...ids, testId("z", 1)]);
        expect(found.map((o) => o.$id).sort()).toEqual([...ids].sort());
        const [first] = await stores.outcomes.getByIds([many[0]?.$id as string]);
        expect(first).toMatchObject(many[0] as CourseOutcome);
        expect(await stores.outcomes.getByIds([])).toEqual([]);
      });

      it("upserts by $id: a second write replaces the row", async () => {
        const changed = { ...(many[0] as CourseOutcome), outcomeTitle: "Renamed" };
        await stores.outcomes.upsertMany([changed]);
        const [row] = await stores.outcomes.getByIds([changed.$id]);
        expect(row?.outcomeTitle).toBe("Renamed");
        expect(await stores.outcomes.listByCourse(courseId)).toHaveLength(60);
      });

      it("refuses a malformed outcome and writes none of the batch", async () => {
        const fresh = makeOutcome(courseId, testId("c", 1), "X 74", "O1");
        const broken = {
          ...makeOutcome(courseId, testId("c", 2), "X 74", "O2"),
          unitCode: undefined,
        };
        const error = await rejectionOf(
          stores.outcomes.upsertMany([fresh, broken as unknown as CourseOutcome]),
          StoreInputError,
        );
        expect(error.code).toBe("STORE_INVALID_INPUT");
        expect(String(error.context.reason)).toContain("unitCode");
        expect(await stores.outcomes.getByIds([fresh.$id])).toEqual([]);
      });
    });

    describe("sessions and lesson templates", () => {
      const snapshot = {
        lessonTemplateId: "lt_1",
        courseId: "course_x",
        title: "T",
        outcomeRefs: ["O1"],
        cards: [{ id: "c1" }],
      };
      const session = (id: string, lessonSnapshot: unknown): LessonSession => ({
        $id: id,
        studentId: "student_1",
        courseId: "course_x",
        lessonTemplateId: "lt_1",
        lessonSnapshot,
        status: "created",
        startedAt: "2025-11-12T10:00:00.000Z",
      });

      it("stores a snapshot object and reads it back decoded", async () => {
        await stores.lessons.putSession(session("sess_object", snapshot));
        const read = await stores.lessons.getSession("sess_object");
        expect(read).toMatchObject(session("sess_object", snapshot));
        expect(read.threadId).toBeUndefined();
      });

      it("decodes a plain JSON snapshot and a gzip:+base64 snapshot", async () => {
        await stores.lessons.putSession(session("sess_plain", JSON.stringify(snapshot)));
        await stores.lessons.putSession(session("sess_gzip", encodeGzipPayload(snapshot)));
        expect((await stores.lessons.getSession("sess_plain")).lessonSnapshot).toEqual(snapshot);
        expect((await stores.lessons.getSession("sess_gzip")).lessonSnapshot).toEqual(snapshot);
      });

      it("reports a snapshot that cannot be decoded when it is read, naming the row and column", async () => {
        await stores.lessons.putSession(session("sess_bad", "gzip:not-base64-gzip"));
        const stored = await stores.lessons.getSession("sess_bad");
        // Its owner is readable first: the snapshot answers only whoever may read it.
        expect(stored.studentId).toBe("student_1");
        const error = snapshotErrorOf(stored);
        expect(error.code).toBe("STORE_DATA_INVALID");
        expect(error.context).toMatchObject({
          table: "sessions",
          id: "sess_bad",
          column: "lessonSnapshot",
        });
      });

      it("refuses a gzip snapshot that inflates past the cap (a gzip bomb) when it is read, naming the row", async () => {
        await stores.lessons.putSession(session("sess_bomb", gzipBomb(2)));
        const error = snapshotErrorOf(await stores.lessons.getSession("sess_bomb"));
        expect(error.context).toMatchObject({
          table: "sessions",
          id: "sess_bomb",
          column: "lessonSnapshot",
        });
        expect(error.cause).toBeInstanceOf(PayloadTooLargeError);
        expect(error.cause).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
      });

      it("binds a session to its first thread, and only that one", async () => {
        await stores.lessons.putSession(session("sess_thread", snapshot));
        expect(await stores.lessons.bindSessionThread("sess_thread", "thread_42")).toBe(
          "thread_42",
        );
        expect(await stores.lessons.bindSessionThread("sess_thread", "thread_42")).toBe(
          "thread_42",
        );
        expect(await stores.lessons.bindSessionThread("sess_thread", "thread_43")).toBe(
          "thread_42",
        );
        expect((await stores.lessons.getSession("sess_thread")).threadId).toBe("thread_42");
      });

      it("lets exactly one of many concurrent threads bind a session", async () => {
        await stores.lessons.putSession(session("sess_race", snapshot));
        const threads = Array.from({ length: 8 }, (_, index) => `thread_${index}`);
        const bound = await Promise.all(
          threads.map((thread) => stores.lessons.bindSessionThread("sess_race", thread)),
        );
        expect(new Set(bound).size).toBe(1);
        expect(threads).toContain(bound[0]);
        expect((await stores.lessons.getSession("sess_race")).threadId).toBe(bound[0]);
      });

      it("keeps the thread a session was given before binding existed", async () => {
        await stores.lessons.putSession({ ...session("sess_legacy", snapshot), threadId: "t_old" });
        expect(await stores.lessons.bindSessionThread("sess_legacy", "t_new")).toBe("t_old");
      });

      it("raises not-found for an absent session, naming table and id", async () => {
        const error = await rejectionOf(
          stores.lessons.getSession("sess_absent"),
          StoreNotFoundError,
        );
        expect(error.code).toBe("STORE_NOT_FOUND");
        expect(error.context).toMatchObject({ table: "sessions", id: "sess_absent" });
        await rejectionOf(stores.lessons.bindSessionThread("sess_absent", "t"), StoreNotFoundError);
      });

      it("stores templates, finds them by course and title, and reports absent ones", async () => {
        const template: LessonTemplate = {
          $id: "template_1",
          courseId: "course_x",
          title: "Fractions",
          outcomeRefs: ["O1", "AS1.2"],
          cards: [{ id: "card_001", cfu: { type: "mcq" } }],
          lesson_type: "teach",
          estMinutes: 50,
          sow_order: 1,
        };
        await stores.lessons.putLessonTemplate(template);
        expect(await stores.lessons.getLessonTemplate("template_1")).toEqual(template);
        expect(await stores.lessons.findLessonTemplate("course_x", "Fractions")).toEqual(template);
        expect(await stores.lessons.findLessonTemplate("course_y", "Fractions")).toBeNull();
        const error = await rejectionOf(
          stores.lessons.getLessonTemplate("template_absent"),
          StoreNotFoundError,
        );
        expect(error.context).toMatchObject({ table: "lesson_templates", id: "template_absent" });
      });
    });

    describe("students", () => {
      const ada: Student = { $id: "student_ada", userId: "user_ada", name: "Ada" };
      const ben: Student = { $id: "student_ben", userId: "user_ben" };

      it("finds a student by Appwrite user, and null for a user without one", async () => {
        await stores.students.upsertMany([ada, ben]);
        expect(await stores.students.findByUserId("user_ada")).toEqual(ada);
        expect(await stores.students.findByUserId("user_ben")).toEqual(ben);
        expect(await stores.students.findByUserId("user_nobody")).toBeNull();
      });

      it("replaces a student by $id", async () => {
        await stores.students.put(ada);
        await stores.students.put({ $id: ada.$id, userId: "user_ada2" });
        expect(await stores.students.findByUserId("user_ada")).toBeNull();
        expect(await stores.students.findByUserId("user_ada2")).toEqual({
          $id: ada.$id,
          userId: "user_ada2",
        });
      });

      it("refuses a second student for one user, keeping the first", async () => {
        await stores.students.put(ada);
        const error = await rejectionOf(
          stores.students.put({ $id: "student_imposter", userId: ada.userId }),
          StoreConflictError,
        );
        expect(error.context).toMatchObject({
          table: "students",
          userId: ada.userId,
          otherId: ada.$id,
        });
        expect(await stores.students.findByUserId(ada.userId)).toEqual(ada);
        const batch = await rejectionOf(
          stores.students.upsertMany([ben, { $id: "student_ben2", userId: ben.userId }]),
          StoreConflictError,
        );
        expect(batch.context).toMatchObject({ userId: ben.userId });
        expect(await stores.students.findByUserId(ben.userId)).toBeNull();
      });

      it("refuses malformed students as input errors", async () => {
        await rejectionOf(stores.students.put({ ...ada, userId: "" }), StoreInputError);
        await rejectionOf(stores.students.put({ ...ada, userId: "u".repeat(51) }), StoreInputError);
        expect(await stores.students.findByUserId(ada.userId)).toBeNull();
      });
    });

    describe("MasteryV2", () => {
      const courseId = "course_mastery";
      const otherCourseId = "course_mastery_other";
      const studentId = "student_contract";
      const ids = Array.from({ length: 20 }, (_, i) => testId("m", i));
      const [A, B, C] = ids as [string, string, string];
      const foreign = testId("f", 0);

      beforeEach(async () => {
        await stores.outcomes.upsertMany([
          ...ids.map((id, i) => makeOutcome(courseId, id, `U${i} 74`, "O1")),
          makeOutcome(otherCourseId, foreign, "U0 74", "O1"),
        ]);
      });

      const apply = (sessionId: string, updates: MasteryUpdate[], student = studentId) =>
        stores.mastery.applyLessonMastery({
          sessionId,
          studentId: student,
          courseId,
          updates,
          alpha: 0.3,
        });

      describe("lesson completion", () => {
        const NOW = "2025-11-12T15:00:00.000Z";
        const threadId = "thread_contract";
        const evidenceRow = (
          cardId: string,
          attempts: number,
          correct: boolean,
          minute: number,
        ): EvidenceRow => ({
          itemId: `cfu_${cardId}`,
          cardId,
          interactionId: `int_${cardId}`,
          response: correct ? "42" : "41",
          correct,
          attempts,
          confidence: 0.9,
          reasoning: "compared with the expected value",
          feedback: correct ? "Right." : "Not quite.",
          timestamp: `2025-11-12T14:5${minute}:00.000Z`,
          partialCredit: correct ? 1 : 0,
          method: "numeric",
        });
        const lessonEvidence = [
          evidenceRow("card_001", 1, false, 1),
          evidenceRow("card_001", 2, true, 2),
          evidenceRow("card_002", 1, true, 3),
        ];
        const completeLesson = (
          sessionId: string,
          updates: MasteryUpdate[],
          overrides: Partial<CompleteLessonInput> = {},
        ) =>
          stores.mastery.completeLesson({
            sessionId,
            studentId,
            courseId,
            updates,
            alpha: 0.3,
            threadId,
            completedAt: NOW,
            evidence: lessonEvidence,
            score: 0.85,
            ...overrides,
          });
        const storeSession = (sessionId: string) =>
          stores.lessons.putSession({
            $id: sessionId,
            studentId,
            courseId,
            lessonTemplateId: "template_contract",
            lessonSnapshot: { title: "A lesson" },
            status: "active",
            startedAt: "2025-11-12T14:00:00.000Z",
          });
        const dueOf = async (): Promise<Record<string, string>> => {
          const routine = await stores.mastery.getRoutine(studentId, courseId);
          expect(routine).not.toBeNull();
          return JSON.parse(routine!.dueAtByOutcome!) as Record<string, string>;
        };

        it("writes evidence, the Routine row and the completed session with the mastery", async () => {
          const sessionId = testId("cs", 1);
          await storeSession(sessionId);
          const result = await completeLesson(sessionId, [update(A, 1), update(B, 0.3)]);
          expect(result).toEqual({
            status: "applied",
            mastery: { recordId: expect.any(String), emaByOutcome: { [A]: 1, [B]: 0.3 } },
            evidenceCount: 3,
            // FSRS, new cards at NOW: Easy (1.0) in 8 days, Again (0.3) in 1 day.
            dueAtByOutcome: { [A]: "2025-11-20T15:00:00.000Z", [B]: "2025-11-13T15:00:00.000Z" },
            session: { status: "completed", completedAt: NOW },
          });
          expect(await stores.mastery.listEvidence(sessionId)).toEqual(
            lessonEvidence.map((row) => ({ ...row, sessionId })),
          );
          const routine = await stores.mastery.getRoutine(studentId, courseId);
          expect(routine).toMatchObject({
            lastTaughtAt: NOW,
            spacingPolicyVersion: 2,
            schema_version: 2,
          });
          expect(await dueOf()).toEqual(result.dueAtByOutcome);
          expect(Object.keys(JSON.parse(routine!.fsrsByOutcome!)).sort()).toEqual([A, B].sort());
          expect(await stores.lessons.getSession(sessionId)).toMatchObject({
            status: "completed",
            completedAt: NOW,
            score: 0.85,
            threadId,
          });
          expect(emaOf(await stores.mastery.get(studentId, courseId))).toEqual({
            [A]: 1,
            [B]: 0.3,
          });
        });

        it("completes a session without a stored row, saying `not_stored`", async () => {
          const result = await completeLesson(testId("cs", 2), [update(A, 0.7)]);
          expect(result.session).toEqual({ status: "not_stored" });
          expect(result.evidenceCount).toBe(3);
          expect(await dueOf()).toEqual({ [A]: "2025-11-15T15:00:00.000Z" });
        });

        it("completes a session once: a retry (or a replay after a crash before the checkpoint) changes nothing", async () => {
          const sessionId = testId("cs", 3);
          await storeSession(sessionId);
          const first = await completeLesson(sessionId, [update(A, 0.7)]);
          const routine = await stores.mastery.getRoutine(studentId, courseId);
          const again = await completeLesson(sessionId, [update(A, 0.7)], {
            completedAt: "2025-11-13T15:00:00.000Z",
          });
          expect(again).toEqual({ ...first, status: "already_applied" });
          expect(await stores.mastery.getRoutine(studentId, courseId)).toEqual(routine);
          expect(await stores.mastery.listEvidence(sessionId)).toHaveLength(3);
          expect(emaOf(await stores.mastery.get(studentId, courseId))).toEqual({ [A]: 0.7 });
        });

        it("schedules a weaker outcome earlier, and a second lesson from the stored FSRS state", async () => {
          await completeLesson(testId("cs", 4), [update(A, 1), update(B, 0.7), update(C, 0.5)]);
          const first = await dueOf();
          expect(first[C]! < first[B]! && first[B]! < first[A]!).toBe(true);
          const second = await completeLesson(testId("cs", 5), [update(A, 1)], {
            completedAt: first[A],
          });
          // Easy again on the due day: the interval grows well past the first 8 days.
          expect(second.dueAtByOutcome).toEqual({ [A]: "2026-01-25T15:00:00.000Z" });
          expect(await dueOf()).toEqual({ ...first, [A]: "2026-01-25T15:00:00.000Z" });
        });

        it("lands concurrent completions of one student and course, each with its own outcome", async () => {
          const lessons = ids.slice(0, 8);
          await Promise.all(
            lessons.map((id, i) => completeLesson(testId("cc", i), [update(id, 0.7)])),
          );
          expect(Object.keys(await dueOf()).sort()).toEqual([...lessons].sort());
          expect(
            Object.keys(emaOf(await stores.mastery.get(studentId, courseId)) as object).sort(),
          ).toEqual([...lessons].sort());
          for (let i = 0; i < lessons.length; i++)
            expect(await stores.mastery.listEvidence(testId("cc", i))).toHaveLength(3);
        });

        it("refuses a key that is not a document ID of the course, writing nothing", async () => {
          const sessionId = testId("cs", 6);
          await storeSession(sessionId);
          for (const key of ["O1", foreign]) {
            await rejectionOf(
              completeLesson(sessionId, [update(key, 0.7)]),
              StoreWriteRefusedError,
            );
          }
          expect(await stores.mastery.getRoutine(studentId, courseId)).toBeNull();
          expect(await stores.mastery.listEvidence(sessionId)).toEqual([]);
          expect((await stores.lessons.getSession(sessionId)).status).toBe("active");
          expect(await stores.mastery.isSessionApplied(sessionId)).toBe(false);
        });

        it("refuses to complete another student's session row, writing nothing", async () => {
          const sessionId = testId("cs", 7);
          await storeSession(sessionId);
          await rejectionOf(
            completeLesson(sessionId, [update(A, 0.7)], { studentId: "someone_else" }),
            StoreConflictError,
          );
          expect(await stores.mastery.listEvidence(sessionId)).toEqual([]);
          expect(await stores.mastery.isSessionApplied(sessionId)).toBe(false);
        });

        it("keeps legacy Routine keys of a stored row as they are", async () => {
          await completeLesson(testId("cs", 8), [update(A, 0.7)]);
          const routine = (await stores.mastery.getRoutine(studentId, courseId))!;
          expect(routine.studentId).toBe(studentId);
          // A legacy key cannot be written through the adapters; the carry-over is planned by the shared rules.
          const { planCompletion } = await import("../../src/stores/shared/completion-write.js");
          const legacy = {
            ...routine,
            dueAtByOutcome: JSON.stringify({ O1: "2025-01-01", [A]: NOW }),
            fsrsByOutcome: null,
          };
          const plan = planCompletion(
            {
              sessionId: "s",
              studentId,
              courseId,
              updates: [update(B, 1)],
              alpha: 0.3,
              threadId,
              completedAt: NOW,
              evidence: [],
              score: 1,
            },
            legacy,
            null,
          );
          expect(JSON.parse(plan.routine.record.dueAtByOutcome!)).toEqual({
            O1: "2025-01-01",
            [A]: NOW,
            [B]: "2025-11-20T15:00:00.000Z",
          });
        });
      });

      describe("apply", () => {
        it("creates the record on the first lesson with the scores as they are", async () => {
          const result = await apply("sess_1", [update(A, 1), update(B, 0.3)]);
          expect(result).toMatchObject({ status: "applied", emaByOutcome: { [A]: 1, [B]: 0.3 } });
          const record = await stores.mastery.get(studentId, courseId);
          expect(record).toMatchObject({ $id: result.recordId, studentId, courseId });
          expect(emaOf(record)).toEqual({ [A]: 1, [B]: 0.3 });
          expect(new Date((record as MasteryRecord).updatedAt).toISOString()).toBe(
            (record as MasteryRecord).updatedAt,
          );
        });

        it("folds later lessons with the EMA and leaves untouched outcomes alone", async () => {
          const first = await apply("sess_1", [update(A, 1), update(B, 0.3)]);
          const second = await apply("sess_2", [update(A, 0.3), update(C, 0.7)]);
          // 0.3 * 0.3 + 0.7 * 1 = 0.79
          expect(second).toEqual({
            status: "applied",
            recordId: first.recordId,
            emaByOutcome: { [A]: 0.79, [B]: 0.3, [C]: 0.7 },
          });
          expect(emaOf(await stores.mastery.get(studentId, courseId))).toEqual({
            [A]: 0.79,
            [B]: 0.3,
            [C]: 0.7,
          });
        });

        it("folds several updates of one outcome within a lesson in order", async () => {
          const result = await apply("sess_1", [update(A, 1), update(A, 0.7), update(A, 0.3)]);
          // 1 -> 0.3*0.7 + 0.7*1 = 0.91 -> 0.3*0.3 + 0.7*0.91 = 0.727
          expect(result.emaByOutcome).toEqual({ [A]: 0.727 });
        });

        it("records an outcome whose document ID is also a name every object inherits", async () => {
          // `propertyIsEnumerable` is 20 characters of the ID alphabet: a valid document ID.
          const inherited = "propertyIsEnumerable";
          await stores.outcomes.upsertMany([makeOutcome(courseId, inherited, "U99 74", "O1")]);
          const result = await apply("sess_1", [update(inherited, 0.6)]);
          expect(result.emaByOutcome).toEqual({ [inherited]: 0.6 });
          expect((await stores.mastery.get(studentId, courseId))?.emaByOutcome).toBe(
            `{"${inherited}":0.6}`,
          );
        });

        it("keeps one record per student and course", async () => {
          const mine = await apply("sess_1", [update(A, 1)]);
          const theirs = await apply("sess_2", [update(A, 0.5)], "student_other");
          expect(theirs.recordId).not.toBe(mine.recordId);
          expect(emaOf(await stores.mastery.get("student_other", courseId))).toEqual({ [A]: 0.5 });
          expect(emaOf(await stores.mastery.get(studentId, courseId))).toEqual({ [A]: 1 });
          expect(await stores.mastery.get(studentId, otherCourseId)).toBeNull();
        });
      });

      describe("idempotency per session", () => {
        it("tells whether a session's mastery was applied", async () => {
          expect(await stores.mastery.isSessionApplied("sess_1")).toBe(false);
          await apply("sess_1", [update(A, 1)]);
          expect(await stores.mastery.isSessionApplied("sess_1")).toBe(true);
          expect(await stores.mastery.isSessionApplied("sess_2")).toBe(false);
        });

        it("applies a session once: the second apply changes nothing", async () => {
          const first = await apply("sess_1", [update(A, 1)]);
          const before = await stores.mastery.get(studentId, courseId);
          const again = await apply("sess_1", [update(A, 0.3)]);
          expect(again).toEqual({
            status: "already_applied",
            recordId: first.recordId,
            emaByOutcome: { [A]: 1 },
          });
          expect(await stores.mastery.get(studentId, courseId)).toEqual(before);
        });

        it("reports the current values when a session was applied before later ones", async () => {
          await apply("sess_1", [update(A, 1)]);
          await apply("sess_2", [update(A, 0.3)]);
          expect(await apply("sess_1", [update(A, 1)])).toMatchObject({
            status: "already_applied",
            emaByOutcome: { [A]: 0.79 },
          });
        });

        it("refuses a session already applied for another student", async () => {
          await apply("sess_1", [update(A, 1)]);
          const error = await rejectionOf(
            apply("sess_1", [update(A, 1)], "student_other"),
            StoreConflictError,
          );
          expect(error.code).toBe("STORE_CONFLICT");
          expect(error.context).toMatchObject({ table: "mastery_ledger", id: "sess_1" });
          expect(await stores.mastery.get("student_other", courseId)).toBeNull();
        });

        it("lands one session's concurrent retries exactly once", async () => {
          const results = await Promise.all(
            Array.from({ length: 10 }, () => apply("sess_1", [update(A, 0.5)])),
          );
          expect(results.filter((r) => r.status === "applied")).toHaveLength(1);
          expect(results.filter((r) => r.status === "already_applied")).toHaveLength(9);
          expect(emaOf(await stores.mastery.get(studentId, courseId))).toEqual({ [A]: 0.5 });
        });
      });

      describe("no lost updates", () => {
        it("lands 20 concurrent lessons for one student and course, each with its own outcome", async () => {
          const scores = ids.map((_, i) => (2 * (i % 10) + 1) / 20);
          const results = await Promise.all(
            ids.map((id, i) => apply(`sess_race_${i}`, [update(id, scores[i] as number)])),
          );
          expect(results.every((r) => r.status === "applied")).toBe(true);
          expect(new Set(results.map((r) => r.recordId)).size).toBe(1);
          const expected = Object.fromEntries(ids.map((id, i) => [id, scores[i]]));
          expect(emaOf(await stores.mastery.get(studentId, courseId))).toEqual(expected);
        });

        it("folds 20 concurrent lessons on the same outcome, each with its own score, in some sequential order", async () => {
          const scores = Array.from({ length: 20 }, (_, i) => (i + 1) / 21);
          const results = await Promise.all(
            scores.map((score, i) => apply(`sess_same_${i}`, [update(A, score)])),
          );
          const stored = (emaOf(await stores.mastery.get(studentId, courseId)) as EmaByOutcome)[A];
          expectSequentialFolds(
            results.map((result, i) => ({ score: scores[i]!, value: result.emaByOutcome[A] })),
            0.3,
            stored,
          );
          const replays = await Promise.all(
            scores.map((_, i) => apply(`sess_same_${i}`, [update(A, 0)])),
          );
          expect(replays.every((r) => r.status === "already_applied")).toBe(true);
        });
      });

      describe("validation: a bad write is refused and writes nothing", () => {
        const cases: {
          name: string;
          updates: () => MasteryUpdate[];
          rule: MasteryRule;
          key?: string;
        }[] = [
          {
            name: "an empty key",
            updates: () => [update(A, 1), update("", 1)],
            rule: "empty_key",
            key: "",
          },
          {
            name: "an outcome code (O1)",
            updates: () => [update("O1", 1)],
            rule: "invalid_id_format",
            key: "O1",
          },
          {
            name: "an assessment standard (AS1.1)",
            updates: () => [update("AS1.1", 1)],
            rule: "invalid_id_format",
            key: "AS1.1",
          },
          {
            name: "a document ID of another course",
            updates: () => [update(foreign, 1)],
            rule: "unknown_outcome",
            key: foreign,
          },
          {
            name: "a document ID of no outcome",
            updates: () => [update(testId("n", 9), 1)],
            rule: "unknown_outcome",
            key: testId("n", 9),
          },
          {
            name: "a NaN score",
            updates: () => [update(A, Number.NaN)],
            rule: "invalid_value",
            key: A,
          },
          {
            name: "a negative score",
            updates: () => [update(B, -0.1)],
            rule: "invalid_value",
            key: B,
          },
          {
            name: "a score above 1",
            updates: () => [update(C, 1.5)],
            rule: "invalid_value",
            key: C,
          },
        ];

        for (const { name, updates, rule, key } of cases) {
          it(`refuses ${name}`, async () => {
            await apply("sess_0", [update(A, 0.5)]);
            const before = await stores.mastery.get(studentId, courseId);
            const error = await rejectionOf(apply("sess_bad", updates()), StoreWriteRefusedError);
            expect(error).toBeInstanceOf(InvalidMasteryRecordError);
            expect(error.code).toBe("STORE_WRITE_REFUSED");
            expect(error.violations).toContainEqual(expect.objectContaining({ rule, key }));
            expect(error.context).toMatchObject({
              table: "MasteryV2",
              studentId,
              courseId,
              sessionId: "sess_bad",
            });
            expect(await stores.mastery.get(studentId, courseId)).toEqual(before);
            // The refused session left no ledger entry: it can still be applied once fixed.
            expect((await apply("sess_bad", [update(A, 1)])).status).toBe("applied");
          });
        }

        it("refuses a map over 5000 characters", async () => {
          const longIds = Array.from(
            { length: 130 },
            (_, i) => `${testId("l", i)}abcdefghijklmnop`,
          );
          await stores.outcomes.upsertMany(
            longIds.map((id, i) => makeOutcome(courseId, id, `L${i} 74`, "O1")),
          );
          const error = await rejectionOf(
            apply(
              "sess_big",
              longIds.map((id) => update(id, 0.1234)),
            ),
            StoreWriteRefusedError,
          );
          expect(error.violations).toEqual([{ rule: "oversize", value: expect.any(Number) }]);
          expect(error.violations[0]?.value as number).toBeGreaterThan(5000);
          expect(await stores.mastery.get(studentId, courseId)).toBeNull();
        });

        it("refuses a record nothing was created for", async () => {
          await rejectionOf(apply("sess_bad", [update("O1", 1)]), StoreWriteRefusedError);
          expect(await stores.mastery.get(studentId, courseId)).toBeNull();
        });

        it("refuses unusable arguments as input errors", async () => {
          const noUpdates = await rejectionOf(apply("sess_x", []), StoreInputError);
          expect(noUpdates.code).toBe("STORE_INVALID_INPUT");
          await rejectionOf(
            stores.mastery.applyLessonMastery({
              sessionId: "s",
              studentId,
              courseId,
              updates: [update(A, 1)],
              alpha: 0,
            }),
            StoreInputError,
          );
          await rejectionOf(apply("", [update(A, 1)]), StoreInputError);
          expect(await stores.mastery.get(studentId, courseId)).toBeNull();
        });
      });

      describe("records with legacy entries", () => {
        const legacyRecord = (emaByOutcome: string | null): MasteryRecord => ({
          $id: testId("r", 1),
          studentId,
          courseId,
          emaByOutcome,
          updatedAt: "2025-11-12T12:00:00.000Z",
        });

        it("folds new lessons and carries legacy entries over untouched", async () => {
          await stores.mastery.restore([legacyRecord(JSON.stringify({ "": 0, O1: 1, [A]: 0.5 }))]);
          const result = await apply("sess_1", [update(A, 1), update(B, 0.4)]);
          expect(result).toMatchObject({ status: "applied", recordId: testId("r", 1) });
          expect(emaOf(await stores.mastery.get(studentId, courseId))).toEqual({
            "": 0,
            O1: 1,
            [A]: 0.65,
            [B]: 0.4,
          });
        });

        it("carries a stored __proto__ key over as plain data", async () => {
          await stores.mastery.restore([legacyRecord(`{"__proto__": 0.2, "${A}": 0.5}`)]);
          await apply("sess_1", [update(A, 1)]);
          expect((await stores.mastery.get(studentId, courseId))?.emaByOutcome).toBe(
            `{"__proto__":0.2,"${A}":0.65}`,
          );
        });

        it("refuses to fold into a stored value that is not a score", async () => {
          const stored = legacyRecord(JSON.stringify({ [A]: "high" }));
          await stores.mastery.restore([stored]);
          const error = await rejectionOf(apply("sess_1", [update(A, 1)]), StoreWriteRefusedError);
          expect(error.violations).toEqual([{ rule: "invalid_value", key: A, value: "high" }]);
          expect(error.context).toMatchObject({ preexisting: true, recordId: stored.$id });
          expect(await stores.mastery.get(studentId, courseId)).toEqual(stored);
        });

        it("refuses to fold into a map that is not JSON", async () => {
          const stored = legacyRecord("{not json");
          await stores.mastery.restore([stored]);
          const error = await rejectionOf(apply("sess_1", [update(A, 1)]), StoreDataError);
          expect(error.context).toMatchObject({ table: "MasteryV2", id: stored.$id });
          expect(await stores.mastery.get(studentId, courseId)).toEqual(stored);
        });

        it("refuses to fold into an unset (null) map rather than taking it as empty", async () => {
          const stored = legacyRecord(null);
          await stores.mastery.restore([stored]);
          const error = await rejectionOf(apply("sess_1", [update(A, 1)]), StoreDataError);
          expect(error.code).toBe("STORE_DATA_INVALID");
          expect(error.context).toMatchObject({
            table: "MasteryV2",
            id: stored.$id,
            emaByOutcome: null,
          });
          expect(error.message).toContain("emaByOutcome is unset (null)");
          expect(await stores.mastery.get(studentId, courseId)).toEqual(stored);
        });
      });

      describe("scan", () => {
        const records = Array.from({ length: 7 }, (_, i): MasteryRecord => ({
          $id: testId("s", 6 - i),
          studentId: `student_${i}`,
          courseId,
          emaByOutcome: JSON.stringify({ [A]: i / 10 }),
          updatedAt: `2025-11-12T12:00:0${i}.000Z`,
        }));
        const sortedIds = records.map((r) => r.$id).sort();

        it("pages through every record in $id order", async () => {
          await stores.mastery.restore(records);
          const pages = await allPages(stores.mastery.scan({ pageSize: 3 }));
          expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
          expect(pages.flat().map((r) => r.$id)).toEqual(sortedIds);
          expect(pages.flat().find((r) => r.$id === records[2]?.$id)).toEqual(records[2]);
        });

        it("ends without an empty page when the last page is full, and resumes after a cursor", async () => {
          await stores.mastery.restore(records.slice(0, 6));
          const six = records
            .slice(0, 6)
            .map((r) => r.$id)
            .sort();
          expect(
            (await allPages(stores.mastery.scan({ pageSize: 3 }))).map((p) => p.length),
          ).toEqual([3, 3]);
          const resumed = await allPages(
            stores.mastery.scan({ pageSize: 2, after: six[1] as string }),
          );
          expect(resumed.flat().map((r) => r.$id)).toEqual(six.slice(2));
        });

        it("yields nothing for an empty table and refuses a bad page size", async () => {
          expect(await allPages(stores.mastery.scan({ pageSize: 10 }))).toEqual([]);
          await rejectionOf(allPages(stores.mastery.scan({ pageSize: 0 })), StoreInputError);
        });
      });

      describe("repair", () => {
        const corrupted = (): MasteryRecord => ({
          $id: testId("p", 1),
          studentId,
          courseId,
          emaByOutcome: JSON.stringify({ "": 0, O1: 1, [A]: 0.5 }),
          updatedAt: "2025-11-12T12:00:00.000Z",
        });
        const repairOf = (record: MasteryRecord, emaByOutcome: Record<string, unknown>) => ({
          $id: record.$id,
          studentId: record.studentId,
          courseId: record.courseId,
          expectedUpdatedAt: record.updatedAt,
          emaByOutcome,
        });

        beforeEach(async () => {
          await stores.mastery.restore([corrupted()]);
        });

        it("removes keys, may keep legacy ones and add document IDs of the course, and bumps updatedAt", async () => {
          await stores.mastery.repair([repairOf(corrupted(), { O1: 1, [A]: 0.5, [B]: 0.9 })]);
          const record = await stores.mastery.get(studentId, courseId);
          expect(emaOf(record)).toEqual({ O1: 1, [A]: 0.5, [B]: 0.9 });
          expect(record?.updatedAt).not.toBe(corrupted().updatedAt);
          expect(record).toMatchObject({ $id: corrupted().$id, studentId, courseId });
        });

        const refusals: {
          name: string;
          map: () => Record<string, unknown>;
          rule: MasteryRule;
          key: string;
        }[] = [
          {
            name: "adding an outcome code",
            map: () => ({ [A]: 0.5, O2: 1 }),
            rule: "invalid_id_format",
            key: "O2",
          },
          {
            name: "adding an outcome of another course",
            map: () => ({ [A]: 0.5, [foreign]: 1 }),
            rule: "unknown_outcome",
            key: foreign,
          },
          {
            name: "changing a legacy key's value",
            map: () => ({ O1: 0.5, [A]: 0.5 }),
            rule: "invalid_id_format",
            key: "O1",
          },
          {
            name: "writing an out-of-range value",
            map: () => ({ [A]: 2 }),
            rule: "invalid_value",
            key: A,
          },
          {
            // JSON.parse makes `__proto__` an own key, as a map read from a store has it.
            name: "adding a __proto__ key",
            map: () => JSON.parse(`{"${A}": 0.5, "__proto__": 1}`) as Record<string, unknown>,
            rule: "invalid_id_format",
            key: "__proto__",
          },
        ];
        for (const { name, map, rule, key } of refusals) {
          it(`refuses ${name}`, async () => {
            const error = await rejectionOf(
              stores.mastery.repair([repairOf(corrupted(), map())]),
              StoreWriteRefusedError,
            );
            expect(error.violations).toContainEqual(expect.objectContaining({ rule, key }));
            expect(error.context).toMatchObject({ recordId: corrupted().$id, operation: "repair" });
            expect(await stores.mastery.get(studentId, courseId)).toEqual(corrupted());
          });
        }

        it("keeps a stored __proto__ key like any other legacy key, and may remove it", async () => {
          const stored: MasteryRecord = {
            ...corrupted(),
            emaByOutcome: `{"": 0.4, "__proto__": 0.5, "${A}": 0.7}`,
          };
          await stores.mastery.restore([stored]);
          const kept = JSON.parse(`{"__proto__": 0.5, "${A}": 0.7}`) as Record<string, unknown>;
          await stores.mastery.repair([repairOf(stored, kept)]);
          const repaired = await stores.mastery.get(studentId, courseId);
          expect(repaired?.emaByOutcome).toBe(`{"__proto__":0.5,"${A}":0.7}`);

          await stores.mastery.repair([repairOf(repaired!, { [A]: 0.7 })]);
          expect((await stores.mastery.get(studentId, courseId))?.emaByOutcome).toBe(
            `{"${A}":0.7}`,
          );
        });

        it("refuses a repair computed from an older version of the record", async () => {
          await apply("sess_1", [update(B, 1)]);
          const changed = await stores.mastery.get(studentId, courseId);
          const error = await rejectionOf(
            stores.mastery.repair([repairOf(corrupted(), { [A]: 0.5 })]),
            StoreConflictError,
          );
          expect(error.context).toMatchObject({
            id: corrupted().$id,
            expectedUpdatedAt: corrupted().updatedAt,
          });
          expect(await stores.mastery.get(studentId, courseId)).toEqual(changed);
        });

        it("refuses a repair of an absent record", async () => {
          const absent = { ...corrupted(), $id: testId("p", 2) };
          const error = await rejectionOf(
            stores.mastery.repair([repairOf(absent, {})]),
            StoreNotFoundError,
          );
          expect(error.context).toMatchObject({ table: "MasteryV2", id: absent.$id });
        });

        it("refuses a repair that names another student", async () => {
          await rejectionOf(
            stores.mastery.repair([
              { ...repairOf(corrupted(), { [A]: 0.5 }), studentId: "someone_else" },
            ]),
            StoreConflictError,
          );
          expect(await stores.mastery.get(studentId, courseId)).toEqual(corrupted());
        });

        it("writes a batch all or nothing", async () => {
          const second: MasteryRecord = {
            ...corrupted(),
            $id: testId("p", 3),
            studentId: "student_two",
          };
          await stores.mastery.restore([second]);
          await rejectionOf(
            stores.mastery.repair([
              repairOf(corrupted(), { [A]: 0.5 }),
              repairOf(second, { O7: 1 }),
            ]),
            StoreWriteRefusedError,
          );
          expect(await stores.mastery.get(studentId, courseId)).toEqual(corrupted());
          expect(await stores.mastery.get("student_two", courseId)).toEqual(second);
        });
      });

      describe("restore", () => {
        const backup: MasteryRecord[] = [
          {
            $id: testId("k", 1),
            studentId: "s1",
            courseId,
            emaByOutcome: '{"":0,"O1":1,"AS1.1":1}',
            updatedAt: "2025-11-12T12:00:00.000Z",
          },
          {
            $id: testId("k", 2),
            studentId: "s2",
            courseId,
            emaByOutcome: "{not json",
            updatedAt: "2025-11-12T12:00:01.000Z",
          },
          {
            $id: testId("k", 3),
            studentId: "s3",
            courseId,
            emaByOutcome: '{"O1": 1.5 , "x":"y"}',
            updatedAt: "2025-11-12T12:00:02.000Z",
          },
          {
            $id: testId("k", 4),
            studentId: "s4",
            courseId,
            emaByOutcome: null,
            updatedAt: "2025-11-12T12:00:03.000Z",
          },
        ];

        it("puts records back exactly, corrupt ones included", async () => {
          await stores.mastery.restore(backup);
          for (const record of backup)
            expect(await stores.mastery.get(record.studentId, courseId)).toEqual(record);
          expect((await allPages(stores.mastery.scan({ pageSize: 10 }))).flat()).toEqual(backup);
        });

        it("replaces the current row of the same $id", async () => {
          const applied = await apply("sess_1", [update(A, 1)]);
          const original = {
            $id: applied.recordId,
            studentId,
            courseId,
            emaByOutcome: '{"":0}',
            updatedAt: "2025-01-01T00:00:00.000Z",
          };
          await stores.mastery.restore([original]);
          expect(await stores.mastery.get(studentId, courseId)).toEqual(original);
        });

        it("refuses a record that would duplicate another row's student and course, writing none", async () => {
          await apply("sess_1", [update(A, 1)]);
          const before = await stores.mastery.get(studentId, courseId);
          const clash = { ...(backup[0] as MasteryRecord), studentId };
          const error = await rejectionOf(
            stores.mastery.restore([backup[1] as MasteryRecord, clash]),
            StoreConflictError,
          );
          expect(error.context).toMatchObject({ table: "MasteryV2", studentId, courseId });
          expect(await stores.mastery.get(studentId, courseId)).toEqual(before);
          expect(await stores.mastery.get("s2", courseId)).toBeNull();
        });

        it("refuses malformed or duplicate records", async () => {
          await rejectionOf(
            stores.mastery.restore([backup[0] as MasteryRecord, backup[0] as MasteryRecord]),
            StoreInputError,
          );
          await rejectionOf(
            stores.mastery.restore([{ ...(backup[0] as MasteryRecord), studentId: "" }]),
            StoreInputError,
          );
          expect(await allPages(stores.mastery.scan({ pageSize: 10 }))).toEqual([]);
        });
      });
    });
  });
}

/** The error reading a stored session's snapshot throws (the store decodes it when it is first read). */
function snapshotErrorOf(stored: LessonSession): StoreDataError {
  try {
    void stored.lessonSnapshot;
  } catch (error) {
    expect(error).toBeInstanceOf(StoreDataError);
    return error as StoreDataError;
  }
  throw new Error(`the snapshot of ${stored.$id} was read without an error`);
}
