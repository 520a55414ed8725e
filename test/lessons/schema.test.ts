import { describe, expect, it } from "vitest";
import { LessonSnapshotSchema, MAX_LESSON_CARDS } from "../../src/lessons/schema.js";
import { fixtureLesson, manyCards } from "../teaching/support/fixtures.js";

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
