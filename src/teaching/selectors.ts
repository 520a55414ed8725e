/** Reads the graph's state needs in more than one node. */
import type { PublicCard, PublicLesson } from "../lessons/public.js";
import type { Card } from "../lessons/schema.js";
import type { LessonContext } from "../mastery/errors.js";
import { storedSessionLesson, type TeachingGraphDeps } from "./deps.js";
import { TeachingStateError } from "./errors.js";
import { sessionLesson, type SessionLesson } from "./session-lesson.js";
import type { State } from "./state.js";

/** What a node needs of the state to find the lesson it teaches. */
export type LessonRef = Pick<
  State,
  "session_id" | "inline_lesson" | "outcome_ids" | "total_cards" | "card"
>;

/**
 * A thread checkpointed by a graph that kept the lesson in its state (before
 * `total_cards` and `outcome_ids` existed), or the card's progress in
 * separate fields (before `card`), cannot be taught on: its progress is not
 * where this graph looks. It is refused, typed, rather than read as a lesson
 * with no cards or a card never presented.
 */
export function assertProgressState(
  state: Partial<LessonRef> & Pick<State, "session_id"> & { card?: unknown },
): void {
  const inline: unknown = state.inline_lesson;
  const knownInline =
    inline === null ||
    (typeof inline === "object" && inline !== undefined && "lesson_snapshot" in inline);
  if (
    typeof state.total_cards !== "number" ||
    !Array.isArray(state.outcome_ids) ||
    !knownInline ||
    state.card === undefined
  ) {
    throw new TeachingStateError(
      "This thread was started by an earlier version of the teaching graph: start the lesson again on a new thread",
      { sessionId: state.session_id },
    );
  }
}

/**
 * The lesson this thread teaches: the caller's inline one from the state,
 * else the stored session's, read through the graph's cache (from the store
 * after a restart). A stored lesson must still record mastery for the
 * outcomes it started with: a changed `course_outcomes` table must not move
 * the rest of a lesson's scores to other keys.
 */
export async function taughtLesson(
  state: LessonRef,
  deps: TeachingGraphDeps,
): Promise<SessionLesson> {
  assertProgressState(state);
  if (state.inline_lesson !== null) {
    const inline = state.inline_lesson;
    return sessionLesson(inline.lesson_snapshot, inline.enriched_outcomes);
  }
  const stored = await storedSessionLesson(deps, state.session_id);
  const outcomeIds = stored.outcomes.map((outcome) => outcome.$id);
  if (!sameIds(outcomeIds, state.outcome_ids)) {
    throw new TeachingStateError("The session's outcomes changed since its lesson started", {
      sessionId: state.session_id,
      startedWith: state.outcome_ids,
      storedNow: outcomeIds,
    });
  }
  return stored;
}

/** The card being taught, as the student sees it. */
export function currentCard(
  lesson: PublicLesson,
  state: Pick<State, "current_card_index">,
): PublicCard {
  const card = lesson.cards[state.current_card_index];
  if (card === undefined) {
    throw new TeachingStateError(`No card at index ${state.current_card_index}`, {
      cardIndex: state.current_card_index,
      totalCards: lesson.cards.length,
      lessonTitle: lesson.title,
    });
  }
  return card;
}

/** The card being taught with its answer key, hints and rubric: never shown, never in a prompt. */
export function answerKeyCard(
  taught: SessionLesson,
  state: Pick<State, "current_card_index">,
): Card {
  const card = taught.snapshot.cards[state.current_card_index];
  if (card === undefined) {
    throw new TeachingStateError(`No card at index ${state.current_card_index}`, {
      cardIndex: state.current_card_index,
      totalCards: taught.snapshot.cards.length,
      lessonTitle: taught.snapshot.title,
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

/** The same outcome IDs, in any order: a store need not return rows in the order it did before. */
function sameIds(a: readonly string[], b: readonly string[]): boolean {
  const expected = new Set(b);
  return a.length === b.length && a.every((id) => expected.has(id));
}
