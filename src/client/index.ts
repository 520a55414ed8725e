/**
 * `teaching-graph/client`: what the chat frontend needs to start a lesson on
 * the teaching graph. Runs server-side (a Next.js route handler or server
 * action): it reads the platform's stores with server credentials.
 */
export {
  DEFAULT_ASSISTANT_ID,
  DEFAULT_STREAM_MODE,
  prepareLessonSession,
  startLessonSession,
  type BackgroundLessonRun,
  type LangGraphTarget,
  type LessonStream,
  type LessonStreamOptions,
  type LessonStreamPart,
  type PrepareLessonSessionOptions,
  type PreparedLessonSession,
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
