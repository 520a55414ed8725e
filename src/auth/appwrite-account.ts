/**
 * Verifies Appwrite account JWTs with Appwrite itself: `Account.get()` on a
 * client that carries the JWT and the project, and no API key (a key would
 * make the request the server's, not the user's). Transient failures are
 * retried briefly under the adapter's retry rules; a 401 is the token's fault.
 * Loaded on the first request (see index.ts), so node-appwrite is not imported
 * by processes that never verify a token.
 */
import { Account } from "node-appwrite";
import { z } from "zod";
import { StoreUnavailableError } from "../stores/errors.js";
import { AppwriteStoreError } from "../stores/appwrite/errors.js";
import { TimedClient } from "../stores/appwrite/http.js";
import { DEFAULT_RETRY_POLICY, withRetries, type RetryPolicy } from "../stores/appwrite/retry.js";
import {
  TokenRejectedError,
  VerifierUnavailableError,
  type AccountUser,
  type AccountVerifier,
} from "./verifier.js";

/** A request is on the caller's path: two attempts, short waits. */
export const VERIFY_RETRY_POLICY: RetryPolicy = {
  ...DEFAULT_RETRY_POLICY,
  maxAttempts: 2,
  baseDelayMs: 100,
  maxDelayMs: 1_000,
  requestTimeoutMs: 5_000,
};

/** The part of Appwrite's `Models.User` this project reads. */
const AccountUserSchema = z.looseObject({ $id: z.string().min(1), name: z.string() });

export interface AppwriteAccountSettings {
  endpoint: string;
  projectId: string;
}

export function createAppwriteAccountVerifier(
  settings: AppwriteAccountSettings,
  policy: RetryPolicy = VERIFY_RETRY_POLICY,
): AccountVerifier {
  return {
    async verify(token) {
      const client = new TimedClient(policy.requestTimeoutMs)
        .setEndpoint(settings.endpoint)
        .setProject(settings.projectId)
        .setJWT(token);
      const account = new Account(client);
      let user: unknown;
      try {
        user = await withRetries(
          policy,
          { operation: "account.get", table: "account" },
          "idempotent",
          () => account.get(),
        );
      } catch (error) {
        throw verificationError(error);
      }
      const parsed = AccountUserSchema.safeParse(user);
      if (!parsed.success) {
        throw new VerifierUnavailableError("Appwrite's account reply is not a user", {
          issues: parsed.error.issues.map((issue) => issue.message),
        });
      }
      return { userId: parsed.data.$id, name: parsed.data.name } satisfies AccountUser;
    },
  };
}

function verificationError(error: unknown): Error {
  if (error instanceof AppwriteStoreError && error.appwriteCode === 401) {
    return new TokenRejectedError(error.appwriteType, { appwriteType: error.appwriteType });
  }
  if (error instanceof AppwriteStoreError || error instanceof StoreUnavailableError) {
    return new VerifierUnavailableError(error.message, { ...error.context }, error);
  }
  return error instanceof Error ? error : new Error(String(error));
}
