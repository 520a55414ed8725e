/**
 * Errors every store adapter raises. Adapters add backend-specific ones in
 * their own folder (e.g. Appwrite's HTTP errors) but map the common cases to
 * these, so callers branch on one set of classes whatever the backend.
 */
import { TeachingGraphError, describeValue, truncateText } from "../errors.js";
import { InvalidMasteryRecordError, type MasteryViolation } from "../mastery/errors.js";

/** A row that must exist does not. */
export class StoreNotFoundError extends TeachingGraphError {
  readonly table: string;
  readonly id: string;

  constructor(table: string, id: string, context: Record<string, unknown> = {}) {
    // The id is the caller's: echoed truncated, like any value that was not found or refused.
    const echoedId = truncateText(id);
    super("STORE_NOT_FOUND", `No row ${describeValue(id)} in ${table}`, {
      ...context,
      table,
      id: echoedId,
    });
    this.table = table;
    this.id = echoedId;
  }
}

/**
 * A write that would break a uniqueness rule, or that was computed from a row
 * that changed since (optimistic concurrency), or an operation given rows that
 * contradict what is stored. Nothing was written.
 */
export class StoreConflictError extends TeachingGraphError {
  readonly table: string;
  readonly id: string | undefined;

  constructor(
    table: string,
    id: string | undefined,
    reason: string,
    context: Record<string, unknown> = {},
  ) {
    super(
      "STORE_CONFLICT",
      `Conflict in ${table}${id === undefined ? "" : ` row ${describeValue(id)}`}: ${reason}`,
      {
        ...context,
        table,
        id,
        reason,
      },
    );
    this.table = table;
    this.id = id;
  }
}

/**
 * A MasteryV2 write refused by the integrity rules (by the application, or by
 * the database itself: `context.layer`). Nothing was written. It is an
 * InvalidMasteryRecordError, so code that handles the mastery module's
 * validation handles this too; its own `code` says the store refused.
 */
export class StoreWriteRefusedError extends InvalidMasteryRecordError {
  override readonly code = "STORE_WRITE_REFUSED";

  constructor(violations: readonly MasteryViolation[], context: Record<string, unknown>) {
    super(violations, context);
  }
}

/** Arguments a store operation cannot work with (empty ids, no updates, bad page size). */
export class StoreInputError extends TeachingGraphError {
  constructor(operation: string, reason: string, context: Record<string, unknown> = {}) {
    super("STORE_INVALID_INPUT", `${operation}: ${reason}`, { ...context, operation, reason });
  }
}

/** A stored row that cannot be read as its table's shape (bad JSON, missing column). */
export class StoreDataError extends TeachingGraphError {
  readonly table: string;
  readonly id: string;

  constructor(
    table: string,
    id: string,
    reason: string,
    context: Record<string, unknown> = {},
    cause?: unknown,
  ) {
    super(
      "STORE_DATA_INVALID",
      `Row ${describeValue(id)} in ${table} is invalid: ${reason}`,
      { ...context, table, id, reason },
      { cause },
    );
    this.table = table;
    this.id = id;
  }
}

/** The backend cannot be reached or opened (file not writable, server down after retries, store closed). */
export class StoreUnavailableError extends TeachingGraphError {
  constructor(
    backend: string,
    reason: string,
    context: Record<string, unknown> = {},
    cause?: unknown,
  ) {
    super(
      "STORE_UNAVAILABLE",
      `${backend} store unavailable: ${reason}`,
      { ...context, backend, reason },
      { cause },
    );
  }
}
