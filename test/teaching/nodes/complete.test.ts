import type { AIMessage } from "@langchain/core/messages";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { StoreWriteRefusedError } from "../../../src/stores/errors.js";
import { createMemoryStores } from "../../../src/stores/memory/index.js";
import type { Stores } from "../../../src/stores/ports.js";
import { createComplete } from "../../../src/teaching/nodes/complete.js";
import type { EvidenceEntry } from "../../../src/teaching/lesson-record.js";
import type { State } from "../../../src/teaching/state.js";
import { lessonFixture } from "../support/fixtures.js";
import { lessonState } from "../support/state.js";

const fixture = lessonFixture({ cards: "deterministic" });
const [outcomeA, outcomeB, outcomeC] = fixture.enrichedOutcomes.map((outcome) => outcome.$id);

function evidence(cardId: string, attempts: number, correct: boolean): EvidenceEntry {
  return {
    timestamp: "2025-11-12T15:00:00.000Z",
    card_id: cardId,
    item_id: `q_${cardId}`,
    interaction_id: `interaction_${cardId}`,
    response: "x",
    correct,
    skipped: false,
    attempts,
    partial_credit: correct ? 1 : 0,
    confidence: 1,
    feedback: "f",
    reasoning: "r",
    method: "mcq",
    rubric_breakdown: [],
    max_attempts_reached: !correct && attempts === 3,
  };
}

const updates = (score: number, timestamp: string) =>
  [outcomeA, outcomeB, outcomeC].map((id) => ({ outcome_id: id!, score, timestamp }));

/** Two cards: the first right at once, the second right at the second attempt. */
const finished: State = lessonState(fixture, {
  current_card_index: 2,
  evidence: [
    evidence("card_001", 1, true),
    evidence("card_003", 1, false),
    evidence("card_003", 2, true),
  ],
  card_scores: [
    { score: 1, timestamp: "2025-11-12T15:00:00.000Z" },
    { score: 0.7, timestamp: "2025-11-12T15:01:00.000Z" },
  ],
});
/** What `finished` must record: each card's score for each of the lesson's outcomes. */
const finishedUpdates = [
  ...updates(1, "2025-11-12T15:00:00.000Z"),
  ...updates(0.7, "2025-11-12T15:01:00.000Z"),
];

let stores: Stores;
beforeEach(async () => {
  stores = createMemoryStores();
  await stores.outcomes.upsertMany(fixture.outcomes);
});

const NOW = new Date("2025-11-12T15:00:00.000Z");

async function complete(state: State, configurable: Record<string, unknown> = {}) {
  return createComplete({ getStores: () => stores, authMode: "none", clock: () => NOW })(state, {
    configurable: { thread_id: "thread_complete", ...configurable },
  });
}

