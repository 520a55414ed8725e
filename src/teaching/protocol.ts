/**
 * The contract between the teaching graph and whoever drives it (the chat
 * frontend, the LangGraph server's clients, the terminal player): the value of
 * each interrupt, the resume payload it expects back, and the tool calls the
 * graph emits. Kept in one module so both sides share the schemas.
 */
import { z } from "zod";
import { TeachingGraphError, describeValue, echoValue } from "../errors.js";
import type { PublicCard } from "../lessons/public.js";
import type { MasteryApplyResult, MasteryUpdate } from "../mastery/ema.js";
import type { CourseOutcome } from "../outcomes/schema.js";
import type { PerformanceAnalysis } from "./performance.js";
import type { EvidenceEntry, PersistedCompletion } from "./lesson-record.js";

/** Tool call that renders a card in the frontend. */
export const LESSON_CARD_PRESENTATION = "lesson_card_presentation";
/** Tool call that renders the end-of-lesson summary in the frontend. */
export const LESSON_COMPLETION_SUMMARY = "lesson_completion_summary";

export const ANSWER_ACTIONS = ["submit_answer", "skip_card"] as const;
export type AnswerAction = (typeof ANSWER_ACTIONS)[number];

/** Everything a resume payload may do at a card: answer it, skip it, or ask the tutor a question about it. */
export const RESUME_ACTIONS = [...ANSWER_ACTIONS, "ask_question"] as const;
export type ResumeAction = (typeof RESUME_ACTIONS)[number];

/**
 * Questions a student may ask per card presentation. Each answer is a model
 * call and stays in the transcript (and every later prompt of the thread's
 * frontend); a handful is plenty to get unstuck, and more turns the card into
 * an open chat that the lesson's scoring cannot see.
 */
export const MAX_QUESTIONS_PER_CARD = 5;

/** Longest `question`, in characters after trimming: a question, not an essay. */
export const MAX_QUESTION_CHARS = 1000;

export const ResumeErrorCodeSchema = z.enum([
  /** A string payload that is not JSON. */
  "RESUME_NOT_JSON",
  /** The payload (after JSON decoding) is not an object. */
  "RESUME_NOT_OBJECT",
  /** `action` is neither `submit_answer` nor `skip_card`. */
  "UNKNOWN_ACTION",
  /** `card_id` is not the card being asked. */
  "CARD_MISMATCH",
  /** `interaction_id` is not the current card presentation's. */
  "INTERACTION_MISMATCH",
  /** `submit_answer` without a non-blank `student_response`. */
  "MISSING_ANSWER",
  /** Any other field of the wrong type (e.g. `card_id` missing or not a string). */
  "INVALID_FIELD",
  /** `student_response` longer than {@link MAX_ANSWER_CHARS}. */
  "ANSWER_TOO_LONG",
  /** A string payload longer than {@link MAX_RESUME_PAYLOAD_CHARS}, refused before parsing. */
  "RESUME_TOO_LARGE",
  /** `ask_question` without a non-blank `question`. */
  "MISSING_QUESTION",
  /** `question` longer than {@link MAX_QUESTION_CHARS}. */
  "QUESTION_TOO_LONG",
  /** `ask_question`, but no teacher model is configured (offline mode): the card is asked again. */
  "QUESTIONS_UNAVAILABLE",
  /** `ask_question` after {@link MAX_QUESTIONS_PER_CARD} questions on this card presentation. */
  "QUESTION_LIMIT_REACHED",
]);
export type ResumeErrorCode = z.infer<typeof ResumeErrorCodeSchema>;

/**
 * Longest `student_response`, in characters (UTF-16 code units, as JavaScript
 * counts them) after trimming. Generous for a worked answer typed in a chat
 * box; anything longer is not an answer to one card, and every answer is kept
 * in the thread's state and may be sent to the teacher model.
 */
export const MAX_ANSWER_CHARS = 4000;

/**
 * Longest resume payload given as a string (JSON), checked before parsing:
 * room for an answer of {@link MAX_ANSWER_CHARS} even if every character is
 * escaped (`\uXXXX`, six characters), plus the other fields.
 */
export const MAX_RESUME_PAYLOAD_CHARS = 32 * 1024;

/** A rejected resume payload, as recorded in state and sent back in the next interrupt. */
export const ResumeErrorInfoSchema = z.object({
  code: ResumeErrorCodeSchema,
  /** The offending field (`resume` for the payload as a whole). */
  field: z.string(),
  /** The offending value as received, truncated when long (see `echoValue`). */
  value: z.unknown(),
  message: z.string(),
});
export type ResumeErrorInfo = z.infer<typeof ResumeErrorInfoSchema>;

/**
 * A resume payload the graph cannot use. The graph itself never throws it out
 * of the interrupting node (see `await_answer`); it records `toInfo()` and asks again.
 */
export class AnswerPayloadError extends TeachingGraphError {
  readonly field: string;
  readonly value: unknown;

