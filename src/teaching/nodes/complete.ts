import { AIMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { authenticatedStudent } from "../caller.js";
import { ensureConfiguration } from "../configuration.js";
import { resolveAuthMode, type TeachingGraphDeps } from "../deps.js";
import { analysePerformance } from "../performance.js";
import { lessonSummaryText } from "../prompts.js";
import { LESSON_COMPLETION_SUMMARY, type LessonCompletionSummaryArgs } from "../protocol.js";
import type { State, Update } from "../state.js";

/**
 * Node 7. After the last card: folds the lesson's mastery updates into the
 * student's MasteryV2 record (idempotent per session, so a retried complete is
 * safe), then one closing message with the `lesson_completion_summary` tool call.
 */
export function createComplete(deps: TeachingGraphDeps) {
  return async function complete(state: State, config: LangGraphRunnableConfig): Promise<Update> {
    const auth = resolveAuthMode(deps);
    const { emaAlpha } = ensureConfiguration(config, auth);
    const lesson = state.lesson;
    const { mastery } = await deps.getStores();
    const record = await mastery.applyLessonMastery({
      sessionId: state.session_id,
      studentId: state.student_id,
      courseId: lesson.courseId,
      updates: state.mastery_updates,
      alpha: emaAlpha,
      // On Appwrite the student's own account may read the record it creates.
      ...(auth === "appwrite" ? { readerUserId: authenticatedStudent(config).userId } : {}),
    });
    const performance = analysePerformance(lesson.cards, state.evidence);
    const summary = lessonSummaryText(lesson.title, performance);
    const args: LessonCompletionSummaryArgs = {
      summary,
      performance_analysis: performance,
      evidence: state.evidence,
      mastery_updates: state.mastery_updates,
      enriched_outcomes: state.enriched_outcomes,
      lesson_title: lesson.title,
      total_cards: lesson.cards.length,
      cards_completed: performance.total_cards,
      retry_recommended: performance.retry_recommended,
      session_id: state.session_id,
      student_id: state.student_id,
      course_id: lesson.courseId,
      mastery_record: record,
      timestamp: new Date().toISOString(),
    };
    return {
      mastery_record: record,
      messages: [
        new AIMessage({
          content: summary,
          tool_calls: [
            {
              id: `lesson_completion_${state.session_id}`,
              name: LESSON_COMPLETION_SUMMARY,
              args,
              type: "tool_call",
            },
          ],
        }),
      ],
    };
  };
}
