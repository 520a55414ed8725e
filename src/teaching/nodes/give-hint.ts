import { AIMessage } from "@langchain/core/messages";
import { presentedCard, withHintShown } from "../card-progress.js";
import type { TeachingGraphDeps } from "../deps.js";
import { hintText } from "../prompts.js";
import { answerKeyCard, taughtLesson } from "../selectors.js";
import type { State, Update } from "../state.js";

/**
 * Node 5. After a wrong answer with attempts left: the card's next hint (in
 * order, each shown once), then the graph waits for another attempt. Hints
 * live with the answer key, off the state, until they are given.
 */
export function createGiveHint(deps: TeachingGraphDeps) {
  return async function giveHint(state: State): Promise<Update> {
    const card = answerKeyCard(await taughtLesson(state, deps), state);
    const progress = presentedCard(state);
    const hint = card.cfu.hints?.[progress.hints_shown];
    return {
      card: withHintShown(progress, hint !== undefined),
      messages: [
        new AIMessage(hintText(hint, { next: progress.attempts + 1, max: state.max_attempts })),
      ],
    };
  };
}