describe("complete", () => {
  it("folds the lesson's updates into the student's MasteryV2 record with the EMA", async () => {
    const apply = vi.spyOn(stores.mastery, "completeLesson");
    const update = await complete(finished);
    expect(apply).toHaveBeenCalledWith(
      expect.objectContaining({
        sessionId: fixture.sessionContext.session_id,
        studentId: fixture.sessionContext.student_id,
        courseId: "course_c84774",
        updates: finishedUpdates,
        alpha: 0.3,
        threadId: "thread_complete",
        completedAt: NOW.toISOString(),
      }),
    );
    // First score 1.0, then 0.3 * 0.7 + 0.7 * 1.0.
    const expected = { [outcomeA!]: 0.91, [outcomeB!]: 0.91, [outcomeC!]: 0.91 };
    expect(update.mastery_record).toMatchObject({ status: "applied", emaByOutcome: expected });
    const stored = await stores.mastery.get(fixture.sessionContext.student_id, "course_c84774");
    expect(JSON.parse(stored!.emaByOutcome!)).toEqual(expected);
  });

  it("with authenticated callers, names the student's Appwrite user as the record's reader and refuses a caller's alpha", async () => {
    const apply = vi.spyOn(stores.mastery, "completeLesson");
    const node = createComplete({ getStores: () => stores, authMode: "appwrite" });
    const caller = { identity: fixture.sessionContext.student_id, userId: "user_ada" };
    await expect(
      node(finished, { configurable: { langgraph_auth_user: caller, emaAlpha: 1 } }),
    ).rejects.toMatchObject({ code: "CONFIGURATION_NOT_ALLOWED" });
    expect(apply).not.toHaveBeenCalled();
    await node(finished, { configurable: { langgraph_auth_user: caller, thread_id: "t" } });
    expect(apply).toHaveBeenCalledWith(expect.objectContaining({ readerUserId: "user_ada" }));
  });

  it("persists evidence, the review schedule at the clock's time, and says so in the persisted block", async () => {
    const update = await complete(finished);
    const evidence = await stores.mastery.listEvidence(fixture.sessionContext.session_id);
    expect(evidence).toHaveLength(finished.evidence.length);
    expect(evidence.map((row) => row.cardId)).toEqual(finished.evidence.map((e) => e.card_id));
    const routine = await stores.mastery.getRoutine(
      fixture.sessionContext.student_id,
      "course_c84774",
    );
    const due = JSON.parse(routine!.dueAtByOutcome!) as Record<string, string>;
    expect(Object.keys(due).sort()).toEqual([outcomeA, outcomeB, outcomeC].sort());
    expect(routine!.lastTaughtAt).toBe(NOW.toISOString());
    expect(update.persisted).toEqual({
      status: "applied",
      mastery_record: update.mastery_record,
      evidence_count: finished.evidence.length,
      due_at_by_outcome: due,
      // The fixture's session is inline: no sessions row.
      session_status: "not_stored",
    });
    const [toolCall] = (update.messages as AIMessage[])[0]!.tool_calls ?? [];
    expect(toolCall?.args.persisted).toEqual(update.persisted);
    expect((await complete(finished)).persisted).toEqual({
      ...update.persisted,
      status: "already_applied",
      mastery_record: { ...update.mastery_record, status: "already_applied" },
    });
  });

  it("refuses to complete without the run's thread, writing nothing", async () => {
    const node = createComplete({ getStores: () => stores, authMode: "none" });
    await expect(node(finished, { configurable: {} })).rejects.toMatchObject({
      code: "INVALID_TEACHING_STATE",
    });
    expect(await stores.mastery.isSessionApplied(fixture.sessionContext.session_id)).toBe(false);
  });

  it("uses the configured EMA alpha", async () => {
    const update = await complete(finished, { emaAlpha: 0.5 });
    expect(update.mastery_record?.emaByOutcome[outcomeA!]).toBe(0.85);
  });

  it("is safe to retry: the session's updates are applied once", async () => {
    const first = await complete(finished);
    const second = await complete(finished);
    expect(second.mastery_record).toMatchObject({
      status: "already_applied",
      recordId: first.mastery_record?.recordId,
    });
    const stored = await stores.mastery.get(fixture.sessionContext.student_id, "course_c84774");
    expect(JSON.parse(stored!.emaByOutcome!)[outcomeA!]).toBe(0.91);
  });

  it("closes with one message carrying the lesson_completion_summary tool call", async () => {
    const update = await complete(finished);
    const messages = update.messages as AIMessage[];
    expect(messages).toHaveLength(1);
    const [toolCall] = messages[0]!.tool_calls ?? [];
    expect(toolCall?.name).toBe("lesson_completion_summary");
    expect(toolCall?.args).toEqual({
      summary: messages[0]!.content,
      performance_analysis: {
        total_cards: 2,
        cards_correct: 2,
        cards_first_attempt: 1,
        overall_accuracy: 1,
        first_attempt_success: 0.5,
        average_attempts: 1.5,
        strong_areas: ["Starter: Fraction Recall"],
        challenge_areas: [],
        retry_recommended: false,
        cards: [
          expect.objectContaining({
            card_id: "card_001",
            correct: true,
            attempts: 1,
            first_attempt_success: true,
          }),
          expect.objectContaining({
            card_id: "card_003",
            correct: true,
            attempts: 2,
            first_attempt_success: false,
          }),
        ],
      },
      evidence: finished.evidence,
      mastery_updates: finishedUpdates,
      enriched_outcomes: fixture.enrichedOutcomes,
      lesson_title: "Calculating Fractions of Amounts",
      total_cards: 2,
      cards_completed: 2,
      retry_recommended: false,
      session_id: fixture.sessionContext.session_id,
      student_id: fixture.sessionContext.student_id,
      course_id: "course_c84774",
      mastery_record: update.mastery_record,
      persisted: update.persisted,
      timestamp: expect.any(String),
    });
  });

  it("writes nothing and propagates the store's typed error for a key that is not an outcome of the course", async () => {
    const foreign = lessonState(fixture, {
      outcome_ids: ["6913b73000151df21338"],
      card_scores: [{ score: 1, timestamp: "2025-11-12T15:00:00.000Z" }],
    });
    await expect(complete(foreign)).rejects.toBeInstanceOf(StoreWriteRefusedError);
    await expect(complete(foreign)).rejects.toMatchObject({ code: "STORE_WRITE_REFUSED" });
    expect(await stores.mastery.get(fixture.sessionContext.student_id, "course_c84774")).toBeNull();
  });
});
