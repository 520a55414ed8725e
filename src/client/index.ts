/**
 * `teaching-graph/client`: what the chat frontend needs to start a lesson on
 * the teaching graph. It holds no credentials of its own: the run carries the
 * student's Appwrite JWT and names only the session.
 */
export {
  DEFAULT_ASSISTANT_ID,
  DEFAULT_STREAM_MODE,
  startLessonSession,
  type BackgroundLessonRun,
  type LangGraphTarget,
  type LessonStream,
  type LessonStreamOptions,
  type LessonStreamPart,
  type StartLessonSessionOptions,
  type StartedLessonRun,
  type StreamingLessonRun,
} from "./start-session.js";
export {
  InvalidLessonSnapshotError,
  RunNotReportedError,
  SessionCourseMismatchError,
} from "./errors.js";
export {
  assertEnrichmentComplete,
  enrichOutcomeRefs,
  type EnrichmentCheck,
} from "../outcomes/enrich.js";
export {
  ENRICHMENT_USER_MESSAGE,
  EnrichmentError,
  IncompleteEnrichmentError,
  LessonEnrichmentError,
  LessonWithoutOutcomesError,
  MissingCourseIdError,
  UnexpectedOutcomesError,
  type EnrichmentContext,
} from "../outcomes/errors.js";
export { extractAssessmentStandards, extractOutcomeIds } from "../outcomes/refs.js";
export { SessionAccessError, type SessionAccessCode } from "../session/errors.js";
export { SessionRequestSchema, type SessionRequest } from "../session/request.js";
export {
  SessionContextError,
  SessionContextSchema,
  parseSessionContext,
  type SessionContext,
  type SessionContextInput,
} from "../session/context.js";
export { isTypedError, TeachingGraphError, type TypedError } from "../errors.js";
export type { CourseOutcome } from "../outcomes/schema.js";
export type { CourseOutcomeStore, LessonSession, LessonStore, Stores } from "../stores/ports.js";
