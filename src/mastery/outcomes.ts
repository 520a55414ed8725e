import { getLogger } from "../logger.js";
import type { CourseOutcome } from "../outcomes/schema.js";
import { isDocumentId } from "./ids.js";
import {
  InvalidOutcomeIdError,
  InvalidOutcomeTypeError,
  MasteryUpdateBlockedError,
  MasteryValidationError,
  OutcomeCourseMismatchError,
  OutcomeMissingIdError,
  type LessonContext,
} from "./errors.js";

/**
 * The spec's Phase 1 validation: the enriched outcomes must be a non-empty list
 * of CourseOutcome objects of the lesson's course, each with a document `$id`.
 * There is no fallback to `outcomeRefs`. Throws on the first bad outcome (after
 * logging it once, structured); returns the outcomes unchanged otherwise.
 */
export function assertMasteryOutcomes(
  enrichedOutcomes: unknown,
  lesson: LessonContext,
): CourseOutcome[] {
  try {
    return checkOutcomes(enrichedOutcomes, lesson);
  } catch (error) {
    if (error instanceof MasteryValidationError) {
      getLogger().error({ code: error.code, ...error.context }, error.message.split("\n")[0]);
    }
    throw error;
  }
}

function checkOutcomes(enrichedOutcomes: unknown, lesson: LessonContext): CourseOutcome[] {
  if (!Array.isArray(enrichedOutcomes) || enrichedOutcomes.length === 0) {
    throw new MasteryUpdateBlockedError(lesson);
  }
  for (const outcome of enrichedOutcomes as unknown[]) {
    if (typeof outcome !== "object" || outcome === null || Array.isArray(outcome)) {
      throw new InvalidOutcomeTypeError(outcome, lesson);
    }
    const documentId = (outcome as { $id?: unknown }).$id;
    if (documentId === undefined || documentId === null || documentId === "") {
      throw new OutcomeMissingIdError(outcome, lesson);
    }
    if (!isDocumentId(documentId)) throw new InvalidOutcomeIdError(documentId, lesson);
    const outcomeCourseId = (outcome as { courseId?: unknown }).courseId;
    if (outcomeCourseId !== lesson.courseId) {
      throw new OutcomeCourseMismatchError(documentId, outcomeCourseId, lesson);
    }
  }
  return enrichedOutcomes as CourseOutcome[];
}
