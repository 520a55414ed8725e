import { AIMessage, HumanMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { getLogger } from "../../logger.js";
import {
  presentedCard,
  withAnsweredQuestion,
  withRejection,
  type CardProgress,
} from "../card-progress.js";
import type { TeachingGraphDeps } from "../deps.js";
import { TeachingStateError } from "../errors.js";
import { questionRefusedText } from "../prompts.js";
import { MAX_QUESTIONS_PER_CARD, type ResumeErrorInfo } from "../protocol.js";
import { currentCard, taughtLesson } from "../selectors.js";
import type { State, Update } from "../state.js";
import { answerQuestionMessages } from "../tutor/prompts.js";
import { speak, teacherModel } from "../tutor/speak.js";

/**
 * Node 3b. The student asked the tutor a question at the current card. The
 * teacher model answers it from what the student may see (the card's
 * explainer, the lesson, the course: see tutor/prompts.ts; the answer key is
 * not in the prompt), the question and the answer join the transcript, and
 * the graph waits at the same card again: same interaction, attempts, hints
 * and evidence untouched, nothing judged. Without a model (offline mode) or
 * past the per-card cap the question is refused with a resume error, as a bad
 * payload is, and the card is asked again; nothing is thrown.
 */
export function createAnswerQuestion(deps: TeachingGraphDeps) {
  return async function answerQuestion(
    state: State,
    config: LangGraphRunnableConfig,
  ): Promise<Update> {
    const { lesson, outcomes } = await taughtLesson(state, deps);
    const card = currentCard(lesson, state);
    const progress = presentedCard(state);
    const question = progress.question;
    if (question === null) {
      throw new TeachingStateError("answer_question reached without a question", {
        cardId: card.id,
        interactionId: progress.interaction_id,
      });
    }
    const asked = new HumanMessage(question.question);
    if (progress.questions_asked >= MAX_QUESTIONS_PER_CARD) {
      return refused(progress, asked, {
        code: "QUESTION_LIMIT_REACHED",
        field: "action",
        value: question.action,
        message: `At most ${MAX_QUESTIONS_PER_CARD} questions can be asked on one card`,
      });
    }
    const model = await teacherModel(deps, config);
    if (model === undefined) {
      return refused(progress, asked, {
        code: "QUESTIONS_UNAVAILABLE",
        field: "action",
        value: question.action,
        message: "Questions need a teacher model, and none is configured (TEACHER_MODEL)",
      });
    }
    const answer = await speak(
      model,
      "answer_question",
      answerQuestionMessages(
        {
          lesson,
          outcomes,
          card,
          plainText: state.use_plain_text,
        },
        question.question,
      ),
    );
    return {
      card: withAnsweredQuestion(progress),
      messages: [asked, answer],
    };
  };
}

function refused(progress: CardProgress, asked: HumanMessage, error: ResumeErrorInfo): Update {
  getLogger().info({ code: error.code }, error.message);
  return {
    card: withRejection(progress, error),
    messages: [asked, new AIMessage(questionRefusedText(error))],
  };
}
