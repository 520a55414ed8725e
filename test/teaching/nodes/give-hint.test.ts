import type { AIMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { createGiveHint } from "../../../src/teaching/nodes/give-hint.js";
import { createMemoryStores } from "../../../src/stores/memory/index.js";
import { lessonFixture } from "../support/fixtures.js";
import { lessonState } from "../support/state.js";

const fixture = lessonFixture();
const numericCard = fixture.lesson.cards[2]!;

const giveHint = createGiveHint({ getStores: () => createMemoryStores() });

async function hintFor(overrides: Parameters<typeof lessonState>[1]) {
  const update = await giveHint(lessonState(fixture, overrides));
  return { update, text: String((update.messages as AIMessage[])[0]?.content) };
}

describe("give_hint", () => {
  it("shows the card's hints in order, one per wrong answer", async () => {
    const first = await hintFor({ current_card_index: 2, attempts: 1, hints_shown: 0 });
    expect(first.update.card?.hints_shown).toBe(1);
    expect(first.text).toBe(
      `**Hint:** ${numericCard.cfu.hints?.[0]}\n\nHave another go (attempt 2 of 3).`,
    );
    const second = await hintFor({ current_card_index: 2, attempts: 2, hints_shown: 1 });
    expect(second.update.card?.hints_shown).toBe(2);
    expect(second.text).toContain(numericCard.cfu.hints?.[1]);
    expect(second.text).toContain("attempt 3 of 3");
  });

  it("asks for another attempt without a hint when the card has none left", async () => {
    const { update, text } = await hintFor({ current_card_index: 0, attempts: 1, hints_shown: 0 });
    expect(fixture.lesson.cards[0]!.cfu.hints).toBeUndefined();
    expect(update.card?.hints_shown).toBe(0);
    expect(text).toBe("Have another go (attempt 2 of 3).");
  });
});
