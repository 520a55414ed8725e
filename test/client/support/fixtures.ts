/**
 * The shared fixtures as the platform stores them: the National 4 Mathematics
 * outcomes (course_c84774: O1 and O2 in each of three units) with document IDs
 * in the `ID.unique()` format, and the fractions lesson placed in that course.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { LessonSnapshotSchema, type LessonSnapshot } from "../../../src/lessons/schema.js";
import { uniqueId } from "../../../src/mastery/ids.js";
import { CourseOutcomeInputSchema, type CourseOutcome } from "../../../src/outcomes/schema.js";
import type { LessonSession } from "../../../src/stores/ports.js";

export const COURSE_ID = "course_c84774";
export const STUDENT_ID = "test_student_001";
export const LESSON_TEMPLATE_ID = "lt_fractions_of_amounts";

const FIXTURES = new URL("../../../../shared/fixtures/", import.meta.url);

function readFixture(path: string): unknown {
  return JSON.parse(readFileSync(new URL(path, FIXTURES), "utf8"));
}

/** Fresh document IDs on every call, as a new seeding would assign. */
export function loadCourseOutcomes(): CourseOutcome[] {
  const rows = z
    .array(z.looseObject({ keywords: z.array(z.string()) }))
    .parse(readFixture("course_outcomes/mathematics_national-4.json"));
  // The fixture holds keywords as an array; the table stores a JSON string.
  return rows.map((row) => ({
    ...CourseOutcomeInputSchema.parse({ ...row, keywords: JSON.stringify(row.keywords) }),
    $id: uniqueId(),
  }));
}

/** The fixture lesson as a session snapshot in course_c84774 (the file says course_test_mock). */
export function loadLessonSnapshot(overrides: Partial<LessonSnapshot> = {}): LessonSnapshot {
  const lesson = z.looseObject({}).parse(readFixture("lessons/fractions-of-amounts.json"));
  return LessonSnapshotSchema.parse({
    ...lesson,
    lessonTemplateId: LESSON_TEMPLATE_ID,
    courseId: COURSE_ID,
    ...overrides,
  });
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
