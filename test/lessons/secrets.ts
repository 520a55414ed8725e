/** Finding answer-key material in what the API returns to a student. */

/** Keys of a lesson card that a student must not see while the card is asked. */
export const SECRET_CARD_KEYS = [
  "answerIndex",
  "answerIndices",
  "expected",
  "tolerance",
  "rubric",
  "hints",
  "misconceptions",
] as const;

/** Every path in `value` (objects and arrays, any depth) whose key is a secret card key. */
export function secretKeysIn(value: unknown, path = "$"): string[] {
  if (Array.isArray(value))
    return value.flatMap((item, index) => secretKeysIn(item, `${path}[${index}]`));
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => [
    ...((SECRET_CARD_KEYS as readonly string[]).includes(key) ? [`${path}.${key}`] : []),
    ...secretKeysIn(child, `${path}.${key}`),
  ]);
}
