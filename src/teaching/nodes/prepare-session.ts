import { Overwrite, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { needsModel } from "../../lessons/schema.js";
import { parseSessionContext } from "../../session/context.js";
import { ensureConfiguration } from "../configuration.js";
import { resolveChatModel, type TeachingGraphDeps } from "../deps.js";
import { assertCardsEvaluable } from "../evaluation/index.js";
import type { State, Update } from "../state.js";

/**
 * Node 1. Validates `session_context` (every bad field named; then the spec's
 * mastery validation of `enriched_outcomes`), checks that every card can be
 * judged, and starts the lesson. Nothing is written when any check fails, so
 * the thread can be fixed with `updateState` and resumed.
 */
export function createPrepareSession(deps: TeachingGraphDeps) {
  return async function prepareSession(
    state: State,
    config: LangGraphRunnableConfig,
  ): Promise<Update> {
    const context = parseSessionContext(state.session_context);
    const configuration = ensureConfiguration(config);
    const lesson = context.lesson_snapshot;
    const model = lesson.cards.some((card) => needsModel(card.cfu))
      ? await resolveChatModel(deps, configuration)
      : undefined;
    assertCardsEvaluable(
      lesson.cards,
      { model },
      { lessonTitle: lesson.title, courseId: lesson.courseId },
    );
    return {
      session_context: null,
      session_id: context.session_id,
      student_id: context.student_id,
      lesson_snapshot: lesson,
      enriched_outcomes: context.enriched_outcomes,
      use_plain_text: context.use_plain_text ?? false,
      max_attempts: configuration.maxAttempts,
      current_card_index: 0,
      // A thread teaches one lesson: a new start must not carry a previous run's results.
      evidence: new Overwrite([]),
      mastery_updates: new Overwrite([]),
      mastery_record: null,
    };
  };
}
