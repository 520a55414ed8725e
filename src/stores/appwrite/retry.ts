/**
 * Bounded retries of Appwrite requests. Transient failures (429, 5xx,
 * timeouts, dropped connections) are retried with exponential backoff and
 * jitter; a 429 waits at least as long as Appwrite's `X-RateLimit-Reset` (or a
 * proxy's `Retry-After`) asks, and gives up at once if that is longer than the
 * policy's longest wait. Anything else fails at once with a typed error.
 */
import { AppwriteException } from "node-appwrite";
import { getLogger } from "../../logger.js";
import { StoreUnavailableError } from "../errors.js";
import {
  AppwriteOutcomeUnknownError,
  AppwriteStoreError,
  type AppwriteReply,
  type RequestTarget,
} from "./errors.js";
import { AppwriteHttpError } from "./http.js";

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** Backoff before the second attempt; doubles each time. */
  baseDelayMs: number;
  /** Longest backoff, and the longest wait a rate-limited response may ask for. */
  maxDelayMs: number;
  /** Per-request timeout. */
  requestTimeoutMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  requestTimeoutMs: 15_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * `idempotent`: every transient failure is retried. `once`: the request must
 * not be repeated blindly (a commit): only a 429, which Appwrite answers before
 * doing anything, is retried; other transient failures raise
 * AppwriteOutcomeUnknownError.
 */
export type RetryMode = "idempotent" | "once";

type Failure =
  | { kind: "reply"; reply: AppwriteReply; transient: boolean; retryAfterMs: number | undefined }
  | { kind: "transport"; reason: string }
  /** The connection was refused before anything was sent (the server's certificate): retrying cannot help. */
  | { kind: "untrusted"; reason: string };

const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
/** 5xx types that mean "not now" is "not ever": retrying cannot help. */
const PERMANENT_TYPES = new Set(["general_service_disabled", "general_api_disabled"]);

export async function withRetries<T>(
  policy: RetryPolicy,
  target: RequestTarget,
  mode: RetryMode,
  send: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      const failure = classify(error);
      if (failure.kind === "reply" && !failure.transient)
        throw new AppwriteStoreError(target, failure.reply, attempt);
      if (failure.kind === "untrusted")
        throw unavailable(
          target,
          failure,
          attempt,
          "check APPWRITE_ENDPOINT and the server's certificate",
          error,
        );
      const rateLimited = failure.kind === "reply" && failure.reply.status === 429;
      if (mode === "once" && !rateLimited)
        throw new AppwriteOutcomeUnknownError(target, describe(failure), error);
      if (attempt >= policy.maxAttempts)
        throw unavailable(target, failure, attempt, `gave up after ${attempt} attempts`, error);
      const asked = failure.kind === "reply" ? failure.retryAfterMs : undefined;
      if (asked !== undefined && asked > policy.maxDelayMs) {
        throw unavailable(
          target,
          failure,
          attempt,
          `Appwrite asked to wait ${asked} ms, longer than the ${policy.maxDelayMs} ms allowed`,
          error,
          asked,
        );
      }
      const delayMs = Math.max(backoff(policy, attempt), asked ?? 0);
      getLogger().warn(
        { ...target, attempt, failure: describe(failure), delayMs },
        "Appwrite request failed transiently; retrying",
      );
      await policy.sleep(delayMs);
    }
  }
}

/** Exponential backoff with "equal jitter": half fixed, half random. */
function backoff(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return ceiling / 2 + policy.random() * (ceiling / 2);
}

function classify(error: unknown): Failure {
  if (error instanceof AppwriteException && error.code > 0) {
    const reply = { status: error.code, type: error.type, message: error.message };
    const transient = TRANSIENT_STATUSES.has(error.code) && !PERMANENT_TYPES.has(error.type);
    return {
      kind: "reply",
      reply,
      transient,
      retryAfterMs: error instanceof AppwriteHttpError ? error.retryAfterMs : undefined,
    };
  }
  // AbortSignal.timeout: the request or its body took longer than the policy allows.
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return { kind: "transport", reason: "timed out" };
  }
  // The connection failed or was lost (refused, reset, closed mid-body, DNS).
  if (error instanceof Error && "code" in error && typeof error.code === "string") {
    if (CERTIFICATE_ERROR_CODES.has(error.code)) {
      return {
        kind: "untrusted",
        reason: `the server's TLS certificate was refused: ${error.message}`,
      };
    }
    if (NETWORK_ERRNOS.has(error.code)) {
      return { kind: "transport", reason: `network error: ${error.message}` };
    }
  }
  throw error;
}

/** OpenSSL's and Node's verdicts on a server certificate that cannot be trusted (`tls` error codes). */
const CERTIFICATE_ERROR_CODES: ReadonlySet<string> = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_SIGNATURE_FAILURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** System errors of a socket that could not connect or lost its peer. */
const NETWORK_ERRNOS: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

function describe(failure: Failure): string {
  return failure.kind === "reply"
    ? `${failure.reply.status} ${failure.reply.type}`
    : failure.reason;
}

function unavailable(
  target: RequestTarget,
  failure: Failure,
  attempts: number,
  reason: string,
  cause: unknown,
  retryAfterMs?: number,
): StoreUnavailableError {
  return new StoreUnavailableError(
    "appwrite",
    `${target.operation} on ${target.table}: ${describe(failure)}; ${reason}`,
    {
      ...target,
      attempts,
      ...(failure.kind === "reply"
        ? {
            appwriteCode: failure.reply.status,
            appwriteType: failure.reply.type,
            appwriteMessage: failure.reply.message,
          }
        : { transport: failure.reason }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    },
    cause,
  );
}
