import type { Message } from "@langchain/langgraph-sdk";
import { Markdown } from "./Markdown.js";
import { textOf } from "./protocol.js";

/**
 * The graph's words about a card as they arrive: feedback, hints, worked
 * answers, rejected payloads, and the student's questions with the tutor's
 * answers. Announced politely to screen readers as they come.
 */
export function Feedback({
  messages,
  label,
  muted = false,
}: {
  messages: readonly Message[];
  label: string;
  muted?: boolean;
}) {
  const shown = messages.filter(
    (message) => (message.type === "ai" || message.type === "human") && textOf(message) !== "",
  );
  return (
    <section className={muted ? "feedback feedback-muted" : "feedback"} aria-label={label}>
      {muted && shown.length > 0 && <p className="feedback-caption">{label}</p>}
      <div aria-live="polite">
        {shown.map((message, index) => (
          <div
            key={message.id ?? index}
            className={message.type === "human" ? "bubble bubble-student" : "bubble"}
          >
            {message.type === "human" && <span className="bubble-who">You asked</span>}
            <Markdown text={textOf(message)} />
          </div>
        ))}
      </div>
    </section>
  );
}
