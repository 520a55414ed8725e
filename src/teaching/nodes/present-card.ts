import { randomUUID } from "node:crypto";
import { AIMessage } from "@langchain/core/messages";
import { cardText } from "../prompts.js";
import { LESSON_CARD_PRESENTATION, type CardPresentationArgs } from "../protocol.js";
import { currentCard } from "../selectors.js";
import type { State, Update } from "../state.js";

/**
 * Node 2. Shows the current card (explainer, then question) with the
 * `lesson_card_presentation` tool call the frontend renders, and starts a new
 * interaction: attempts, hints and the previous answer are reset.
 */
export function presentCard(state: State): Update {
  const card = currentCard(state);
  const index = state.current_card_index;
  const total = state.lesson.cards.length;
  const interactionId = randomUUID();
  const progress = `${index + 1}/${total}`;
  const content = cardText(card, { index, total, plainText: state.use_plain_text });
  const args: CardPresentationArgs = {
    card_content: content,
    card_data: card,
    card_index: index,
    total_cards: total,
    cfu_type: card.cfu.type,
    interaction_id: interactionId,
    lesson_title: state.lesson.title,
    progress,
    lesson_context: {
      lesson_title: state.lesson.title,
      student_name: state.student_id,
      progress,
    },
    timestamp: new Date().toISOString(),
  };
  return {
    messages: [
      new AIMessage({
        content,
        tool_calls: [
          {
            id: `lesson_card_${interactionId}`,
            name: LESSON_CARD_PRESENTATION,
            args,
            type: "tool_call",
          },
        ],
      }),
    ],
    interaction_id: interactionId,
    attempts: 0,
    hints_shown: 0,
    answer: null,
    last_error: null,
    is_correct: null,
  };
}
