import { describe, expect, it } from "vitest";
import { ECHO_MAX_CHARS } from "../../src/errors.js";
import {
  AnswerPayloadError,
  AnswerRequestSchema,
  MAX_ANSWER_CHARS,
  MAX_RESUME_PAYLOAD_CHARS,
  parseAnswerPayload,
  parseResumePayload,
  MAX_QUESTION_CHARS,
  type ResumeErrorCode,
} from "../../src/teaching/protocol.js";
import { without } from "./support/fixtures.js";

const expected = { cardId: "card_001", interactionId: "interaction-1" };
const submit = {
  action: "submit_answer",
  student_response: "1/4",
  card_id: "card_001",
  interaction_id: "interaction-1",
};

function rejection(raw: unknown): AnswerPayloadError {
  try {
    parseAnswerPayload(raw, expected);
  } catch (error) {
    if (error instanceof AnswerPayloadError) return error;
    throw error;
  }
  throw new Error("payload was accepted");
}

describe("parseAnswerPayload", () => {
  it("accepts a submit_answer object and a skip_card object", () => {
    expect(parseAnswerPayload(submit, expected)).toMatchObject({
      action: "submit_answer",
      student_response: "1/4",
    });
    expect(
      parseAnswerPayload({ action: "skip_card", card_id: "card_001" }, expected),
    ).toMatchObject({
      action: "skip_card",
      card_id: "card_001",
    });
  });

  it("accepts the payload JSON-encoded as a string", () => {
    expect(parseAnswerPayload(JSON.stringify(submit), expected)).toMatchObject({
      student_response: "1/4",
    });
  });

  it("reads a numeric student_response as its text and trims answers", () => {
    expect(parseAnswerPayload({ ...submit, student_response: 4 }, expected)).toMatchObject({
      student_response: "4",
    });
    expect(parseAnswerPayload({ ...submit, student_response: "  4.00 " }, expected)).toMatchObject({
      student_response: "4.00",
    });
  });

  it("accepts a payload without interaction_id (it is checked only when sent)", () => {
    const withoutInteraction = without(submit, "interaction_id");
    expect(parseAnswerPayload(withoutInteraction, expected).card_id).toBe("card_001");
  });

  const cases: {
    name: string;
    raw: unknown;
    code: ResumeErrorCode;
    field: string;
    value: unknown;
  }[] = [
    {
      name: "a string that is not JSON",
      raw: "1/4",
      code: "RESUME_NOT_JSON",
      field: "resume",
      value: "1/4",
    },
    { name: "a number", raw: 4, code: "RESUME_NOT_OBJECT", field: "resume", value: 4 },
    { name: "null", raw: null, code: "RESUME_NOT_OBJECT", field: "resume", value: null },
    {
      name: "no payload",
      raw: undefined,
      code: "RESUME_NOT_OBJECT",
      field: "resume",
      value: undefined,
    },
    {
      name: "a bare JSON number",
      raw: "4.00",
      code: "RESUME_NOT_OBJECT",
      field: "resume",
      value: 4,
    },
    {
      name: "an array",
      raw: [submit],
      code: "RESUME_NOT_OBJECT",
      field: "resume",
      value: [submit],
    },
    {
      name: "JSON of a string",
      raw: '"hello"',
      code: "RESUME_NOT_OBJECT",
      field: "resume",
      value: "hello",
    },
    {
      name: "an unknown action",
      raw: { ...submit, action: "answer" },
      code: "UNKNOWN_ACTION",
      field: "action",
      value: "answer",
    },
    {
      name: "no action",
      raw: { student_response: "1/4", card_id: "card_001" },
      code: "UNKNOWN_ACTION",
      field: "action",
      value: undefined,
    },
    {
      name: "a missing answer",
      raw: { action: "submit_answer", card_id: "card_001" },
      code: "MISSING_ANSWER",
      field: "student_response",
      value: undefined,
    },
    {
      name: "a blank answer",
      raw: { ...submit, student_response: "   " },
      code: "MISSING_ANSWER",
      field: "student_response",
      value: "   ",
    },
    {
      name: "an answer that is not text",
      raw: { ...submit, student_response: { text: "1/4" } },
      code: "MISSING_ANSWER",
      field: "student_response",
      value: { text: "1/4" },
    },
    {
      name: "a missing card_id",
      raw: { action: "skip_card" },
      code: "INVALID_FIELD",
      field: "card_id",
      value: undefined,
    },
    {
      name: "a card_id that is not text",
      raw: { ...submit, card_id: 1 },
      code: "INVALID_FIELD",
      field: "card_id",
      value: 1,
    },
    {
      name: "another card's id",
      raw: { ...submit, card_id: "card_002" },
      code: "CARD_MISMATCH",
      field: "card_id",
      value: "card_002",
    },
    {
      name: "a stale interaction_id",
      raw: { ...submit, interaction_id: "interaction-0" },
      code: "INTERACTION_MISMATCH",
      field: "interaction_id",
      value: "interaction-0",
    },
    {
      name: "a mismatching card in a JSON string",
      raw: JSON.stringify({ ...submit, card_id: "card_009" }),
      code: "CARD_MISMATCH",
      field: "card_id",
      value: "card_009",
    },
  ];

  it.each(cases)("rejects $name with $code naming $field", ({ raw, code, field, value }) => {
    const error = rejection(raw);
    expect(error.code).toBe(code);
    expect(error.field).toBe(field);
    expect(error.value).toEqual(value);
    expect(error.context).toMatchObject({
      field,
      expectedCardId: "card_001",
      expectedInteractionId: "interaction-1",
    });
    expect(error.message).toContain(field);
    expect(error.toInfo()).toEqual({ code, field, value, message: error.message });
  });

  it("names the current card in a card mismatch", () => {
    expect(rejection({ ...submit, card_id: "card_002" }).message).toContain(
      "current card card_001",
    );
  });
});

