import { describe, expect, it } from "vitest";
import {
  AnswerPayloadError,
  AnswerRequestSchema,
  parseAnswerPayload,
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

describe("AnswerRequestSchema", () => {
  it("rejects an interrupt value that is not an answer request", () => {
    expect(() => AnswerRequestSchema.parse({ type: "something_else" })).toThrow();
  });
});
