import { AIMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { authenticatedStudent } from "../caller.js";
import { ensureConfiguration } from "../configuration.js";
import type { MasteryUpdate } from "../../mastery/ema.js";
import type { EvidenceRow } from "../../stores/ports.js";
import { resolveAuthMode, resolveClock, type TeachingGraphDeps } from "../deps.js";
import { TeachingStateError } from "../errors.js";
import { analysePerformance } from "../performance.js";
import { lessonSummaryText } from "../prompts.js";
import { LESSON_COMPLETION_SUMMARY, type LessonCompletionSummaryArgs } from "../protocol.js";
import {
  masteryUpdatesOf,
  type EvidenceEntry,
  type PersistedCompletion,
} from "../lesson-record.js";
import { taughtLesson } from "../selectors.js";
import type { State, Update } from "../state.js";
import { lessonSummaryMessages } from "../tutor/prompts.js";
import { speak, teacherModel } from "../tutor/speak.js";

/**
 * Node 7. After the last card: writes the lesson's whole completion in one
 * atomic store operation, exactly once per session (so a retried or replayed
 * complete, e.g. after a crash between the store's commit and the checkpoint,
 * writes nothing and reports `already_applied`): the mastery updates folded
 * into MasteryV2, one evidence row per attempt and skip, the next review per
 * outcome (Routine, FSRS at the injected clock's time) and the session row set
 * to `completed`. Then one closing message with the `lesson_completion_summary`
 * tool call, whose `persisted` block tells the frontend it must write nothing.
 * With a teacher model the summary is the model's, written before anything is
 * stored: a failing model leaves the lesson unwritten and the node retryable.
 */
export function createComplete(deps: TeachingGraphDeps) {
  return async function complete(state: State, config: LangGraphRunnableConfig): Promise<Update> {
    const auth = resolveAuthMode(deps);
    const { emaAlpha } = ensureConfiguration(config, auth);
    const { lesson, outcomes } = await taughtLesson(state, deps);
    const updates = masteryUpdatesOf(state.card_scores, state.outcome_ids);
    const performance = analysePerformance(lesson.cards, state.evidence);
    const model = await teacherModel(deps, config);
    const spoken =
      model === undefined
        ? undefined
        : await speak(model, "lesson_summary", lessonSummaryMessages(lesson, performance));
    const summary = spoken?.text ?? lessonSummaryText(lesson.title, performance);
    const { mastery } = await deps.getStores();
    const completion = await mastery.completeLesson({
      sessionId: state.session_id,
      studentId: state.student_id,
      courseId: lesson.courseId,
      updates,
      alpha: emaAlpha,
      // On Appwrite the student's own account may read the records it creates.
      ...(auth === "appwrite" ? { readerUserId: authenticatedStudent(config).userId } : {}),
      threadId: threadIdOf(config),
      completedAt: resolveClock(deps)().toISOString(),
      evidence: state.evidence.map(evidenceRow),
      score: overallScore(updates),
    });
    const record = { status: completion.status, ...completion.mastery };
    const persisted: PersistedCompletion = {
      status: completion.status,
      mastery_record: record,
      evidence_count: completion.evidenceCount,
      due_at_by_outcome: completion.dueAtByOutcome,
      session_status: completion.session.status,
    };
    const args: LessonCompletionSummaryArgs = {
      summary,
      performance_analysis: performance,
      evidence: state.evidence,
      mastery_updates: updates,
      enriched_outcomes: outcomes,
      lesson_title: lesson.title,
      total_cards: lesson.cards.length,
      cards_completed: performance.total_cards,
      retry_recommended: performance.retry_recommended,
      session_id: state.session_id,
      student_id: state.student_id,
      course_id: lesson.courseId,
      mastery_record: record,
      persisted,
      timestamp: new Date().toISOString(),
    };
    return {
      mastery_updates: updates,
      mastery_record: record,
      persisted,
      messages: [
        new AIMessage({
          // The streamed summary and this message are one message (see `speak`).
          ...(spoken?.id === undefined ? {} : { id: spoken.id }),
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

/** The LangGraph thread of this run (every checkpointed run has one). */
function threadIdOf(config: LangGraphRunnableConfig): string {
  const threadId: unknown = config.configurable?.thread_id;
  if (typeof threadId !== "string" || threadId.length === 0) {
    throw new TeachingStateError("complete needs the run's thread_id to record the session", {
      threadId: threadId ?? null,
    });
  }
  return threadId;
}

/** An evidence entry as an `evidence` row (the platform's columns and ours). */
function evidenceRow(entry: EvidenceEntry): EvidenceRow {
  return {
    itemId: entry.item_id,
    cardId: entry.card_id,
    interactionId: entry.interaction_id,
    response: entry.response,
    correct: entry.correct,
    attempts: entry.attempts,
    confidence: entry.confidence,
    reasoning: entry.reasoning,
    feedback: entry.feedback,
    timestamp: entry.timestamp,
    partialCredit: entry.partial_credit,
    method: entry.method,
  };
}

/** The lesson's overall score: the mean of its card scores (every outcome of a card gets the same one). */
function overallScore(updates: readonly MasteryUpdate[]): number {
  return updates.reduce((sum, update) => sum + update.score, 0) / updates.length;
}
