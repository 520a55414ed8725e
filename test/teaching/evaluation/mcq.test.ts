import { describe, expect, it } from "vitest";
import { McqCfuSchema, type McqCfu } from "../../../src/lessons/schema.js";
import { EvaluationError, evaluateAnswer } from "../../../src/teaching/evaluation/index.js";

function mcq(fields: Record<string, unknown>): McqCfu {
  return McqCfuSchema.parse({ id: "q_mcq", type: "mcq", stem: "Which?", ...fields });
}

/** The fixture's first card: "Which of these represents one-quarter?" */
const quarter = mcq({ options: ["1/4", "1/2", "1/3", "2/4"], answerIndex: 0 });
const words = mcq({ options: ["Denominator", "Numerator", "Whole number"], answerIndex: 1 });
const numberTexts = mcq({ options: ["3", "2", "1"], answerIndex: 1 });
const multi = mcq({
  options: ["Red", "Green", "Blue", "Yellow"],
  multiSelect: true,
  answerIndices: [0, 2],
});

describe("evaluateAnswer on mcq cards", () => {
  it.each([
    [quarter, "1/4"],
    [quarter, " 1 / 4 "],
    [quarter, "1"],
    [quarter, "a"],
    [quarter, "A"],
    [quarter, "a)"],
    [quarter, "1."],
    [words, "numerator"],
    [words, "  NUMERATOR "],
    [words, "b"],
    [words, "2"],
    [numberTexts, "2"], // option text wins over option number
    [multi, "Red | Blue"],
    [multi, "blue|red"],
    [multi, "a | c"],
    [multi, "1 | 3"],
    [multi, "Red | Blue | red"],
  ])("accepts %#: %j", async (cfu, response) => {
    const evaluation = await evaluateAnswer(cfu, response, {});
    expect(evaluation).toMatchObject({
      is_correct: true,
      partial_credit: 1,
      confidence: 1,
      method: "mcq",
    });
    expect(evaluation.feedback).toMatch(/^Correct! The answers? (is|are) "/);
  });

  it.each([
    [quarter, "1/2"],
    [quarter, "2/4"],
    [quarter, "2"],
    [quarter, "d"],
    [words, "Denominator"],
    [numberTexts, "1"], // the text "1" is option 3, not option 1
    [multi, "Red"],
    [multi, "Red | Blue | Green"],
    [multi, "Green | Yellow"],
    [multi, "|"],
  ])("rejects %#: %j", async (cfu, response) => {
    const evaluation = await evaluateAnswer(cfu, response, {});
    expect(evaluation).toMatchObject({
      is_correct: false,
      partial_credit: 0,
      confidence: 1,
      method: "mcq",
    });
    expect(evaluation.feedback).toMatch(/^Not quite/);
  });

  it.each([
    [quarter, "quarter", '"quarter" is not one of the options', "(1-4 or a-d)"],
    [quarter, "5", '"5" is not one of the options', "(1-4 or a-d)"],
    [quarter, "e", '"e" is not one of the options', "(1-4 or a-d)"],
    [
      multi,
      "Red | Purple",
      '"Purple" is not one of the options',
      "Separate several choices with |.",
    ],
  ])("judges an answer naming no option not correct %#: %j", async (cfu, response, named, how) => {
    const evaluation = await evaluateAnswer(cfu, response, {});
    expect(evaluation).toMatchObject({ is_correct: false, partial_credit: 0, method: "mcq" });
    expect(evaluation.feedback).toContain(named);
    expect(evaluation.feedback).toContain(how);
  });

  it("names the chosen option, not the correct one, when wrong", async () => {
    const evaluation = await evaluateAnswer(quarter, "b", {});
    expect(evaluation.feedback).toBe('Not quite: "1/2" is not the right answer.');
    // The reasoning is in the thread state while the card may be asked again: no answer key.
    expect(evaluation.reasoning).toBe("Chose option(s) [2]; not the correct option(s).");
  });

  it("refuses options that read the same once case and spaces are ignored", async () => {
    const cfu = mcq({ options: ["1/4", "1 / 4", "1/2"], answerIndex: 0 });
    const error = await evaluateAnswer(cfu, "1/4", {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EvaluationError);
    expect(error).toMatchObject({
      code: "EVALUATION_FAILED",
      reason: "ambiguous_options",
      context: {
        cfuId: "q_mcq",
        options: ["1/4", "1 / 4", "1/2"],
        response: "1/4",
        reason: "ambiguous_options",
      },
    });
  });
});
