import {
  useEffect,
  useId,
  useRef,
  useState,
  type FormEvent,
  type ReactNode,
  type Ref,
} from "react";
import { Markdown } from "./Markdown.js";
import type { AnswerRequest, CardCall, ResumePayloadInput } from "./protocol.js";

/** Resume error codes about a question; the others are about the answer. */
const QUESTION_ERRORS = new Set([
  "MISSING_QUESTION",
  "QUESTION_TOO_LONG",
  "QUESTIONS_UNAVAILABLE",
  "QUESTION_LIMIT_REACHED",
]);

/**
 * The control that takes the focus for an answer: the first option button or
 * the answer's input or textarea (one ref serves all three).
 */
type AnswerControl = HTMLInputElement & HTMLTextAreaElement & HTMLButtonElement;

interface CardViewProps {
  card: CardCall;
  /** The teacher model's introduction, shown in place of the explainer (as the graph's card text has it). */
  introduction: string | undefined;
  /** The graph's words on the refused payload, shown with the request's error. */
  rejection: string | undefined;
  /** The answer request for this card; undefined while the graph works. */
  request: AnswerRequest | undefined;
  busy: boolean;
  /** The server said it answers no questions (no teacher model). */
  questionsUnavailable: boolean;
  onResume: (payload: ResumePayloadInput) => void;
  /** The card's feedback, shown under the question. */
  children: ReactNode;
}

/**
 * One card: its explainer and question (from `lesson_card_presentation`),
 * then the answer controls for the waiting request: option buttons for an
 * MCQ, an input otherwise, "Skip", and a question to the tutor. Each new
 * request (a new card or another attempt) moves the focus to the answer.
 */
export function CardView({
  card,
  introduction,
  rejection,
  request,
  busy,
  questionsUnavailable,
  onResume,
  children,
}: CardViewProps) {
  const { card_data: data } = card;
  const answerRef = useRef<AnswerControl>(null);
  const waiting = request !== undefined && !busy;
  const error = request?.error ?? null;
  const answerError = error !== null && !QUESTION_ERRORS.has(error.code) ? error : null;
  const questionError = error !== null && QUESTION_ERRORS.has(error.code) ? error : null;
  const ids = { error: useId(), questionError: useId(), answer: useId(), question: useId() };

  const stamp = () => new Date().toISOString();
  const target =
    request === undefined
      ? undefined
      : { card_id: request.card_id, interaction_id: request.interaction_id };
  const submit = (student_response: string) =>
    target !== undefined &&
    onResume({ action: "submit_answer", student_response, ...target, timestamp: stamp() });
  const skip = () =>
    target !== undefined && onResume({ action: "skip_card", ...target, timestamp: stamp() });
  const ask = (question: string) =>
    target !== undefined &&
    onResume({ action: "ask_question", question, ...target, timestamp: stamp() });

  // A new card or attempt starts with an empty answer; a rejected payload keeps what was typed.
  const attemptKey = request === undefined ? "" : `${request.interaction_id}:${request.attempt}`;
  const errorKey = JSON.stringify(error);
  useEffect(() => {
    if (waiting) answerRef.current?.focus();
  }, [waiting, attemptKey, errorKey]);

  const options = data.cfu.options;
  const heading = `Card ${card.card_index + 1} of ${card.total_cards}`;
  return (
    <article className="panel card" aria-labelledby="card-title">
      <p className="eyebrow">
        {card.lesson_title} · {heading}
      </p>
      <h1 id="card-title">{data.title}</h1>
      <div className="explainer">
        <Markdown text={introduction ?? data.explainer} />
      </div>
      <div className="question">
        <h2>Question</h2>
        <Markdown text={data.cfu.stem} />
      </div>
      {request !== undefined && (
        <p className="muted attempt">
          Attempt {request.attempt} of {request.max_attempts}
        </p>
      )}

      {options !== undefined && data.cfu.multiSelect !== true ? (
        <div
          className="options"
          role="group"
          aria-label="Options"
          aria-describedby={answerError === null ? undefined : ids.error}
        >
          {options.map((option, index) => (
            <button
              key={option}
              ref={index === 0 ? answerRef : undefined}
              type="button"
              className="option"
              disabled={!waiting}
              onClick={() => submit(option)}
            >
              <span className="option-letter" aria-hidden="true">
                {String.fromCharCode(65 + index)}
              </span>
              {option}
            </button>
          ))}
        </div>
      ) : (
        <AnswerForm
          key={attemptKey}
          inputRef={answerRef}
          id={ids.answer}
          card={card}
          disabled={!waiting}
          describedBy={answerError === null ? undefined : ids.error}
          onSubmit={submit}
        />
      )}
      {answerError !== null && (
        <p id={ids.error} role="alert" className="error">
          {rejection ?? answerError.message}
        </p>
      )}
      <div className="actions">
        <button type="button" className="secondary" disabled={!waiting} onClick={skip}>
          Skip
        </button>
        {busy && (
          <span role="status" className="muted">
            Thinking…
          </span>
        )}
      </div>

      {children}

      <QuestionForm
        id={ids.question}
        request={request}
        disabled={!waiting}
        unavailable={questionsUnavailable}
        error={questionError === null ? undefined : (rejection ?? questionError.message)}
        errorId={ids.questionError}
        onAsk={ask}
      />
    </article>
  );
}

