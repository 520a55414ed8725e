import { describe, expect, it } from "vitest";
import { RubricCfuSchema } from "../../src/lessons/schema.js";

function rubricCfu(rubric: unknown) {
  return RubricCfuSchema.safeParse({
    id: "q1",
    type: "short_text",
    stem: "Explain.",
    rubric,
  });
}

const criteria = [
  { description: "Names the method", points: 1 },
  { description: "Explains why", points: 2 },
];

describe("a card's rubric", () => {
  it("accepts a total that is the sum of its criteria's points, fractional ones too", () => {
    expect(rubricCfu({ total_points: 3, criteria }).success).toBe(true);
    const tenths = [
      { description: "a", points: 0.1 },
      { description: "b", points: 0.2 },
    ];
    expect(rubricCfu({ total_points: 0.3, criteria: tenths }).success).toBe(true);
  });

  it.each([
    ["a total above the criteria's sum", { total_points: 4, criteria }, "total_points"],
    ["a total below the criteria's sum", { total_points: 2, criteria }, "total_points"],
    [
      "a criterion worth no points",
      { total_points: 1, criteria: [...criteria.slice(0, 1), { description: "x", points: 0 }] },
      "criteria",
    ],
    [
      "a criterion worth negative points",
      { total_points: 1, criteria: [...criteria, { description: "x", points: -2 }] },
      "criteria",
    ],
  ])("refuses %s", (_label, rubric, field) => {
    const parsed = rubricCfu(rubric);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join("."))).toContainEqual(
      expect.stringMatching(new RegExp(`^rubric\\.${field}`)),
    );
  });
});
