/**
 * `appwrite` mode's authentication: the bearer JWT, verified by Appwrite
 * (cached briefly), mapped to the caller's `students` row. 401 when there is
 * no usable token, 403 for a user who is not a student, 503 when Appwrite
 * cannot be asked; the refusals say nothing of the internals, the log does.
 */
import type { Logger } from "pino";
import { StoreUnavailableError } from "../stores/errors.js";
import type { StudentStore } from "../stores/ports.js";
import { readBearerToken } from "./bearer.js";
import { AUTH_CODES, refusal } from "./errors.js";
import type { TokenCache } from "./token-cache.js";
import { anonymousUser, type CallerUser, type StudentUser } from "./users.js";
import { TokenRejectedError, VerifierUnavailableError, type AccountVerifier } from "./verifier.js";

export interface AuthenticatorDeps {
  /** The verifier, created on first use. */
  verifier: () => Promise<AccountVerifier>;
  students: () => StudentStore;
  cache: TokenCache<StudentUser>;
  logger: () => Logger;
  now?: () => number;
}

/** Load balancers and the test harness probe `GET /ok` without credentials; it touches no data. */
function isHealthCheck(request: Request): boolean {
  return request.method === "GET" && new URL(request.url).pathname === "/ok";
}

export function createAppwriteAuthenticator(
  deps: AuthenticatorDeps,
): (request: Request) => Promise<CallerUser> {
  const now = deps.now ?? Date.now;
  return async function authenticate(request) {
    if (isHealthCheck(request)) return anonymousUser();
    const { token, expiresAt } = readBearerToken(request);
    if (expiresAt <= now()) {
      throw refusal(401, AUTH_CODES.tokenInvalid, "the token has expired; create a new JWT");
    }
    const cached = deps.cache.get(token);
    if (cached !== undefined) return cached;
    const user = await studentOf(token, deps);
    deps.cache.set(token, user, expiresAt);
    return user;
  };
}

async function studentOf(token: string, deps: AuthenticatorDeps): Promise<StudentUser> {
  const log = deps.logger();
  let account;
  try {
    account = await (await deps.verifier()).verify(token);
  } catch (error) {
    if (error instanceof TokenRejectedError) {
      log.info({ reason: error.context }, "auth: Appwrite refused a token");
      throw refusal(401, AUTH_CODES.tokenInvalid, "the token is not valid; sign in again");
    }
    if (error instanceof VerifierUnavailableError) {
      log.error({ err: error }, "auth: cannot verify tokens with Appwrite");
      throw refusal(503, AUTH_CODES.unavailable, "cannot verify the token right now; try again");
    }
    throw failed(log, error, "auth: verifying a token failed");
  }
  let student;
  try {
    student = await deps.students().findByUserId(account.userId);
  } catch (error) {
    if (error instanceof StoreUnavailableError) {
      log.error({ err: error }, "auth: cannot read the students table");
      throw refusal(503, AUTH_CODES.unavailable, "cannot verify the token right now; try again");
    }
    throw failed(log, error, "auth: the students table does not identify this user");
  }
  if (student === null) {
    log.info({ userId: account.userId }, "auth: an Appwrite user without a student row");
    throw refusal(403, AUTH_CODES.notAStudent, "this account is not a student");
  }
  return {
    kind: "student",
    identity: student.$id,
    userId: account.userId,
    // Display only: the platform's name for the learner when it has one.
    display_name: student.name ?? account.name,
    permissions: [],
    is_authenticated: true,
  };
}

/**
 * Anything else (two students for one user, a refused API key, a bug) is the
 * server's problem: logged in full, answered with a 500 that names none of it.
 */
function failed(log: Logger, error: unknown, message: string): Error {
  log.error({ err: error }, message);
  return refusal(500, AUTH_CODES.failed, "the server could not establish who you are");
}
