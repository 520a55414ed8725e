/**
 * The rules of a Routine review map (`dueAtByOutcome`: outcome document ID →
 * ISO date of the next review). Its keys follow the mastery map's key rules
 * (./map.ts: the same parsing, the same key rules, `findKeyedEntryViolations`), its values are dates
 * instead of scores, and its column is larger. The completion write, the
 * SQLite triggers' companion checks and the operator tools call this module.
 *
 * A due date is an ISO 8601 date and time with a zone (`Z` or an offset), as
 * `toISOString()` writes it. (The SQLite trigger is looser: anything
 * `julianday` reads; the application refuses first.)
 */
import { z } from "zod";
import type { MasteryViolation } from "./errors.js";
import { findKeyedEntryViolations } from "./map.js";

/** `Routine.dueAtByOutcome` column size: about 100 outcomes of a course. */
export const DUE_AT_BY_OUTCOME_MAX_CHARS = 10_000;

const DueDateSchema = z.iso.datetime({ offset: true });

/** A value the review map may hold: an ISO date and time. */
export function isDueDate(value: unknown): value is string {
  return DueDateSchema.safeParse(value).success;
}

/** True when serialized review map `text` does not fit the column. */
export function isDueMapOversize(text: string): boolean {
  return text.length > DUE_AT_BY_OUTCOME_MAX_CHARS;
}

/**
 * The key and value rules on a review map's entries (not its size): every key
 * a document ID (and one of `knownOutcomeIds` when given), every value a due date.
 */
export function findDueEntryViolations(
  map: Readonly<Record<string, unknown>>,
  knownOutcomeIds?: ReadonlySet<string>,
): MasteryViolation[] {
  return findKeyedEntryViolations(map, isDueDate, knownOutcomeIds);
}
