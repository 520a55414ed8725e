import { AIMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { needsModel } from "../../lessons/schema.js";
import { presentedCard, withVerdict } from "../card-progress.js";
import type { TeachingGraphDeps } from "../deps.js";
import { TeachingStateError } from "../errors.js";
import { evaluateAnswer } from "../evaluation/index.js";
import type { RubricScore } from "../evaluation/types.js";
import { feedbackText, skippedText } from "../prompts.js";
import { answerKeyCard, currentCard, taughtLesson } from "../selectors.js";
import type { EvidenceEntry } from "../lesson-record.js";
import type { State, Update } from "../state.js";
import { wrongAnswerMessages } from "../tutor/prompts.js";
import { speak, teacherModel } from "../tutor/speak.js";

/**
 * Node 4. Judges the accepted answer (deterministically for `mcq` and
 * `numeric`, by the teacher model for rubric cards), records the evidence and
 * shows the feedback. When this was the last attempt and the answer is still
 * wrong, or the card was skipped, the feedback ends with the worked answer.
 * With a teacher model, a wrong answer with attempts left gets the model's
 * feedback instead of the evaluator's: it sees the card as the student does,
 * the answer and the evaluator's feedback, never the answer key.
 */
export function createEvaluate(deps: TeachingGraphDeps) {
  return async function evaluate(state: State, config: LangGraphRunnableConfig): Promise<Update> {
    const taught = await taughtLesson(state, deps);
    const card = answerKeyCard(taught, state);
    const progress = presentedCard(state);
    const answer = progress.answer;
    if (answer === null) {
      throw new TeachingStateError("evaluate reached without an accepted answer", {
        cardId: card.id,
        interactionId: progress.interaction_id,
      });
    }
    const base = {
      timestamp: new Date().toISOString(),
      card_id: card.id,
      item_id: card.cfu.id,
      interaction_id: progress.interaction_id,
    };
    if (answer.action === "skip_card") {
      const skipped: EvidenceEntry = {
        ...base,
        response: null,
        correct: false,
        skipped: true,
        attempts: progress.attempts,
        partial_credit: 0,
        confidence: 1,
        feedback: "Skipped.",
        reasoning: "The student skipped the card.",
        method: "skip",
        rubric_breakdown: [],
        max_attempts_reached: false,
      };
      return {
        card: withVerdict(progress, { isCorrect: false, attempts: progress.attempts }),
        evidence: [skipped],
        messages: [new AIMessage(skippedText(card.cfu))],
      };
    }

    const judge = needsModel(card.cfu) ? await teacherModel(deps, config) : undefined;
    const evaluation = await evaluateAnswer(card.cfu, answer.student_response, { model: judge });
    const attempts = progress.attempts + 1;
    const attemptsExhausted = !evaluation.is_correct && attempts >= state.max_attempts;
    const entry: EvidenceEntry = {
      ...base,
      response: answer.student_response,
      correct: evaluation.is_correct,
      skipped: false,
      attempts,
      partial_credit: evaluation.partial_credit,
      confidence: evaluation.confidence,
      feedback: evaluation.feedback,
      reasoning: evaluation.reasoning,
      method: evaluation.method,
      rubric_breakdown:
        evaluation.is_correct || attemptsExhausted
          ? evaluation.rubric_breakdown
          : sealedBreakdown(evaluation.rubric_breakdown),
      max_attempts_reached: attemptsExhausted,
    };
    // Only a wrong answer with attempts left is the teacher's to comment on.
    // (A rubric card already has the model: the judge.)
    const voice =
      evaluation.is_correct || attemptsExhausted
        ? undefined
        : (judge ?? (await teacherModel(deps, config)));
    const feedback =
      voice === undefined
        ? new AIMessage(
            feedbackText(evaluation, { revealAnswer: attemptsExhausted, cfu: card.cfu }),
          )
        : await speak(
            voice,
            "wrong_answer_feedback",
            wrongAnswerMessages(
              {
                lesson: taught.lesson,
                outcomes: taught.outcomes,
                card: currentCard(taught.lesson, state),
                plainText: state.use_plain_text,
              },
              { feedback: evaluation.feedback, attemptsLeft: state.max_attempts - attempts },
              answer.student_response,
            ),
          );
    return {
      card: withVerdict(progress, { isCorrect: evaluation.is_correct, attempts }),
      evidence: [entry],
      messages: [feedback],
    };
  };
}

/**
 * While the card can still be asked, its rubric stays on the server: the
 * evidence (which the student can read in the thread state) names criteria
 * by position, with the points.
 */
function sealedBreakdown(breakdown: readonly RubricScore[]): RubricScore[] {
  return breakdown.map((score, index) => ({ ...score, criterion: `criterion ${index + 1}` }));
}
