import { AIMessage } from "@langchain/core/messages";
import { interrupt } from "@langchain/langgraph";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { answerRequest, awaitAnswer } from "../../../src/teaching/nodes/await-answer.js";
import { ECHO_MAX_CHARS } from "../../../src/errors.js";
import { TeachingStateError } from "../../../src/teaching/errors.js";
import { MAX_ANSWER_CHARS, type ResumeErrorInfo } from "../../../src/teaching/protocol.js";
import { lessonFixture } from "../support/fixtures.js";
import { silenceLogs } from "../support/logs.js";
import { TEST_INTERACTION_ID, lessonState } from "../support/state.js";

// interrupt() needs a running graph; here it returns the resume value the test scripts.
vi.mock("@langchain/langgraph", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@langchain/langgraph")>()),
  interrupt: vi.fn(),
}));
const resumeWith = (value: unknown) => vi.mocked(interrupt).mockReturnValueOnce(value);

const fixture = lessonFixture({ cards: "deterministic" });
const state = lessonState(fixture, { current_card_index: 1, attempts: 1 });
const valid = {
  action: "submit_answer",
  student_response: "4.00",
  card_id: "card_003",
  interaction_id: TEST_INTERACTION_ID,
};

let logs: ReturnType<typeof silenceLogs>;
beforeEach(() => {
  logs = silenceLogs();
});
afterEach(() => {
  vi.clearAllMocks();
  vi.restoreAllMocks();
});

describe("await_answer", () => {
  it("refuses, typed, a thread whose state a graph that kept the lesson in it wrote", () => {
    const earlier: Record<string, unknown> = { ...state, lesson: {} };
    delete earlier.total_cards;
    delete earlier.outcome_ids;
    const run = () => awaitAnswer(earlier as typeof state);
    expect(run).toThrow(TeachingStateError);
    expect(run).toThrow(/earlier version of the teaching graph/);
    expect(interrupt).not.toHaveBeenCalled();
  });

  it("refuses, typed, a thread whose state a graph that kept the card's progress in separate fields wrote", () => {
    const earlier: Record<string, unknown> = { ...state, ...state.card };
    delete earlier.card;
    const run = () => awaitAnswer(earlier as typeof state);
    expect(run).toThrow(TeachingStateError);
    expect(run).toThrow(/earlier version of the teaching graph/);
    expect(interrupt).not.toHaveBeenCalled();
  });

  it("interrupts with the current card's answer request", () => {
    resumeWith(valid);
    awaitAnswer(state);
    expect(interrupt).toHaveBeenCalledWith({
      type: "answer_request",
      card_id: "card_003",
      interaction_id: TEST_INTERACTION_ID,
      card_index: 1,
      total_cards: 2,
      cfu_type: "numeric",
      attempt: 2,
      max_attempts: 3,
      accepted_actions: ["submit_answer", "skip_card", "ask_question"],
      questions_left: 5,
      error: null,
    });
  });

  it("accepts a valid answer and clears the previous error", () => {
    resumeWith(JSON.stringify(valid));
    expect(awaitAnswer(state)).toEqual({
      card: { ...state.card, answer: valid, question: null, last_error: null },
    });
  });

  it("accepts a skip", () => {
    resumeWith({ action: "skip_card", card_id: "card_003" });
    expect(awaitAnswer(state)).toEqual({
      card: {
        ...state.card,
        answer: { action: "skip_card", card_id: "card_003" },
        question: null,
        last_error: null,
      },
    });
  });

  it("takes a question for the tutor, leaving the answer empty", () => {
    const question = { action: "ask_question", question: "What is a tenth?", card_id: "card_003" };
    resumeWith(question);
    expect(awaitAnswer(state)).toEqual({
      card: { ...state.card, answer: null, question, last_error: null },
    });
  });

  // Which payloads are refused, with which code, is parseAnswerPayload's (test/teaching/protocol.test.ts);
  // here, that the node checks them against the state's card and interaction and never throws.
  it.each([
    {
      case: "another card",
      resume: { ...valid, card_id: "card_001" },
      code: "CARD_MISMATCH",
      field: "card_id",
      value: "card_001",
    },
    {
      case: "a stale interaction",
      resume: { ...valid, interaction_id: "old" },
      code: "INTERACTION_MISMATCH",
      field: "interaction_id",
      value: "old",
    },
    {
      case: "a non-JSON string",
      resume: "four pounds",
      code: "RESUME_NOT_JSON",
      field: "resume",
      value: "four pounds",
    },
  ])(
    "does not throw on $case: records $code and tells the student",
    ({ resume, code, field, value }) => {
      resumeWith(resume);
      const update = awaitAnswer(state);
      expect(update.card?.answer).toBeNull();
      expect(update.card?.last_error).toMatchObject({
        code,
        field,
        value,
        message: expect.stringContaining(field),
      });
      const [message] = update.messages as AIMessage[];
      expect(message).toBeInstanceOf(AIMessage);
      expect(message?.content).toContain(code);
      expect(message?.content).toContain("card_003");
      // The developer's message (field names, zod's reasons) stays in last_error, out of the chat.
      expect(message?.content).not.toContain("Invalid answer payload");
      expect(logs.warn).toHaveBeenCalledTimes(1);
    },
  );

  it("tells the student in plain words what to do about a blank answer", () => {
    resumeWith({ ...valid, student_response: "   " });
    const [message] = awaitAnswer(state).messages as AIMessage[];
    expect(message?.content).toBe(
      "That answer could not be accepted: it was empty: type an answer, or skip the card " +
        "(MISSING_ANSWER). Please answer card card_003 again.",
    );
  });

  it("does not throw on an oversize answer, and echoes and logs it truncated", () => {
    const answer = "9".repeat(MAX_ANSWER_CHARS + 1);
    const echoed = `${answer.slice(0, ECHO_MAX_CHARS)}…(${answer.length} chars)`;
    resumeWith({ ...valid, student_response: answer });
    const update = awaitAnswer(state);
    expect(update.card?.answer).toBeNull();
    expect(update.card?.last_error).toMatchObject({
      code: "ANSWER_TOO_LONG",
      field: "student_response",
      value: echoed,
    });
    const [message] = update.messages as AIMessage[];
    expect(message?.content).toContain("ANSWER_TOO_LONG");
    expect(String(message?.content)).not.toContain(answer);
    expect(logs.warn).toHaveBeenCalledWith(
      expect.objectContaining({ code: "ANSWER_TOO_LONG", value: echoed }),
      expect.not.stringContaining(answer),
    );
  });

  it("puts the previous payload's error in the next request", () => {
    const error: ResumeErrorInfo = {
      code: "CARD_MISMATCH",
      field: "card_id",
      value: "card_001",
      message: "wrong card",
    };
    expect(answerRequest(lessonState(fixture, { last_error: error }))).toMatchObject({
      card_id: "card_001",
      attempt: 1,
      error,
    });
  });
});
