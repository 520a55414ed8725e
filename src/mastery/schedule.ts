/**
 * The review schedule: when each outcome of a lesson should be practised
 * next. One FSRS card per outcome document ID (ts-fsrs), replacing the
 * platform's random day ranges by score band.
 *
 * The rating rule (one review per outcome per lesson): the mean of the
 * lesson's card scores for the outcome (the scores `mastery_updates` carry:
 * 1.0 first-attempt correct, 0.7 correct later, 0.3 not correct, or a partial
 * credit) becomes
 *   mean >= 0.9 → Easy, mean >= 0.7 → Good, mean >= 0.5 → Hard, else Again.
 * A weaker outcome therefore gets a lower rating and an earlier due date.
 *
 * Deterministic: no fuzz, and the review time is the lesson's completion time
 * (the caller's clock). Short-term (minute) learning steps are off: a lesson's
 * next review is at least a day away.
 */
import {
  createEmptyCard,
  fsrs,
  generatorParameters,
  Rating,
  State,
  type Card,
  type Grade,
} from "ts-fsrs";
import { z } from "zod";

/** Written into `routine.spacingPolicyVersion`: version 2 is this FSRS schedule (1 was the platform's bands). */
export const SPACING_POLICY_VERSION = 2;

/** The rating thresholds of the rule above, highest first. */
export const RATING_THRESHOLDS: readonly { min: number; rating: Grade }[] = [
  { min: 0.9, rating: Rating.Easy },
  { min: 0.7, rating: Rating.Good },
  { min: 0.5, rating: Rating.Hard },
];

const scheduler = fsrs(generatorParameters({ enable_fuzz: false, enable_short_term: false }));

/** An FSRS card as stored in `routine.fsrsByOutcome` (dates as ISO strings). */
export const StoredFsrsCardSchema = z.strictObject({
  due: z.iso.datetime(),
  stability: z.number().nonnegative(),
  difficulty: z.number().nonnegative(),
  elapsed_days: z.number().nonnegative(),
  scheduled_days: z.number().nonnegative(),
  learning_steps: z.int().nonnegative(),
  reps: z.int().nonnegative(),
  lapses: z.int().nonnegative(),
  state: z.enum(State),
  last_review: z.iso.datetime().optional(),
});
export type StoredFsrsCard = z.infer<typeof StoredFsrsCardSchema>;

/** The FSRS rating of an outcome's lesson scores (the rule in this module's comment). */
export function ratingForScores(scores: readonly number[]): Grade {
  if (scores.length === 0) throw new RangeError("ratingForScores: no scores");
  const mean = scores.reduce((sum, score) => sum + score, 0) / scores.length;
  return RATING_THRESHOLDS.find((threshold) => mean >= threshold.min)?.rating ?? Rating.Again;
}

/** One outcome's review: the card after it and its next due date. */
export interface ScheduledReview {
  card: StoredFsrsCard;
  dueAt: string;
}

/**
 * Reviews one outcome at `now` with the rating of `scores`; `previous` is the
 * outcome's stored card, or null for an outcome never scheduled before.
 */
export function scheduleOutcome(
  previous: StoredFsrsCard | null,
  scores: readonly number[],
  now: Date,
): ScheduledReview {
  const card = previous === null ? createEmptyCard(now) : toCard(previous);
  const next = scheduler.next(card, now, ratingForScores(scores)).card;
  const stored = toStored(next);
  return { card: stored, dueAt: stored.due };
}

function toCard(stored: StoredFsrsCard): Card {
  const { last_review, ...rest } = stored;
  return {
    ...rest,
    due: new Date(stored.due),
    ...(last_review === undefined ? {} : { last_review: new Date(last_review) }),
  };
}

function toStored(card: Card): StoredFsrsCard {
  return {
    due: card.due.toISOString(),
    stability: card.stability,
    difficulty: card.difficulty,
    elapsed_days: card.elapsed_days,
    scheduled_days: card.scheduled_days,
    learning_steps: card.learning_steps,
    reps: card.reps,
    lapses: card.lapses,
    state: card.state,
    ...(card.last_review === undefined ? {} : { last_review: card.last_review.toISOString() }),
  };
}
