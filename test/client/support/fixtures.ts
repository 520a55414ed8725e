/**
 * The demo data (`data/demo`) as the platform stores them, for the frontend
 * helpers' tests: the teaching tests' builders (outcomes with fresh document IDs, the
 * fractions lesson placed in course_c84774), plus a `sessions` row.
 */
import type { LessonSnapshot } from "../../../src/lessons/schema.js";
import type { LessonSession } from "../../../src/stores/ports.js";
import {
  COURSE_ID,
  LESSON_TEMPLATE_ID,
  fixtureLesson,
  fixtureOutcomes,
} from "../../teaching/support/fixtures.js";

export { COURSE_ID, LESSON_TEMPLATE_ID };
export const STUDENT_ID = "test_student_001";

/** Fresh document IDs on every call, as a new seeding would assign. */
export const loadCourseOutcomes = fixtureOutcomes;

/** The fixture lesson as a session snapshot in course_c84774 (the file says course_test_mock). */
export function loadLessonSnapshot(overrides: Partial<LessonSnapshot> = {}): LessonSnapshot {
  return { ...fixtureLesson(), ...overrides };
}

export function lessonSession(
  sessionId: string,
  overrides: Partial<LessonSession> = {},
): LessonSession {
  return {
    $id: sessionId,
    studentId: STUDENT_ID,
    courseId: COURSE_ID,
    lessonTemplateId: LESSON_TEMPLATE_ID,
    lessonSnapshot: loadLessonSnapshot(),
    status: "created",
    startedAt: "2025-11-12T15:00:00.000Z",
    ...overrides,
  };
}
