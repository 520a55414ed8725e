/** The graph's routers: pure functions of the state, returning the next node's name. */
import { presentedCard } from "./card-progress.js";
import type { State } from "./state.js";

/**
 * After await_answer: a question goes to the tutor, an answer or skip to be
 * judged, and a rejected payload waits again at the same card (fresh interrupt).
 */
export function routeAfterAnswer(
  state: Pick<State, "card" | "current_card_index">,
): "evaluate" | "answer_question" | "await_answer" {
  const card = presentedCard(state);
  if (card.question !== null) return "answer_question";
  return card.answer === null ? "await_answer" : "evaluate";
}

/** Whether the current card is over: correct, skipped, or out of attempts. */
export function cardEnded(
  state: Pick<State, "card" | "current_card_index" | "max_attempts">,
): boolean {
  const card = presentedCard(state);
  return (
    card.answer?.action === "skip_card" ||
    card.is_correct === true ||
    card.attempts >= state.max_attempts
  );
}

/** After evaluate: a hint and another attempt, or the card's mastery. */
export function routeAfterEvaluation(
  state: Pick<State, "card" | "current_card_index" | "max_attempts">,
): "give_hint" | "update_mastery" {
  return cardEnded(state) ? "update_mastery" : "give_hint";
}

/** After update_mastery: the next card, or the end of the lesson. */
export function routeAfterMastery(
  state: Pick<State, "current_card_index" | "total_cards">,
): "present_card" | "complete" {
  return state.current_card_index < state.total_cards ? "present_card" : "complete";
}
