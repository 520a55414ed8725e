import { describe, expect, it } from "vitest";
import { publicCard, publicLesson } from "../../src/lessons/public.js";
import { lessonFixture } from "../teaching/support/fixtures.js";
import { secretKeysIn } from "./secrets.js";

const { lesson } = lessonFixture();

describe("publicLesson", () => {
  it("keeps what the student reads: ids, titles, explainers, stems, options", () => {
    const shown = publicLesson(lesson);
    expect(shown).toMatchObject({
      lessonTemplateId: lesson.lessonTemplateId,
      courseId: lesson.courseId,
      title: lesson.title,
      outcomeRefs: lesson.outcomeRefs,
    });
    shown.cards.forEach((card, index) => {
      const source = lesson.cards[index]!;
      expect(card).toMatchObject({
        id: source.id,
        title: source.title,
        explainer: source.explainer,
        cfu: { id: source.cfu.id, type: source.cfu.type, stem: source.cfu.stem },
      });
      if (source.cfu.type === "mcq") expect(card.cfu.options).toEqual(source.cfu.options);
    });
  });

  it("carries no answer key, rubric, hints or misconception notes, at any depth", () => {
    expect(secretKeysIn(lesson).length).toBeGreaterThan(0);
    expect(secretKeysIn(publicLesson(lesson))).toEqual([]);
  });

  it("drops fields the lesson format may add later (picked, not filtered)", () => {
    const card = {
      ...lesson.cards[0]!,
      worked_solution: "£5",
      cfu: { ...lesson.cards[0]!.cfu, answer: "B" },
    };
    expect(JSON.stringify(publicCard(card))).not.toMatch(/worked_solution|"answer"/);
  });
});
