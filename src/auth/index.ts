/**
 * The LangGraph server's custom auth (`auth.path` in langgraph.json), for
 * `langgraphjs dev` and a production LangGraph server alike.
 *
 * TEACHING_AUTH (see `authSettings`) picks the mode when the server loads this
 * module, and the server log says which:
 * - `none`: every request is an anonymous caller and nothing is filtered
 *   (local development on the embedded store; on the Appwrite store only when
 *   set explicitly, with a warning);
 * - `appwrite`: every request carries an Appwrite account JWT (authenticate.ts)
 *   and the ownership rules apply (handlers.ts).
 *
 * Nothing connects at load: the verifier (node-appwrite) and the stores are
 * created on the first request that needs them.
 */
import { Auth } from "@langchain/langgraph-sdk/auth";
import type { Logger } from "pino";
import {
  authSettings,
  ConfigurationError,
  storeSettings,
  type AuthSettings,
} from "../config/env.js";
import { getLogger } from "../logger.js";
import { getDefaultStores } from "../stores/index.js";
import { createAppwriteAuthenticator, type AuthenticatorDeps } from "./authenticate.js";
import {
  onAssistantRead,
  onCreateRun,
  onThreadAccess,
  onThreadCreate,
  onThreadUpdate,
  refuseOperation,
} from "./handlers.js";
import { TokenCache } from "./token-cache.js";
import { anonymousUser, type CallerUser } from "./users.js";
import type { AccountVerifier } from "./verifier.js";

export { AUTH_CODES } from "./errors.js";
export { OWNER_KEY } from "./handlers.js";
export type { AnonymousUser, CallerUser, StudentUser } from "./users.js";

/** The server's auth for `settings`; `deps` are used by `appwrite` mode only. */
export function createTeachingAuth(settings: AuthSettings, deps: AuthenticatorDeps) {
  if (settings.mode === "none") return new Auth().authenticate<CallerUser>(() => anonymousUser());
  return new Auth()
    .authenticate<CallerUser>(createAppwriteAuthenticator(deps))
    .on("threads:create", onThreadCreate)
    .on(["threads:read", "threads:search", "threads:delete"], onThreadAccess)
    .on("threads:update", onThreadUpdate)
    .on("threads:create_run", onCreateRun)
    .on(["assistants:read", "assistants:search"], onAssistantRead)
    .on("*", refuseOperation);
}

/** The process's verifier, node-appwrite loaded on the first call (a failed load is retried). */
function lazyVerifier(): () => Promise<AccountVerifier> {
  let loading: Promise<AccountVerifier> | undefined;
  return () => {
    loading ??= (async () => {
      const store = storeSettings();
      if (store.kind !== "appwrite") {
        throw new ConfigurationError("TEACHING_AUTH=appwrite needs the Appwrite store", {
          store: store.kind,
        });
      }
      const { createAppwriteAccountVerifier } = await import("./appwrite-account.js");
      return createAppwriteAccountVerifier(store);
    })().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}

export function defaultAuthDeps(): AuthenticatorDeps {
  return {
    verifier: lazyVerifier(),
    students: () => getDefaultStores().students,
    cache: new TokenCache(),
    logger: getLogger,
  };
}

/** The start-up line saying who may call this server. */
export function announceAuth(settings: AuthSettings, log: Logger): void {
  if (settings.mode === "appwrite") {
    log.info("auth: appwrite: every request needs an Appwrite account JWT of a student");
  } else if (settings.store === "appwrite") {
    log.warn(
      "auth: none on the Appwrite store (TEACHING_AUTH=none): anyone who can reach this server can read and run every student's lessons",
    );
  } else {
    log.info("auth: none: every caller is anonymous and unfiltered (local development only)");
  }
}

const settings = authSettings();
announceAuth(settings, getLogger());

export const auth = createTeachingAuth(settings, defaultAuthDeps());
