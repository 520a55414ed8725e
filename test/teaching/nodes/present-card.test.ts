import { publicCard } from "../../../src/lessons/public.js";
import { secretKeysIn } from "../../lessons/secrets.js";
import { AIMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { TeachingStateError } from "../../../src/teaching/errors.js";
import { createPresentCard } from "../../../src/teaching/nodes/present-card.js";
import { lessonFixture } from "../support/fixtures.js";
import { lessonState } from "../support/state.js";

const fixture = lessonFixture();
const [card1, card2] = fixture.lesson.cards;
/** Offline mode: no teacher model, the card's own text. */
const presentCard = createPresentCard({
  getStores: () => {
    throw new Error("present_card reads no store");
  },
  getChatModel: async () => undefined,
});

async function presented(overrides = {}) {
  const update = await presentCard(lessonState(fixture, overrides), {});
  const [message] = update.messages as AIMessage[];
  if (!(message instanceof AIMessage)) throw new Error("present_card emitted no AI message");
  return { update, message, toolCall: message.tool_calls?.[0] };
}

describe("present_card", () => {
  it("shows the explainer, then the question with numbered options", async () => {
    const { message } = await presented();
    const text = String(message.content);
    expect(text.startsWith("**Card 1 of 4: Starter: Fraction Recall**")).toBe(true);
    expect(text.indexOf(card1!.explainer)).toBeGreaterThan(0);
    expect(text.indexOf("**Question:** Which of these represents one-quarter?")).toBeGreaterThan(
      text.indexOf(card1!.explainer),
    );
    expect(text).toContain("1. 1/4\n2. 1/2\n3. 1/3\n4. 2/4");
  });

  it("uses explainer_plain when the session asks for plain text", async () => {
    const text = String((await presented({ use_plain_text: true })).message.content);
    expect(text).toContain(card1!.explainer_plain);
    expect(text).not.toContain(card1!.explainer);
  });

  it("emits the lesson_card_presentation tool call the frontend renders", async () => {
    const { update, message, toolCall } = await presented({ current_card_index: 1 });
    expect(toolCall?.name).toBe("lesson_card_presentation");
    expect(toolCall?.args).toEqual({
      card_content: message.content,
      card_data: publicCard(card2!),
      card_index: 1,
      total_cards: 4,
      cfu_type: "structured_response",
      interaction_id: update.card?.interaction_id,
      introduction_id: null,
      lesson_title: "Calculating Fractions of Amounts",
      progress: "2/4",
      lesson_context: {
        lesson_title: "Calculating Fractions of Amounts",
        student_name: fixture.sessionContext.student_id,
        progress: "2/4",
      },
      timestamp: expect.any(String),
    });
  });

  it.each([0, 1, 2, 3])(
    "shows card %i without its answer key, rubric, hints or misconception notes",
    async (index) => {
      const { toolCall } = await presented({ current_card_index: index });
      expect(secretKeysIn(toolCall?.args)).toEqual([]);
    },
  );

  it("starts a new interaction and resets the card's attempt state", async () => {
    const stale = { attempts: 2, hints_shown: 1, is_correct: false, interaction_id: "old" };
    const first = (await presented(stale)).update;
    const second = (await presented(stale)).update;
    expect(first.card).toMatchObject({
      card_id: fixture.lesson.cards[0]!.id,
      attempts: 0,
      hints_shown: 0,
      answer: null,
      question: null,
      questions_asked: 0,
      last_error: null,
      is_correct: null,
    });
    expect(first.card?.interaction_id).not.toBe("old");
    expect(first.card?.interaction_id).not.toBe(second.card?.interaction_id);
  });

  it("refuses a card index past the lesson", async () => {
    await expect(
      presentCard(lessonState(fixture, { current_card_index: 4 }), {}),
    ).rejects.toBeInstanceOf(TeachingStateError);
  });
});
