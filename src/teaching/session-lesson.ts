/**
 * The lesson a thread teaches, as the nodes use it. It is session data, not
 * progress: a stored session's lives in the store (see `storedSessionLesson`),
 * and only a lesson the caller sent inline is carried in the thread's state.
 */
import { z } from "zod";
import { publicLesson, type PublicLesson } from "../lessons/public.js";
import { LessonSnapshotSchema, type LessonSnapshot } from "../lessons/schema.js";
import { CourseOutcomeSchema, type CourseOutcome } from "../outcomes/schema.js";

export interface SessionLesson {
  /** The whole lesson, answer key, rubric and hints included: only `answerKeyCard` reads it. */
  snapshot: LessonSnapshot;
  /** The lesson as the student may see it: cards, interrupts and prompts are built from this. */
  lesson: PublicLesson;
  /** CourseOutcome rows of the lesson's outcome refs; their `$id`s are the only mastery keys. */
  outcomes: CourseOutcome[];
}

export function sessionLesson(snapshot: LessonSnapshot, outcomes: CourseOutcome[]): SessionLesson {
  return { snapshot, lesson: publicLesson(snapshot), outcomes };
}

/**
 * A lesson the caller sent in `session_context` (`TEACHING_AUTH=none`:
 * Studio, tests). It has no store row to be read from again, so the thread's
 * state carries it, and the checkpointer copies it at every step: that cost
 * is the development path's only.
 */
export const InlineLessonSchema = z.object({
  lesson_snapshot: LessonSnapshotSchema,
  enriched_outcomes: z.array(CourseOutcomeSchema),
});
export type InlineLesson = z.infer<typeof InlineLessonSchema>;
