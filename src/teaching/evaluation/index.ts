/**
 * Answer evaluation: deterministic for `numeric` and `mcq` cards, the teacher
 * model against the rubric for `structured_response` and `short_text`.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { describeValue, echoValue } from "../../errors.js";
import { needsModel, type Card, type Cfu } from "../../lessons/schema.js";
import { EvaluationError, EvaluatorUnavailableError } from "./errors.js";
import { evaluateMcq, correctOptionTexts } from "./mcq.js";
import { evaluateWithModel } from "./model.js";
import { evaluateNumeric, formatExpectedNumber } from "./numeric.js";
import type { Evaluation } from "./types.js";

export type { Evaluation } from "./types.js";
export { EvaluationError, EvaluatorUnavailableError } from "./errors.js";

export interface EvaluationDeps {
  /** The teacher model; required only for cards that `needsModel`. */
  model?: BaseChatModel;
}

/**
 * Judges one answer. A blank (or non-string) response is an `EvaluationError`
 * with reason `unreadable_answer`: there is nothing to judge, so callers should
 * reject blank answers before evaluating. A model card without a model is an
 * `EvaluatorUnavailableError` (prepare_session checks this up front with
 * `assertCardsEvaluable`).
 */
export async function evaluateAnswer(
  cfu: Cfu,
  response: string,
  deps: EvaluationDeps,
): Promise<Evaluation> {
  if (typeof response !== "string" || response.trim().length === 0) {
    throw new EvaluationError(
      "unreadable_answer",
      `No answer to judge for CFU ${cfu.id}: ${describeValue(response)}`,
      {
        cfuId: cfu.id,
        response: echoValue(response),
      },
    );
  }
  switch (cfu.type) {
    case "numeric":
      return evaluateNumeric(cfu, response);
    case "mcq":
      return evaluateMcq(cfu, response);
    case "structured_response":
    case "short_text":
      if (deps.model === undefined) {
        throw new EvaluatorUnavailableError([cfu.id], { cfuId: cfu.id, cfuType: cfu.type }, "CFU");
      }
      return evaluateWithModel(cfu, response, deps.model);
  }
}

/**
 * Fails before a lesson starts when a card needs the teacher model and none is
 * configured; the error names TEACHER_MODEL and every such card.
 */
export function assertCardsEvaluable(
  cards: readonly Card[],
  deps: EvaluationDeps,
  lesson: { lessonTitle: string; courseId: string },
): void {
  if (deps.model !== undefined) return;
  const cardIds = cards.filter((card) => needsModel(card.cfu)).map((card) => card.id);
  if (cardIds.length > 0) throw new EvaluatorUnavailableError(cardIds, { ...lesson });
}

/** Cards that can be judged without a model, e.g. for the terminal player when TEACHER_MODEL is unset. */
export function deterministicCards<T extends Card>(cards: readonly T[]): T[] {
  return cards.filter((card) => !needsModel(card.cfu));
}

/**
 * The expected answer as text, shown after the last wrong attempt: the value
 * for numeric cards, the option text(s) for MCQs, the rubric criteria otherwise.
 */
export function expectedAnswerText(cfu: Cfu): string {
  switch (cfu.type) {
    case "numeric":
      return formatExpectedNumber(cfu);
    case "mcq":
      return correctOptionTexts(cfu).join(" | ");
    case "structured_response":
    case "short_text":
      return cfu.rubric.criteria.map((criterion) => criterion.description).join("\n");
  }
}
