/**
 * Outcome enrichment: turning a lesson's `outcomeRefs` (`O1`, `AS1.2`) into the
 * CourseOutcome documents whose `$id`s are the only valid MasteryV2 keys, and
 * refusing a lesson whose refs do not all enrich (the spec's Phase 2).
 */
import { getLogger } from "../logger.js";
import type { CourseOutcomeStore } from "../stores/ports.js";
import {
  EnrichmentError,
  IncompleteEnrichmentError,
  LessonEnrichmentError,
  LessonWithoutOutcomesError,
  MissingCourseIdError,
  UnexpectedOutcomesError,
  type EnrichmentContext,
} from "./errors.js";
import { extractOutcomeIds } from "./refs.js";
import type { CourseOutcome } from "./schema.js";

/**
 * The CourseOutcome documents of `courseId` for the outcome refs in `refs`
 * (assessment standards are not looked up). One outcome code usually matches
 * several documents, one per unit. Store errors propagate unchanged.
 */
export async function enrichOutcomeRefs(
  refs: readonly string[],
  courseId: string,
  store: CourseOutcomeStore,
): Promise<CourseOutcome[]> {
  if (courseId.trim() === "") throw new MissingCourseIdError(refs);
  const outcomeIds = extractOutcomeIds(refs);
  if (outcomeIds.length === 0) return [];
  return store.findByOutcomeIds(courseId, outcomeIds);
}

export interface EnrichmentCheck {
  courseId: string;
  /** The lesson's `outcomeRefs` as stored in its snapshot. */
  outcomeRefs: readonly string[];
  /** What `enrichOutcomeRefs` returned for them. */
  enrichedOutcomes: readonly CourseOutcome[];
  /** Named in the error context and the log when known. */
  sessionId?: string;
}

/**
 * The spec's Phase 2 check, stricter in two ways: a lesson with no outcome ref
 * at all is refused (mastery could never be recorded for it), and so is a
 * partial enrichment, and so are documents that are not the lesson's outcomes
 * (a store bug that would misdirect mastery). Logs the failure once, structured, then throws a
 * {@link LessonEnrichmentError}; returns the outcomes when every outcome ref
 * has at least one document.
 */
export function assertEnrichmentComplete(check: EnrichmentCheck): readonly CourseOutcome[] {
  try {
    return checkEnrichment(check);
  } catch (error) {
    if (error instanceof LessonEnrichmentError) {
      getLogger().error(
        { code: error.code, ...error.context },
        `ENRICHMENT FAILURE: ${error.message}`,
      );
    }
    throw error;
  }
}

function checkEnrichment({
  courseId,
  outcomeRefs,
  enrichedOutcomes,
  sessionId,
}: EnrichmentCheck): readonly CourseOutcome[] {
  const outcomeIdsToFind = extractOutcomeIds(outcomeRefs);
  const context: EnrichmentContext = {
    courseId,
    outcomeRefsInSnapshot: outcomeRefs,
    outcomeIdsToFind,
    enrichedOutcomesFound: enrichedOutcomes.length,
    ...(sessionId === undefined ? {} : { sessionId }),
  };
  if (outcomeIdsToFind.length === 0) throw new LessonWithoutOutcomesError(context);
  if (enrichedOutcomes.length === 0) throw new EnrichmentError(context);

  const unexpected = enrichedOutcomes.filter(
    (outcome) => outcome.courseId !== courseId || !outcomeIdsToFind.includes(outcome.outcomeId),
  );
  if (unexpected.length > 0) {
    throw new UnexpectedOutcomesError(
      unexpected.map((outcome) => outcome.$id),
      context,
    );
  }
  const found = new Set(enrichedOutcomes.map((outcome) => outcome.outcomeId));
  const missing = outcomeIdsToFind.filter((outcomeId) => !found.has(outcomeId));
  if (missing.length > 0) throw new IncompleteEnrichmentError(missing, context);
  return enrichedOutcomes;
}
