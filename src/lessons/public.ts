/**
 * What a student may see of a lesson while it runs. The card shown to the
 * frontend, the interrupts and the thread state carry only this: no answer
 * key (`answerIndex`, `answerIndices`, `expected`, `tolerance`), no rubric,
 * no hints (each is shown when it is given) and no misconception notes.
 * Fields are picked, never filtered out, so a field added to the lesson
 * format later stays on the server until someone decides it may be shown.
 */
import { z } from "zod";
import type { Card, LessonSnapshot } from "./schema.js";

export const PublicCfuSchema = z.object({
  id: z.string(),
  type: z.string(),
  stem: z.string(),
  /** mcq only. */
  options: z.array(z.string()).optional(),
  /** mcq only: more than one option may be right. */
  multiSelect: z.boolean().optional(),
  /** numeric only: the answer is an amount of money in pounds and pence. */
  money2dp: z.boolean().optional(),
});

export const PublicCardSchema = z.object({
  id: z.string(),
  title: z.string(),
  explainer: z.string(),
  explainer_plain: z.string().optional(),
  context_hooks: z.array(z.string()).optional(),
  cfu: PublicCfuSchema,
});

export const PublicLessonSchema = z.object({
  lessonTemplateId: z.string(),
  courseId: z.string(),
  title: z.string(),
  outcomeRefs: z.array(z.string()),
  cards: z.array(PublicCardSchema),
});

export type PublicCfu = z.infer<typeof PublicCfuSchema>;
export type PublicCard = z.infer<typeof PublicCardSchema>;
export type PublicLesson = z.infer<typeof PublicLessonSchema>;

export function publicCard(card: Card): PublicCard {
  const { cfu } = card;
  return {
    id: card.id,
    title: card.title,
    explainer: card.explainer,
    ...(card.explainer_plain === undefined ? {} : { explainer_plain: card.explainer_plain }),
    ...(card.context_hooks === undefined ? {} : { context_hooks: [...card.context_hooks] }),
    cfu: {
      id: cfu.id,
      type: cfu.type,
      stem: cfu.stem,
      ...(cfu.type === "mcq"
        ? { options: [...cfu.options], multiSelect: cfu.multiSelect === true }
        : {}),
      ...(cfu.type === "numeric" && cfu.money2dp !== undefined ? { money2dp: cfu.money2dp } : {}),
    },
  };
}

export function publicLesson(lesson: LessonSnapshot): PublicLesson {
  return {
    lessonTemplateId: lesson.lessonTemplateId,
    courseId: lesson.courseId,
    title: lesson.title,
    outcomeRefs: [...lesson.outcomeRefs],
    cards: lesson.cards.map(publicCard),
  };
}
