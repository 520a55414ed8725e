import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SessionContextField, TeachingInput, TeachingState } from "../../src/teaching/state.js";

const ObjectSchema = z.looseObject({
  properties: z.record(z.string(), z.looseObject({ required: z.array(z.string()).optional() })),
  required: z.array(z.string()).optional(),
});

describe("the graph's input", () => {
  it("is only messages and session_context", () => {
    expect(
      Object.keys(ObjectSchema.parse(TeachingInput.getInputJsonSchema()).properties).sort(),
    ).toEqual(["messages", "session_context"]);
  });

  it("documents session_context with its real JSON schema: a session reference, or the full context", () => {
    const [request, full] = z
      .looseObject({ anyOf: z.tuple([ObjectSchema, ObjectSchema]) })
      .parse(
        ObjectSchema.parse(TeachingInput.getInputJsonSchema()).properties.session_context,
      ).anyOf;
    expect(request.required).toEqual(["session_id"]);
    expect(Object.keys(request.properties).sort()).toEqual(["session_id", "use_plain_text"]);
    const sessionContext = full;
    expect(sessionContext.required).toEqual([
      "session_id",
      "student_id",
      "lesson_snapshot",
      "enriched_outcomes",
    ]);
    expect(Object.keys(sessionContext.properties ?? {})).toEqual(
      expect.arrayContaining([
        "session_id",
        "student_id",
        "lesson_snapshot",
        "enriched_outcomes",
        "use_plain_text",
      ]),
    );
  });

  it("passes any session_context through unchanged, so prepare_session can name every bad field", () => {
    const malformed = { session_id: 7, enriched_outcomes: "O1" };
    expect(SessionContextField["~standard"].validate(malformed)).toEqual({ value: malformed });
  });
});

describe("the state", () => {
  it("declares every channel the nodes use, the lesson's progress only: a stored lesson and its outcomes are read from the store", () => {
    const schema = ObjectSchema.parse(TeachingState.getJsonSchema());
    expect(schema.required).toEqual(
      expect.arrayContaining(["outcome_ids", "session_id", "total_cards", "card"]),
    );
    expect(TeachingState.getChannelKeys().sort()).toEqual(
      [
        "card",
        "card_scores",
        "current_card_index",
        "evidence",
        "inline_lesson",
        "mastery_record",
        "outcome_ids",
        "persisted",
        "mastery_updates",
        "max_attempts",
        "messages",
        "session_context",
        "session_id",
        "student_id",
        "total_cards",
        "use_plain_text",
      ].sort(),
    );
  });

  it("accumulates only messages, evidence and card_scores", () => {
    const reduced = Object.entries(TeachingState.fields)
      .filter(([, field]) => "reducer" in (field as object))
      .map(([name]) => name)
      .sort();
    expect(reduced).toEqual(["card_scores", "evidence", "messages"]);
  });
});
