import { z } from "zod";

/**
 * Every error this project raises on purpose carries a stable `code` and the
 * context needed to debug it. Callers (the CLI, the LangGraph server, tests)
 * branch on `code`, never on message text.
 */
export interface TypedError extends Error {
  readonly code: string;
  readonly context: Readonly<Record<string, unknown>>;
}

export class TeachingGraphError extends Error implements TypedError {
  readonly code: string;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    message: string,
    context: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }
}

/**
 * A zod error as one `path: message` line per issue, the path as zod writes
 * it (`cards[0].cfu`) under `prefix` if given, `(root)` for the value itself:
 * what typed errors list as their `fields` or `issues`.
 */
export function issueLines(error: z.ZodError, prefix?: string): string[] {
  return error.issues.map((issue) => {
    const path = z.core.toDotPath(prefix ? [prefix, ...issue.path] : issue.path);
    return `${path || "(root)"}: ${issue.message}`;
  });
}

export function isTypedError(error: unknown): error is TypedError {
  return (
    error instanceof Error &&
    typeof (error as Partial<TypedError>).code === "string" &&
    typeof (error as Partial<TypedError>).context === "object"
  );
}

/**
 * How much of a rejected value an error message, an error's `context` or a log
 * line echoes. Values arrive from callers and stored rows, so they can be as
 * large as a request: echoing one whole would copy it into every message,
 * checkpoint and log line that mentions it.
 */
export const ECHO_MAX_CHARS = 200;
/** An object or array is echoed as it is while its JSON is at most this long, else as truncated JSON. */
export const ECHO_MAX_JSON_CHARS = 2000;

/** `text` cut to `max` characters, saying how long it was: `abc…(5000 chars)`. */
export function truncateText(text: string, max = ECHO_MAX_CHARS): string {
  if (text.length <= max) return text;
  // Never split a surrogate pair: half of one is not valid text.
  const code = text.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return `${text.slice(0, end)}…(${text.length} chars)`;
}

function serialize(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A JSON-safe, truncated description of a value for error messages and logs. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "string") return JSON.stringify(truncateText(value));
  return truncateText(serialize(value), ECHO_MAX_JSON_CHARS);
}

/**
 * A rejected value as an error's `context`, a resume error or a log may carry
 * it: short values as they are, a long string truncated, a large object or
 * array replaced by its truncated JSON.
 */
export function echoValue(value: unknown): unknown {
  if (typeof value === "string") return truncateText(value);
  if (typeof value !== "object" || value === null) return value;
  const json = serialize(value);
  return json.length <= ECHO_MAX_JSON_CHARS ? value : truncateText(json, ECHO_MAX_JSON_CHARS);
}
