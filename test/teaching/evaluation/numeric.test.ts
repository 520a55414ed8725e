import { describe, expect, it } from "vitest";
import { NumericCfuSchema, type NumericCfu } from "../../../src/lessons/schema.js";
import { evaluateAnswer } from "../../../src/teaching/evaluation/index.js";
import { readNumericAnswer, roundToPennies } from "../../../src/teaching/evaluation/numeric.js";

function numericCfu(fields: Partial<NumericCfu> & { expected: number }): NumericCfu {
  return NumericCfuSchema.parse({ id: "q_num", type: "numeric", stem: "How much?", ...fields });
}

/** The fixture's shortbread card: expected 4.0, tolerance 0.01, money2dp. */
const shortbread = numericCfu({ expected: 4, tolerance: 0.01, money2dp: true });

describe("readNumericAnswer", () => {
  it.each([
    ["4", 4],
    [" 4.00 ", 4],
    ["£4", 4],
    ["£ 4.00", 4],
    ["4€", 4],
    ["$1,250.50", 1250.5],
    ["1,000,000", 1_000_000],
    ["-£4.50", -4.5],
    ["£-4.50", -4.5],
    ["+3", 3],
    [".5", 0.5],
    ["3/4", 0.75],
    ["3 / 4", 0.75],
    ["-1/4", -0.25],
    ["25%", 25],
    ["12.5 %", 12.5],
  ])("reads %j as %d", (text, value) => {
    expect(readNumericAnswer(text)).toBe(value);
  });

  it.each([
    "four",
    "4,5",
    "12,34",
    "1,2345",
    "4p",
    "£4£",
    "£25%",
    "1 1/2",
    "3/0",
    "1/2/3",
    "4 5",
    "--4",
    "4.",
    "0x10",
    "1e3",
    "Infinity",
  ])("cannot read %j", (text) => {
    expect(readNumericAnswer(text)).toBeUndefined();
  });
});

describe("roundToPennies", () => {
  it.each([
    [4.004, 4],
    [4.005, 4.01],
    [1.005, 1.01],
    [-2.345, -2.35],
    [3.999, 4],
  ])("rounds %d to %d", (value, rounded) => {
    expect(roundToPennies(value)).toBe(rounded);
  });
});

describe("evaluateAnswer on numeric cards", () => {
  it.each([
    [shortbread, "4"],
    [shortbread, "4.00"],
    [shortbread, "£4"],
    [shortbread, "£4.01"],
    [shortbread, "3.99"],
    [shortbread, "3.994"], // money2dp rounds to 3.99, within tolerance
    [shortbread, "3.985"], // half a penny rounds up to 3.99
    [shortbread, "12/3"],
    [numericCfu({ expected: 1250.5 }), "£1,250.50"],
    [numericCfu({ expected: 0.75 }), "3/4"],
    [numericCfu({ expected: 25 }), "25%"], // % is a unit label: matches a percentage card
    [numericCfu({ expected: 10, tolerance: 0.5 }), "10.5"],
    [numericCfu({ expected: 10, tolerance: 0 }), "10"],
    [numericCfu({ expected: -3 }), "-3"],
  ])("accepts %#: %j", async (cfu, response) => {
    const evaluation = await evaluateAnswer(cfu, response, {});
    expect(evaluation).toMatchObject({
      is_correct: true,
      partial_credit: 1,
      confidence: 1,
      method: "numeric",
    });
    expect(evaluation.feedback).toMatch(/^Correct!/);
  });

  it.each([
    [shortbread, "4.02"],
    [shortbread, "3.98"],
    [shortbread, "3.984"], // money2dp rounds to 3.98, outside tolerance
    [shortbread, "8"],
    [shortbread, "-4"],
    [numericCfu({ expected: 0.25 }), "25%"], // the unconverted percentage is not the decimal
    [numericCfu({ expected: 10, tolerance: 0 }), "10.001"],
    [numericCfu({ expected: 0.75 }), "3/5"],
  ])("rejects %#: %j", async (cfu, response) => {
    const evaluation = await evaluateAnswer(cfu, response, {});
    expect(evaluation).toMatchObject({
      is_correct: false,
      partial_credit: 0,
      confidence: 1,
      method: "numeric",
    });
    expect(evaluation.feedback).toMatch(/^Not quite/);
    expect(evaluation.feedback).not.toContain("4.00");
  });

  it("judges an unreadable answer not correct, with feedback on the accepted formats", async () => {
    const evaluation = await evaluateAnswer(shortbread, "four pounds", {});
    expect(evaluation).toMatchObject({ is_correct: false, partial_credit: 0, method: "numeric" });
    expect(evaluation.feedback).toContain(`couldn't read "four pounds" as a number`);
    expect(evaluation.feedback).toContain("fraction (3/4)");
    expect(evaluation.reasoning).toContain("not a readable number");
  });

  it("awards every rubric criterion in full when correct and nothing when wrong", async () => {
    const cfu = numericCfu({
      expected: 4,
      rubric: {
        total_points: 2,
        criteria: [
          { description: "Method", points: 1 },
          { description: "Answer", points: 1 },
        ],
      },
    });
    expect((await evaluateAnswer(cfu, "4", {})).rubric_breakdown).toEqual([
      { criterion: "Method", points_awarded: 1, max_points: 1 },
      { criterion: "Answer", points_awarded: 1, max_points: 1 },
    ]);
    expect(
      (await evaluateAnswer(cfu, "5", {})).rubric_breakdown.map((score) => score.points_awarded),
    ).toEqual([0, 0]);
  });
});
