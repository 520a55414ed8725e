/**
 * The platform's rule for a lesson's `outcomeRefs`: a ref without a `.` is an
 * outcome (`O1`, `TOPIC_NUMBER`), a ref with a `.` is an assessment standard
 * (`AS1.1`). Refs are trimmed; blanks and duplicates are dropped.
 */
export function extractOutcomeIds(refs: readonly string[]): string[] {
  return [...new Set(normalizeRefs(refs).filter((ref) => !ref.includes(".")))];
}

export function extractAssessmentStandards(refs: readonly string[]): string[] {
  return [...new Set(normalizeRefs(refs).filter((ref) => ref.includes(".")))];
}

function normalizeRefs(refs: readonly string[]): string[] {
  return refs.map((ref) => ref.trim()).filter((ref) => ref.length > 0);
}
