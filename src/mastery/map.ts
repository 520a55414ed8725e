/**
 * The rules of a MasteryV2 mastery map (`emaByOutcome`), in one place: how a
 * stored map is parsed, what its keys and values may be, and how big it may
 * get. The write guard of every store, the EMA fold and the operator tools
 * (audit, clean) all call this module, so they cannot disagree.
 *
 * A map is plain data. Any key is just a string, including names every object
 * inherits (`__proto__`, `constructor`, `toString`, and `propertyIsEnumerable`,
 * which is even a valid document ID). So a map is only ever parsed with
 * `JSON.parse` (which keeps `__proto__` as an own key) and copied into an
 * object without a prototype. Never assign its entries into `{}`: `__proto__`
 * would set the prototype instead of adding a key, and a lookup of an absent
 * `constructor` would find the inherited function. Never parse it with zod's
 * `z.record` either, which rebuilds the object by assignment and silently
 * drops `__proto__`.
 */
import { isDocumentId } from "./ids.js";
import { InvalidMasteryRecordError, type MasteryRule, type MasteryViolation } from "./errors.js";

/** Appwrite's `emaByOutcome` column size. */
export const EMA_BY_OUTCOME_MAX_CHARS = 5000;

/** A map's entries as parsed: own keys only, on an object without a prototype. */
export type EmaMapEntries = Record<string, unknown>;

/** Why a stored `emaByOutcome` is not usable as a map. */
export type EmaMapParseFailure = "unset" | "not_json" | "not_an_object";

export type ParsedEmaMap =
  { ok: true; map: EmaMapEntries } | { ok: false; reason: EmaMapParseFailure; cause?: unknown };

/**
 * Parses a stored `emaByOutcome`. Anything but a JSON object (an unset map, text
 * that is not JSON, another JSON value) is not a map, and says why.
 */
export function parseEmaMap(raw: string | null): ParsedEmaMap {
  if (raw === null) return { ok: false, reason: "unset" };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (cause) {
    return { ok: false, reason: "not_json", cause };
  }
  if (!isEmaMapObject(value)) return { ok: false, reason: "not_an_object" };
  // Copied key by key (`JSON.parse` made `__proto__` an own key, so reading it reads that key):
  // scans parse one map per record, and building an entries array first cost a third more.
  const map: EmaMapEntries = Object.create(null) as EmaMapEntries;
  for (const key of Object.keys(value)) map[key] = value[key];
  return { ok: true, map };
}

/** True for an object that can hold a map: a plain object (or one without a prototype), not an array. */
export function isEmaMapObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** A map of `entries` on an object without a prototype; a later entry of a key wins. */
export function emaMapOf(entries: Iterable<readonly [string, unknown]>): EmaMapEntries {
  const map: EmaMapEntries = Object.create(null) as EmaMapEntries;
  for (const [key, value] of entries) map[key] = value;
  return map;
}

/** A value the map may hold: a finite number in [0, 1]. */
export function isMasteryScore(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= 1;
}

/**
 * What is wrong with `key` as a map key, if anything: it must be a document ID
 * and, when `knownOutcomeIds` is given, one of them.
 */
export function findKeyRule(
  key: string,
  knownOutcomeIds?: ReadonlySet<string>,
): Extract<MasteryRule, "empty_key" | "invalid_id_format" | "unknown_outcome"> | undefined {
  if (key === "") return "empty_key";
  if (!isDocumentId(key)) return "invalid_id_format";
  if (knownOutcomeIds !== undefined && !knownOutcomeIds.has(key)) return "unknown_outcome";
  return undefined;
}

/** True when serialized map `text` does not fit the column. */
export function isOversize(text: string): boolean {
  return text.length > EMA_BY_OUTCOME_MAX_CHARS;
}

/** The size rule on the serialized map (as stored or about to be written). */
export function findSizeViolations(text: string): MasteryViolation[] {
  return isOversize(text) ? [{ rule: "oversize", value: text.length }] : [];
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
  return [...findEntryViolations(map, knownOutcomeIds), ...findSizeViolations(JSON.stringify(map))];
}

/**
 * The rules of `findEmaViolations` on the map's entries, without its size: for
 * callers that measure the stored or written text themselves.
 */
export function findEntryViolations(
  map: Readonly<Record<string, unknown>>,
  knownOutcomeIds?: ReadonlySet<string>,
): MasteryViolation[] {
  return findKeyedEntryViolations(map, isMasteryScore, knownOutcomeIds);
}

/**
 * The entry rules of any map keyed by outcome document ID (mastery scores,
 * review dates): every key a document ID (and one of `knownOutcomeIds` when
 * given), every value accepted by `isValidValue`.
 */
export function findKeyedEntryViolations(
  map: Readonly<Record<string, unknown>>,
  isValidValue: (value: unknown) => boolean,
  knownOutcomeIds?: ReadonlySet<string>,
): MasteryViolation[] {
  const violations: MasteryViolation[] = [];
  for (const [key, value] of Object.entries(map)) {
    const rule = findKeyRule(key, knownOutcomeIds);
    if (rule !== undefined) violations.push({ rule, key, value });
    if (!isValidValue(value)) violations.push({ rule: "invalid_value", key, value });
  }
  return violations;
}

export function assertValidEmaMap(
  map: Readonly<Record<string, unknown>>,
  context: Record<string, unknown>,
  knownOutcomeIds?: ReadonlySet<string>,
): asserts map is Record<string, number> {
  const violations = findEmaViolations(map, knownOutcomeIds);
  if (violations.length > 0) throw new InvalidMasteryRecordError(violations, context);
}
