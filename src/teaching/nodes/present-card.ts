import { randomUUID } from "node:crypto";
import { AIMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { presentedProgress } from "../card-progress.js";
import type { TeachingGraphDeps } from "../deps.js";
import { cardQuestionText, cardText, type CardPosition } from "../prompts.js";
import { LESSON_CARD_PRESENTATION, type CardPresentationArgs } from "../protocol.js";
import { currentCard, taughtLesson } from "../selectors.js";
import type { State, Update } from "../state.js";
import { presentCardMessages } from "../tutor/prompts.js";
import { speak, teacherModel } from "../tutor/speak.js";

/**
 * Node 2. Shows the current card with the `lesson_card_presentation` tool call
 * the frontend renders, and starts a new interaction: attempts, hints,
 * questions and the previous answer are reset. Offline, the card is one
 * templated message (explainer, then question); with a teacher model, the
 * model first introduces the card from its explainer (its own message,
 * streamed), then the card follows with its title and question as the
 * lesson words them.
 */
export function createPresentCard(deps: TeachingGraphDeps) {
  return async function presentCard(
    state: State,
    config: LangGraphRunnableConfig,
  ): Promise<Update> {
    const { lesson, outcomes } = await taughtLesson(state, deps);
    const card = currentCard(lesson, state);
    const position: CardPosition = {
      index: state.current_card_index,
      total: lesson.cards.length,
      plainText: state.use_plain_text,
    };
    const model = await teacherModel(deps, config);
    const interactionId = randomUUID();
    const introduction =
      model === undefined
        ? undefined
        : introducing(
            await speak(
              model,
              "present_card",
              presentCardMessages({
                lesson,
                outcomes,
                card,
                plainText: state.use_plain_text,
              }),
            ),
            interactionId,
          );
    const progress = `${position.index + 1}/${position.total}`;
    const args: CardPresentationArgs = {
      card_content: cardText(card, position, introduction?.message.text),
      card_data: card,
      card_index: position.index,
      total_cards: position.total,
      cfu_type: card.cfu.type,
      interaction_id: interactionId,
      introduction_id: introduction === undefined ? null : introduction.id,
      lesson_title: lesson.title,
      progress,
      lesson_context: {
        lesson_title: lesson.title,
        student_name: state.student_id,
        progress,
      },
      timestamp: new Date().toISOString(),
    };
    const presentation = new AIMessage({
      content: introduction === undefined ? args.card_content : cardQuestionText(card, position),
      tool_calls: [
        {
          id: `lesson_card_${interactionId}`,
          name: LESSON_CARD_PRESENTATION,
          args,
          type: "tool_call",
        },
      ],
    });
    return {
      messages: introduction === undefined ? [presentation] : [introduction.message, presentation],
      card: presentedProgress({
        card_id: card.id,
        cfu_type: card.cfu.type,
        interaction_id: interactionId,
      }),
    };
  };
}

/**
 * The model's introduction with the id the card's presentation names, so a
 * frontend shows it with this card, not after the previous one: the model's
 * own when it gave one (its streamed chunks carry it).
 */
function introducing(spoken: AIMessage, interactionId: string): { message: AIMessage; id: string } {
  const id = spoken.id ?? `card_introduction_${interactionId}`;
  return { message: new AIMessage({ content: spoken.content, id }), id };
}
