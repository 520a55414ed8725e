import type { AIMessage, BaseMessage } from "@langchain/core/messages";
import { Command } from "@langchain/langgraph";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ECHO_MAX_CHARS } from "../../src/errors.js";
import { MAX_LESSON_CARDS } from "../../src/lessons/schema.js";
import { MasteryUpdateBlockedError } from "../../src/mastery/errors.js";
import { SessionContextError } from "../../src/session/context.js";
import { graph as servedGraph } from "../../src/teaching/graph.js";
import { MAX_ANSWER_CHARS, type AnswerRequest } from "../../src/teaching/protocol.js";
import type { State } from "../../src/teaching/state.js";
import {
  correctAnswer,
  lessonFixture,
  manyCards,
  without,
  type LessonFixture,
} from "./support/fixtures.js";
import {
  createTestGraph,
  pendingRequest,
  playLesson,
  scriptedStudent,
  submit,
  type StudentMove,
  type TestGraph,
} from "./support/graph.js";
import { silenceLogs } from "./support/logs.js";
import { fakeJudge } from "./support/model.js";

/** `mastery_updates` as the lesson must record them: per card, one per enriched outcome. */
function expectedUpdates(fixture: LessonFixture, scores: readonly number[]) {
  return scores.flatMap((score) =>
    fixture.enrichedOutcomes.map((outcome) => ({
      outcome_id: outcome.$id,
      score,
      timestamp: expect.any(String),
    })),
  );
}

const texts = (messages: BaseMessage[]) => messages.map((message) => String(message.content));

async function storedEma(
  testGraph: TestGraph,
  fixture: LessonFixture,
): Promise<Record<string, number> | null> {
  const record = await testGraph.stores.mastery.get(
    fixture.sessionContext.student_id,
    "course_c84774",
  );
  return record === null ? null : (JSON.parse(record.emaByOutcome!) as Record<string, number>);
}

function sameForEveryOutcome(fixture: LessonFixture, value: number): Record<string, number> {
  return Object.fromEntries(fixture.enrichedOutcomes.map((outcome) => [outcome.$id, value]));
}

async function playPlan(
  plan: Record<string, StudentMove[]>,
  options: { fixture?: LessonFixture } = {},
) {
  const fixture = options.fixture ?? lessonFixture({ cards: "deterministic" });
  const testGraph = await createTestGraph(fixture);
  const run = await playLesson(
    testGraph,
    fixture.sessionContext,
    scriptedStudent(fixture.lesson, plan),
  );
  return { fixture, testGraph, ...run };
}

