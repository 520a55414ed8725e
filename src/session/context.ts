/**
 * `session_context`: what the chat frontend sends to start a lesson. Validated
 * at the graph's edge (prepare_session) and built by the frontend helpers, so
 * both sides share this one schema.
 */
import { z } from "zod";
import { issueLines, TeachingGraphError } from "../errors.js";
import { decodeJsonPayload, PayloadDecodeError } from "../lessons/codec.js";
import { LessonSnapshotSchema, type LessonSnapshot } from "../lessons/schema.js";
import { assertMasteryOutcomes } from "../mastery/outcomes.js";
import { CourseOutcomeSchema, type CourseOutcome } from "../outcomes/schema.js";

export const SessionContextSchema = z.object({
  /** The platform's `sessions` row ID; mastery is applied once per session. */
  session_id: z.string().min(1),
  student_id: z.string().min(1),
  /** The lesson: an object, a JSON string, or `gzip:` + base64 of gzipped JSON. */
  lesson_snapshot: z.union([LessonSnapshotSchema, z.string()]),
  /** CourseOutcome rows for the lesson's outcome refs, with their document `$id`s. */
  enriched_outcomes: z.array(CourseOutcomeSchema),
  course_subject: z.string().optional(),
  course_level: z.string().optional(),
  course_title: z.string().optional(),
  /** Show `explainer_plain` instead of `explainer`. */
  use_plain_text: z.boolean().optional(),
});

export type SessionContextInput = z.input<typeof SessionContextSchema>;

/** A validated session context: snapshot decoded, outcomes checked for mastery. */
export interface SessionContext {
  session_id: string;
  student_id: string;
  lesson_snapshot: LessonSnapshot;
  enriched_outcomes: CourseOutcome[];
  course_subject?: string;
  course_level?: string;
  course_title?: string;
  use_plain_text?: boolean;
}

/**
 * A `session_context` the graph cannot start from, naming every bad field. The
 * message starts with the code: a LangGraph server hands a run's error to its
 * caller as name and message only, and callers branch on the code.
 */
export class SessionContextError extends TeachingGraphError {
  readonly fields: readonly string[];

  constructor(fields: readonly string[], context: Record<string, unknown> = {}) {
    const code = "INVALID_SESSION_CONTEXT";
    super(code, `${code}: Invalid session_context: ${fields.join("; ")}`, {
      ...context,
      fields,
    });
    this.fields = fields;
  }
}

const issuesToFields = (prefix: string, error: z.ZodError): string[] => issueLines(error, prefix);

const ContextWithoutOutcomes = SessionContextSchema.omit({
  enriched_outcomes: true,
  lesson_snapshot: true,
});

/**
 * Validates a raw session context. Order matters: every field but the outcomes
 * first (one error naming all bad fields), then the spec's mastery validation
 * of `enriched_outcomes` with the lesson's context, then the outcomes' own fields.
 */
export function parseSessionContext(raw: unknown): SessionContext {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new SessionContextError([
      `session_context: expected an object, got ${raw === null ? "null" : typeof raw}`,
    ]);
  }
  const input = raw as Record<string, unknown>;
  const fields: string[] = [];

  const base = ContextWithoutOutcomes.safeParse(input);
  if (!base.success) fields.push(...issuesToFields("", base.error));

  let snapshot: LessonSnapshot | undefined;
  try {
    const decoded = decodeJsonPayload("lesson_snapshot", input.lesson_snapshot);
    const parsed = LessonSnapshotSchema.safeParse(decoded);
    if (parsed.success) snapshot = parsed.data;
    else fields.push(...issuesToFields("lesson_snapshot", parsed.error));
  } catch (error) {
    if (!(error instanceof PayloadDecodeError)) throw error;
    fields.push(`lesson_snapshot: ${error.message}`);
  }
  if (!base.success || snapshot === undefined) throw new SessionContextError(fields);

  const lesson = {
    lessonTitle: snapshot.title,
    courseId: snapshot.courseId,
    outcomeRefs: snapshot.outcomeRefs,
  };
  assertMasteryOutcomes(input.enriched_outcomes, lesson);
  const outcomes = z.array(CourseOutcomeSchema).safeParse(input.enriched_outcomes);
  if (!outcomes.success) {
    throw new SessionContextError(issuesToFields("enriched_outcomes", outcomes.error), lesson);
  }
  return { ...base.data, lesson_snapshot: snapshot, enriched_outcomes: outcomes.data };
}
