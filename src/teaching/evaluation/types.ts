import { z } from "zod";

/**
 * One rubric criterion as judged for one answer. Declared once: the teacher
 * model's output, the evaluation and the evidence in the graph's state all
 * use this shape (kept free of range checks, which not every provider's
 * schema mode accepts; `model.ts` checks the ranges against the card's rubric).
 */
export const RubricScoreSchema = z.object({
  criterion: z.string().describe("The rubric criterion's description, copied exactly"),
  points_awarded: z.number().describe("Points awarded for this criterion, 0 to max_points"),
  max_points: z.number().describe("The criterion's points in the rubric"),
});
export type RubricScore = z.infer<typeof RubricScoreSchema>;

/** The verdict on one answer to one card's CFU. */
export interface Evaluation {
  is_correct: boolean;
  /** In [0, 1]; the graph treats >= 0.6 as correct for model-judged cards. Deterministic cards give 0 or 1. */
  partial_credit: number;
  /** In [0, 1]; 1 for deterministic checks. */
  confidence: number;
  /** What the student sees. Never reveals the answer of a wrong attempt. */
  feedback: string;
  /** Why the verdict was reached, for logs and evidence. */
  reasoning: string;
  rubric_breakdown: RubricScore[];
  method: "numeric" | "mcq" | "model";
}