  constructor(
    code: ResumeErrorCode,
    field: string,
    value: unknown,
    reason: string,
    context: Record<string, unknown> = {},
  ) {
    const echoed = echoValue(value);
    super(code, `Invalid answer payload: ${field} ${reason} (got ${describeValue(value)})`, {
      ...context,
      field,
      value: echoed,
    });
    this.field = field;
    this.value = echoed;
  }

  toInfo(): ResumeErrorInfo {
    return {
      code: ResumeErrorCodeSchema.parse(this.code),
      field: this.field,
      value: this.value,
      message: this.message,
    };
  }
}

const studentResponse = z
  .union([z.string(), z.number().finite().transform(String)])
  .pipe(z.string().trim().min(1).max(MAX_ANSWER_CHARS));

/** `{action: "submit_answer", ...}`: the student's answer to the current card. */
export const SubmitAnswerSchema = z.looseObject({
  action: z.literal("submit_answer"),
  student_response: studentResponse,
  card_id: z.string().min(1),
  interaction_id: z.string().min(1).optional(),
  timestamp: z.string().optional(),
});

/** `{action: "skip_card", ...}`: the student moves on without answering. */
export const SkipCardSchema = z.looseObject({
  action: z.literal("skip_card"),
  card_id: z.string().min(1),
  interaction_id: z.string().min(1).optional(),
  timestamp: z.string().optional(),
});

/** What `Command({ resume })` must carry at an answer request (or the same, JSON-encoded). */
export const AnswerPayloadSchema = z.discriminatedUnion("action", [
  SubmitAnswerSchema,
  SkipCardSchema,
]);
export type AnswerPayload = z.infer<typeof AnswerPayloadSchema>;
export type AnswerPayloadInput = z.input<typeof AnswerPayloadSchema>;

/** `{action: "ask_question", ...}`: the student asks the tutor about the current card; nothing is judged. */
export const AskQuestionSchema = z.looseObject({
  action: z.literal("ask_question"),
  question: z.string().trim().min(1).max(MAX_QUESTION_CHARS),
  card_id: z.string().min(1),
  interaction_id: z.string().min(1).optional(),
  timestamp: z.string().optional(),
});
export type AskQuestion = z.infer<typeof AskQuestionSchema>;

/** Every resume payload an answer request accepts: an answer, a skip or a question. */
export const ResumePayloadSchema = z.discriminatedUnion("action", [
  SubmitAnswerSchema,
  SkipCardSchema,
  AskQuestionSchema,
]);
export type ResumePayload = z.infer<typeof ResumePayloadSchema>;
export type ResumePayloadInput = z.input<typeof ResumePayloadSchema>;

/** What the payload must refer to: the card being asked and its presentation. */
export interface ExpectedAnswer {
  cardId: string;
  interactionId: string;
}

/**
 * Parses a resume value into an answer for the expected card. Throws an
 * `AnswerPayloadError` naming the first bad field and its value.
 */
export function parseAnswerPayload(raw: unknown, expected: ExpectedAnswer): AnswerPayload {
  return AnswerPayloadSchema.parse(parsePayload(raw, expected, ANSWER_ACTIONS));
}

/**
 * Parses a resume value into an answer, a skip or a question for the
 * expected card. Throws an `AnswerPayloadError` naming the first bad field.
 */
export function parseResumePayload(raw: unknown, expected: ExpectedAnswer): ResumePayload {
  return parsePayload(raw, expected, RESUME_ACTIONS);
}

/** The student's free text fields: a blank one is "missing", a long one "too long". */
const TEXT_FIELD_CODES: Record<string, { missing: ResumeErrorCode; tooLong: ResumeErrorCode }> = {
  student_response: { missing: "MISSING_ANSWER", tooLong: "ANSWER_TOO_LONG" },
  question: { missing: "MISSING_QUESTION", tooLong: "QUESTION_TOO_LONG" },
};

function parsePayload(
  raw: unknown,
  expected: ExpectedAnswer,
  actions: readonly ResumeAction[],
): ResumePayload {
  const context = {
    expectedCardId: expected.cardId,
    expectedInteractionId: expected.interactionId,
  };
  const decoded = decodeResume(raw, context);
  if (typeof decoded !== "object" || decoded === null || Array.isArray(decoded)) {
    throw new AnswerPayloadError(
      "RESUME_NOT_OBJECT",
      "resume",
      decoded,
      "must be an object",
      context,
    );
  }
  const fields = decoded as Record<string, unknown>;
  if (!actions.includes(fields.action as ResumeAction)) {
    throw new AnswerPayloadError(
      "UNKNOWN_ACTION",
      "action",
      fields.action,
      `must be one of ${actions.join(", ")}`,
      context,
    );
  }
  const parsed = ResumePayloadSchema.safeParse(decoded);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join(".") || "resume";
    const value = fields[field];
    const text = TEXT_FIELD_CODES[field];
    if (text !== undefined && issue?.code === "too_big") {
      throw textTooLong(text.tooLong, field, value, context);
    }
    const code = text === undefined ? "INVALID_FIELD" : text.missing;
    throw new AnswerPayloadError(code, field, value, issue?.message ?? "is invalid", context);
  }
  const payload = parsed.data;
  if (payload.card_id !== expected.cardId) {
    throw new AnswerPayloadError(
      "CARD_MISMATCH",
      "card_id",
      payload.card_id,
      `is not the current card ${expected.cardId}`,
      context,
    );
  }
  if (payload.interaction_id !== undefined && payload.interaction_id !== expected.interactionId) {
    throw new AnswerPayloadError(
      "INTERACTION_MISMATCH",
      "interaction_id",
      payload.interaction_id,
      `is not the current interaction ${expected.interactionId}`,
      context,
    );
  }
  return payload;
}

