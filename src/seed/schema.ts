/**
 * What a seed file may hold. Outcome files are JSON arrays shaped like
 * `data/demo/course_outcomes/*.json`; lesson files one lesson (or an array)
 * shaped like `data/demo/lessons/*.json`. Columns Appwrite
 * stores as JSON strings (`keywords`, `assessmentStandards`) may be given as
 * arrays in a file and are stored as JSON strings.
 */
import { z } from "zod";
import { decodeJsonPayload, PayloadDecodeError } from "../lessons/codec.js";
import { LessonCardsSchema } from "../lessons/schema.js";
import { isDocumentId } from "../mastery/ids.js";
import { CourseOutcomeInputSchema } from "../outcomes/schema.js";

const documentId = z
  .string()
  .refine(
    isDocumentId,
    "must be an Appwrite document ID (20-36 characters of a-zA-Z0-9._-, starting with a letter or digit)",
  );

/** A JSON-string column that a file may also give as the array itself. */
const jsonStringColumn = z.union([
  z.string(),
  z.array(z.unknown()).transform((value) => JSON.stringify(value)),
]);

/** A column Appwrite may store as JSON or `gzip:`+base64, that a file may also give decoded. */
function encodedOr<T extends z.ZodType>(schema: T) {
  return z.preprocess((value, ctx) => {
    if (typeof value !== "string") return value;
    try {
      return decodeJsonPayload("value", value);
    } catch (error) {
      if (!(error instanceof PayloadDecodeError)) throw error;
      ctx.addIssue({
        code: "custom",
        message: `cannot be decoded: ${String(error.context.reason)}`,
      });
      return z.NEVER;
    }
  }, schema);
}

export const SeedCourseOutcomeSchema = CourseOutcomeInputSchema.extend({
  $id: documentId.optional(),
  assessmentStandards: jsonStringColumn,
  keywords: jsonStringColumn.optional(),
});
export type SeedCourseOutcome = z.infer<typeof SeedCourseOutcomeSchema>;

export const SeedCourseOutcomesFileSchema = z.array(SeedCourseOutcomeSchema).min(1);

export const SeedLessonTemplateSchema = z.looseObject({
  $id: documentId.optional(),
  courseId: z.string().min(1),
  title: z.string().min(1),
  outcomeRefs: encodedOr(z.array(z.string())),
  /** Validated as cards the graph can present: a lesson that cannot be played is not seeded. */
  cards: encodedOr(LessonCardsSchema),
  lesson_type: z.string().optional(),
  estMinutes: z.number().optional(),
  sow_order: z.number().optional(),
});
export type SeedLessonTemplate = z.infer<typeof SeedLessonTemplateSchema>;

/**
 * A lesson file holds one lesson or an array of them; the schema is picked by
 * the JSON's shape so that errors name the field (`cards[0].cfu...`) rather
 * than "no union member matched".
 */
export function lessonsFileSchemaFor(json: unknown): z.ZodType<SeedLessonTemplate[]> {
  return Array.isArray(json)
    ? z.array(SeedLessonTemplateSchema).min(1)
    : SeedLessonTemplateSchema.transform((lesson) => [lesson]);
}
