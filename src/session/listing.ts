/**
 * A session as a list of sessions shows it (the lesson page's picker under
 * `npm run dev`): enough to pick one, nothing of its answers. Its own module
 * (zod only) so the browser page can parse the list with the same schema.
 */
import { z } from "zod";

export const SessionListingSchema = z.object({
  $id: z.string(),
  studentId: z.string(),
  courseId: z.string(),
  status: z.string(),
  /** The LangGraph thread teaching it, once a lesson started (a started session continues there). */
  threadId: z.string().nullable(),
  startedAt: z.string(),
  lessonTitle: z.string(),
  cardCount: z.int().nonnegative(),
});
export type SessionListing = z.infer<typeof SessionListingSchema>;
