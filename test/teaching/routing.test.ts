import { describe, expect, it } from "vitest";
import {
  cardEnded,
  routeAfterAnswer,
  routeAfterEvaluation,
  routeAfterMastery,
} from "../../src/teaching/routing.js";
import { presentedProgress, type CardProgress } from "../../src/teaching/card-progress.js";
import { TeachingStateError } from "../../src/teaching/errors.js";
import { lessonFixture } from "./support/fixtures.js";

/** A presented card's progress with the fields a router reads. */
function progress(fields: Partial<CardProgress>): {
  card: CardProgress;
  current_card_index: number;
} {
  return {
    card: {
      ...presentedProgress({ card_id: "card_001", cfu_type: "numeric", interaction_id: "i-1" }),
      ...fields,
    },
    current_card_index: 0,
  };
}

const submitted = {
  action: "submit_answer" as const,
  student_response: "1/4",
  card_id: "card_001",
};
const skipped = { action: "skip_card" as const, card_id: "card_001" };

describe("routeAfterAnswer", () => {
  it("waits again at the same card after a rejected payload", () => {
    expect(routeAfterAnswer(progress({ answer: null, question: null }))).toBe("await_answer");
  });
  it("judges an accepted answer or skip", () => {
    expect(routeAfterAnswer(progress({ answer: submitted, question: null }))).toBe("evaluate");
    expect(routeAfterAnswer(progress({ answer: skipped, question: null }))).toBe("evaluate");
  });
  it("takes a question to the tutor", () => {
    const question = { action: "ask_question" as const, question: "Why?", card_id: "card_001" };
    expect(routeAfterAnswer(progress({ answer: null, question }))).toBe("answer_question");
  });
  it("refuses a state where no card was presented", () => {
    expect(() => routeAfterAnswer({ card: null, current_card_index: 0 })).toThrow(
      TeachingStateError,
    );
  });
});

describe("routeAfterEvaluation", () => {
  it.each([
    {
      case: "correct at the first attempt",
      answer: submitted,
      is_correct: true,
      attempts: 1,
      next: "update_mastery",
    },
    {
      case: "correct at the last attempt",
      answer: submitted,
      is_correct: true,
      attempts: 3,
      next: "update_mastery",
    },
    {
      case: "wrong with attempts left",
      answer: submitted,
      is_correct: false,
      attempts: 1,
      next: "give_hint",
    },
    {
      case: "wrong with one attempt left",
      answer: submitted,
      is_correct: false,
      attempts: 2,
      next: "give_hint",
    },
    {
      case: "wrong at the last attempt",
      answer: submitted,
      is_correct: false,
      attempts: 3,
      next: "update_mastery",
    },
    { case: "skipped", answer: skipped, is_correct: false, attempts: 0, next: "update_mastery" },
  ] as const)("$case → $next", ({ answer, is_correct, attempts, next }) => {
    const state = { ...progress({ answer, is_correct, attempts }), max_attempts: 3 };
    expect(routeAfterEvaluation(state)).toBe(next);
    expect(cardEnded(state)).toBe(next === "update_mastery");
  });

  it("respects a configured maximum of one attempt", () => {
    expect(
      routeAfterEvaluation({
        ...progress({ answer: submitted, is_correct: false, attempts: 1 }),
        max_attempts: 1,
      }),
    ).toBe("update_mastery");
  });
});

describe("routeAfterMastery", () => {
  const total_cards = lessonFixture().lesson.cards.length;
  it("presents the next card while cards remain", () => {
    expect(routeAfterMastery({ total_cards, current_card_index: 1 })).toBe("present_card");
    expect(routeAfterMastery({ total_cards, current_card_index: 3 })).toBe("present_card");
  });
  it("completes after the last card", () => {
    expect(routeAfterMastery({ total_cards, current_card_index: 4 })).toBe("complete");
  });
});
