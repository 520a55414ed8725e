import { describe, expect, it } from "vitest";
import {
  SCORE_FIRST_ATTEMPT,
  SCORE_LATER_ATTEMPT,
  SCORE_NOT_CORRECT,
  scoreCard,
} from "../../src/mastery/score.js";

describe("scoreCard", () => {
  it("uses the platform's scores", () => {
    expect([SCORE_FIRST_ATTEMPT, SCORE_LATER_ATTEMPT, SCORE_NOT_CORRECT]).toEqual([1.0, 0.7, 0.3]);
  });

  it.each([
    { isCorrect: true, attempts: 1, score: 1.0 },
    { isCorrect: true, attempts: 2, score: 0.7 },
    { isCorrect: true, attempts: 3, score: 0.7 },
    { isCorrect: false, attempts: 1, score: 0.3 },
    { isCorrect: false, attempts: 3, score: 0.3 },
    { isCorrect: false, attempts: 0, score: 0.3 },
  ])(
    "correct=$isCorrect after $attempts attempt(s) scores $score",
    ({ isCorrect, attempts, score }) => {
      expect(scoreCard({ isCorrect, attempts })).toBe(score);
    },
  );
});
