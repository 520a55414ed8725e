/** Reads the graph's state needs in more than one node. */
import type { Card, LessonSnapshot } from "../lessons/schema.js";
import type { LessonContext } from "../mastery/errors.js";
import { TeachingStateError } from "./errors.js";
import type { State } from "./state.js";

/** The card being taught. */
export function currentCard(state: Pick<State, "lesson_snapshot" | "current_card_index">): Card {
  const card = state.lesson_snapshot.cards[state.current_card_index];
  if (card === undefined) {
    throw new TeachingStateError(`No card at index ${state.current_card_index}`, {
      cardIndex: state.current_card_index,
      totalCards: state.lesson_snapshot.cards.length,
      lessonTitle: state.lesson_snapshot.title,
    });
  }
  return card;
}

/** What every mastery validation error reports about the lesson. */
export function lessonContext(lesson: LessonSnapshot): LessonContext {
  return { lessonTitle: lesson.title, courseId: lesson.courseId, outcomeRefs: lesson.outcomeRefs };
}
