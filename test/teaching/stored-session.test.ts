/**
 * A whole lesson started from `{ session_id }` by an authenticated student
 * (the compiled graph with MemorySaver): the server's lesson is taught from
 * its store, the student can read nothing of the answer key at any point,
 * the mastery is the inline path's for the same answers, and a completed
 * session cannot be started again.
 */
import { isAIMessage } from "@langchain/core/messages";
import { Command, MemorySaver } from "@langchain/langgraph";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LessonSnapshot } from "../../src/lessons/schema.js";
import type { CourseOutcome } from "../../src/outcomes/schema.js";
import { SessionAccessError } from "../../src/session/errors.js";
import { StoreNotFoundError } from "../../src/stores/errors.js";
import type { MasteryRecord } from "../../src/stores/ports.js";
import { TeachingStateError } from "../../src/teaching/errors.js";
import { LESSON_COMPLETION_SUMMARY } from "../../src/teaching/protocol.js";
import type { State } from "../../src/teaching/state.js";
import { secretKeysIn } from "../lessons/secrets.js";
import { COURSE_ID, STUDENT_ID, lessonFixture, storedSession } from "./support/fixtures.js";
import {
  createTestGraph,
  pendingRequest,
  playLesson,
  scriptedStudent,
  type StudentMove,
  type TestGraph,
} from "./support/graph.js";
import { silenceLogs } from "./support/logs.js";
import { fakeJudge } from "./support/model.js";

/** The full lesson: card_002 and card_004 are judged by the (scripted) teacher model. */
const fixture = lessonFixture();
const SESSION_ID = fixture.sessionContext.session_id;
/**
 * card_001 (no hints) right at the second attempt; card_002 judged 0.4 then
 * 0.8 (a hint between); card_003 wrong twice (two of its three hints), then
 * skipped; card_004 judged 1.0.
 */
const PLAN: Record<string, StudentMove[]> = {
  card_001: ["wrong", "right"],
  card_003: ["wrong", "wrong", "skip"],
};
const JUDGED = [
  ["card_002", 0.4],
  ["card_002", 0.8],
  ["card_004", 1.0],
] as const;

const studentCaller = {
  langgraph_auth_user: {
    kind: "student",
    identity: STUDENT_ID,
    userId: `user_${STUDENT_ID}`,
    display_name: STUDENT_ID,
    is_authenticated: true,
    permissions: [],
  },
};

