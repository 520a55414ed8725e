/**
 * What a caller may send to start a lesson. With authenticated callers only
 * `{ session_id, use_plain_text? }`: the server derives the student, the
 * lesson, the course and the outcomes from its own store. Without
 * authentication (`none`: local development, Studio, graph tests) the full
 * `session_context` of earlier versions is accepted too.
 */
import { issueLines } from "../errors.js";
import { z } from "zod";
import type { AuthSettings } from "../config/env.js";
import { parseSessionContext, SessionContextError, type SessionContext } from "./context.js";

export const SessionRequestSchema = z.strictObject({
  /** The platform's `sessions` row ID. */
  session_id: z.string().min(1).max(255),
  /** Show `explainer_plain` instead of `explainer`. */
  use_plain_text: z.boolean().optional(),
});
export type SessionRequest = z.infer<typeof SessionRequestSchema>;

const REQUEST_KEYS: ReadonlySet<string> = new Set(SessionRequestSchema.keyof().options);

export type ParsedSessionRequest =
  { kind: "stored"; request: SessionRequest } | { kind: "inline"; context: SessionContext };

/**
 * Parses `session_context`. An authenticated caller that sends anything but
 * the session reference is refused, naming every such field: the server
 * never silently ignores what a caller sent.
 */
export function parseSessionRequest(
  raw: unknown,
  auth: AuthSettings["mode"],
): ParsedSessionRequest {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new SessionContextError([
      `session_context: expected an object, got ${raw === null ? "null" : Array.isArray(raw) ? "an array" : typeof raw}`,
    ]);
  }
  const extra = Object.keys(raw).filter((key) => !REQUEST_KEYS.has(key));
  if (extra.length > 0 && auth === "none")
    return { kind: "inline", context: parseSessionContext(raw) };
  if (extra.length > 0) {
    throw new SessionContextError(
      extra.map((key) => `${key}: not accepted; the server derives it from the session`),
      { refusedFields: extra },
    );
  }
  const parsed = SessionRequestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new SessionContextError(issueLines(parsed.error));
  }
  return { kind: "stored", request: parsed.data };
}
