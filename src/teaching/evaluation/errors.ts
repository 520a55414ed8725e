import { TeachingGraphError } from "../../errors.js";

export type EvaluationFailure =
  /** The model's output was not JSON / not a structured response. */
  | "model_output_unparseable"
  /** The model's output parsed but broke the judgement schema (types, ranges). */
  | "model_output_invalid"
  /** The model's per-criterion breakdown does not match the card's rubric (criteria, order, max points, points awarded). */
  | "rubric_mismatch"
  /** The response is not a non-blank string: there is nothing to judge. */
  | "unreadable_answer"
  /** Two MCQ options read the same once case and spaces are ignored (a card data error). */
  | "ambiguous_options";

/**
 * An answer that could not be judged. No verdict is guessed: the caller must
 * surface this error rather than mark the answer right or wrong.
 */
export class EvaluationError extends TeachingGraphError {
  readonly reason: EvaluationFailure;

  constructor(
    reason: EvaluationFailure,
    message: string,
    context: Record<string, unknown>,
    options?: ErrorOptions,
  ) {
    super("EVALUATION_FAILED", message, { ...context, reason }, options);
    this.reason = reason;
  }
}

/**
 * Cards that need a language model, and none is configured. `cardIds` names
 * the lesson's cards (from `assertCardsEvaluable`), or the CFU when only the
 * CFU is known (from `evaluateAnswer`).
 */
export class EvaluatorUnavailableError extends TeachingGraphError {
  readonly cardIds: readonly string[];

  constructor(
    cardIds: readonly string[],
    context: Record<string, unknown>,
    noun: "card" | "CFU" = "card",
  ) {
    super(
      "EVALUATOR_UNAVAILABLE",
      `No teacher model is configured, but ${noun}${cardIds.length === 1 ? "" : "s"} ${cardIds.join(", ")} ` +
        "must be judged against a rubric by a language model. Set TEACHER_MODEL=provider:model " +
        "(e.g. openai:gpt-4o-mini or anthropic:claude-3-5-haiku-latest) and the provider's API key.",
      { ...context, cardIds, variable: "TEACHER_MODEL" },
    );
    this.cardIds = cardIds;
  }
}
