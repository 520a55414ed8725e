import { useState } from "react";
import type { SessionListing } from "../../src/session/listing.js";
import { Lesson } from "./Lesson.js";
import { SessionPicker } from "./SessionPicker.js";

/** Pick a session, then teach it; leaving a lesson goes back to the (fresh) list. */
export function App() {
  const [session, setSession] = useState<SessionListing | undefined>(undefined);
  return (
    <main className="page">
      {session === undefined ? (
        <SessionPicker onPick={setSession} />
      ) : (
        <Lesson key={session.$id} session={session} onLeave={() => setSession(undefined)} />
      )}
    </main>
  );
}
