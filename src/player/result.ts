/** What the terminal player reads back from a finished lesson's `lesson_completion_summary` tool call. */
import { z } from "zod";
import { MasteryApplyResultSchema, MasteryUpdateSchema } from "../mastery/ema.js";
import { CourseOutcomeSchema } from "../outcomes/schema.js";
import { PersistedCompletionSchema } from "../teaching/lesson-record.js";

/** What a finished lesson recorded: the per-card updates, their outcomes, and the stored record. */
export const LessonResultSchema = z.object({
  mastery_updates: z.array(MasteryUpdateSchema),
  enriched_outcomes: z.array(CourseOutcomeSchema),
  mastery_record: MasteryApplyResultSchema,
  persisted: PersistedCompletionSchema,
});

export type LessonResult = z.infer<typeof LessonResultSchema>;
