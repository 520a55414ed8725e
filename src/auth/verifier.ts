/** The port that says whose a token is: Appwrite in production, a fake in unit tests. */
import { TeachingGraphError } from "../errors.js";

/** The Appwrite account a token belongs to. */
export interface AccountUser {
  /** The Appwrite user's `$id` (`students.userId`). */
  userId: string;
  name: string;
}

export interface AccountVerifier {
  /** The token's account; TokenRejectedError when Appwrite refuses it, VerifierUnavailableError when it cannot be asked. */
  verify(token: string): Promise<AccountUser>;
}

/** Appwrite refused the token (invalid, expired, revoked, its user blocked). */
export class TokenRejectedError extends TeachingGraphError {
  constructor(reason: string, context: Record<string, unknown> = {}) {
    super("AUTH_TOKEN_REJECTED", `Appwrite refused the token: ${reason}`, context);
  }
}

/** Appwrite could not be asked, or answered something other than a user or a refusal. */
export class VerifierUnavailableError extends TeachingGraphError {
  constructor(reason: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super("AUTH_VERIFIER_UNAVAILABLE", `Cannot verify tokens with Appwrite: ${reason}`, context, {
      cause,
    });
  }
}
