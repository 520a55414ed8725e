import { useEffect, useRef } from "react";
import { Markdown } from "./Markdown.js";
import { outcomeMastery, type CardResult, type SummaryCall } from "./protocol.js";

const percent = (value: number) => `${Math.round(value * 100)}%`;

const attempts = (count: number) => `${count} ${count === 1 ? "attempt" : "attempts"}`;

function resultText(card: CardResult): string {
  if (card.skipped)
    return card.attempts === 0 ? "Skipped" : `Skipped after ${attempts(card.attempts)}`;
  if (card.first_attempt_success) return "Correct first time";
  if (card.correct) return `Correct in ${attempts(card.attempts)}`;
  return `Not answered (${attempts(card.attempts)})`;
}

function resultClass(card: CardResult): string {
  if (card.correct) return card.first_attempt_success ? "result good" : "result ok";
  return "result poor";
}

/**
 * The `lesson_completion_summary`: the graph's closing words, each card's
 * result, and the mastery per outcome the graph wrote to MasteryV2, as bars
 * labelled by the outcome's unit code and title.
 */
export function Summary({ summary, onLeave }: { summary: SummaryCall; onLeave: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const performance = summary.performance_analysis;
  const outcomes = outcomeMastery(summary);
  return (
    <article className="panel summary" aria-labelledby="summary-title">
      <p className="eyebrow">{summary.lesson_title}</p>
      <h1 id="summary-title" ref={heading} tabIndex={-1}>
        Lesson complete
      </h1>
      <div className="summary-text">
        <Markdown text={summary.summary} />
      </div>
      <p className="stats">
        <span>
          <strong>
            {performance.cards_correct}/{performance.total_cards}
          </strong>{" "}
          cards correct
        </span>
        <span>
          <strong>{percent(performance.overall_accuracy)}</strong> accuracy
        </span>
        {performance.retry_recommended && <span className="tag">Worth another go</span>}
      </p>

      <h2>Cards</h2>
      <ol className="results">
        {performance.cards.map((card) => (
          <li key={card.card_id} data-card-id={card.card_id}>
            <span className="result-title">{card.title}</span>
            <span className={resultClass(card)}>{resultText(card)}</span>
          </li>
        ))}
      </ol>

      <h2>Mastery by outcome</h2>
      <ul className="mastery">
        {outcomes.map(({ outcome, mastery }) => {
          const labelId = `outcome-${outcome.$id}`;
          return (
            <li key={outcome.$id} data-outcome-id={outcome.$id}>
              <div className="mastery-label" id={labelId}>
                <span className="unit">
                  {outcome.unitCode} · {outcome.outcomeId}
                </span>{" "}
                {outcome.outcomeTitle}
              </div>
              <div className="mastery-row">
                <div
                  className="bar"
                  role="meter"
                  aria-labelledby={labelId}
                  aria-valuemin={0}
                  aria-valuemax={1}
                  aria-valuenow={mastery}
                  aria-valuetext={percent(mastery)}
                >
                  <div className="bar-fill" style={{ width: `${mastery * 100}%` }} />
                </div>
                <span className="bar-value">{percent(mastery)}</span>
              </div>
            </li>
          );
        })}
      </ul>
      <button type="button" onClick={onLeave}>
        Back to sessions
      </button>
    </article>
  );
}
