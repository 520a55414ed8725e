/**
 * The lesson's performance, per card rather than per attempt: a card counts
 * once, with its final verdict and the attempts it took.
 */
import type { Card } from "../lessons/schema.js";
import type { EvidenceEntry } from "./lesson-record.js";

/** The platform's rule for recommending the lesson again. */
const RETRY_BELOW_ACCURACY = 0.7;
const RETRY_BELOW_FIRST_ATTEMPT_SUCCESS = 0.5;
const RETRY_ABOVE_AVERAGE_ATTEMPTS = 2.5;

export interface CardPerformance {
  card_id: string;
  title: string;
  correct: boolean;
  skipped: boolean;
  /** Answers judged on the card (a skip before any answer: 0). */
  attempts: number;
  first_attempt_success: boolean;
}

export interface PerformanceAnalysis {
  total_cards: number;
  cards_correct: number;
  cards_first_attempt: number;
  /** Cards correct / cards, in [0, 1]. */
  overall_accuracy: number;
  /** Cards correct at the first attempt / cards. */
  first_attempt_success: number;
  /** Attempts per card. */
  average_attempts: number;
  /** Titles of the cards answered correctly at the first attempt. */
  strong_areas: string[];
  /** Titles of the cards not answered correctly. */
  challenge_areas: string[];
  retry_recommended: boolean;
  cards: CardPerformance[];
}

const round4 = (value: number) => Math.round(value * 10_000) / 10_000;

/** Analyses the cards that have evidence, in lesson order. */
export function analysePerformance(
  cards: readonly Pick<Card, "id" | "title">[],
  evidence: readonly EvidenceEntry[],
): PerformanceAnalysis {
  const perCard = cards.flatMap((card): CardPerformance[] => {
    const entries = evidence.filter((entry) => entry.card_id === card.id);
    const last = entries.at(-1);
    if (last === undefined) return [];
    return [
      {
        card_id: card.id,
        title: card.title,
        correct: last.correct,
        skipped: last.skipped,
        attempts: last.attempts,
        first_attempt_success: last.correct && last.attempts === 1,
      },
    ];
  });
  const total = perCard.length;
  const ratio = (count: number) => (total === 0 ? 0 : round4(count / total));
  const correct = perCard.filter((card) => card.correct);
  const firstAttempt = perCard.filter((card) => card.first_attempt_success);
  const overallAccuracy = ratio(correct.length);
  const firstAttemptSuccess = ratio(firstAttempt.length);
  const averageAttempts = ratio(perCard.reduce((sum, card) => sum + card.attempts, 0));
  return {
    total_cards: total,
    cards_correct: correct.length,
    cards_first_attempt: firstAttempt.length,
    overall_accuracy: overallAccuracy,
    first_attempt_success: firstAttemptSuccess,
    average_attempts: averageAttempts,
    strong_areas: firstAttempt.map((card) => card.title),
    challenge_areas: perCard.filter((card) => !card.correct).map((card) => card.title),
    retry_recommended:
      overallAccuracy < RETRY_BELOW_ACCURACY ||
      firstAttemptSuccess < RETRY_BELOW_FIRST_ATTEMPT_SUCCESS ||
      averageAttempts > RETRY_ABOVE_AVERAGE_ATTEMPTS,
    cards: perCard,
  };
}
