/**
 * A full teaching state for one-node tests, as prepare_session and
 * present_card would leave it for a lesson the caller sent inline (so nodes
 * find the answer key without a store). The card's progress can be
 * overridden field by field (`{ attempts: 2 }`) or whole (`{ card: null }`).
 */
import { presentedProgress, type CardProgress } from "../../../src/teaching/card-progress.js";
import type { State } from "../../../src/teaching/state.js";
import type { LessonFixture } from "./fixtures.js";

export const TEST_INTERACTION_ID = "interaction-test-0001";

export type StateOverrides = Partial<State> & Partial<CardProgress>;

const CARD_FIELDS = [
  "card_id",
  "cfu_type",
  "interaction_id",
  "attempts",
  "hints_shown",
  "answer",
  "question",
  "questions_asked",
  "last_error",
  "is_correct",
] as const satisfies readonly (keyof CardProgress)[];

export function lessonState(fixture: LessonFixture, overrides: StateOverrides = {}): State {
  const index = overrides.current_card_index ?? 0;
  const shown = fixture.lesson.cards[index] ?? fixture.lesson.cards[0];
  if (shown === undefined) throw new Error("a lesson fixture has cards");
  const card: CardProgress = {
    ...presentedProgress({
      card_id: shown.id,
      cfu_type: shown.cfu.type,
      interaction_id: TEST_INTERACTION_ID,
    }),
  };
  const rest: Partial<State> = {};
  for (const [key, value] of Object.entries(overrides)) {
    if ((CARD_FIELDS as readonly string[]).includes(key)) Object.assign(card, { [key]: value });
    else Object.assign(rest, { [key]: value });
  }
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
    card,
    evidence: [],
    card_scores: [],
    mastery_updates: [],
    mastery_record: null,
    persisted: null,
    ...rest,
  };
}
