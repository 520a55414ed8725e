/**
 * Scripted teacher models: rubric judgements in a given order (the judge's
 * prompt is recognised by its rubric), and a fixed line for each thing the
 * teacher says (tutor/prompts.ts names the task in every prompt).
 */
import type { BaseMessage } from "@langchain/core/messages";
import { FAKE_TUTOR_LINES, ScriptedChatModel } from "../../../src/models/fake.js";
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

/** The teacher task a prompt asks for (`Task: <task>` in its system message), if any. */
export function taskOf(messages: readonly BaseMessage[]): string | undefined {
  return /^Task: (\w+)$/m.exec(messages[0]?.text ?? "")?.[1];
}

/** The fixed line the scripted teacher says for a task. */
export function tutorLine(task: string): string {
  const line = FAKE_TUTOR_LINES[task];
  if (line === undefined) throw new Error(`no scripted line for task ${task}`);
  return line;
}

/**
 * A teacher model that judges the lesson's rubric cards in this order, e.g.
 * `[["card_002", 0.4], ["card_002", 0.8]]` (cycling when it runs out), and
 * says its fixed line for every other prompt. `prompts` collects every
 * prompt it was sent.
 */
export function fakeJudge(
  lesson: LessonSnapshot,
  judged: readonly (readonly [cardId: string, partialCredit: number])[],
  prompts: BaseMessage[][] = [],
): ScriptedChatModel {
  const judgements = judged.map(([cardId, credit]) => judgement(rubricOf(lesson, cardId), credit));
  let next = 0;
  return new ScriptedChatModel((messages) => {
    prompts.push(messages);
    const task = taskOf(messages);
    if (task !== undefined) return tutorLine(task);
    const reply = judgements[next % judgements.length];
    next += 1;
    if (reply === undefined) throw new Error("fakeJudge was given no judgements");
    return reply;
  });
}

function rubricOf(lesson: LessonSnapshot, cardId: string): Rubric {
  const cfu = lesson.cards.find((card) => card.id === cardId)?.cfu;
  if (cfu === undefined || !needsModel(cfu)) {
    throw new Error(`${cardId} is not a rubric card of lesson ${lesson.lessonTemplateId}`);
  }
  return cfu.rubric;
}
