import { describe, expect, it } from "vitest";
import { analysePerformance } from "../../src/teaching/performance.js";
import type { EvidenceEntry } from "../../src/teaching/lesson-record.js";
import { lessonFixture } from "./support/fixtures.js";

const cards = lessonFixture().lesson.cards;

function attempt(
  cardId: string,
  attempts: number,
  correct: boolean,
  skipped = false,
): EvidenceEntry {
  return {
    timestamp: "2025-11-12T15:00:00.000Z",
    card_id: cardId,
    item_id: "q",
    interaction_id: "i",
    response: skipped ? null : "x",
    correct,
    skipped,
    attempts,
    partial_credit: correct ? 1 : 0,
    confidence: 1,
    feedback: "",
    reasoning: "",
    method: skipped ? "skip" : "mcq",
    rubric_breakdown: [],
    max_attempts_reached: false,
  };
}

describe("analysePerformance", () => {
  it("counts each card once, with its final verdict and the attempts it took", () => {
    const analysis = analysePerformance(cards, [
      attempt("card_001", 1, true),
      attempt("card_002", 1, false),
      attempt("card_002", 2, true),
      attempt("card_003", 1, false),
      attempt("card_003", 2, false),
      attempt("card_003", 3, false),
      attempt("card_004", 0, false, true),
    ]);
    expect(analysis).toMatchObject({
      total_cards: 4,
      cards_correct: 2,
      cards_first_attempt: 1,
      overall_accuracy: 0.5,
      first_attempt_success: 0.25,
      average_attempts: 1.5,
      strong_areas: ["Starter: Fraction Recall"],
      challenge_areas: [
        "Guided Practice: Shopping Scenario",
        "Independent Practice: Train Tickets",
      ],
      retry_recommended: true,
    });
    expect(
      analysis.cards.map((card) => [card.card_id, card.correct, card.skipped, card.attempts]),
    ).toEqual([
      ["card_001", true, false, 1],
      ["card_002", true, false, 2],
      ["card_003", false, false, 3],
      ["card_004", false, true, 0],
    ]);
  });

  it("does not recommend a retry for a lesson done well", () => {
    const analysis = analysePerformance(cards, [
      attempt("card_001", 1, true),
      attempt("card_002", 1, true),
      attempt("card_003", 1, true),
      attempt("card_004", 2, true),
    ]);
    expect(analysis).toMatchObject({
      overall_accuracy: 1,
      first_attempt_success: 0.75,
      average_attempts: 1.25,
    });
    expect(analysis.retry_recommended).toBe(false);
  });

  it.each([
    { case: "accuracy below 70%", entries: ["1:t", "1:t", "3:f", "3:f"] },
    { case: "first-attempt success below 50%", entries: ["1:t", "2:t", "2:t", "2:t"] },
    { case: "more than 2.5 attempts per card", entries: ["3:t", "3:t", "3:t", "1:t"] },
  ])("recommends a retry for $case", ({ entries }) => {
    const evidence = entries.map((entry, index) => {
      const [attempts, verdict] = entry.split(":");
      return attempt(cards[index]!.id, Number(attempts), verdict === "t");
    });
    expect(analysePerformance(cards, evidence).retry_recommended).toBe(true);
  });
});
