/**
 * The lesson page's session list under `npm run dev`: a Vite plugin that
 * answers `GET /__dev/sessions` with the open sessions of the embedded store
 * (`listSqliteOpenSessions`). Development only: it lives in Vite's dev server,
 * never in the LangGraph server or a built page, it reads and never writes,
 * and the page's server listens on 127.0.0.1 alone.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Plugin } from "vite";
import { TeachingGraphError } from "../src/errors.js";
import { listSqliteOpenSessions } from "../src/stores/sqlite/index.js";

/** Where the page asks; `web/src/sessions.ts` names it too. */
export const DEV_SESSIONS_PATH = "/__dev/sessions";

export function devSessionsApi(sqlitePath: string): Plugin {
  return {
    name: "teaching-graph-dev-sessions",
    apply: "serve",
    configureServer(server) {
      server.middlewares.use(DEV_SESSIONS_PATH, (request, response) =>
        answer(sqlitePath, request, response),
      );
    },
  };
}

function answer(sqlitePath: string, request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== "GET") {
    send(response, 405, { error: "read-only: GET only" });
    return;
  }
  try {
    send(response, 200, { sessions: listSqliteOpenSessions(sqlitePath) });
  } catch (error) {
    const code = error instanceof TeachingGraphError ? error.code : "INTERNAL_ERROR";
    send(response, 500, { error: `${code}: ${(error as Error).message}` });
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.statusCode = status;
  response.setHeader("Content-Type", "application/json");
  response.setHeader("Cache-Control", "no-store");
  response.end(JSON.stringify(body));
}