beforeEach(() => {
  silenceLogs();
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function storedGraph(): Promise<TestGraph> {
  const testGraph = await createTestGraph(fixture, {
    authMode: "appwrite",
    model: fakeJudge(fixture.lesson, JUDGED),
  });
  await testGraph.stores.lessons.putSession(storedSession(fixture));
  return testGraph;
}

/** Everything a message shows the student: its text and its tool calls' arguments. */
function transcript(state: State): string {
  return JSON.stringify(
    state.messages.map((message) => [
      message.content,
      "tool_calls" in message ? message.tool_calls : [],
    ]),
  );
}

/**
 * The hints of `lesson` the student has been given so far: those of earlier
 * cards (as recorded in `given`) and the first `hints_shown` of this one.
 */
function recordGivenHints(lesson: LessonSnapshot, state: State, given: Set<string>): void {
  const hints = lesson.cards[state.current_card_index]?.cfu.hints ?? [];
  for (const hint of hints.slice(0, state.card?.hints_shown ?? 0)) given.add(hint);
}

/** Each outcome's scores, card by card (the order of outcomes within a card is the store's). */
function scores(state: State): Record<string, number[]> {
  const byOutcome: Record<string, number[]> = {};
  for (const { outcome_id: outcomeId, score } of state.mastery_updates) {
    (byOutcome[outcomeId] ??= []).push(score);
  }
  return byOutcome;
}

function emaOf(record: MasteryRecord | null): unknown {
  return record === null ? null : JSON.parse(record.emaByOutcome ?? "null");
}

describe("a stored session taught to its student", () => {
  it("never shows the answer key, gives each hint only when due, and records the inline path's mastery", async () => {
    const testGraph = await storedGraph();
    const config = testGraph.config(undefined, studentCaller);
    const student = scriptedStudent(fixture.lesson, PLAN);
    const given = new Set<string>();
    const allHints = fixture.lesson.cards.flatMap((card) => card.cfu.hints ?? []);
    let interrupts = 0;

    let result: unknown = await testGraph.graph.invoke(
      { session_context: { session_id: SESSION_ID } },
      config,
    );
    for (
      let request = pendingRequest(result);
      request !== undefined;
      request = pendingRequest(result)
    ) {
      interrupts += 1;
      const snapshot = await testGraph.graph.getState(config);
      expect(snapshot.tasks.flatMap((task) => task.interrupts)).toHaveLength(1);
      expect(secretKeysIn(snapshot), `interrupt ${interrupts}`).toEqual([]);
      expect(secretKeysIn(result), `interrupt ${interrupts}`).toEqual([]);

      const state = snapshot.values as State;
      expect(state.inline_lesson).toBeNull();
      recordGivenHints(fixture.lesson, state, given);
      const shown = transcript(state);
      for (const hint of allHints) {
        expect(shown.includes(JSON.stringify(hint).slice(1, -1)), `hint "${hint}"`).toBe(
          given.has(hint),
        );
      }
      result = await testGraph.graph.invoke(new Command({ resume: student(request) }), config);
    }
    expect(interrupts).toBe(8);
    expect([...given]).toEqual([
      fixture.lesson.cards[1]!.cfu.hints![0],
      ...fixture.lesson.cards[2]!.cfu.hints!.slice(0, 2),
    ]);

    const stored = (await testGraph.graph.getState(config)).values as State;
    expect(stored.mastery_record?.status).toBe("applied");
    expect(stored.student_id).toBe(STUDENT_ID);
    for await (const checkpoint of testGraph.graph.getStateHistory(config)) {
      expect(secretKeysIn(checkpoint), `checkpoint ${checkpoint.metadata?.step}`).toEqual([]);
    }
    const session = await testGraph.stores.lessons.getSession(SESSION_ID);
    expect(session).toMatchObject({
      threadId: config.configurable.thread_id,
      status: "completed",
      completedAt: expect.any(String),
    });

    // The whole completion: one evidence row per attempt, due dates keyed by document IDs only.
    const evidence = await testGraph.stores.mastery.listEvidence(SESSION_ID);
    expect(evidence).toHaveLength(stored.evidence.length);
    expect(evidence.map((row) => [row.cardId, row.attempts])).toEqual(
      stored.evidence.map((entry) => [entry.card_id, entry.attempts]),
    );
    const outcomeIds = fixture.enrichedOutcomes.map((outcome) => outcome.$id).sort();
    expect(Object.keys(stored.persisted?.due_at_by_outcome ?? {}).sort()).toEqual(outcomeIds);
    expect(stored.persisted).toMatchObject({
      status: "applied",
      evidence_count: stored.evidence.length,
      session_status: "completed",
    });

    // The same answers on the inline path (the caller's own lesson, no authentication).
    const inlineGraph = await createTestGraph(fixture, {
      model: fakeJudge(fixture.lesson, JUDGED),
    });
    const inline = await playLesson(
      inlineGraph,
      fixture.sessionContext,
      scriptedStudent(fixture.lesson, PLAN),
    );
    // The check above can fail: the inline state holds the caller's answer key.
    expect(secretKeysIn(inline.state)).not.toEqual([]);
    expect(scores(stored)).toEqual(scores(inline.state));
    expect(scores(stored)).toEqual(
      Object.fromEntries(fixture.enrichedOutcomes.map(({ $id }) => [$id, [0.7, 0.7, 0.3, 1.0]])),
    );
    expect(emaOf(await testGraph.stores.mastery.get(STUDENT_ID, COURSE_ID))).toEqual(
      emaOf(await inlineGraph.stores.mastery.get(STUDENT_ID, COURSE_ID)),
    );
  });

  it("a completed session cannot be started again, on its thread or another; mastery unchanged", async () => {
    const testGraph = await storedGraph();
    const config = testGraph.config(undefined, studentCaller);
    const finished = await playLesson(
      testGraph,
      { session_id: SESSION_ID },
      scriptedStudent(fixture.lesson, PLAN),
      config,
    );
    expect(finished.state.mastery_record?.status).toBe("applied");
    const mastery = await testGraph.stores.mastery.get(STUDENT_ID, COURSE_ID);
    expect(mastery).not.toBeNull();

    for (const again of [config, testGraph.config(undefined, studentCaller)]) {
      const run = testGraph.graph.invoke({ session_context: { session_id: SESSION_ID } }, again);
      await expect(run).rejects.toBeInstanceOf(SessionAccessError);
      await expect(run).rejects.toMatchObject({ code: "SESSION_ALREADY_COMPLETED" });
    }
    expect(await testGraph.stores.mastery.get(STUDENT_ID, COURSE_ID)).toEqual(mastery);
    expect((await testGraph.stores.lessons.getSession(SESSION_ID)).threadId).toBe(
      config.configurable.thread_id,
    );
    const after = (await testGraph.graph.getState(config)).values as State;
    expect(after.mastery_updates).toEqual(finished.state.mastery_updates);
  });
});

/**
 * The lesson and its outcomes are not in the thread's checkpoints: a graph
 * that did not start the lesson (after a restart, or on another replica)
 * reads them from the store when the thread is resumed there.
 */
describe("a stored lesson resumed by another graph instance on the same checkpointer", () => {
  /** The first card answered on one graph; the thread then left to a fresh one with the same store and checkpointer. */
  async function startedElsewhere() {
    const checkpointer = new MemorySaver();
    const first = await createTestGraph(fixture, {
      authMode: "appwrite",
      model: fakeJudge(fixture.lesson, JUDGED),
      checkpointer,
    });
    await first.stores.lessons.putSession(storedSession(fixture));
    const config = first.config(undefined, studentCaller);
    const student = scriptedStudent(fixture.lesson, {});
    let result: unknown = await first.graph.invoke(
      { session_context: { session_id: SESSION_ID } },
      config,
    );
    result = await first.graph.invoke(
      new Command({ resume: student(pendingRequest(result)!) }),
      config,
    );
    const restarted = await createTestGraph(fixture, {
      authMode: "appwrite",
      model: fakeJudge(fixture.lesson, JUDGED),
      checkpointer,
      stores: first.stores,
    });
    return { restarted, config, student, request: pendingRequest(result)! };
  }

  it("reads the lesson from the store once, its outcomes in whatever order the store returns them, and finishes the lesson", async () => {
    const { restarted, config, student, request } = await startedElsewhere();
    expect(request).toMatchObject({ card_id: "card_002", card_index: 1 });
    const reads = vi.spyOn(restarted.stores.lessons, "getSession");
    const outcomes = restarted.stores.outcomes;
    const find = outcomes.findByOutcomeIds.bind(outcomes);
    vi.spyOn(outcomes, "findByOutcomeIds").mockImplementation(async (...args) =>
      (await find(...args)).reverse(),
    );

    let result: unknown = await restarted.graph.invoke(
      new Command({ resume: student(request) }),
      config,
    );
    for (let next = pendingRequest(result); next !== undefined; next = pendingRequest(result)) {
      result = await restarted.graph.invoke(new Command({ resume: student(next) }), config);
    }

    expect(reads).toHaveBeenCalledTimes(1);
    const state = (await restarted.graph.getState(config)).values as State;
    expect(state.persisted?.status).toBe("applied");
    // What a lesson page labels its mastery bars with comes in the closing tool call.
    const closing = state.messages.at(-1);
    const summary =
      closing !== undefined && isAIMessage(closing) ? closing.tool_calls?.[0] : undefined;
    expect(summary?.name).toBe(LESSON_COMPLETION_SUMMARY);
    const label = (outcome: CourseOutcome) => [outcome.$id, outcome.unitCode, outcome.unitTitle];
    expect((summary?.args.enriched_outcomes as CourseOutcome[]).map(label).sort()).toEqual(
      fixture.enrichedOutcomes.map(label).sort(),
    );
    expect(scores(state)).toEqual(
      Object.fromEntries(fixture.enrichedOutcomes.map(({ $id }) => [$id, [1, 0.7, 1, 1]])),
    );
  });

  it("a session row gone from the store: a typed error, nothing written, the thread where it was", async () => {
    const { restarted, config, student, request } = await startedElsewhere();
    vi.spyOn(restarted.stores.lessons, "getSession").mockRejectedValue(
      new StoreNotFoundError("sessions", SESSION_ID),
    );

    const run = restarted.graph.invoke(new Command({ resume: student(request) }), config);

    await expect(run).rejects.toBeInstanceOf(StoreNotFoundError);
    const snapshot = await restarted.graph.getState(config);
    expect(snapshot.next).toEqual(["evaluate"]);
    expect((snapshot.values as State).evidence).toHaveLength(1);
    expect(await restarted.stores.mastery.get(STUDENT_ID, COURSE_ID)).toBeNull();
  });

  it("outcomes whose document IDs changed since the start: a typed error before any score is recorded", async () => {
    const { restarted, config, student, request } = await startedElsewhere();
    vi.spyOn(restarted.stores.outcomes, "findByOutcomeIds").mockResolvedValue(
      fixture.enrichedOutcomes.map((outcome, index) => ({
        ...outcome,
        $id: `outcome_new_${index}`,
      })),
    );

    const run = restarted.graph.invoke(new Command({ resume: student(request) }), config);

    await expect(run).rejects.toBeInstanceOf(TeachingStateError);
    await expect(run).rejects.toMatchObject({
      context: {
        sessionId: SESSION_ID,
        startedWith: expect.arrayContaining(fixture.enrichedOutcomes.map((outcome) => outcome.$id)),
        storedNow: ["outcome_new_0", "outcome_new_1", "outcome_new_2"],
      },
    });
    const state = (await restarted.graph.getState(config)).values as State;
    expect(state.card_scores).toHaveLength(1);
    expect(state.mastery_updates).toEqual([]);
    expect(await restarted.stores.mastery.get(STUDENT_ID, COURSE_ID)).toBeNull();
  });
});
