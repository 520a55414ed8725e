import { readFileSync } from "node:fs";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { CardSchema, type Cfu } from "../../../src/lessons/schema.js";
import { DEMO_FILES } from "../../../src/seed/index.js";
import {
  EvaluationError,
  EvaluatorUnavailableError,
  assertCardsEvaluable,
  deterministicCards,
  evaluateAnswer,
  expectedAnswerText,
} from "../../../src/teaching/evaluation/index.js";

/** The fixture lesson (its file has no lessonTemplateId, so only title and cards are read). */
const lesson = z
  .looseObject({ title: z.string(), cards: z.array(CardSchema) })
  .parse(JSON.parse(readFileSync(DEMO_FILES.lesson, "utf8")));
const lessonInfo = { lessonTitle: lesson.title, courseId: "course_c84774" };

function cfuOf(cardId: string): Cfu {
  const card = lesson.cards.find((candidate) => candidate.id === cardId);
  if (card === undefined) throw new Error(`fixture has no ${cardId}`);
  return card.cfu;
}

describe("assertCardsEvaluable", () => {
  it("names TEACHER_MODEL and every card that needs a model when none is configured", () => {
    let error: unknown;
    try {
      assertCardsEvaluable(lesson.cards, {}, lessonInfo);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EvaluatorUnavailableError);
    expect(error).toMatchObject({
      name: "EvaluatorUnavailableError",
      code: "EVALUATOR_UNAVAILABLE",
      cardIds: ["card_002", "card_004"],
      context: {
        cardIds: ["card_002", "card_004"],
        variable: "TEACHER_MODEL",
        lessonTitle: "Calculating Fractions of Amounts",
        courseId: "course_c84774",
      },
    });
    expect((error as Error).message).toContain("cards card_002, card_004");
    expect((error as Error).message).toContain("TEACHER_MODEL");
  });

  it("passes a lesson whose cards are all deterministic, without a model", () => {
    expect(() =>
      assertCardsEvaluable(deterministicCards(lesson.cards), {}, lessonInfo),
    ).not.toThrow();
    expect(deterministicCards(lesson.cards).map((card) => card.id)).toEqual([
      "card_001",
      "card_003",
    ]);
  });

  it("passes every card when a model is configured", () => {
    const model = new FakeListChatModel({ responses: [] });
    expect(() => assertCardsEvaluable(lesson.cards, { model }, lessonInfo)).not.toThrow();
  });
});

describe("evaluateAnswer", () => {
  it.each(["", "   ", "\n"])(
    "refuses a blank answer %j with a typed error, judging nothing",
    async (response) => {
      const error = await evaluateAnswer(cfuOf("card_003"), response, {}).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(EvaluationError);
      expect(error).toMatchObject({
        code: "EVALUATION_FAILED",
        reason: "unreadable_answer",
        context: { cfuId: "q003", response, reason: "unreadable_answer" },
      });
    },
  );

  it("refuses a response that is not a string (a caller bug at runtime)", async () => {
    const error = await evaluateAnswer(cfuOf("card_001"), 4 as unknown as string, {}).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: "EVALUATION_FAILED",
      reason: "unreadable_answer",
      context: { response: 4 },
    });
  });

  it("judges the fixture's deterministic cards without a model", async () => {
    await expect(evaluateAnswer(cfuOf("card_001"), "1/4", {})).resolves.toMatchObject({
      is_correct: true,
      method: "mcq",
    });
    await expect(evaluateAnswer(cfuOf("card_003"), "£4.00", {})).resolves.toMatchObject({
      is_correct: true,
      method: "numeric",
      rubric_breakdown: [
        {
          criterion: "Correctly calculates 1/3 of £12 using division method",
          points_awarded: 1,
          max_points: 1,
        },
        { criterion: "States correct discount amount: £4", points_awarded: 1, max_points: 1 },
      ],
    });
  });
});

describe("expectedAnswerText", () => {
  it("gives the worked answer of each card type", () => {
    expect(expectedAnswerText(cfuOf("card_001"))).toBe("1/4");
    expect(expectedAnswerText(cfuOf("card_003"))).toBe("4.00");
    expect(expectedAnswerText(cfuOf("card_004"))).toBe(
      "Correctly calculates discount: 1/3 of £24 = £8\nCorrectly calculates final price: £24 - £8 = £16",
    );
  });
});
