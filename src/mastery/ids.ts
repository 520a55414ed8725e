/**
 * Appwrite document IDs: `ID.unique()` gives 20 hex characters; custom IDs are
 * up to 36 of `a-z A-Z 0-9 . - _`, not starting with a special character. The
 * spec asks for at least 20 characters, which keeps `O1`, `AS1.1` and `""` out.
 */
const DOCUMENT_ID = /^[a-zA-Z0-9][a-zA-Z0-9._-]{19,35}$/;

export function isDocumentId(value: unknown): value is string {
  return typeof value === "string" && DOCUMENT_ID.test(value);
}

/**
 * Keys the legacy fallback wrote instead of document IDs: outcome codes
 * (`O1`, `TOPIC_*`, `SKILL_*`) and assessment standards (`AS1.1`).
 */
const STRING_REF = /^(O\d+|AS\d+(\.\d+)+|TOPIC_[A-Z0-9_]+|SKILL_[A-Z0-9_]+)$/;

export function isStringRef(key: string): boolean {
  return STRING_REF.test(key);
}

/** A new ID in the `ID.unique()` format: 8 hex of seconds, 5 of milliseconds, 7 random. */
export function uniqueId(now: number = Date.now()): string {
  const seconds = Math.floor(now / 1000)
    .toString(16)
    .padStart(8, "0");
  const millis = ((now % 1000) * 1000).toString(16).padStart(5, "0");
  const random = Array.from({ length: 7 }, () => Math.floor(Math.random() * 16).toString(16)).join(
    "",
  );
  return seconds + millis + random;
}