beforeEach(() => {
  silenceLogs();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("the served graph", () => {
  it("is named teaching, has the eight nodes and no checkpointer", () => {
    expect(servedGraph.name).toBe("teaching");
    expect(servedGraph.checkpointer).toBeUndefined();
    expect(
      Object.keys(servedGraph.nodes)
        .filter((name) => name !== "__start__")
        .sort(),
    ).toEqual([
      "answer_question",
      "await_answer",
      "complete",
      "evaluate",
      "give_hint",
      "prepare_session",
      "present_card",
      "update_mastery",
    ]);
  });
});

describe("a lesson through interrupts (MemorySaver)", () => {
  it("correct first time: 1.0 for every enriched outcome on every card", async () => {
    const { fixture, testGraph, state, requests } = await playPlan({});
    expect(requests.map((request) => [request.card_id, request.attempt])).toEqual([
      ["card_001", 1],
      ["card_003", 1],
    ]);
    expect(state.mastery_updates).toEqual(expectedUpdates(fixture, [1.0, 1.0]));
    expect(state.mastery_record?.status).toBe("applied");
    expect(await storedEma(testGraph, fixture)).toEqual(sameForEveryOutcome(fixture, 1));
  });

  it("correct after a hint: 0.7, with the card's first hint shown", async () => {
    const { fixture, testGraph, state, requests } = await playPlan({
      card_003: ["wrong", "right"],
    });
    expect(requests.map((request) => [request.card_id, request.attempt])).toEqual([
      ["card_001", 1],
      ["card_003", 1],
      ["card_003", 2],
    ]);
    expect(new Set(requests.slice(1).map((request) => request.interaction_id)).size).toBe(1);
    expect(texts(state.messages).join("\n")).toContain(
      `**Hint:** ${fixture.lesson.cards[1]!.cfu.hints?.[0]}`,
    );
    expect(state.mastery_updates).toEqual(expectedUpdates(fixture, [1.0, 0.7]));
    // 1.0 first, then 0.3 * 0.7 + 0.7 * 1.0
    expect(await storedEma(testGraph, fixture)).toEqual(sameForEveryOutcome(fixture, 0.91));
  });

  it("three wrong answers: 0.3, the worked answer, then the next card", async () => {
    const { fixture, testGraph, state, requests } = await playPlan({
      card_001: ["wrong", "wrong", "wrong"],
    });
    expect(requests.map((request) => [request.card_id, request.attempt])).toEqual([
      ["card_001", 1],
      ["card_001", 2],
      ["card_001", 3],
      ["card_003", 1],
    ]);
    const messages = texts(state.messages);
    const reveal = messages.findIndex((text) => text.includes("**The answer:** 1/4"));
    const nextCard = messages.findIndex((text) => text.startsWith("**Card 2 of 2"));
    expect(reveal).toBeGreaterThan(0);
    expect(reveal).toBeLessThan(nextCard);
    expect(
      state.evidence.filter((entry) => entry.card_id === "card_001").map((entry) => entry.attempts),
    ).toEqual([1, 2, 3]);
    expect(state.mastery_updates).toEqual(expectedUpdates(fixture, [0.3, 1.0]));
    // 0.3 first, then 0.3 * 1.0 + 0.7 * 0.3
    expect(await storedEma(testGraph, fixture)).toEqual(sameForEveryOutcome(fixture, 0.51));
  });

  it("skip: 0.3, before or after a wrong answer", async () => {
    const { fixture, state } = await playPlan({ card_001: ["skip"], card_003: ["wrong", "skip"] });
    expect(state.mastery_updates).toEqual(expectedUpdates(fixture, [0.3, 0.3]));
    expect(state.evidence.map((entry) => [entry.card_id, entry.skipped, entry.attempts])).toEqual([
      ["card_001", true, 0],
      ["card_003", false, 1],
      ["card_003", true, 1],
    ]);
  });

  it("teaches the full fixture lesson, rubric cards judged by the teacher model", async () => {
    const fixture = lessonFixture();
    // card_002: 0.4 then 0.8 (correct at the second attempt); card_004: 1.0.
    const testGraph = await createTestGraph(fixture, {
      model: fakeJudge(fixture.lesson, [
        ["card_002", 0.4],
        ["card_002", 0.8],
        ["card_004", 1.0],
      ]),
    });
    const run = await playLesson(
      testGraph,
      fixture.sessionContext,
      scriptedStudent(fixture.lesson, {}),
    );
    expect(run.requests.map((request) => request.card_id)).toEqual([
      "card_001",
      "card_002",
      "card_002",
      "card_003",
      "card_004",
    ]);
    expect(run.state.mastery_updates).toEqual(expectedUpdates(fixture, [1.0, 0.7, 1.0, 1.0]));
    const summary = (run.state.messages.at(-1) as AIMessage).tool_calls?.[0];
    expect(summary?.name).toBe("lesson_completion_summary");
    expect(summary?.args).toMatchObject({
      total_cards: 4,
      cards_completed: 4,
      course_id: "course_c84774",
    });
  });

  it("honours maxAttempts from the run configuration", async () => {
    const fixture = lessonFixture({ cards: "deterministic" });
    const testGraph = await createTestGraph(fixture);
    const run = await playLesson(
      testGraph,
      fixture.sessionContext,
      scriptedStudent(fixture.lesson, { card_001: ["wrong"] }),
      testGraph.config(undefined, { maxAttempts: 1 }),
    );
    expect(run.requests).toHaveLength(2);
    expect(run.state.mastery_updates).toEqual(expectedUpdates(fixture, [0.3, 1.0]));
  });
});

describe("bad resume payloads (the thread never gets stuck)", () => {
  it("asks again at the same card with the error, and a valid payload then continues the lesson", async () => {
    const fixture = lessonFixture({ cards: "deterministic" });
    const testGraph = await createTestGraph(fixture);
    const config = testGraph.config();
    const first = pendingRequest(
      await testGraph.graph.invoke({ session_context: fixture.sessionContext }, config),
    );
    if (first === undefined) throw new Error("no first request");

    const badPayloads: { resume: unknown; code: string; field: string }[] = [
      {
        resume: { ...submit(first, "1/4"), action: "answer_question" },
        code: "UNKNOWN_ACTION",
        field: "action",
      },
      {
        resume: { ...submit(first, "1/4"), card_id: "card_003" },
        code: "CARD_MISMATCH",
        field: "card_id",
      },
      {
        resume: { action: "submit_answer", card_id: first.card_id },
        code: "MISSING_ANSWER",
        field: "student_response",
      },
      { resume: "{not json", code: "RESUME_NOT_JSON", field: "resume" },
    ];
    let request: AnswerRequest = first;
    for (const bad of badPayloads) {
      const next = pendingRequest(
        await testGraph.graph.invoke(new Command({ resume: bad.resume }), config),
      );
      expect(next).toMatchObject({
        card_id: "card_001",
        interaction_id: first.interaction_id,
        attempt: 1,
        error: { code: bad.code, field: bad.field },
      });
      const state = (await testGraph.graph.getState(config)).values as State;
      expect(state.card?.last_error).toMatchObject({ code: bad.code, field: bad.field });
      expect(String(state.messages.at(-1)?.content)).toContain(bad.code);
      expect(state.evidence).toEqual([]);
      request = next!;
    }

    // A valid payload, JSON-encoded as the frontend may send it, is judged and the lesson moves on.
    const afterValid = pendingRequest(
      await testGraph.graph.invoke(
        new Command({ resume: JSON.stringify(submit(request, "1/4")) }),
        config,
      ),
    );
    expect(afterValid).toMatchObject({ card_id: "card_003", attempt: 1, error: null });
    const state = (await testGraph.graph.getState(config)).values as State;
    expect(state.card?.last_error).toBeNull();
    expect(state.evidence.map((entry) => [entry.card_id, entry.correct])).toEqual([
      ["card_001", true],
    ]);

    const done = await testGraph.graph.invoke(
      new Command({ resume: submit(afterValid!, "4.00") }),
      config,
    );
    expect(pendingRequest(done)).toBeUndefined();
    expect((done as State).mastery_updates).toEqual(expectedUpdates(fixture, [1.0, 1.0]));
  });
});

describe("limits at the edge", () => {
  it("an oversize answer does not move the lesson: the same card is asked again with ANSWER_TOO_LONG, echoed truncated", async () => {
    const fixture = lessonFixture({ cards: "deterministic" });
    const testGraph = await createTestGraph(fixture);
    const config = testGraph.config();
    const first = pendingRequest(
      await testGraph.graph.invoke({ session_context: fixture.sessionContext }, config),
    )!;
    // The right answer, padded past the cap: refused for its length, never judged.
    const answer = `1/4${" ".repeat(MAX_ANSWER_CHARS)}.`;

    const next = pendingRequest(
      await testGraph.graph.invoke(new Command({ resume: submit(first, answer) }), config),
    );
    expect(next).toMatchObject({
      card_id: first.card_id,
      interaction_id: first.interaction_id,
      attempt: 1,
      error: {
        code: "ANSWER_TOO_LONG",
        field: "student_response",
        value: `${answer.slice(0, ECHO_MAX_CHARS)}…(${answer.length} chars)`,
      },
    });
    const state = (await testGraph.graph.getState(config)).values as State;
    expect(state.current_card_index).toBe(0);
    expect(state.card?.attempts).toBe(0);
    expect(state.evidence).toEqual([]);
    expect(state.mastery_updates).toEqual([]);
    expect(String(state.messages.at(-1)?.content)).toContain("ANSWER_TOO_LONG");
    expect(String(state.messages.at(-1)?.content)).not.toContain(answer);

    const afterValid = pendingRequest(
      await testGraph.graph.invoke(new Command({ resume: submit(next!, "1/4") }), config),
    );
    expect(afterValid).toMatchObject({ card_id: "card_003", attempt: 1, error: null });
  });

  it(`a lesson of ${MAX_LESSON_CARDS + 1} cards is refused before its first card, with nothing written`, async () => {
    const fixture = lessonFixture({ cardList: manyCards(MAX_LESSON_CARDS + 1) });
    const testGraph = await createTestGraph(fixture);
    const config = testGraph.config();

    const run = testGraph.graph.invoke({ session_context: fixture.sessionContext }, config);
    await expect(run).rejects.toBeInstanceOf(SessionContextError);
    await expect(run).rejects.toMatchObject({
      code: "INVALID_SESSION_CONTEXT",
      fields: [
        `lesson_snapshot.cards: a lesson has at most ${MAX_LESSON_CARDS} cards, got ${MAX_LESSON_CARDS + 1}`,
      ],
    });
    const snapshot = await testGraph.graph.getState(config);
    expect(snapshot.next).toEqual(["prepare_session"]);
    expect((snapshot.values as State).session_id).toBeUndefined();
    expect((snapshot.values as State).messages).toEqual([]);
    expect(await storedEma(testGraph, fixture)).toBeNull();
  });

  it(`a lesson of ${MAX_LESSON_CARDS} cards starts`, async () => {
    const fixture = lessonFixture({ cardList: manyCards(MAX_LESSON_CARDS) });
    const testGraph = await createTestGraph(fixture);
    const first = pendingRequest(
      await testGraph.graph.invoke({ session_context: fixture.sessionContext }, testGraph.config()),
    );
    expect(first).toMatchObject({ card_index: 0, total_cards: MAX_LESSON_CARDS });
  });
});

describe("steps per answered card", () => {
  async function nodesUntilNextInterrupt(
    testGraph: TestGraph,
    config: object,
    resume: unknown,
  ): Promise<string[]> {
    const nodes: string[] = [];
    for await (const chunk of await testGraph.graph.stream(new Command({ resume }), {
      ...config,
      streamMode: "updates",
    })) {
      nodes.push(...Object.keys(chunk as object));
    }
    return nodes;
  }

  it("takes only the steps the flow needs", async () => {
    const fixture = lessonFixture({ cards: "deterministic" });
    const testGraph = await createTestGraph(fixture);
    const config = testGraph.config();
    const request = pendingRequest(
      await testGraph.graph.invoke({ session_context: fixture.sessionContext }, config),
    )!;
    const card = fixture.lesson.cards[0]!;

    expect(
      await nodesUntilNextInterrupt(testGraph, config, { action: "skip_card", card_id: "nope" }),
    ).toEqual(["await_answer", "__interrupt__"]);
    expect(await nodesUntilNextInterrupt(testGraph, config, submit(request, "1/2"))).toEqual([
      "await_answer",
      "evaluate",
      "give_hint",
      "__interrupt__",
    ]);
    expect(
      await nodesUntilNextInterrupt(testGraph, config, submit(request, correctAnswer(card))),
    ).toEqual(["await_answer", "evaluate", "update_mastery", "present_card", "__interrupt__"]);
  });
});

describe("bad session input", () => {
  it("a malformed session_context reaches prepare_session and fails there, naming every bad field", async () => {
    const fixture = lessonFixture({ cards: "deterministic" });
    const testGraph = await createTestGraph(fixture);
    const config = testGraph.config();
    const withoutStudent = without(fixture.sessionContext, "student_id");
    const run = testGraph.graph.invoke(
      { session_context: { ...withoutStudent, session_id: 7 } as never },
      config,
    );
    await expect(run).rejects.toBeInstanceOf(SessionContextError);
    await expect(run).rejects.toMatchObject({
      fields: [expect.stringMatching(/^session_id: /), expect.stringMatching(/^student_id: /)],
    });
    const snapshot = await testGraph.graph.getState(config);
    expect(snapshot.next).toEqual(["prepare_session"]);
    expect((snapshot.values as State).session_id).toBeUndefined();
  });
});

describe("spec Scenario 3: backend validation fails fast", () => {
  it("empty enriched_outcomes: MasteryUpdateBlockedError, no mastery, then the fixed thread resumes and finishes", async () => {
    const fixture = lessonFixture({ cards: "deterministic" });
    const testGraph = await createTestGraph(fixture);
    const config = testGraph.config();
    const blocked = { ...fixture.sessionContext, enriched_outcomes: [] };

    const run = testGraph.graph.invoke({ session_context: blocked }, config);
    await expect(run).rejects.toBeInstanceOf(MasteryUpdateBlockedError);
    await expect(run).rejects.toMatchObject({
      code: "MASTERY_UPDATE_BLOCKED",
      lessonTitle: "Calculating Fractions of Amounts",
      courseId: "course_c84774",
      outcomeRefs: ["O1", "AS1.2"],
    });
    const failed = await testGraph.graph.getState(config);
    expect(failed.next).toEqual(["prepare_session"]);
    expect((failed.values as State).mastery_updates).toEqual([]);
    expect(await storedEma(testGraph, fixture)).toBeNull();

    await testGraph.graph.updateState(config, { session_context: fixture.sessionContext });
    let result: unknown = await testGraph.graph.invoke(null, config);
    const student = scriptedStudent(fixture.lesson, {});
    for (
      let request = pendingRequest(result);
      request !== undefined;
      request = pendingRequest(result)
    ) {
      result = await testGraph.graph.invoke(new Command({ resume: student(request) }), config);
    }
    expect((result as State).mastery_updates).toEqual(expectedUpdates(fixture, [1.0, 1.0]));
    expect(await storedEma(testGraph, fixture)).toEqual(sameForEveryOutcome(fixture, 1));
  });

  it("outcomes lost mid-lesson: update_mastery blocks, nothing is recorded, and the fixed thread finishes", async () => {
    const fixture = lessonFixture({ cards: "deterministic" });
    const testGraph = await createTestGraph(fixture);
    const config = testGraph.config();
    const first = pendingRequest(
      await testGraph.graph.invoke({ session_context: fixture.sessionContext }, config),
    )!;

    const inline = { lesson_snapshot: fixture.lesson, enriched_outcomes: fixture.enrichedOutcomes };
    await testGraph.graph.updateState(config, {
      inline_lesson: { ...inline, enriched_outcomes: [] },
    });
    const answer = testGraph.graph.invoke(new Command({ resume: submit(first, "1/4") }), config);
    await expect(answer).rejects.toBeInstanceOf(MasteryUpdateBlockedError);
    const failed = await testGraph.graph.getState(config);
    expect(failed.next).toEqual(["update_mastery"]);
    expect((failed.values as State).mastery_updates).toEqual([]);
    expect((failed.values as State).current_card_index).toBe(0);

    await testGraph.graph.updateState(config, { inline_lesson: inline });
    const second = pendingRequest(await testGraph.graph.invoke(null, config));
    expect(second).toMatchObject({ card_id: "card_003", attempt: 1 });
    const done = await testGraph.graph.invoke(
      new Command({ resume: submit(second!, "4") }),
      config,
    );
    expect((done as State).mastery_updates).toEqual(expectedUpdates(fixture, [1.0, 1.0]));
    expect(await storedEma(testGraph, fixture)).toEqual(sameForEveryOutcome(fixture, 1));
  });
});
