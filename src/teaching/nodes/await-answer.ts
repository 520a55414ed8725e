import { AIMessage } from "@langchain/core/messages";
import { interrupt } from "@langchain/langgraph";
import { getLogger } from "../../logger.js";
import { rejectedAnswerText } from "../prompts.js";
import {
  AnswerPayloadError,
  MAX_QUESTIONS_PER_CARD,
  RESUME_ACTIONS,
  parseResumePayload,
  type AnswerRequest,
} from "../protocol.js";
import { presentedCard, withAnswer, withQuestion, withRejection } from "../card-progress.js";
import { assertProgressState } from "../selectors.js";
import type { State, Update } from "../state.js";

/**
 * The interrupt value for the current card (with the previous payload's
 * error, if any), from the state alone: the node that takes the student's
 * answer reads no store, so nothing but the payload can fail after a resume.
 */
export function answerRequest(state: State): AnswerRequest {
  assertProgressState(state);
  const card = presentedCard(state);
  return {
    type: "answer_request",
    card_id: card.card_id,
    interaction_id: card.interaction_id,
    card_index: state.current_card_index,
    total_cards: state.total_cards,
    cfu_type: card.cfu_type,
    attempt: card.attempts + 1,
    max_attempts: state.max_attempts,
    accepted_actions: [...RESUME_ACTIONS],
    questions_left: Math.max(0, MAX_QUESTIONS_PER_CARD - card.questions_asked),
    error: card.last_error,
  };
}

/**
 * Node 3. Waits for the student's answer to the current card (or a skip, or a
 * question for the tutor, which `answer_question` takes from here).
 *
 * It never throws after the resume: in LangGraph.js 1.7.3 a node that throws
 * after `interrupt()` returned keeps its resume value, and every later resume
 * of the thread replays that old value. A bad payload is therefore recorded
 * (`last_error`, plus a message) and the router sends the graph back here,
 * where a new execution interrupts afresh at the same card with the error in
 * its value.
 */
export function awaitAnswer(state: State): Update {
  const request = answerRequest(state);
  const card = presentedCard(state);
  const resume: unknown = interrupt(request);
  try {
    const payload = parseResumePayload(resume, {
      cardId: request.card_id,
      interactionId: request.interaction_id,
    });
    return {
      card:
        payload.action === "ask_question" ? withQuestion(card, payload) : withAnswer(card, payload),
    };
  } catch (error) {
    if (!(error instanceof AnswerPayloadError)) throw error;
    const info = error.toInfo();
    getLogger().warn(
      { code: info.code, field: info.field, value: info.value, cardId: request.card_id },
      info.message,
    );
    return {
      card: withRejection(card, info),
      messages: [new AIMessage(rejectedAnswerText(info, request.card_id))],
    };
  }
}