describe("parseAnswerPayload limits", () => {
  /** What an error, a resume error and a log echo of a long text: its start and its length. */
  const echoOf = (text: string) => `${text.slice(0, ECHO_MAX_CHARS)}…(${text.length} chars)`;

  it(`accepts an answer of ${MAX_ANSWER_CHARS} characters (measured after trimming)`, () => {
    const answer = "7".repeat(MAX_ANSWER_CHARS);
    expect(
      parseAnswerPayload({ ...submit, student_response: `  ${answer}\n` }, expected),
    ).toMatchObject({ student_response: answer });
  });

  it("refuses an answer one character longer with ANSWER_TOO_LONG, echoing it truncated", () => {
    const answer = "7".repeat(MAX_ANSWER_CHARS + 1);
    const error = rejection({ ...submit, student_response: answer });
    expect(error.code).toBe("ANSWER_TOO_LONG");
    expect(error.field).toBe("student_response");
    expect(error.value).toBe(echoOf(answer));
    expect(error.context).toMatchObject({
      field: "student_response",
      value: echoOf(answer),
      maxChars: MAX_ANSWER_CHARS,
      length: MAX_ANSWER_CHARS + 1,
    });
    expect(error.message).toBe(
      `Invalid answer payload: student_response is ${MAX_ANSWER_CHARS + 1} characters long; ` +
        `at most ${MAX_ANSWER_CHARS} are accepted (got "${echoOf(answer)}")`,
    );
    expect(error.toInfo()).toMatchObject({ code: "ANSWER_TOO_LONG", value: echoOf(answer) });
  });

  it("leaves room in a JSON string payload for the longest answer with every character escaped", () => {
    const answer = "\u0001".repeat(MAX_ANSWER_CHARS);
    const raw = JSON.stringify({ ...submit, student_response: answer });
    expect(raw.length).toBeGreaterThan(6 * MAX_ANSWER_CHARS);
    expect(parseAnswerPayload(raw, expected).action).toBe("submit_answer");
  });

  it("refuses a string payload past the cap before parsing it (RESUME_TOO_LARGE), echoing it truncated", () => {
    const raw = JSON.stringify({ ...submit, padding: "p".repeat(MAX_RESUME_PAYLOAD_CHARS) });
    const error = rejection(raw);
    expect(error.code).toBe("RESUME_TOO_LARGE");
    expect(error.field).toBe("resume");
    expect(error.value).toBe(echoOf(raw));
    expect(error.context).toMatchObject({
      maxChars: MAX_RESUME_PAYLOAD_CHARS,
      length: raw.length,
    });
  });

  it("echoes a long rejected value truncated in every resume error, not only the size ones", () => {
    const raw = "not json ".repeat(1000);
    const error = rejection(raw);
    expect(error.code).toBe("RESUME_NOT_JSON");
    expect(error.value).toBe(echoOf(raw));
    expect(error.message).toContain(`(got "${echoOf(raw)}")`);
    expect(error.message.length).toBeLessThan(ECHO_MAX_CHARS + 200);
  });
});

describe("AnswerRequestSchema", () => {
  it("rejects an interrupt value that is not an answer request", () => {
    expect(() => AnswerRequestSchema.parse({ type: "something_else" })).toThrow();
  });
});

describe("parseResumePayload (ask_question)", () => {
  const question = {
    action: "ask_question",
    question: "  What is a denominator? ",
    card_id: "card_001",
  };

  it("accepts a question for the current card, trimmed", () => {
    expect(parseResumePayload(question, expected)).toMatchObject({
      action: "ask_question",
      question: "What is a denominator?",
    });
  });

  it.each([
    [{ ...question, question: "   " }, "MISSING_QUESTION"],
    [{ ...question, question: "?".repeat(MAX_QUESTION_CHARS + 1) }, "QUESTION_TOO_LONG"],
    [{ ...question, card_id: "card_009" }, "CARD_MISMATCH"],
  ])("refuses %#: %s", (raw, code) => {
    expect(() => parseResumePayload(raw, expected)).toThrow(
      expect.objectContaining({ code }) as unknown as Error,
    );
  });

  it("is not an answer: parseAnswerPayload refuses it as an unknown action", () => {
    expect(() => parseAnswerPayload(question, expected)).toThrow(
      expect.objectContaining({ code: "UNKNOWN_ACTION" }) as unknown as Error,
    );
  });
});