function AnswerForm({
  inputRef,
  id,
  card,
  disabled,
  describedBy,
  onSubmit,
}: {
  inputRef: Ref<AnswerControl>;
  id: string;
  card: CardCall;
  disabled: boolean;
  describedBy: string | undefined;
  onSubmit: (answer: string) => void;
}) {
  const [answer, setAnswer] = useState("");
  const { cfu } = card.card_data;
  const send = (event: FormEvent) => {
    event.preventDefault();
    // Blank answers go to the server too: it says what is wrong, next to the input.
    onSubmit(answer);
  };
  const multiSelect = cfu.options !== undefined;
  const long = cfu.type === "structured_response" || cfu.type === "short_text";
  const hint = multiSelect
    ? `Choose every option that applies: type their letters, e.g. A, C (${cfu.options?.map((o, i) => `${String.fromCharCode(65 + i)} ${o}`).join("; ")})`
    : cfu.money2dp === true
      ? "In pounds and pence, e.g. 2.50"
      : undefined;
  return (
    <form className="answer" onSubmit={send}>
      <label htmlFor={id}>Your answer</label>
      {hint !== undefined && <p className="muted">{hint}</p>}
      <div className="answer-row">
        {long ? (
          <textarea
            id={id}
            ref={inputRef}
            rows={4}
            value={answer}
            disabled={disabled}
            aria-describedby={describedBy}
            onChange={(event) => setAnswer(event.target.value)}
          />
        ) : (
          <input
            id={id}
            ref={inputRef}
            type="text"
            inputMode={cfu.type === "numeric" ? "decimal" : "text"}
            autoComplete="off"
            value={answer}
            disabled={disabled}
            aria-describedby={describedBy}
            onChange={(event) => setAnswer(event.target.value)}
          />
        )}
        <button type="submit" disabled={disabled}>
          Submit
        </button>
      </div>
    </form>
  );
}

function QuestionForm({
  id,
  request,
  disabled,
  unavailable,
  error,
  errorId,
  onAsk,
}: {
  id: string;
  request: AnswerRequest | undefined;
  disabled: boolean;
  unavailable: boolean;
  error: string | undefined;
  errorId: string;
  onAsk: (question: string) => void;
}) {
  const [question, setQuestion] = useState("");
  if (request === undefined || !request.accepted_actions.includes("ask_question")) return null;
  const errorLine =
    error === undefined ? null : (
      <p id={errorId} role="alert" className="error">
        {error}
      </p>
    );
  if (unavailable) {
    return (
      <div className="ask">
        {errorLine ?? (
          <p className="muted">Questions need a teacher model (TEACHER_MODEL) on the server.</p>
        )}
      </div>
    );
  }
  const send = (event: FormEvent) => {
    event.preventDefault();
    onAsk(question);
    setQuestion("");
  };
  return (
    <form className="ask" onSubmit={send}>
      <label htmlFor={id}>
        Ask the tutor about this card <span className="muted">({request.questions_left} left)</span>
      </label>
      <div className="answer-row">
        <input
          id={id}
          type="text"
          autoComplete="off"
          value={question}
          disabled={disabled || request.questions_left === 0}
          aria-describedby={error === undefined ? undefined : errorId}
          onChange={(event) => setQuestion(event.target.value)}
        />
        <button
          type="submit"
          className="secondary"
          disabled={disabled || request.questions_left === 0}
        >
          Ask
        </button>
      </div>
      {errorLine}
    </form>
  );
}
