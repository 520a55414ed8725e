import { useStream } from "@langchain/langgraph-sdk/react";
import { useEffect, useRef, useState } from "react";
import type { SessionListing } from "../../src/session/listing.js";
import { CardView } from "./CardView.js";
import { ASSISTANT_ID, GRAPH_API_URL } from "./config.js";
import { Feedback } from "./Feedback.js";
import { lessonView, type LessonView, type ResumePayloadInput } from "./protocol.js";
import { Summary } from "./Summary.js";

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One lesson session on the graph server: starts it on a new thread (or joins
 * the thread of a started one) with `useStream`, shows the card the last
 * `lesson_card_presentation` call names, and resumes the interrupt with the
 * protocol's payloads.
 */
export function Lesson({ session, onLeave }: { session: SessionListing; onLeave: () => void }) {
  const [threadId, setThreadId] = useState<string | null>(session.threadId);
  const [questionsUnavailable, setQuestionsUnavailable] = useState(false);
  const stream = useStream({
    apiUrl: GRAPH_API_URL,
    assistantId: ASSISTANT_ID,
    threadId,
    onThreadId: setThreadId,
  });
  const started = useRef(false);

  useEffect(() => {
    // A started session continues on its thread; a new one starts a run once.
    if (session.threadId !== null || started.current) return;
    started.current = true;
    void stream.submit({ messages: [], session_context: { session_id: session.$id } });
  }, [session, stream]);

  let view: LessonView | undefined;
  let protocolError: string | undefined;
  try {
    view = lessonView(stream.messages, stream.interrupt);
  } catch (error) {
    protocolError = errorText(error);
  }

  const questionError = view?.request?.error?.code === "QUESTIONS_UNAVAILABLE";
  useEffect(() => {
    if (questionError) setQuestionsUnavailable(true);
  }, [questionError]);

  const resume = (payload: ResumePayloadInput) =>
    void stream.submit(null, { command: { resume: payload } });

  return (
    <>
      <header className="lesson-header">
        <button type="button" className="link" onClick={onLeave}>
          ← Sessions
        </button>
        <span className="muted">Session {session.$id}</span>
      </header>
      {stream.error !== undefined && stream.error !== null && (
        <p role="alert" className="error panel">
          The lesson stopped: {errorText(stream.error)}
        </p>
      )}
      {protocolError !== undefined && (
        <p role="alert" className="error panel">
          The page cannot show this lesson: {protocolError}
        </p>
      )}
      {view?.summary !== undefined ? (
        <Summary summary={view.summary} onLeave={onLeave} />
      ) : view?.card !== undefined ? (
        <>
          {view.beforeCard.length > 0 && (
            <Feedback messages={view.beforeCard} label="How the last card ended" muted />
          )}
          <CardView
            card={view.card}
            introduction={view.introduction}
            rejection={view.rejection}
            request={
              view.request?.interaction_id === view.card.interaction_id ? view.request : undefined
            }
            busy={stream.isLoading}
            questionsUnavailable={questionsUnavailable}
            onResume={resume}
          >
            <Feedback messages={view.sinceCard} label="Feedback" />
          </CardView>
        </>
      ) : (
        stream.error === undefined && (
          <p role="status" className="panel">
            Starting the lesson…
          </p>
        )
      )}
    </>
  );
}
