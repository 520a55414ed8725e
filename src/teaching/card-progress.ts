/**
 * The progress of the card being taught, as one state value. Every step of a
 * card changes some of it, and the checkpointer writes one row (and one
 * serialisation) per channel a step updates: kept as one object, a step
 * writes one value instead of up to eleven. Nodes derive the next value with
 * the pure functions below; none mutates the one it is given.
 */
import { z } from "zod";
import { TeachingStateError } from "./errors.js";
import {
  AnswerPayloadSchema,
  AskQuestionSchema,
  ResumeErrorInfoSchema,
  type AnswerPayload,
  type AskQuestion,
  type ResumeErrorInfo,
} from "./protocol.js";

export const CardProgressSchema = z.object({
  /** ID of the card being taught: the interrupt asks for it without reading the lesson. */
  card_id: z.string(),
  /** The card's CFU type, for the interrupt. */
  cfu_type: z.string(),
  /** ID of this card presentation; answers must echo it (if they carry one). */
  interaction_id: z.string(),
  /** Answers judged on this presentation. */
  attempts: z.int().nonnegative(),
  /** How many of the card's `cfu.hints` were shown. */
  hints_shown: z.int().nonnegative(),
  /** The latest accepted answer (or skip); null once a payload is rejected. */
  answer: AnswerPayloadSchema.nullable(),
  /** The student's question waiting for the tutor's answer; null once answered (or refused). */
  question: AskQuestionSchema.nullable(),
  /** Questions answered on this presentation (capped by `MAX_QUESTIONS_PER_CARD`). */
  questions_asked: z.int().nonnegative(),
  /** Why the last resume payload was rejected; null once a valid one arrives. */
  last_error: ResumeErrorInfoSchema.nullable(),
  /** Verdict of the latest attempt (false for a skip); null before any. */
  is_correct: z.boolean().nullable(),
});
export type CardProgress = z.infer<typeof CardProgressSchema>;

/** A card just presented: nothing answered, asked or shown yet. */
export function presentedProgress(
  card: Pick<CardProgress, "card_id" | "cfu_type" | "interaction_id">,
): CardProgress {
  return {
    card_id: card.card_id,
    cfu_type: card.cfu_type,
    interaction_id: card.interaction_id,
    attempts: 0,
    hints_shown: 0,
    answer: null,
    question: null,
    questions_asked: 0,
    last_error: null,
    is_correct: null,
  };
}

/** An accepted answer or skip, waiting to be judged. */
export function withAnswer(progress: CardProgress, answer: AnswerPayload): CardProgress {
  return { ...progress, answer, question: null, last_error: null };
}

/** A question, waiting for the tutor. */
export function withQuestion(progress: CardProgress, question: AskQuestion): CardProgress {
  return { ...progress, answer: null, question, last_error: null };
}

/** A rejected payload (or refused question): the card is asked again with the error. */
export function withRejection(progress: CardProgress, error: ResumeErrorInfo): CardProgress {
  return { ...progress, answer: null, question: null, last_error: error };
}

/** A question the tutor answered. */
export function withAnsweredQuestion(progress: CardProgress): CardProgress {
  return { ...progress, question: null, questions_asked: progress.questions_asked + 1 };
}

/** The verdict on the accepted answer (`attempts` counts judged answers; a skip adds none). */
export function withVerdict(
  progress: CardProgress,
  verdict: { isCorrect: boolean; attempts: number },
): CardProgress {
  return { ...progress, is_correct: verdict.isCorrect, attempts: verdict.attempts };
}

/** A hint shown (or none left: the count stays). */
export function withHintShown(progress: CardProgress, shown: boolean): CardProgress {
  return shown ? { ...progress, hints_shown: progress.hints_shown + 1 } : progress;
}

/**
 * The progress of the presented card. Every node after present_card needs
 * one; reaching such a node before any card was presented is a wiring error.
 */
export function presentedCard(state: {
  card: CardProgress | null;
  current_card_index: number;
}): CardProgress {
  if (state.card === null) {
    throw new TeachingStateError("No card has been presented yet", {
      cardIndex: state.current_card_index,
    });
  }
  return state.card;
}
