/**
 * What a lesson records, shared by the graph's state, its wire contract
 * (the closing tool call) and the performance analysis: one evidence entry
 * per attempt or skip, one score per finished card, and what the completion
 * persisted.
 */
import { z } from "zod";
import {
  MasteryApplyResultSchema,
  MasteryUpdateSchema,
  type MasteryUpdate,
} from "../mastery/ema.js";
import { RubricScoreSchema } from "./evaluation/types.js";

/** One attempt at (or skip of) a card, as the frontend's summary expects it. */
export const EvidenceEntrySchema = z.object({
  timestamp: z.string(),
  card_id: z.string(),
  /** The CFU's id. */
  item_id: z.string(),
  interaction_id: z.string(),
  /** The student's answer; null for a skip. */
  response: z.string().nullable(),
  correct: z.boolean(),
  skipped: z.boolean(),
  /** Attempts used on the card so far, this one included (a skip adds none). */
  attempts: z.int().nonnegative(),
  partial_credit: z.number(),
  confidence: z.number(),
  feedback: z.string(),
  reasoning: z.string(),
  /** How the answer was judged; `skip` when it was not. */
  method: z.enum(["numeric", "mcq", "model", "skip"]),
  rubric_breakdown: z.array(RubricScoreSchema),
  /** The card ended here without a correct answer because attempts ran out. */
  max_attempts_reached: z.boolean(),
});
export type EvidenceEntry = z.infer<typeof EvidenceEntrySchema>;

/**
 * A finished card's score, as the state keeps it until the lesson completes:
 * every outcome of the lesson gets the same one (see `masteryUpdatesOf`), so
 * storing it once per card, not once per outcome, keeps the checkpoint that
 * every step rewrites small.
 */
export const CardScoreSchema = z.object({
  score: MasteryUpdateSchema.shape.score,
  /** When the card ended (the mastery update's timestamp). */
  timestamp: MasteryUpdateSchema.shape.timestamp,
});
export type CardScore = z.infer<typeof CardScoreSchema>;

/**
 * The lesson's mastery updates: per finished card, in order, one per outcome
 * the lesson started with (in that order), all with the card's score.
 */
export function masteryUpdatesOf(
  scores: readonly CardScore[],
  outcomeIds: readonly string[],
): MasteryUpdate[] {
  return scores.flatMap(({ score, timestamp }) =>
    outcomeIds.map((outcomeId) => ({ outcome_id: outcomeId, score, timestamp })),
  );
}

/** What `complete` persisted (the `persisted` block of the closing tool call). */
export const PersistedCompletionSchema = z.object({
  /** `already_applied`: this session was completed before and nothing was written now. */
  status: MasteryApplyResultSchema.shape.status,
  mastery_record: MasteryApplyResultSchema,
  /** Evidence rows stored for the session (one per attempt and per skip). */
  evidence_count: z.int().nonnegative(),
  /** Next review per outcome document ID of the lesson (ISO). */
  due_at_by_outcome: z.record(z.string(), z.string()),
  /** The `sessions` row: `completed`, `not_stored` (no row: an inline lesson), or `left_as_is`. */
  session_status: z.enum(["completed", "not_stored", "left_as_is"]),
});
export type PersistedCompletion = z.infer<typeof PersistedCompletionSchema>;