function textTooLong(
  code: ResumeErrorCode,
  field: string,
  value: unknown,
  context: Record<string, unknown>,
): AnswerPayloadError {
  // Only a string can be this long: a number's text is a few characters.
  const length = String(value).trim().length;
  const maxChars = field === "question" ? MAX_QUESTION_CHARS : MAX_ANSWER_CHARS;
  return new AnswerPayloadError(
    code,
    field,
    value,
    `is ${length} characters long; at most ${maxChars} are accepted`,
    { ...context, maxChars, length },
  );
}

function decodeResume(raw: unknown, context: Record<string, unknown>): unknown {
  if (typeof raw !== "string") return raw;
  if (raw.length > MAX_RESUME_PAYLOAD_CHARS) {
    throw new AnswerPayloadError(
      "RESUME_TOO_LARGE",
      "resume",
      raw,
      `is ${raw.length} characters long; at most ${MAX_RESUME_PAYLOAD_CHARS} are accepted`,
      { ...context, maxChars: MAX_RESUME_PAYLOAD_CHARS, length: raw.length },
    );
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new AnswerPayloadError(
      "RESUME_NOT_JSON",
      "resume",
      raw,
      "is a string but not JSON",
      context,
    );
  }
}

/** The value of every interrupt: which card is waiting for which kind of answer. */
export const AnswerRequestSchema = z.object({
  type: z.literal("answer_request"),
  card_id: z.string(),
  /** Echo it in the resume payload; a stale one is rejected. */
  interaction_id: z.string(),
  card_index: z.int().nonnegative(),
  total_cards: z.int().positive(),
  cfu_type: z.string(),
  /** 1-based number of the attempt being asked for. */
  attempt: z.int().positive(),
  max_attempts: z.int().positive(),
  accepted_actions: z.array(z.enum(RESUME_ACTIONS)),
  /** How many more `ask_question` payloads this card presentation accepts (see {@link MAX_QUESTIONS_PER_CARD}). */
  questions_left: z.int().nonnegative(),
  /** Why the previous payload was rejected; null on a first request. */
  error: ResumeErrorInfoSchema.nullable(),
});
export type AnswerRequest = z.infer<typeof AnswerRequestSchema>;

/** Args of the `lesson_card_presentation` tool call. */
export interface CardPresentationArgs {
  /** The text shown with the card (explainer, then question). */
  card_content: string;
  /** The card as the student may see it: no answer key, rubric, hints or misconception notes. */
  card_data: PublicCard;
  card_index: number;
  total_cards: number;
  cfu_type: string;
  interaction_id: string;
  /**
   * With a teacher model, the id of its introduction of this card: the
   * message just before this one, whose text `card_content` carries in place
   * of the explainer. Null without one.
   */
  introduction_id: string | null;
  lesson_title: string;
  /** `"<card number>/<total>"`. */
  progress: string;
  /** The platform frontend's existing card component reads these from here. */
  lesson_context: { lesson_title: string; student_name: string; progress: string };
  timestamp: string;
}

/** Args of the `lesson_completion_summary` tool call. */
export interface LessonCompletionSummaryArgs {
  summary: string;
  /** Per card, not per attempt. */
  performance_analysis: PerformanceAnalysis;
  /** One entry per attempt or skip. */
  evidence: EvidenceEntry[];
  /** The lesson's per-card updates (already persisted by the graph: see `mastery_record`). */
  mastery_updates: MasteryUpdate[];
  /**
   * The lesson's outcomes: per outcome its document `$id` (the key of
   * `mastery_updates` and `emaByOutcome`), `unitCode`, `unitTitle`,
   * `outcomeId` and `outcomeTitle`. The thread's state does not carry them.
   */
  enriched_outcomes: CourseOutcome[];
  lesson_title: string;
  total_cards: number;
  cards_completed: number;
  retry_recommended: boolean;
  session_id: string;
  student_id: string;
  course_id: string;
  /** The student's MasteryV2 record after this lesson was folded in. */
  mastery_record: MasteryApplyResult;
  /**
   * Present when the graph wrote the lesson's completion itself (MasteryV2,
   * evidence, Routine, session row): a platform writer must then write nothing.
   */
  persisted: PersistedCompletion;
  timestamp: string;
}
