/**
 * A stored session's lesson: the snapshot parsed with the lesson schema, and
 * its outcome refs enriched from `course_outcomes` and checked complete (the
 * spec's Phase 2). The server derives a lesson this way from its own store;
 * nothing here comes from a caller.
 */
import { issueLines } from "../errors.js";
import { LessonSnapshotSchema, type LessonSnapshot } from "../lessons/schema.js";
import { assertEnrichmentComplete, enrichOutcomeRefs } from "../outcomes/enrich.js";
import type { CourseOutcome } from "../outcomes/schema.js";
import type { LessonSession, Stores } from "../stores/ports.js";
import { InvalidLessonSnapshotError, SessionCourseMismatchError } from "./errors.js";

export interface StoredLesson {
  session: LessonSession;
  lesson: LessonSnapshot;
}

export interface EnrichedStoredLesson extends StoredLesson {
  /** The CourseOutcome rows of the lesson's outcome refs: the only mastery keys. */
  enrichedOutcomes: CourseOutcome[];
}

/** The session's lesson snapshot, parsed; its course must be the session's. */
export function lessonOfSession(session: LessonSession): LessonSnapshot {
  const parsed = LessonSnapshotSchema.safeParse(session.lessonSnapshot);
  if (!parsed.success) {
    throw new InvalidLessonSnapshotError(session.$id, issueLines(parsed.error, "lessonSnapshot"));
  }
  if (parsed.data.courseId !== session.courseId) {
    throw new SessionCourseMismatchError(session.$id, session.courseId, parsed.data.courseId);
  }
  return parsed.data;
}

/** The session and its lesson, enriched and checked complete. */
export async function loadEnrichedLesson(
  session: LessonSession,
  stores: Pick<Stores, "outcomes">,
): Promise<EnrichedStoredLesson> {
  const lesson = lessonOfSession(session);
  const found = await enrichOutcomeRefs(lesson.outcomeRefs, lesson.courseId, stores.outcomes);
  const enrichedOutcomes = assertEnrichmentComplete({
    courseId: lesson.courseId,
    outcomeRefs: lesson.outcomeRefs,
    enrichedOutcomes: found,
    sessionId: session.$id,
  });
  return { session, lesson, enrichedOutcomes: [...enrichedOutcomes] };
}
