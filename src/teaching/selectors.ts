/** Reads the graph's state needs in more than one node. */
import type { PublicCard, PublicLesson } from "../lessons/public.js";
import type { Card } from "../lessons/schema.js";
import type { LessonContext } from "../mastery/errors.js";
import { storedLesson, type TeachingGraphDeps } from "./deps.js";
import { TeachingStateError } from "./errors.js";
import type { State } from "./state.js";

/** The card being taught, as the student sees it. */
export function currentCard(state: Pick<State, "lesson" | "current_card_index">): PublicCard {
  const card = state.lesson.cards[state.current_card_index];
  if (card === undefined) {
    throw new TeachingStateError(`No card at index ${state.current_card_index}`, {
      cardIndex: state.current_card_index,
      totalCards: state.lesson.cards.length,
      lessonTitle: state.lesson.title,
    });
  }
  return card;
}

/**
 * The card being taught with its answer key, hints and rubric: from the
 * caller's inline lesson, else from the stored session. It must be the card
 * the student was shown.
 */
export async function answerKeyCard(
  state: Pick<State, "lesson" | "inline_lesson" | "current_card_index" | "session_id">,
  deps: TeachingGraphDeps,
): Promise<Card> {
  const shown = currentCard(state);
  const lesson = state.inline_lesson ?? (await storedLesson(deps, state.session_id));
  const card = lesson.cards[state.current_card_index];
  if (card?.id !== shown.id) {
    throw new TeachingStateError("The stored lesson no longer has the card being taught", {
      sessionId: state.session_id,
      cardIndex: state.current_card_index,
      shownCardId: shown.id,
      storedCardId: card?.id,
      lessonTitle: state.lesson.title,
    });
  }
  return card;
}

/** What every mastery validation error reports about the lesson. */
export function lessonContext(
  lesson: Pick<PublicLesson, "title" | "courseId" | "outcomeRefs">,
): LessonContext {
  return { lessonTitle: lesson.title, courseId: lesson.courseId, outcomeRefs: lesson.outcomeRefs };
}
