/**
 * Appwrite's error responses: `{message, code, type, version}` with the HTTP
 * status in `code`. Types and statuses are Appwrite's own (app/config/errors.php),
 * so adapter code that branches on them behaves here as against a real server.
 */

/** The body of every error response. */
export interface AppwriteErrorBody {
  message: string;
  code: number;
  type: string;
  version: string;
}

/** The Appwrite version the server claims to be. */
export const SERVER_VERSION = "1.8.0";

/** An error the server answers with; thrown anywhere in a handler. */
export class AppwriteApiError extends Error {
  readonly status: number;
  readonly type: string;
  /** Extra response headers (429's rate-limit headers). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, type: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "AppwriteApiError";
    this.status = status;
    this.type = type;
    this.headers = headers;
  }

  toBody(): AppwriteErrorBody {
    return { message: this.message, code: this.status, type: this.type, version: SERVER_VERSION };
  }
}

export const apiErrors = {
  routeNotFound: () =>
    new AppwriteApiError(
      404,
      "general_route_not_found",
      "The requested route was not found. Please refer to the API docs and try again.",
    ),
  projectNotFound: () =>
    new AppwriteApiError(
      404,
      "project_not_found",
      "Project with the requested ID could not be found. Please check the value of the X-Appwrite-Project header to ensure the correct project ID is being used.",
    ),
  missingScope: (scope: string) =>
    new AppwriteApiError(
      401,
      "general_unauthorized_scope",
      `User (role: guests) missing scopes (["${scope}"])`,
    ),
  unauthorized: () =>
    new AppwriteApiError(
      401,
      "user_unauthorized",
      "The current user is not authorized to perform the requested action.",
    ),
  databaseNotFound: (id: string) =>
    new AppwriteApiError(
      404,
      "database_not_found",
      `Database with the requested ID '${id}' could not be found.`,
    ),
  tableNotFound: (id: string) =>
    new AppwriteApiError(
      404,
      "table_not_found",
      `Table with the requested ID '${id}' could not be found.`,
    ),
  rowNotFound: (id: string) =>
    new AppwriteApiError(
      404,
      "row_not_found",
      `Row with the requested ID '${id}' could not be found.`,
    ),
  rowAlreadyExists: () =>
    new AppwriteApiError(
      409,
      "row_already_exists",
      "Row with the requested ID already exists. Try again with a different ID or use ID.unique() to generate a unique ID.",
    ),
  rowUpdateConflict: () =>
    new AppwriteApiError(409, "row_update_conflict", "Remote row is newer than local."),
  invalidStructure: (detail: string) =>
    new AppwriteApiError(400, "row_invalid_structure", `Invalid row structure: ${detail}`),
  invalidQuery: (detail: string) =>
    new AppwriteApiError(400, "general_query_invalid", `Invalid query: ${detail}`),
  cursorNotFound: () =>
    new AppwriteApiError(
      400,
      "general_cursor_not_found",
      "The cursor is invalid. This can happen if the item represented by the cursor has been deleted.",
    ),
  invalidArgument: (detail: string) =>
    new AppwriteApiError(400, "general_argument_invalid", detail),
  tooManyBulkRows: (max: number) =>
    new AppwriteApiError(
      400,
      "general_argument_invalid",
      `Invalid \`rows\` param: Value must a valid array no longer than ${max} items`,
    ),
  badRequest: (detail: string) => new AppwriteApiError(400, "general_bad_request", detail),
  /** What the test server does not implement: loud, so an adapter never relies on it by accident. */
  unsupported: (what: string) =>
    new AppwriteApiError(
      400,
      "general_argument_invalid",
      `Not implemented by the Appwrite test server: ${what}`,
    ),
  rateLimited: (headers: Record<string, string>) =>
    new AppwriteApiError(
      429,
      "general_rate_limit_exceeded",
      "Rate limit for the current endpoint has been exceeded. Please try again after some time.",
      headers,
    ),
  serverError: (status: number) =>
    new AppwriteApiError(status, "general_server_error", "An internal server error occurred."),
  transactionNotFound: (id: string) =>
    new AppwriteApiError(
      404,
      "transaction_not_found",
      `Transaction with the requested ID '${id}' could not be found.`,
    ),
  transactionNotReady: () =>
    new AppwriteApiError(
      400,
      "transaction_not_ready",
      "Transaction is not ready to be committed or rolled back.",
    ),
  transactionExpired: () =>
    new AppwriteApiError(400, "transaction_expired", "Transaction has expired."),
  transactionConflict: () =>
    new AppwriteApiError(
      409,
      "transaction_conflict",
      "Transaction conflict: a row it touches was changed by another request since the operation was staged.",
    ),
  transactionLimit: (detail: string) =>
    new AppwriteApiError(400, "transaction_limit_exceeded", detail),
};
