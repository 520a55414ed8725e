import { getLogger } from "../../logger.js";
import { assertMasteryOutcomes } from "../../mastery/outcomes.js";
import { scoreCard } from "../../mastery/score.js";
import { presentedCard } from "../card-progress.js";
import type { TeachingGraphDeps } from "../deps.js";
import { lessonContext, taughtLesson } from "../selectors.js";
import type { State, Update } from "../state.js";

/**
 * Node 6. The card has ended (correct, attempts used up, or skipped): its
 * score (complete turns it into one mastery update per outcome, keyed by its
 * document `$id`), then on to the next card. The outcomes are validated again here exactly as the spec's
 * Phase 1 (no fallback to `outcomeRefs`): if any is unusable, the node throws
 * and nothing is written (all or nothing), and the thread stays at this card.
 */
export function createUpdateMastery(deps: TeachingGraphDeps) {
  return async function updateMastery(state: State): Promise<Update> {
    const { lesson, outcomes: enriched } = await taughtLesson(state, deps);
    const outcomes = assertMasteryOutcomes(enriched, lessonContext(lesson));
    const card = presentedCard(state);
    const score = scoreCard({ isCorrect: card.is_correct === true, attempts: card.attempts });
    const timestamp = new Date().toISOString();
    getLogger().debug(
      {
        cardIndex: state.current_card_index,
        score,
        outcomeIds: outcomes.map((outcome) => outcome.$id),
      },
      "mastery updates created",
    );
    return {
      card_scores: [{ score, timestamp }],
      current_card_index: state.current_card_index + 1,
    };
  };
}
