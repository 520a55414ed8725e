/**
 * The teaching graph: prepare_session → (present_card → await_answer →
 * [answer_question → await_answer]* → evaluate → [give_hint → await_answer]*
 * → update_mastery)* → complete.
 */
import { END, START, StateGraph, type RetryPolicy } from "@langchain/langgraph";
import { ConfigurationSchema } from "./configuration.js";
import type { TeachingGraphDeps } from "./deps.js";
import { createAnswerQuestion } from "./nodes/answer-question.js";
import { awaitAnswer } from "./nodes/await-answer.js";
import { createComplete } from "./nodes/complete.js";
import { createEvaluate } from "./nodes/evaluate.js";
import { createGiveHint } from "./nodes/give-hint.js";
import { createPrepareSession } from "./nodes/prepare-session.js";
import { createPresentCard } from "./nodes/present-card.js";
import { createUpdateMastery } from "./nodes/update-mastery.js";
import { routeAfterAnswer, routeAfterEvaluation, routeAfterMastery } from "./routing.js";
import { TeachingInput, TeachingState } from "./state.js";
import { TeacherModelError } from "./tutor/errors.js";

/**
 * Nodes where the teacher model speaks are re-run when it fails (3 tries in
 * all, 0.5 s then 1 s apart, with jitter). Only `TeacherModelError` is
 * retried: a store or state error would fail the same way again. Each
 * provider's own client retries are off (see loadChatModel) so the two do
 * not multiply. The last failure ends the run; the thread stays at the node
 * and `invoke(null)` tries it again.
 */
export const TEACHER_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  initialInterval: 500,
  backoffFactor: 2,
  jitter: true,
  retryOn: (error: unknown) => error instanceof TeacherModelError,
};

/** The uncompiled graph; compile it with a checkpointer (interrupts need one). */
export function createTeachingGraph(deps: TeachingGraphDeps) {
  return new StateGraph(TeachingState, { input: TeachingInput, context: ConfigurationSchema })
    .addNode("prepare_session", createPrepareSession(deps))
    .addNode("present_card", createPresentCard(deps), { retryPolicy: TEACHER_RETRY_POLICY })
    .addNode("await_answer", awaitAnswer)
    .addNode("answer_question", createAnswerQuestion(deps), {
      retryPolicy: TEACHER_RETRY_POLICY,
    })
    .addNode("evaluate", createEvaluate(deps), { retryPolicy: TEACHER_RETRY_POLICY })
    .addNode("give_hint", createGiveHint(deps))
    .addNode("update_mastery", createUpdateMastery(deps))
    .addNode("complete", createComplete(deps), { retryPolicy: TEACHER_RETRY_POLICY })
    .addEdge(START, "prepare_session")
    .addEdge("prepare_session", "present_card")
    .addEdge("present_card", "await_answer")
    .addConditionalEdges("await_answer", routeAfterAnswer, [
      "evaluate",
      "answer_question",
      "await_answer",
    ])
    .addEdge("answer_question", "await_answer")
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
