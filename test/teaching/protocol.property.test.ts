/**
 * `parseAnswerPayload` over generated resume values: any JSON value, any
 * string, JSON text, and payloads close to valid ones. It returns an answer to
 * the expected card or throws an AnswerPayloadError with a documented code,
 * and nothing else.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ANSWER_ACTIONS,
  AnswerPayloadError,
  MAX_ANSWER_CHARS,
  ResumeErrorCodeSchema,
  parseAnswerPayload,
} from "../../src/teaching/protocol.js";
import { propertyParameters } from "../support/property.js";

const expected = { cardId: "card_001", interactionId: "interaction-1" };

/** A field value: mostly one that fits, sometimes one that does not. */
const field = (...fitting: unknown[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...fitting) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
  );

/** Objects with the payload's fields, each right or wrong, some missing, plus stray keys. */
const nearPayload: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.record(
      {
        action: field(...ANSWER_ACTIONS, ...ANSWER_ACTIONS, "Submit_Answer"),
        student_response: fc.oneof(
          fc.string(),
          fc.constantFrom("  ", "1/4", 4, Number.NaN, "x".repeat(MAX_ANSWER_CHARS + 1)),
          fc.jsonValue({ maxDepth: 1 }),
        ),
        card_id: field(expected.cardId, expected.cardId, "card_002", ""),
        interaction_id: field(expected.interactionId, "interaction-0", ""),
        timestamp: field("2025-11-12T15:00:00.000Z"),
      },
      // The last two may be left out; the others are left out only by the generated JSON below.
      { requiredKeys: ["action", "student_response", "card_id"] },
    ),
    fc.dictionary(fc.constantFrom("__proto__", "constructor", "toString", "extra"), fc.jsonValue()),
  )
  .map(([fields, extra]) => Object.assign(JSON.parse(JSON.stringify(extra)), fields));

const resumeValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nearPayload },
  nearPayload.map((payload) => JSON.stringify(payload)),
  nearPayload.chain((payload) =>
    fc
      .subarray(Object.keys(payload))
      .map((kept) => Object.fromEntries(kept.map((key) => [key, payload[key]]))),
  ),
  fc.jsonValue(),
  fc.json(),
  fc.string(),
);

const CODES: ReadonlySet<string> = new Set(ResumeErrorCodeSchema.options);

describe("parseAnswerPayload (property)", () => {
  it("returns an answer to the expected card or throws an AnswerPayloadError with a known code", () => {
    fc.assert(
      fc.property(resumeValue, (raw) => {
        let payload;
        try {
          payload = parseAnswerPayload(raw, expected);
        } catch (error) {
          expect(error).toBeInstanceOf(AnswerPayloadError);
          const rejected = error as AnswerPayloadError;
          expect(CODES.has(rejected.code), rejected.code).toBe(true);
          expect(rejected.toInfo().code).toBe(rejected.code);
          return;
        }
        expect(ANSWER_ACTIONS).toContain(payload.action);
        expect(payload.card_id).toBe(expected.cardId);
        expect([undefined, expected.interactionId]).toContain(payload.interaction_id);
        if (payload.action === "submit_answer") {
          expect(payload.student_response.trim()).toBe(payload.student_response);
          expect(payload.student_response.length).toBeGreaterThan(0);
          expect(payload.student_response.length).toBeLessThanOrEqual(MAX_ANSWER_CHARS);
        }
      }),
      propertyParameters(),
    );
  });
});
