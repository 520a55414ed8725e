/**
 * The package's public API: the teaching graph, its state and protocol
 * types, and every typed error it can raise.
 */
export { createTeachingGraph, defaultDeps, graph } from "./teaching/graph.js";
export type { TeachingGraphDeps } from "./teaching/deps.js";
export {
  SessionContextField,
  TeachingInput,
  TeachingState,
  type Input,
  type State,
  type Update,
} from "./teaching/state.js";
export { EvidenceEntrySchema, type EvidenceEntry } from "./teaching/lesson-record.js";
/** `MasteryApplyResultSchema` was exported as `MasteryRecordSchema` (the name of the stored row's shape). */
export { MasteryApplyResultSchema, MasteryUpdateSchema } from "./mastery/ema.js";
export {
  ConfigurationSchema,
  DEFAULT_MAX_ATTEMPTS,
  ensureConfiguration,
  type Configuration,
} from "./teaching/configuration.js";
export * from "./teaching/protocol.js";
export type { CardPerformance, PerformanceAnalysis } from "./teaching/performance.js";
export { TeachingStateError } from "./teaching/errors.js";
export {
  EvaluationError,
  EvaluatorUnavailableError,
  type Evaluation,
} from "./teaching/evaluation/index.js";
export {
  SessionContextError,
  SessionContextSchema,
  parseSessionContext,
  type SessionContext,
  type SessionContextInput,
} from "./session/context.js";
export { SessionRequestSchema, type SessionRequest } from "./session/request.js";
export {
  InvalidLessonSnapshotError,
  SessionAccessError,
  SessionCourseMismatchError,
  type SessionAccessCode,
} from "./session/errors.js";
export { ConfigurationNotAllowedError } from "./teaching/configuration.js";
export {
  PublicCardSchema,
  PublicLessonSchema,
  type PublicCard,
  type PublicLesson,
} from "./lessons/public.js";
export {
  InvalidMasteryRecordError,
  InvalidOutcomeIdError,
  InvalidOutcomeTypeError,
  MasteryUpdateBlockedError,
  MasteryValidationError,
  OutcomeCourseMismatchError,
  OutcomeMissingIdError,
} from "./mastery/errors.js";
export {
  MAX_GUNZIPPED_BYTES,
  MAX_PAYLOAD_CHARS,
  PayloadDecodeError,
  PayloadTooLargeError,
} from "./lessons/codec.js";
export { MAX_LESSON_CARDS } from "./lessons/schema.js";
export * from "./stores/errors.js";
export { ConfigurationError } from "./config/env.js";
export { ModelSpecError } from "./models/loadChatModel.js";
export { TeachingGraphError, isTypedError, type TypedError } from "./errors.js";
