import { describe, expect, it } from "vitest";
import {
  LessonSnapshotSchema,
  MAX_LESSON_CARDS,
  RubricCfuSchema,
} from "../../src/lessons/schema.js";
import { fixtureLesson, manyCards } from "../teaching/support/fixtures.js";

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

describe("LessonSnapshotSchema: the card cap", () => {
  const lesson = fixtureLesson();

  it(`accepts a lesson of ${MAX_LESSON_CARDS} cards`, () => {
    const parsed = LessonSnapshotSchema.parse({ ...lesson, cards: manyCards(MAX_LESSON_CARDS) });
    expect(parsed.cards).toHaveLength(MAX_LESSON_CARDS);
  });

  it("refuses one card more, naming cards and the cap", () => {
    const parsed = LessonSnapshotSchema.safeParse({
      ...lesson,
      cards: manyCards(MAX_LESSON_CARDS + 1),
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({
        path: ["cards"],
        code: "too_big",
        message: `a lesson has at most ${MAX_LESSON_CARDS} cards, got ${MAX_LESSON_CARDS + 1}`,
      }),
    ]);
  });
});
