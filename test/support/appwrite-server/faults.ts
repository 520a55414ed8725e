/**
 * Switchable faults: a rule matches requests by method and path and, for its
 * next `times` matches, delays them and/or answers with an error instead of
 * handling them. A 429 carries Appwrite's rate-limit headers (`X-RateLimit-*`,
 * reset in epoch seconds) and, optionally, a proxy's `Retry-After`.
 */
import { apiErrors, type AppwriteApiError } from "./errors.js";

export interface FaultRule {
  /** Only requests with this method; any method when absent. */
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Only requests whose path (after `/v1`) matches; any path when absent. */
  path?: RegExp;
  /** How many matching requests it affects; default 1, `Infinity` for all. */
  times?: number;
  /** Answer with this status instead of handling the request. */
  status?: 429 | 500 | 502 | 503 | 504;
  /** 429: seconds until the rate-limit window resets (`X-RateLimit-Reset`); default 1. */
  resetAfterSeconds?: number;
  /** 429: also send `Retry-After` with this many seconds (as a proxy in front of Appwrite would). */
  retryAfterSeconds?: number;
  /** Wait this long before answering (slow responses; a client with a shorter timeout gives up). */
  delayMs?: number;
  /** Close the connection instead of answering (a connection lost mid-request). */
  drop?: boolean;
  /**
   * Handle the request, send the headers and half the body, then close the
   * connection (`"close"`) or leave it open with nothing more (`"stall"`).
   */
  cutBody?: "close" | "stall";
  /**
   * Handle the request first, then answer with `status` (or drop the
   * connection) anyway: a response lost after the work was done (a gateway
   * failing after Appwrite committed).
   */
  afterHandling?: boolean;
}

export interface FaultDecision {
  delayMs: number;
  error?: AppwriteApiError;
  drop: boolean;
  cutBody?: "close" | "stall";
  afterHandling: boolean;
}

/** The fault switchboard a test drives. */
export class Faults {
  private rules: Array<FaultRule & { remaining: number }> = [];

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, remaining: rule.times ?? 1 });
  }

  clear(): void {
    this.rules = [];
  }

  /** Rules that still have matches left. */
  get pending(): number {
    return this.rules.filter((rule) => rule.remaining > 0).length;
  }

  /** Consumes the first rule matching the request. */
  decide(method: string, path: string, now: number): FaultDecision {
    const rule = this.rules.find(
      (candidate) =>
        candidate.remaining > 0 &&
        (candidate.method === undefined || candidate.method === method) &&
        (candidate.path === undefined || candidate.path.test(path)),
    );
    if (rule === undefined) return { delayMs: 0, drop: false, afterHandling: false };
    rule.remaining -= 1;
    return {
      delayMs: rule.delayMs ?? 0,
      error: errorOf(rule, now),
      drop: rule.drop === true,
      ...(rule.cutBody === undefined ? {} : { cutBody: rule.cutBody }),
      afterHandling: rule.afterHandling === true,
    };
  }
}

function errorOf(rule: FaultRule, now: number): AppwriteApiError | undefined {
  if (rule.status === undefined) return undefined;
  if (rule.status !== 429) return apiErrors.serverError(rule.status);
  const headers: Record<string, string> = {
    "X-RateLimit-Limit": "60",
    "X-RateLimit-Remaining": "0",
    "X-RateLimit-Reset": String(Math.ceil(now / 1000) + (rule.resetAfterSeconds ?? 1)),
  };
  if (rule.retryAfterSeconds !== undefined) headers["Retry-After"] = String(rule.retryAfterSeconds);
  return apiErrors.rateLimited(headers);
}
