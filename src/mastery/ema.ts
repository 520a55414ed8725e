import { z } from "zod";
import { InvalidMasteryRecordError } from "./errors.js";
import { assertValidEmaMap } from "./map.js";

/** One card's contribution to one outcome, as the graph records it. */
export const MasteryUpdateSchema = z.object({
  /** CourseOutcome document ID. */
  outcome_id: z.string(),
  score: z.number(),
  /** ISO timestamp of the card's end. */
  timestamp: z.string(),
});
export type MasteryUpdate = z.infer<typeof MasteryUpdateSchema>;

export type EmaByOutcome = Record<string, number>;

/**
 * What applying a lesson's updates left in the student's MasteryV2 record:
 * the store's answer to `applyLessonMastery`, and the graph's `mastery_record`.
 */
export const MasteryApplyResultSchema = z.object({
  /** `already_applied` when this session's updates were written before; nothing changed. */
  status: z.enum(["applied", "already_applied"]),
  recordId: z.string(),
  emaByOutcome: z.record(z.string(), z.number()),
});
export type MasteryApplyResult = z.infer<typeof MasteryApplyResultSchema>;

export const DEFAULT_EMA_ALPHA = 0.3;

/**
 * Folds a lesson's updates, in order, into a stored map: an outcome seen for
 * the first time takes its score; after that `alpha * score + (1 - alpha) * old`.
 * Values are rounded to 4 decimals, and the result is validated.
 */
export function foldMasteryUpdates(
  existing: Readonly<EmaByOutcome>,
  updates: readonly MasteryUpdate[],
  alpha: number = DEFAULT_EMA_ALPHA,
): EmaByOutcome {
  if (!(alpha > 0 && alpha <= 1)) {
    throw new InvalidMasteryRecordError([{ rule: "invalid_value", value: alpha }], {
      reason: "EMA alpha must be in (0, 1]",
    });
  }
  // Keys are plain data (see ./map.ts): an outcome named like an inherited property is absent until scored.
  const folded = new Map(Object.entries(existing));
  for (const update of updates) {
    const old = folded.get(update.outcome_id);
    const next = old === undefined ? update.score : alpha * update.score + (1 - alpha) * old;
    folded.set(update.outcome_id, Math.round(next * 10_000) / 10_000);
  }
  // Object.fromEntries defines each key as an own property, `__proto__` included.
  const result = Object.fromEntries(folded);
  assertValidEmaMap(result, { updates });
  return result;
}
