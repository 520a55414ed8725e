/**
 * The teaching graph: prepare_session → (present_card → await_answer →
 * evaluate → [give_hint → await_answer]* → update_mastery)* → complete.
 */
import { END, START, StateGraph } from "@langchain/langgraph";
import { ConfigurationSchema } from "./configuration.js";
import type { TeachingGraphDeps } from "./deps.js";
import { awaitAnswer } from "./nodes/await-answer.js";
import { createComplete } from "./nodes/complete.js";
import { createEvaluate } from "./nodes/evaluate.js";
import { createGiveHint } from "./nodes/give-hint.js";
import { createPrepareSession } from "./nodes/prepare-session.js";
import { presentCard } from "./nodes/present-card.js";
import { updateMastery } from "./nodes/update-mastery.js";
import { routeAfterAnswer, routeAfterEvaluation, routeAfterMastery } from "./routing.js";
import { TeachingInput, TeachingState } from "./state.js";

/** The uncompiled graph; compile it with a checkpointer (interrupts need one). */
export function createTeachingGraph(deps: TeachingGraphDeps) {
  return new StateGraph(TeachingState, { input: TeachingInput, context: ConfigurationSchema })
    .addNode("prepare_session", createPrepareSession(deps))
    .addNode("present_card", presentCard)
    .addNode("await_answer", awaitAnswer)
    .addNode("evaluate", createEvaluate(deps))
    .addNode("give_hint", createGiveHint(deps))
    .addNode("update_mastery", updateMastery)
    .addNode("complete", createComplete(deps))
    .addEdge(START, "prepare_session")
    .addEdge("prepare_session", "present_card")
    .addEdge("present_card", "await_answer")
    .addConditionalEdges("await_answer", routeAfterAnswer, ["evaluate", "await_answer"])
    .addConditionalEdges("evaluate", routeAfterEvaluation, ["give_hint", "update_mastery"])
    .addEdge("give_hint", "await_answer")
    .addConditionalEdges("update_mastery", routeAfterMastery, ["present_card", "complete"])
    .addEdge("complete", END);
}

/** Production dependencies: the store chosen by the environment; the model from TEACHER_MODEL; callers per TEACHING_AUTH. */
export const defaultDeps: TeachingGraphDeps = {
  // Imported on first use: loading the graph must not load database adapters.
  getStores: async () => (await import("../stores/index.js")).getDefaultStores(),
};

/** The graph the LangGraph server serves; it brings its own checkpointer. */
export const graph = createTeachingGraph(defaultDeps).compile({ name: "teaching" });
