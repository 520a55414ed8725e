/**
 * A full teaching state for one-node tests, as prepare_session and
 * present_card would leave it for a lesson the caller sent inline (so nodes
 * find the answer key without a store).
 */
import { publicLesson } from "../../../src/lessons/public.js";
import type { State } from "../../../src/teaching/state.js";
import type { LessonFixture } from "./fixtures.js";

export const TEST_INTERACTION_ID = "interaction-test-0001";

export function lessonState(fixture: LessonFixture, overrides: Partial<State> = {}): State {
  return {
    messages: [],
    session_context: null,
    session_id: fixture.sessionContext.session_id,
    student_id: fixture.sessionContext.student_id,
    lesson: publicLesson(fixture.lesson),
    inline_lesson: fixture.lesson,
    enriched_outcomes: fixture.enrichedOutcomes,
    use_plain_text: false,
    max_attempts: 3,
    current_card_index: 0,
    interaction_id: TEST_INTERACTION_ID,
    attempts: 0,
    hints_shown: 0,
    answer: null,
    question: null,
    questions_asked: 0,
    last_error: null,
    is_correct: null,
    evidence: [],
    mastery_updates: [],
    mastery_record: null,
    persisted: null,
    ...overrides,
  };
}
