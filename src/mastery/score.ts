/** Per-card mastery score of the platform: first-time correct, correct later, or not (skips included). */
export const SCORE_FIRST_ATTEMPT = 1.0;
export const SCORE_LATER_ATTEMPT = 0.7;
export const SCORE_NOT_CORRECT = 0.3;

export interface CardOutcome {
  isCorrect: boolean;
  /** Attempts used on the card, 1-based; 0 for a card skipped before any answer. */
  attempts: number;
}

export function scoreCard({ isCorrect, attempts }: CardOutcome): number {
  if (!isCorrect) return SCORE_NOT_CORRECT;
  return attempts <= 1 ? SCORE_FIRST_ATTEMPT : SCORE_LATER_ATTEMPT;
}
