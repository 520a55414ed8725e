import { AIMessage } from "@langchain/core/messages";
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
    const hint = card.cfu.hints?.[state.hints_shown];
    return {
      hints_shown: hint === undefined ? state.hints_shown : state.hints_shown + 1,
      messages: [
        new AIMessage(hintText(hint, { next: state.attempts + 1, max: state.max_attempts })),
      ],
    };
  };
}
