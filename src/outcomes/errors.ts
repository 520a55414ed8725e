import { TeachingGraphError } from "../errors.js";

/** What the learner is shown when a lesson cannot start because its outcomes did not enrich (spec Phase 2). */
export const ENRICHMENT_USER_MESSAGE =
  "Lesson data incomplete - mastery tracking unavailable. Please contact support.";

/**
 * Base of the errors that refuse a lesson before it starts because mastery
 * could not be recorded for it. `message` is for developers; `userMessage` is
 * safe to show in the UI (a toast).
 */
export abstract class LessonEnrichmentError extends TeachingGraphError {
  readonly userMessage = ENRICHMENT_USER_MESSAGE;
}

/** The course and refs a lesson was enriched with, as the spec logs them. */
export interface EnrichmentContext {
  courseId: string;
  outcomeRefsInSnapshot: readonly string[];
  outcomeIdsToFind: readonly string[];
  enrichedOutcomesFound: number;
  /** The session being started, when known. */
  sessionId?: string;
}

/** The spec's Phase 2 failure: the lesson names outcomes, but none of them exists in `course_outcomes`. */
export class EnrichmentError extends LessonEnrichmentError {
  constructor(context: EnrichmentContext) {
    super(
      "OUTCOME_ENRICHMENT_FAILED",
      `Outcome enrichment failed: Expected ${context.outcomeIdsToFind.length} outcomes from refs ${JSON.stringify(context.outcomeIdsToFind)}, but found 0`,
      { ...context },
    );
  }
}

/**
 * Some outcome refs enriched and others did not: starting anyway would record
 * mastery for part of the lesson only, silently.
 */
export class IncompleteEnrichmentError extends LessonEnrichmentError {
  readonly missingOutcomeIds: readonly string[];

  constructor(missingOutcomeIds: readonly string[], context: EnrichmentContext) {
    super(
      "OUTCOME_ENRICHMENT_INCOMPLETE",
      `Outcome enrichment incomplete: no course_outcomes document in course ${context.courseId} for refs ${JSON.stringify(missingOutcomeIds)} ` +
        `(expected refs ${JSON.stringify(context.outcomeIdsToFind)}, found ${context.enrichedOutcomesFound} documents)`,
      { ...context, missingOutcomeIds },
    );
    this.missingOutcomeIds = missingOutcomeIds;
  }
}

/**
 * The lesson's refs hold no outcome at all (only assessment standards, or
 * nothing): the graph's mastery validation would block every update, so the
 * lesson is refused up front.
 */
export class LessonWithoutOutcomesError extends LessonEnrichmentError {
  constructor(context: EnrichmentContext) {
    super(
      "LESSON_HAS_NO_OUTCOMES",
      `Lesson has no outcome refs: outcomeRefs ${JSON.stringify(context.outcomeRefsInSnapshot)} hold no outcome code ` +
        `(refs with a "." are assessment standards), so mastery could never be recorded for it`,
      { ...context },
    );
  }
}

/**
 * The store returned documents that are not outcomes of the lesson (another
 * course, or an outcome code the lesson does not name): mastery would be
 * recorded against the wrong outcomes.
 */
export class UnexpectedOutcomesError extends LessonEnrichmentError {
  readonly unexpectedDocumentIds: readonly string[];

  constructor(unexpectedDocumentIds: readonly string[], context: EnrichmentContext) {
    super(
      "OUTCOME_ENRICHMENT_UNEXPECTED",
      `Outcome enrichment returned documents that are not outcomes ${JSON.stringify(context.outcomeIdsToFind)} of course ${context.courseId}: ${JSON.stringify(unexpectedDocumentIds)}`,
      { ...context, unexpectedDocumentIds },
    );
    this.unexpectedDocumentIds = unexpectedDocumentIds;
  }
}

/** `enrichOutcomeRefs` was called without a course to look the outcomes up in. */
export class MissingCourseIdError extends TeachingGraphError {
  constructor(outcomeRefs: readonly string[]) {
    super("MISSING_COURSE_ID", "Outcome enrichment needs a courseId, got a blank one", {
      outcomeRefs,
    });
  }
}
