/**
 * The do-nothing graphs that bench/server.ts serves beside the teaching graph
 * (registered in the bench's copy of langgraph.json):
 *
 * - `graph` (`baseline`): per card, the interrupt/resume shape of a lesson
 *   and nothing more (show the card, wait for the answer, move on). Its
 *   per-card latency through the server is the floor the teaching graph's is
 *   judged against.
 * - `teachingStepsGraph` (`baseline_teaching_steps`): the same, with the
 *   teaching graph's steps per card (an answer is evaluated and recorded, by
 *   nodes that do nothing, before the next card is shown). It splits the
 *   teaching graph's cost over the floor into what LangGraph charges for the
 *   extra steps and what the teaching graph's own work and state add.
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

/** A step that does nothing. */
function moveOn(): Partial<State> {
  return {};
}

export const graph = new StateGraph(BaselineState)
  .addNode("present_card", presentCard)
  .addNode("await_answer", awaitAnswer)
  .addEdge(START, "present_card")
  .addEdge("present_card", "await_answer")
  .addConditionalEdges("await_answer", routeAfterAnswer, ["present_card", END])
  .compile({ name: "baseline" });

/**
 * Per correctly answered card, the teaching graph's nodes in its order and
 * with its kinds of edges: await_answer → evaluate → update_mastery →
 * present_card → await_answer, each choosing the next node by a router.
 */
export const teachingStepsGraph = new StateGraph(BaselineState)
  .addNode("present_card", presentCard)
  .addNode("await_answer", awaitAnswer)
  .addNode("evaluate", moveOn)
  .addNode("update_mastery", moveOn)
  .addEdge(START, "present_card")
  .addEdge("present_card", "await_answer")
  .addConditionalEdges("await_answer", () => "evaluate" as const, ["evaluate"])
  .addConditionalEdges("evaluate", () => "update_mastery" as const, ["update_mastery"])
  .addConditionalEdges("update_mastery", routeAfterAnswer, ["present_card", END])
  .compile({ name: "baseline_teaching_steps" });
