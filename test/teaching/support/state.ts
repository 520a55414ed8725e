/**
 * A full teaching state for one-node tests, as prepare_session and
 * present_card would leave it for a lesson the caller sent inline (so nodes
 * find the answer key without a store).
 */
import type { State } from "../../../src/teaching/state.js";
import type { LessonFixture } from "./fixtures.js";

export const TEST_INTERACTION_ID = "interaction-test-0001";

export function lessonState(fixture: LessonFixture, overrides: Partial<State> = {}): State {
  const index = overrides.current_card_index ?? 0;
  const firstCard = fixture.lesson.cards[index] ?? fixture.lesson.cards[0];
  if (firstCard === undefined) throw new Error("a lesson fixture has cards");
  return {
    messages: [],
    session_context: null,
    session_id: fixture.sessionContext.session_id,
    student_id: fixture.sessionContext.student_id,
    inline_lesson: {
      lesson_snapshot: fixture.lesson,
      enriched_outcomes: fixture.enrichedOutcomes,
    },
    outcome_ids: fixture.enrichedOutcomes.map((outcome) => outcome.$id),
    use_plain_text: false,
    max_attempts: 3,
    total_cards: fixture.lesson.cards.length,
    current_card_index: 0,
    card_id: firstCard.id,
    cfu_type: firstCard.cfu.type,
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
