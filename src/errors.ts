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

export function isTypedError(error: unknown): error is TypedError {
  return (
    error instanceof Error &&
    typeof (error as Partial<TypedError>).code === "string" &&
    typeof (error as Partial<TypedError>).context === "object"
  );
}

/** A JSON-safe description of a value for error context and logs. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
