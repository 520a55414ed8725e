/** One rubric criterion as judged for one answer. */
export interface RubricScore {
  criterion: string;
  points_awarded: number;
  max_points: number;
}

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
