/** The graph's routers: pure functions of the state, returning the next node's name. */
import type { State } from "./state.js";

/**
 * After await_answer: a question goes to the tutor, an answer or skip to be
 * judged, and a rejected payload waits again at the same card (fresh interrupt).
 */
export function routeAfterAnswer(
  state: Pick<State, "answer" | "question">,
): "evaluate" | "answer_question" | "await_answer" {
  // A thread checkpointed before questions existed has no `question` field at all.
  if (state.question) return "answer_question";
  return state.answer === null ? "await_answer" : "evaluate";
}

/** Whether the current card is over: correct, skipped, or out of attempts. */
export function cardEnded(
  state: Pick<State, "answer" | "is_correct" | "attempts" | "max_attempts">,
): boolean {
  return (
    state.answer?.action === "skip_card" ||
    state.is_correct === true ||
    state.attempts >= state.max_attempts
  );
}

/** After evaluate: a hint and another attempt, or the card's mastery. */
export function routeAfterEvaluation(
  state: Pick<State, "answer" | "is_correct" | "attempts" | "max_attempts">,
): "give_hint" | "update_mastery" {
  return cardEnded(state) ? "update_mastery" : "give_hint";
}

/** After update_mastery: the next card, or the end of the lesson. */
export function routeAfterMastery(
  state: Pick<State, "current_card_index" | "total_cards">,
): "present_card" | "complete" {
  return state.current_card_index < state.total_cards ? "present_card" : "complete";
}
