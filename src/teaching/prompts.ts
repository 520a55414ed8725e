/**
 * Every text the graph shows the student, templated from the card: all of it
 * in offline mode (no teacher model), and the parts a model never rewrites
 * otherwise: a card's title and question, hints, worked answers. The model's
 * words (tutor/) introduce a card, comment on a wrong answer, answer the
 * student's questions and sum the lesson up.
 */
import type { PublicCard, PublicCfu } from "../lessons/public.js";
import type { Cfu } from "../lessons/schema.js";
import { expectedAnswerText, type Evaluation } from "./evaluation/index.js";
import type { PerformanceAnalysis } from "./performance.js";
import {
  MAX_ANSWER_CHARS,
  MAX_QUESTION_CHARS,
  MAX_QUESTIONS_PER_CARD,
  type ResumeErrorCode,
  type ResumeErrorInfo,
} from "./protocol.js";

/** Where a card sits in the lesson, and which explainer the student reads. */
export interface CardPosition {
  index: number;
  total: number;
  plainText: boolean;
}

/**
 * The card as the student reads it: title, explainer, then the question. With
 * a teacher model, `introduction` (the model's words, see tutor/prompts.ts)
 * takes the explainer's place; the title and the question stay the lesson's own.
 */
export function cardText(card: PublicCard, position: CardPosition, introduction?: string): string {
  const explainer =
    position.plainText && card.explainer_plain !== undefined
      ? card.explainer_plain
      : card.explainer;
  return [cardHeading(card, position), introduction ?? explainer, questionText(card.cfu)].join(
    "\n\n",
  );
}

/** The card's title line and its question, word for word from the lesson (what follows a model's introduction). */
export function cardQuestionText(card: PublicCard, position: CardPosition): string {
  return [cardHeading(card, position), questionText(card.cfu)].join("\n\n");
}

function cardHeading(card: PublicCard, position: CardPosition): string {
  return `**Card ${position.index + 1} of ${position.total}: ${card.title}**`;
}

function questionText(cfu: PublicCfu): string {
  const question = `**Question:** ${cfu.stem}`;
  if (cfu.options === undefined) return question;
  const options = cfu.options.map((option, index) => `${index + 1}. ${option}`).join("\n");
  const howTo =
    cfu.multiSelect === true ? "Choose every option that applies." : "Choose one option.";
  return `${question}\n\n${options}\n\n${howTo}`;
}

/** What the student sees after an answer is judged: the evaluator's feedback, and the worked answer when the card ends unanswered. */
export function feedbackText(
  evaluation: Evaluation,
  ending: { revealAnswer: boolean; cfu: Cfu },
): string {
  return ending.revealAnswer
    ? `${evaluation.feedback}\n\n${workedAnswerText(ending.cfu)}`
    : evaluation.feedback;
}

export function skippedText(cfu: Cfu): string {
  return `Card skipped.\n\n${workedAnswerText(cfu)}`;
}

/** The answer shown once a card ends without a correct answer. */
export function workedAnswerText(cfu: Cfu): string {
  const answer = expectedAnswerText(cfu);
  return cfu.type === "mcq" || cfu.type === "numeric"
    ? `**The answer:** ${answer}`
    : `**A full answer covers:**\n${answer}`;
}

/** The message before another attempt: the next hint from the card, if it has one left. */
export function hintText(hint: string | undefined, attempt: { next: number; max: number }): string {
  const retry = `Have another go (attempt ${attempt.next} of ${attempt.max}).`;
  return hint === undefined ? retry : `**Hint:** ${hint}\n\n${retry}`;
}

/**
 * Why a payload was refused, in the student's words. The resume error's own
 * `message` names fields and zod's reasons: it is for the frontend's
 * developers (it travels in the next answer request), not for the chat.
 */
const REFUSAL_REASONS: Record<ResumeErrorCode, string> = {
  RESUME_NOT_JSON: "it did not arrive in a form the tutor can read",
  RESUME_NOT_OBJECT: "it did not arrive in a form the tutor can read",
  UNKNOWN_ACTION: "the tutor takes an answer, a skip or a question, and it was none of these",
  CARD_MISMATCH: "it was for a different card from the one shown",
  INTERACTION_MISMATCH: "it was for an earlier showing of this card",
  MISSING_ANSWER: "it was empty: type an answer, or skip the card",
  INVALID_FIELD: "part of it was not in the expected form",
  ANSWER_TOO_LONG: `it is longer than ${MAX_ANSWER_CHARS} characters`,
  RESUME_TOO_LARGE: "it was too large to read",
  MISSING_QUESTION: "the question was empty",
  QUESTION_TOO_LONG: `the question is longer than ${MAX_QUESTION_CHARS} characters`,
  QUESTIONS_UNAVAILABLE: "the tutor cannot answer questions here",
  QUESTION_LIMIT_REACHED: `only ${MAX_QUESTIONS_PER_CARD} questions can be asked per card`,
};

/** Why an answer payload was not accepted; the same card is asked again. */
export function rejectedAnswerText(error: ResumeErrorInfo, cardId: string): string {
  return `That answer could not be accepted: ${REFUSAL_REASONS[error.code]} (${error.code}). Please answer card ${cardId} again.`;
}

/** Why a question was not answered; the same card is asked again. */
export function questionRefusedText(error: ResumeErrorInfo): string {
  return `${error.message}. The card is still waiting for your answer.`;
}

export function lessonSummaryText(lessonTitle: string, performance: PerformanceAnalysis): string {
  const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;
  const lines = [
    `You finished **${lessonTitle}**.`,
    `Cards answered correctly: ${performance.cards_correct} of ${performance.total_cards} (${percent(performance.overall_accuracy)}), ` +
      `${performance.cards_first_attempt} at the first attempt.`,
  ];
  if (performance.challenge_areas.length > 0) {
    lines.push(`Worth another look: ${performance.challenge_areas.join("; ")}.`);
  }
  lines.push(
    performance.retry_recommended
      ? "I recommend going through this lesson again."
      : "Well done: you are ready to move on.",
  );
  return lines.join("\n");
}
