/**
 * Errors of the Appwrite adapter. Missing rows, conflicts and refused writes
 * surface as the common store errors (../errors.ts); what is specific to
 * talking to Appwrite surfaces here. None of them carries the API key: their
 * context holds only the operation, table, row ID and Appwrite's reply.
 */
import { TeachingGraphError } from "../../errors.js";

/** What a request was doing, for error context and logs. */
export interface RequestTarget {
  /** The TablesDB method, e.g. `listRows`. */
  operation: string;
  table: string;
  rowId?: string;
}

/** Appwrite's answer to a failed request: HTTP status (Appwrite's `code`) and error `type`. */
export interface AppwriteReply {
  status: number;
  type: string;
  message: string;
}

/**
 * Appwrite refused a request for a reason retrying cannot fix (bad request,
 * missing table, refused key...). `code` is `APPWRITE_UNAUTHORIZED` for 401/403,
 * `APPWRITE_REQUEST_FAILED` otherwise.
 */
export class AppwriteStoreError extends TeachingGraphError {
  readonly table: string;
  readonly rowId: string | undefined;
  /** Appwrite's `code`: the HTTP status. */
  readonly appwriteCode: number;
  /** Appwrite's error `type`, e.g. `row_invalid_structure`. */
  readonly appwriteType: string;

  constructor(target: RequestTarget, reply: AppwriteReply, attempts: number) {
    const unauthorized = reply.status === 401 || reply.status === 403;
    super(
      unauthorized ? "APPWRITE_UNAUTHORIZED" : "APPWRITE_REQUEST_FAILED",
      `Appwrite ${target.operation} on ${target.table}${target.rowId === undefined ? "" : ` row ${JSON.stringify(target.rowId)}`} failed: ${reply.status} ${reply.type}: ${reply.message}` +
        (unauthorized
          ? " (check APPWRITE_PROJECT_ID and APPWRITE_API_KEY, and the key's scopes)"
          : ""),
      {
        operation: target.operation,
        table: target.table,
        rowId: target.rowId,
        appwriteCode: reply.status,
        appwriteType: reply.type,
        appwriteMessage: reply.message,
        attempts,
      },
    );
    this.table = target.table;
    this.rowId = target.rowId;
    this.appwriteCode = reply.status;
    this.appwriteType = reply.type;
  }
}

/**
 * A non-idempotent request (a transaction commit) failed in a way that does
 * not say whether it took effect: timeout, dropped connection, 5xx. The caller
 * must find out from the data before doing anything else.
 */
export class AppwriteOutcomeUnknownError extends TeachingGraphError {
  constructor(target: RequestTarget, reason: string, cause?: unknown) {
    super(
      "APPWRITE_OUTCOME_UNKNOWN",
      `Appwrite ${target.operation} on ${target.table}: the outcome is unknown (${reason})`,
      { operation: target.operation, table: target.table, rowId: target.rowId, reason },
      { cause },
    );
  }
}
