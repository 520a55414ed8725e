/** Adapter settings and fast retry options for tests that run the Appwrite adapter against the test server. */
import type { AppwriteSettings } from "../../../src/config/env.js";
import type { AppwriteStoreOptions } from "../../../src/stores/appwrite/index.js";
import type { AppwriteTestServer } from "./index.js";

/** The settings `storeSettings()` would build for this server with the default table IDs. */
export function appwriteSettingsFor(
  server: Pick<AppwriteTestServer, "endpoint" | "projectId" | "apiKey" | "databaseId">,
): AppwriteSettings {
  return {
    kind: "appwrite",
    endpoint: server.endpoint,
    projectId: server.projectId,
    apiKey: server.apiKey,
    databaseId: server.databaseId,
    tables: {
      courseOutcomes: "course_outcomes",
      mastery: "MasteryV2",
      masteryLedger: "mastery_ledger",
      sessions: "sessions",
      lessonTemplates: "lesson_templates",
      students: "students",
      sessionThreads: "session_threads",
      routine: "Routine",
      evidence: "evidence",
    },
  };
}

/** The environment that selects this server as the store, for child processes (the CLI, bench runs). */
export function appwriteEnvFor(
  server: Pick<AppwriteTestServer, "endpoint" | "projectId" | "apiKey" | "databaseId">,
): NodeJS.ProcessEnv {
  return {
    APPWRITE_ENDPOINT: server.endpoint,
    APPWRITE_PROJECT_ID: server.projectId,
    APPWRITE_API_KEY: server.apiKey,
    APPWRITE_DATABASE_ID: server.databaseId,
  };
}

/** Retries and backoffs in milliseconds rather than seconds, so fault tests stay fast. */
export const FAST_OPTIONS: AppwriteStoreOptions = {
  retry: { baseDelayMs: 1, maxDelayMs: 50, requestTimeoutMs: 2000 },
  conflictBackoff: { baseDelayMs: 1, maxDelayMs: 20 },
};
