/** A scripted teacher model for rubric cards: LangChain's FakeListChatModel answering with judgements. */
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { needsModel, type LessonSnapshot, type Rubric } from "../../../src/lessons/schema.js";

/**
 * Points per criterion that add up to `partialCredit` of the rubric's total,
 * filling the criteria in order (0.5 of [1, 1, 1] is [1, 0.5, 0]).
 */
export function pointsFor(rubric: Rubric, partialCredit: number): number[] {
  let left = partialCredit * rubric.total_points;
  return rubric.criteria.map((criterion) => {
    const points = Math.min(criterion.points, left);
    left -= points;
    return points;
  });
}

/** A judgement as the teacher model returns it: `partialCredit` of `rubric`'s points, criterion by criterion. */
export function judgement(rubric: Rubric, partialCredit: number): string {
  const awarded = pointsFor(rubric, partialCredit);
  return JSON.stringify({
    confidence: 0.9,
    feedback: partialCredit >= 0.6 ? "Well reasoned." : "Check your working.",
    reasoning: `Scripted judgement with partial credit ${partialCredit}.`,
    rubric_breakdown: rubric.criteria.map((criterion, index) => ({
      criterion: criterion.description,
      points_awarded: awarded[index],
      max_points: criterion.points,
    })),
  });
}

/**
 * A model that judges the lesson's rubric cards in this order, e.g.
 * `[["card_002", 0.4], ["card_002", 0.8]]` (cycling when it runs out).
 */
export function fakeJudge(
  lesson: LessonSnapshot,
  judged: readonly (readonly [cardId: string, partialCredit: number])[],
): FakeListChatModel {
  return new FakeListChatModel({
    responses: judged.map(([cardId, credit]) => judgement(rubricOf(lesson, cardId), credit)),
  });
}

function rubricOf(lesson: LessonSnapshot, cardId: string): Rubric {
  const cfu = lesson.cards.find((card) => card.id === cardId)?.cfu;
  if (cfu === undefined || !needsModel(cfu)) {
    throw new Error(`${cardId} is not a rubric card of lesson ${lesson.lessonTemplateId}`);
  }
  return cfu.rubric;
}
