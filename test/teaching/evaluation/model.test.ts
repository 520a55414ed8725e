import { FakeListChatModel } from "@langchain/core/utils/testing";
import type { BaseMessage } from "@langchain/core/messages";
import { OutputParserException } from "@langchain/core/output_parsers";
import { describe, expect, it, vi } from "vitest";
import { RubricCfuSchema, type RubricCfu } from "../../../src/lessons/schema.js";
import {
  EvaluationError,
  EvaluatorUnavailableError,
  evaluateAnswer,
} from "../../../src/teaching/evaluation/index.js";

/** The fixture's card_002 CFU. */
const thirdOf18: RubricCfu = RubricCfuSchema.parse({
  id: "q002",
  type: "structured_response",
  stem: "Find 1/3 of £18. Show your working step by step.",
  rubric: {
    total_points: 3,
    criteria: [
      { description: "Correctly divides by denominator: £18 ÷ 3 = £6", points: 1 },
      { description: "Correctly multiplies by numerator: £6 × 1 = £6", points: 1 },
      { description: "States correct final answer: £6", points: 1 },
    ],
  },
});

function judgement(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    is_correct: true,
    confidence: 0.9,
    feedback: "Well done.",
    reasoning: "All steps shown.",
    partial_credit: 1,
    rubric_breakdown: [
      { criterion: "Divides by denominator", points_awarded: 1, max_points: 1 },
      { criterion: "Multiplies by numerator", points_awarded: 1, max_points: 1 },
      { criterion: "Final answer", points_awarded: 1, max_points: 1 },
    ],
    ...overrides,
  });
}

function modelSaying(...responses: string[]): FakeListChatModel {
  return new FakeListChatModel({ responses });
}

async function evaluationError(promise: Promise<unknown>): Promise<EvaluationError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(EvaluationError);
  return error as EvaluationError;
}

describe("evaluateAnswer on rubric cards with the teacher model", () => {
  it("returns the model's judgement, marked as a model verdict", async () => {
    const evaluation = await evaluateAnswer(thirdOf18, "18 ÷ 3 = 6, 6 × 1 = 6, so £6", {
      model: modelSaying(judgement()),
    });
    expect(evaluation).toEqual({
      is_correct: true,
      partial_credit: 1,
      confidence: 0.9,
      feedback: "Well done.",
      reasoning: "All steps shown.",
      rubric_breakdown: [
        { criterion: "Divides by denominator", points_awarded: 1, max_points: 1 },
        { criterion: "Multiplies by numerator", points_awarded: 1, max_points: 1 },
        { criterion: "Final answer", points_awarded: 1, max_points: 1 },
      ],
      method: "model",
    });
  });

  it("sends the stem, every rubric criterion with its points and the answer", async () => {
    const model = modelSaying(judgement());
    const invoke = vi.spyOn(model, "invoke");
    await evaluateAnswer(thirdOf18, "£6", { model });
    const messages = invoke.mock.calls[0]?.[0] as BaseMessage[];
    const prompt = messages.map((message) => message.content).join("\n");
    expect(prompt).toContain("Find 1/3 of £18. Show your working step by step.");
    expect(prompt).toContain("Rubric (total 3 points)");
    expect(prompt).toContain("3. States correct final answer: £6 (1 point)");
    expect(prompt).toContain("Student's answer:\n£6");
  });

  it.each([
    [0.6, false, true],
    [0.67, false, true],
    [0.59, true, false],
    [0.33, true, false],
    [0.6, true, true],
    [0.2, false, false],
  ])(
    "partial credit %d with the model's is_correct=%s gives is_correct=%s",
    async (partialCredit, modelSaid, verdict) => {
      const model = modelSaying(
        judgement({ partial_credit: partialCredit, is_correct: modelSaid }),
      );
      const evaluation = await evaluateAnswer(thirdOf18, "some working", { model });
      expect(evaluation.is_correct).toBe(verdict);
      expect(evaluation.partial_credit).toBe(partialCredit);
      if (modelSaid === verdict) expect(evaluation.reasoning).toBe("All steps shown.");
      else
        expect(evaluation.reasoning).toContain(
          `[is_correct set to ${verdict}: partial credit ${partialCredit}`,
        );
    },
  );

  it("raises a typed error when the model's output is not JSON", async () => {
    const error = await evaluationError(
      evaluateAnswer(thirdOf18, "£6", { model: modelSaying("Looks right to me!") }),
    );
    expect(error).toMatchObject({
      code: "EVALUATION_FAILED",
      reason: "model_output_unparseable",
      context: { cfuId: "q002", response: "£6", reason: "model_output_unparseable" },
    });
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it("raises a typed error when the provider's parser rejects the output", async () => {
    const model = modelSaying(judgement());
    vi.spyOn(model, "invoke").mockRejectedValue(
      new OutputParserException("Failed to parse tool call"),
    );
    const error = await evaluationError(evaluateAnswer(thirdOf18, "£6", { model }));
    expect(error.reason).toBe("model_output_unparseable");
    expect(error.message).toContain("Failed to parse tool call");
  });

  it.each([
    ["a missing field", { feedback: undefined }, "feedback"],
    ["a verdict as text", { is_correct: "yes" }, "is_correct"],
    ["partial credit above 1", { partial_credit: 1.5 }, "partial_credit"],
    ["negative confidence", { confidence: -0.1 }, "confidence"],
    ["blank feedback", { feedback: "  " }, "feedback"],
    ["no rubric breakdown", { rubric_breakdown: [] }, "rubric_breakdown"],
    [
      "more points than the criterion has",
      { rubric_breakdown: [{ criterion: "Final answer", points_awarded: 2, max_points: 1 }] },
      "rubric_breakdown.0",
    ],
  ])("raises a typed error for %s", async (_label, overrides, field) => {
    const output = JSON.parse(judgement(overrides)) as unknown;
    const error = await evaluationError(
      evaluateAnswer(thirdOf18, "£6", { model: modelSaying(judgement(overrides)) }),
    );
    expect(error).toMatchObject({ code: "EVALUATION_FAILED", reason: "model_output_invalid" });
    expect(error.context).toMatchObject({ cfuId: "q002", response: "£6", output });
    expect((error.context.issues as string[]).some((issue) => issue.startsWith(`${field}:`))).toBe(
      true,
    );
  });

  it("lets a failure that is not about the output (e.g. the network) through unchanged", async () => {
    const model = modelSaying(judgement());
    const outage = new Error("connect ECONNREFUSED");
    vi.spyOn(model, "invoke").mockRejectedValue(outage);
    await expect(evaluateAnswer(thirdOf18, "£6", { model })).rejects.toBe(outage);
  });

  it("refuses a rubric card without a model, naming TEACHER_MODEL", async () => {
    const error = await evaluateAnswer(thirdOf18, "£6", {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EvaluatorUnavailableError);
    expect(error).toMatchObject({
      code: "EVALUATOR_UNAVAILABLE",
      cardIds: ["q002"],
      context: { variable: "TEACHER_MODEL", cfuId: "q002", cfuType: "structured_response" },
    });
    expect((error as Error).message).toContain("but CFU q002 must be judged");
    expect((error as Error).message).toContain("Set TEACHER_MODEL=provider:model");
  });
});
