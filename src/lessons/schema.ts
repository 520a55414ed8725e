import { z } from "zod";

/** Tolerance for sums of fractional points (0.1 + 0.2 is not 0.3 in floating point). */
const POINTS_EPSILON = 1e-9;

function criteriaPoints(rubric: { criteria: readonly { points: number }[] }): number {
  return rubric.criteria.reduce((sum, criterion) => sum + criterion.points, 0);
}

/**
 * A card's marking scheme. `total_points` must be the sum of the criteria's
 * points: the teacher model's score is computed per criterion and divided by
 * `total_points`, so a rubric whose total disagrees with its criteria could
 * never give full (or could give more than full) credit. Checked here, when a
 * lesson is read, rather than when a student's answer is judged.
 */
const RubricSchema = z
  .object({
    total_points: z.number().positive(),
    criteria: z
      .array(z.object({ description: z.string().min(1), points: z.number().positive() }))
      .min(1),
  })
  .refine((rubric) => Math.abs(criteriaPoints(rubric) - rubric.total_points) < POINTS_EPSILON, {
    message: "total_points must equal the sum of the criteria's points",
    path: ["total_points"],
  });

const cfuBase = {
  id: z.string().min(1),
  stem: z.string().min(1),
  hints: z.array(z.string()).optional(),
  rubric: RubricSchema.optional(),
};

const SingleChoiceMcqSchema = z.looseObject({
  ...cfuBase,
  type: z.literal("mcq"),
  options: z.array(z.string().min(1)).min(2),
  multiSelect: z.literal(false).optional(),
  answerIndex: z.int().nonnegative(),
});

const MultiSelectMcqSchema = z.looseObject({
  ...cfuBase,
  type: z.literal("mcq"),
  options: z.array(z.string().min(1)).min(2),
  multiSelect: z.literal(true),
  answerIndices: z.array(z.int().nonnegative()).min(1),
});

export const McqCfuSchema = z
  .union([MultiSelectMcqSchema, SingleChoiceMcqSchema])
  .refine(
    (cfu) =>
      (cfu.multiSelect === true ? cfu.answerIndices : [cfu.answerIndex]).every(
        (index) => index < cfu.options.length,
      ),
    { message: "answer index out of range of options" },
  );

export const NumericCfuSchema = z.looseObject({
  ...cfuBase,
  type: z.literal("numeric"),
  expected: z.number().finite(),
  /** Absolute tolerance; the platform's documented default is 0.01. */
  tolerance: z.number().nonnegative().optional(),
  /** Round the student's answer to pennies before comparing. */
  money2dp: z.boolean().optional(),
});

export const RubricCfuSchema = z.looseObject({
  ...cfuBase,
  type: z.enum(["structured_response", "short_text"]),
  rubric: RubricSchema,
});

export const CfuSchema = z.union([McqCfuSchema, NumericCfuSchema, RubricCfuSchema]);

export const CardSchema = z.looseObject({
  id: z.string().min(1),
  title: z.string(),
  explainer: z.string(),
  explainer_plain: z.string().optional(),
  cfu: CfuSchema,
  misconceptions: z
    .array(z.object({ id: z.string(), misconception: z.string(), clarification: z.string() }))
    .optional(),
  context_hooks: z.array(z.string()).optional(),
});

/**
 * Most cards a lesson may have. Real lessons have a handful; a lesson is one
 * sitting, and every card costs a turn (and, for rubric cards, model calls), so
 * a lesson past this is refused before its first card rather than run for hours.
 */
export const MAX_LESSON_CARDS = 100;

/** A lesson's cards: at least one, at most {@link MAX_LESSON_CARDS}. */
export const LessonCardsSchema = z
  .array(CardSchema)
  .min(1)
  .max(MAX_LESSON_CARDS, {
    error: (issue) =>
      `a lesson has at most ${MAX_LESSON_CARDS} cards, got ${Array.isArray(issue.input) ? issue.input.length : "more"}`,
  });

export const LessonSnapshotSchema = z.looseObject({
  lessonTemplateId: z.string().min(1),
  courseId: z.string().min(1),
  title: z.string().min(1),
  outcomeRefs: z.array(z.string()),
  cards: LessonCardsSchema,
  lesson_type: z.string().optional(),
  estMinutes: z.number().optional(),
});

export type Rubric = z.infer<typeof RubricSchema>;
export type McqCfu = z.infer<typeof McqCfuSchema>;
export type NumericCfu = z.infer<typeof NumericCfuSchema>;
export type RubricCfu = z.infer<typeof RubricCfuSchema>;
export type Cfu = z.infer<typeof CfuSchema>;
export type Card = z.infer<typeof CardSchema>;
export type LessonSnapshot = z.infer<typeof LessonSnapshotSchema>;

/** Card types judged by a language model against the rubric. */
export function needsModel(cfu: Cfu): cfu is RubricCfu {
  return cfu.type === "structured_response" || cfu.type === "short_text";
}
