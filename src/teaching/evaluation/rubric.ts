import type { Cfu } from "../../lessons/schema.js";
import type { RubricScore } from "./types.js";

/**
 * A deterministic verdict is all or nothing: every rubric criterion gets its
 * full points when the answer is correct and none otherwise. Cards without a
 * rubric get one criterion worth one point.
 */
export function deterministicRubric(cfu: Cfu, isCorrect: boolean): RubricScore[] {
  const criteria = cfu.rubric?.criteria ?? [{ description: "Correct answer", points: 1 }];
  return criteria.map((criterion) => ({
    criterion: criterion.description,
    points_awarded: isCorrect ? criterion.points : 0,
    max_points: criterion.points,
  }));
}
