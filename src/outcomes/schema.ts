import { z } from "zod";

/**
 * A CourseOutcome row as stored in Appwrite's `course_outcomes` table. Rows
 * carry more system fields (`$createdAt`, `$permissions`, ...); they pass through.
 */
export const CourseOutcomeSchema = z.looseObject({
  /** Appwrite document ID: the only valid key of a MasteryV2 `emaByOutcome` map. */
  $id: z.string().min(1),
  /** Course the outcome belongs to, e.g. `course_c84774`. */
  courseId: z.string().min(1),
  courseSqaCode: z.string().nullable().optional(),
  /** SQA unit code, e.g. `H22F 74`; one course has several units, each with its own `O1`. */
  unitCode: z.string(),
  unitTitle: z.string(),
  scqfCredits: z.number().nullable().optional(),
  /** Outcome code within the unit (`O1`, `TOPIC_*`, `SKILL_*`): not unique within a course. */
  outcomeId: z.string().min(1),
  outcomeTitle: z.string(),
  /** JSON string of `[{code, desc, skills_list?, marking_guidance?}]`. */
  assessmentStandards: z.string(),
  teacherGuidance: z.string().optional(),
  /** JSON string array. */
  keywords: z.string().optional(),
});

export type CourseOutcome = z.infer<typeof CourseOutcomeSchema>;

/** A CourseOutcome before it has a document ID (fixtures, seeding input). */
export const CourseOutcomeInputSchema = CourseOutcomeSchema.extend({
  $id: z.string().min(1).optional(),
});
export type CourseOutcomeInput = z.infer<typeof CourseOutcomeInputSchema>;
