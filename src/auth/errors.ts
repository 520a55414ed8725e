/**
 * What the server answers a caller it refuses. Every refusal is an
 * HTTPException (LangGraph turns it into the response) whose message starts
 * with a stable code, `CODE: explanation`, so clients branch on the code. The
 * explanation says what the caller can do; it never carries internals (the
 * Appwrite reply, a stack, a row ID): those go to the server log.
 */
import { HTTPException } from "@langchain/langgraph-sdk/auth";

export const AUTH_CODES = {
  /** 401: no `Authorization: Bearer` header. */
  tokenMissing: "AUTH_TOKEN_MISSING",
  /** 401: the header or the token is not a JWT. */
  tokenMalformed: "AUTH_TOKEN_MALFORMED",
  /** 401: Appwrite does not accept the token (bad, expired, revoked). */
  tokenInvalid: "AUTH_TOKEN_INVALID",
  /** 403: a valid Appwrite user without a `students` row. */
  notAStudent: "NOT_A_STUDENT",
  /** 503: Appwrite could not be asked (down, timing out). */
  unavailable: "AUTH_UNAVAILABLE",
  /** 500: the caller's identity cannot be established from the data (e.g. two students for one user). */
  failed: "AUTH_FAILED",
  /** 403: an operation students may not perform (assistants' writes, crons, the store). */
  operationNotAllowed: "OPERATION_NOT_ALLOWED",
  /** 403: a run without a thread. */
  statelessRunNotAllowed: "STATELESS_RUN_NOT_ALLOWED",
  /** 403: a run that sets a server-owned setting (SERVER_OWNED_SETTINGS). */
  configurationNotAllowed: "CONFIGURATION_NOT_ALLOWED",
  /** 403: a run option that rewrites or rewinds a lesson (command update/goto, checkpoint, webhook). */
  runOptionNotAllowed: "RUN_OPTION_NOT_ALLOWED",
  /** 403: writing a thread's state directly (`updateState`). */
  stateUpdateNotAllowed: "STATE_UPDATE_NOT_ALLOWED",
} as const;

export type AuthCode = (typeof AUTH_CODES)[keyof typeof AUTH_CODES];

/** 401s ask for a bearer token, as RFC 6750 says. */
const BEARER_CHALLENGE = { "WWW-Authenticate": 'Bearer realm="teaching-graph"' };

export function refusal(status: number, code: AuthCode, explanation: string): HTTPException {
  return new HTTPException(status, {
    message: `${code}: ${explanation}`,
    headers: status === 401 ? BEARER_CHALLENGE : undefined,
  });
}

/** The code of a refusal made by `refusal` (tests, logs). */
export function refusalCode(error: unknown): string | undefined {
  if (!(error instanceof HTTPException)) return undefined;
  return /^([A-Z_]+):/.exec(error.message)?.[1];
}
