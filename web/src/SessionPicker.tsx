import { useEffect, useRef, useState } from "react";
import { z } from "zod";
import { SessionListingSchema, type SessionListing } from "../../src/session/listing.js";
import { SESSIONS_PATH } from "./config.js";

const SessionListSchema = z.object({ sessions: z.array(SessionListingSchema) });

type Loaded =
  | { state: "loading" }
  | { state: "failed"; message: string }
  | { state: "ready"; sessions: SessionListing[] };

async function loadSessions(signal: AbortSignal): Promise<SessionListing[]> {
  const response = await fetch(SESSIONS_PATH, { signal });
  const body: unknown = await response.json();
  if (!response.ok) {
    const error = z.object({ error: z.string() }).safeParse(body);
    throw new Error(error.success ? error.data.error : `HTTP ${response.status}`);
  }
  return SessionListSchema.parse(body).sessions;
}

/** The open sessions of the embedded store; a started one continues on its thread. */
export function SessionPicker({ onPick }: { onPick: (session: SessionListing) => void }) {
  const [loaded, setLoaded] = useState<Loaded>({ state: "loading" });
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    loadSessions(abort.signal).then(
      (sessions) => setLoaded({ state: "ready", sessions }),
      (error: unknown) => {
        if (!abort.signal.aborted) setLoaded({ state: "failed", message: String(error) });
      },
    );
    heading.current?.focus();
    return () => abort.abort();
  }, []);

  return (
    <section className="panel" aria-labelledby="picker-title">
      <h1 id="picker-title" ref={heading} tabIndex={-1}>
        Choose a lesson
      </h1>
      <p className="muted">
        Sessions of the embedded store that are not completed. <code>npm run dev</code> opens a new
        one of the demo lesson on every start.
      </p>
      {loaded.state === "loading" && <p role="status">Loading sessions…</p>}
      {loaded.state === "failed" && (
        <p role="alert" className="error">
          Could not list the sessions: {loaded.message}
        </p>
      )}
      {loaded.state === "ready" && loaded.sessions.length === 0 && (
        <p>
          No open sessions. Restart <code>npm run dev</code> to open one.
        </p>
      )}
      {loaded.state === "ready" && loaded.sessions.length > 0 && (
        <ul className="sessions">
          {loaded.sessions.map((session) => (
            <li key={session.$id}>
              <button type="button" className="session" onClick={() => onPick(session)}>
                <span className="session-title">{session.lessonTitle}</span>
                <span className="muted">
                  {session.cardCount} cards · {session.studentId} · {session.$id}
                </span>
                <span className="session-action">
                  {session.threadId === null ? "Start" : "Continue"}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
