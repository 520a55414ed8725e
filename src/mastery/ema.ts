import { isDocumentId } from "./ids.js";
import { InvalidMasteryRecordError, type MasteryViolation } from "./errors.js";

/** One card's contribution to one outcome, as the graph records it. */
export interface MasteryUpdate {
  /** CourseOutcome document ID. */
  outcome_id: string;
  score: number;
  /** ISO timestamp of the card's end. */
  timestamp: string;
}

export type EmaByOutcome = Record<string, number>;

/** Appwrite's `emaByOutcome` column size. */
export const EMA_BY_OUTCOME_MAX_CHARS = 5000;
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
  const result: EmaByOutcome = { ...existing };
  for (const update of updates) {
    const old = result[update.outcome_id];
    const next = old === undefined ? update.score : alpha * update.score + (1 - alpha) * old;
    result[update.outcome_id] = Math.round(next * 10_000) / 10_000;
  }
  assertValidEmaMap(result, { updates });
  return result;
}

/**
 * Integrity rules of a MasteryV2 map: every key a document ID (and, when
 * `knownOutcomeIds` is given, one of them), every value a finite number in
 * [0, 1], and the serialized map within the column size.
 */
export function findEmaViolations(
  map: Readonly<Record<string, unknown>>,
  knownOutcomeIds?: ReadonlySet<string>,
): MasteryViolation[] {
  const violations = findEntryViolations(map, knownOutcomeIds);
  const size = JSON.stringify(map).length;
  if (size > EMA_BY_OUTCOME_MAX_CHARS) violations.push({ rule: "oversize", value: size });
  return violations;
}

/**
 * The rules of `findEmaViolations` on the map's entries, without its size: for
 * callers that measure the stored or written text themselves.
 */
export function findEntryViolations(
  map: Readonly<Record<string, unknown>>,
  knownOutcomeIds?: ReadonlySet<string>,
): MasteryViolation[] {
  const violations: MasteryViolation[] = [];
  for (const [key, value] of Object.entries(map)) {
    if (key === "") violations.push({ rule: "empty_key", key, value });
    else if (!isDocumentId(key)) violations.push({ rule: "invalid_id_format", key, value });
    else if (knownOutcomeIds !== undefined && !knownOutcomeIds.has(key)) {
      violations.push({ rule: "unknown_outcome", key, value });
    }
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) {
      violations.push({ rule: "invalid_value", key, value });
    }
  }
  return violations;
}

export function assertValidEmaMap(
  map: Readonly<Record<string, unknown>>,
  context: Record<string, unknown>,
  knownOutcomeIds?: ReadonlySet<string>,
): asserts map is EmaByOutcome {
  const violations = findEmaViolations(map, knownOutcomeIds);
  if (violations.length > 0) throw new InvalidMasteryRecordError(violations, context);
}
