/**
 * The do-nothing graph that bench/server.ts serves beside the teaching graph
 * (registered as `baseline` in the bench's copy of langgraph.json): per card,
 * the same interrupt/resume shape as a lesson (show the card, wait for the
 * answer, move on) and no work. Its per-card latency through the server is the
 * floor the teaching graph's is compared with.
 */
import { END, START, StateGraph, StateSchema, interrupt } from "@langchain/langgraph";
import { z } from "zod";

const BaselineState = new StateSchema({
  /** How many cards the lesson has; the caller's only input. */
  total_cards: z.int().positive(),
  /** 0-based card being asked. */
  card_index: z.int().nonnegative().default(0),
  /** How many answers have been taken. */
  answered: z.int().nonnegative().default(0),
});
type State = typeof BaselineState.State;

/** What the baseline's interrupt asks: which card of how many. */
export const BaselineRequestSchema = z.object({
  card_index: z.int().nonnegative(),
  total_cards: z.int().positive(),
});
export type BaselineRequest = z.infer<typeof BaselineRequestSchema>;

/** Shows the next card: nothing to do but point at it. */
function presentCard(state: State): Partial<State> {
  return { card_index: state.answered };
}

/** Waits for any answer to the card (the value is not looked at). */
function awaitAnswer(state: State): Partial<State> {
  const request: BaselineRequest = {
    card_index: state.card_index,
    total_cards: state.total_cards,
  };
  interrupt(request);
  return { answered: state.answered + 1 };
}

export function routeAfterAnswer(state: State): "present_card" | typeof END {
  return state.answered < state.total_cards ? "present_card" : END;
}

export const graph = new StateGraph(BaselineState)
  .addNode("present_card", presentCard)
  .addNode("await_answer", awaitAnswer)
  .addEdge(START, "present_card")
  .addEdge("present_card", "await_answer")
  .addConditionalEdges("await_answer", routeAfterAnswer, ["present_card", END])
  .compile({ name: "baseline" });
