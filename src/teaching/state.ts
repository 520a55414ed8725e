/**
 * The teaching graph's state. Plain fields are last-write-wins; only
 * `messages`, `evidence` and `card_scores` accumulate.
 */
import { MessagesValue, ReducedValue, StateSchema } from "@langchain/langgraph";
import { z } from "zod";
import { SessionContextSchema, type SessionContextInput } from "../session/context.js";
import { SessionRequestSchema, type SessionRequest } from "../session/request.js";
import { MasteryApplyResultSchema, MasteryUpdateSchema } from "../mastery/ema.js";
import {
  CardScoreSchema,
  EvidenceEntrySchema,
  PersistedCompletionSchema,
} from "./lesson-record.js";
import { InlineLessonSchema } from "./session-lesson.js";
import { CardProgressSchema } from "./card-progress.js";

/** `{ session_id }`, or (without authentication) the full session context. */
export type SessionStartInput = SessionRequest | SessionContextInput;

/**
 * `session_context` as the graph accepts it: any value passes the framework's
 * input check unchanged, so that `prepare_session` can reject a malformed one
 * with a typed error naming every bad field (and run the mastery validation on
 * the outcomes). Its JSON schema is the real one, so Studio and API clients
 * see what to send.
 */
export const SessionContextField: PassThroughSchema<SessionStartInput | null> = {
  "~standard": {
    version: 1,
    vendor: "teaching-graph",
    validate: (value) => ({ value: value as SessionStartInput | null }),
    jsonSchema: {
      input: () => sessionContextJsonSchema(),
      output: () => sessionContextJsonSchema(),
    },
  },
};

/** A Standard Schema (with JSON schema) that accepts every value as a `T`; LangGraph's `SerializableSchema`. */
export interface PassThroughSchema<T> {
  "~standard": {
    version: 1;
    vendor: string;
    validate: (value: unknown) => { value: T };
    jsonSchema: { input: () => Record<string, unknown>; output: () => Record<string, unknown> };
    types?: { input: T; output: T };
  };
}

let cachedJsonSchema: Record<string, unknown> | undefined;
function sessionContextJsonSchema(): Record<string, unknown> {
  cachedJsonSchema ??= z.toJSONSchema(z.union([SessionRequestSchema, SessionContextSchema]), {
    target: "draft-07",
    io: "input",
  });
  return cachedJsonSchema;
}

function appendOnly<T extends z.ZodType>(item: T) {
  return new ReducedValue(
    z.array(item).default(() => []),
    {
      inputSchema: z.array(item),
      reducer: (current: z.infer<T>[], next: z.infer<T>[]) => [...current, ...next],
    },
  );
}

export const TeachingState = new StateSchema({
  /** The chat transcript the frontend shows. */
  messages: MessagesValue,
  /** What the caller sent; parsed by prepare_session, then cleared (null) so the lesson is not stored twice per checkpoint. */
  session_context: SessionContextField,
  /** The platform's session row ID: mastery is applied at most once per session. */
  session_id: z.string(),
  /** The student whose mastery is recorded. */
  student_id: z.string(),
  /**
   * The lesson and its outcomes, only when the caller sent them
   * (`TEACHING_AUTH=none`: Studio, tests); they are then the caller's own. A
   * stored session's lesson never enters the state: nodes read it from the
   * store (cached per graph), so a checkpoint holds the lesson's progress only.
   */
  inline_lesson: InlineLessonSchema.nullable(),
  /** The `$id`s of the outcomes the lesson records mastery for, fixed at its start (a re-read must find the same). */
  outcome_ids: z.array(z.string()),
  /** Show `explainer_plain` instead of `explainer`. */
  use_plain_text: z.boolean(),
  /** Attempts allowed per card, fixed when the lesson starts. */
  max_attempts: z.int().positive(),
  /** Cards in the lesson. */
  total_cards: z.int().positive(),
  /** Index of the card being taught; equals the number of cards when all are done. */
  current_card_index: z.int().nonnegative(),
  /** The presented card's progress (one value: see card-progress.ts); null before the first card is presented. */
  card: CardProgressSchema.nullable(),
  /** One entry per attempt or skip, in order. */
  evidence: appendOnly(EvidenceEntrySchema),
  /** One `{score, timestamp}` per finished card, in order. */
  card_scores: appendOnly(CardScoreSchema),
  /** The lesson's mastery updates (card_scores × outcome_ids), written by complete; empty before. */
  mastery_updates: z.array(MasteryUpdateSchema).default(() => []),
  /** The student's MasteryV2 record after complete persisted the lesson; null before. */
  mastery_record: MasteryApplyResultSchema.nullable(),
  /** Everything complete persisted (mastery, evidence, schedule, session); null before. */
  persisted: PersistedCompletionSchema.nullable(),
});

export type State = typeof TeachingState.State;
export type Update = typeof TeachingState.Update;

/** What a caller sends to start a lesson; Studio shows only this. */
export const TeachingInput = new StateSchema({
  /** A run starts from an (empty) human message. */
  messages: MessagesValue,
  /** `{ session_id }`: the server loads the lesson, the student and the outcomes from its store. */
  session_context: SessionContextField,
});

export type Input = typeof TeachingInput.Update;
