import type { Message } from "@langchain/langgraph-sdk";
import { describe, expect, it } from "vitest";
import { lessonView, ProtocolViewError } from "../../web/src/protocol.js";

const card = (index: number, introductionId: string | null): Message => ({
  type: "ai",
  id: `presentation_${index}`,
  content: `Card ${index + 1}`,
  tool_calls: [
    {
      id: `lesson_card_${index}`,
      name: "lesson_card_presentation",
      args: {
        card_data: {
          id: `card_00${index + 1}`,
          title: `Card ${index + 1}`,
          explainer: "Explainer.",
          cfu: { id: `q${index}`, type: "numeric", stem: "What is 1/4 of 8?" },
        },
        card_index: index,
        total_cards: 2,
        interaction_id: `interaction_${index}`,
        introduction_id: introductionId,
        lesson_title: "Fractions",
      },
    },
  ],
});
const said = (id: string, content: string): Message => ({ type: "ai", id, content });

describe("lessonView", () => {
  it("shows a card's introduction with the card, not as the end of the card before", () => {
    const view = lessonView(
      [
        said("intro_1", "Let us start."),
        card(0, "intro_1"),
        said("feedback_1", "Correct!"),
        said("intro_2", "Now quarters."),
        card(1, "intro_2"),
      ],
      undefined,
    );
    expect(view.card?.card_index).toBe(1);
    expect(view.introduction).toBe("Now quarters.");
    expect(view.beforeCard.map((message) => message.id)).toEqual(["feedback_1"]);
    expect(view.sinceCard).toEqual([]);
  });

  it("shows the first card's introduction too", () => {
    const view = lessonView([said("intro_1", "Let us start."), card(0, "intro_1")], undefined);
    expect(view.introduction).toBe("Let us start.");
  });

  it("has no introduction without a teacher model", () => {
    const view = lessonView(
      [card(0, null), said("feedback_1", "Correct!"), card(1, null)],
      undefined,
    );
    expect(view.introduction).toBeUndefined();
    expect(view.beforeCard.map((message) => message.id)).toEqual(["feedback_1"]);
  });

  it("shows the graph's words on a refused payload beside the input, not in the feed", () => {
    const refused = {
      value: {
        type: "answer_request",
        card_id: "card_001",
        interaction_id: "interaction_0",
        card_index: 0,
        total_cards: 2,
        cfu_type: "numeric",
        attempt: 1,
        max_attempts: 3,
        accepted_actions: ["submit_answer", "skip_card", "ask_question"],
        questions_left: 5,
        error: { code: "MISSING_ANSWER", field: "student_response", value: "", message: "dev" },
      },
    };
    const messages = [card(0, null), said("hint", "Hint: halve it."), said("no", "It was empty.")];
    const view = lessonView(messages, refused);
    expect(view.rejection).toBe("It was empty.");
    expect(view.sinceCard.map((message) => message.id)).toEqual(["hint"]);
    const accepted = lessonView(messages, { value: { ...refused.value, error: null } });
    expect(accepted.rejection).toBeUndefined();
    expect(accepted.sinceCard).toHaveLength(2);
  });

  it("refuses a presentation naming an introduction that is not there", () => {
    expect(() => lessonView([card(0, "missing")], undefined)).toThrow(ProtocolViewError);
  });
});
