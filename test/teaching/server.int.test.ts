/**
 * The teaching graph served by the real LangGraph dev server (`langgraphjs
 * dev`), driven with `@langchain/langgraph-sdk` as the chat frontend drives
 * it: a whole lesson through interrupts, the spec's blocked run (empty
 * enriched_outcomes), and bad resume payloads followed by a good one (the
 * LangGraph.js 1.7.3 resume-replay trap, checked through the server).
 * The server's mastery store is an embedded SQLite file seeded with the
 * fixture outcomes; no model is configured.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { SessionContextInput } from "../../src/session/context.js";
import { createSqliteStores } from "../../src/stores/sqlite/index.js";
import {
  AnswerRequestSchema,
  LESSON_COMPLETION_SUMMARY,
  type AnswerPayloadInput,
  type AnswerRequest,
} from "../../src/teaching/protocol.js";
import { startLangGraphServer, type LangGraphServer } from "../support/langgraphServer.js";
import {
  correctAnswer,
  lessonFixture,
  wrongAnswer,
  type LessonFixture,
} from "./support/fixtures.js";

const ASSISTANT_ID = "teaching";
const dir = mkdtempSync(join(tmpdir(), "teaching-graph-server-test-"));
const sqlitePath = join(dir, "teaching.db");
/** One fixture for the file: its outcomes are seeded into the server's store. */
const fixture: LessonFixture = lessonFixture({ cards: "deterministic" });

let server: LangGraphServer;
let client: Client;

beforeAll(async () => {
  const stores = createSqliteStores(sqlitePath);
  await stores.outcomes.upsertMany(fixture.outcomes);
  await stores.close();
  server = await startLangGraphServer({
    env: { SQLITE_PATH: sqlitePath, TEACHER_MODEL: "", APPWRITE_ENDPOINT: "", LOG_LEVEL: "error" },
  });
  client = new Client({ apiUrl: server.url });
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface StreamEvent {
  event: string;
  data: unknown;
}

/** Runs on the thread (a new lesson or a resume) and returns every event the server streamed. */
async function runOnThread(
  threadId: string,
  payload:
    { input: { messages: []; session_context: unknown } | null } | { command: { resume: unknown } },
): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const part of client.runs.stream(threadId, ASSISTANT_ID, {
    ...payload,
    streamMode: ["updates"],
  })) {
    events.push({ event: part.event, data: part.data });
  }
  return events;
}

const ThreadStateSchema = z.looseObject({
  values: z.looseObject({}),
  next: z.array(z.string()),
  tasks: z.array(
    z.looseObject({
      interrupts: z.array(z.looseObject({ value: z.unknown() })),
      error: z.string().nullable(),
    }),
  ),
});

async function threadState(threadId: string) {
  return ThreadStateSchema.parse(await client.threads.getState(threadId));
}

/** The answer request the thread waits at, or undefined when it is not waiting. */
async function pendingRequest(threadId: string): Promise<AnswerRequest | undefined> {
  const values = (await threadState(threadId)).tasks.flatMap((task) =>
    task.interrupts.map((pending) => pending.value),
  );
  expect(values.length).toBeLessThanOrEqual(1);
  return values.length === 0 ? undefined : AnswerRequestSchema.parse(values[0]);
}

function submit(request: AnswerRequest, studentResponse: string): AnswerPayloadInput {
  return {
    action: "submit_answer",
    student_response: studentResponse,
    card_id: request.card_id,
    interaction_id: request.interaction_id,
    timestamp: new Date().toISOString(),
  };
}

/** The student's MasteryV2 map in the server's store, or null when no row exists. */
async function storedMastery(studentId: string): Promise<unknown> {
  const stores = createSqliteStores(sqlitePath);
  try {
    const row = await stores.mastery.get(studentId, "course_c84774");
    return row === null ? null : JSON.parse(row.emaByOutcome!);
  } finally {
    await stores.close();
  }
}

function errorEvents(events: readonly StreamEvent[]): StreamEvent[] {
  return events.filter((event) => event.event === "error");
}

function sessionContext(overrides: Partial<SessionContextInput> = {}): SessionContextInput {
  return {
    ...fixture.sessionContext,
    session_id: `session_${Math.random().toString(36).slice(2)}`,
    ...overrides,
  };
}

function cardOf(request: AnswerRequest) {
  const card = fixture.lesson.cards.find((candidate) => candidate.id === request.card_id);
  if (card === undefined) throw new Error(`the lesson has no card ${request.card_id}`);
  return card;
}

describe("the teaching graph on the LangGraph dev server", () => {
  it("teaches a whole lesson through interrupts and records mastery per enriched outcome", async () => {
    const context = sessionContext();
    const thread = await client.threads.create();
    const start = await runOnThread(thread.thread_id, {
      input: { messages: [], session_context: context },
    });
    expect(errorEvents(start)).toEqual([]);

    // Card 1 right first time (1.0); card 2 wrong, then right (0.7), the right answer JSON-encoded
    // as some frontends send it.
    const first = await pendingRequest(thread.thread_id);
    expect(first).toMatchObject({
      card_id: "card_001",
      card_index: 0,
      total_cards: 2,
      attempt: 1,
      error: null,
    });
    if (first === undefined) return;
    await runOnThread(thread.thread_id, {
      command: { resume: submit(first, correctAnswer(cardOf(first))) },
    });

    const second = await pendingRequest(thread.thread_id);
    expect(second).toMatchObject({ card_id: "card_003", card_index: 1, attempt: 1, error: null });
    if (second === undefined) return;
    await runOnThread(thread.thread_id, {
      command: { resume: submit(second, wrongAnswer(cardOf(second))) },
    });

    const retry = await pendingRequest(thread.thread_id);
    expect(retry).toMatchObject({ card_id: "card_003", attempt: 2, error: null });
    if (retry === undefined) return;
    const last = await runOnThread(thread.thread_id, {
      command: { resume: JSON.stringify(submit(retry, correctAnswer(cardOf(retry)))) },
    });
    expect(errorEvents(last)).toEqual([]);

    expect(await pendingRequest(thread.thread_id)).toBeUndefined();
    const final = await threadState(thread.thread_id);
    expect(final.next).toEqual([]);
    const values = z
      .looseObject({
        mastery_updates: z.array(
          z.object({ outcome_id: z.string(), score: z.number(), timestamp: z.string() }),
        ),
        mastery_record: z.object({
          status: z.string(),
          recordId: z.string(),
          emaByOutcome: z.record(z.string(), z.number()),
        }),
        messages: z.array(
          z.looseObject({
            type: z.string(),
            tool_calls: z.array(z.looseObject({ name: z.string(), args: z.unknown() })).optional(),
          }),
        ),
      })
      .parse(final.values);

    const enrichedIds = fixture.enrichedOutcomes.map((outcome) => outcome.$id).sort();
    expect(enrichedIds).toHaveLength(3);
    expect([...new Set(values.mastery_updates.map((update) => update.outcome_id))].sort()).toEqual(
      enrichedIds,
    );
    for (const id of enrichedIds) {
      expect(
        values.mastery_updates
          .filter((update) => update.outcome_id === id)
          .map((update) => update.score),
      ).toEqual([1, 0.7]);
    }
    // EMA with alpha 0.3: 1.0, then 0.3 * 0.7 + 0.7 * 1.0.
    expect(values.mastery_record).toMatchObject({
      status: "applied",
      emaByOutcome: Object.fromEntries(enrichedIds.map((id) => [id, 0.91])),
    });

    const summaryCall = values.messages
      .flatMap((message) => message.tool_calls ?? [])
      .find((call) => call.name === LESSON_COMPLETION_SUMMARY);
    expect(summaryCall?.args).toMatchObject({
      lesson_title: "Calculating Fractions of Amounts",
      total_cards: 2,
      cards_completed: 2,
      session_id: context.session_id,
      student_id: context.student_id,
      course_id: "course_c84774",
      performance_analysis: { total_cards: 2, cards_correct: 2, cards_first_attempt: 1 },
    });

    expect(await storedMastery(context.student_id)).toEqual(values.mastery_record.emaByOutcome);
  });

  it("surfaces MasteryUpdateBlockedError through the API for empty enriched_outcomes, records nothing, and the fixed thread finishes", async () => {
    const context = sessionContext({ student_id: "student_blocked", enriched_outcomes: [] });
    const thread = await client.threads.create();
    const events = await runOnThread(thread.thread_id, {
      input: { messages: [], session_context: context },
    });

    const errors = errorEvents(events);
    expect(errors).toHaveLength(1);
    const error = z.object({ error: z.string(), message: z.string() }).parse(errors[0]?.data);
    expect(error.error).toBe("MasteryUpdateBlockedError");
    expect(error.message.split("\n")).toEqual([
      "MASTERY UPDATE BLOCKED: Missing enriched outcomes from frontend.",
      "Lesson: Calculating Fractions of Amounts",
      "CourseID: course_c84774",
      'OutcomeRefs in snapshot: ["O1","AS1.2"]',
      "This indicates a data pipeline bug - frontend must provide CourseOutcome objects with $id fields.",
      "NO FALLBACK is used to prevent data corruption with empty outcome_id keys.",
    ]);

    const state = await threadState(thread.thread_id);
    expect(state.values.mastery_updates).toEqual([]);
    expect(state.next).toEqual(["prepare_session"]);
    const taskError = z
      .object({ name: z.string() })
      .parse(JSON.parse(String(state.tasks[0]?.error)));
    expect(taskError.name).toBe("MasteryUpdateBlockedError");
    expect(await storedMastery(context.student_id)).toBeNull();

    // Spec Scenario 3: once the frontend's data is fixed, the same thread resumes and finishes.
    await client.threads.updateState(thread.thread_id, {
      values: { session_context: { ...context, enriched_outcomes: fixture.enrichedOutcomes } },
    });
    expect(errorEvents(await runOnThread(thread.thread_id, { input: null }))).toEqual([]);
    for (
      let request = await pendingRequest(thread.thread_id);
      request !== undefined;
      request = await pendingRequest(thread.thread_id)
    ) {
      await runOnThread(thread.thread_id, {
        command: { resume: submit(request, correctAnswer(cardOf(request))) },
      });
    }
    const enrichedIds = fixture.enrichedOutcomes.map((outcome) => outcome.$id);
    expect(await storedMastery(context.student_id)).toEqual(
      Object.fromEntries(enrichedIds.map((id) => [id, 1])),
    );
  });

  it("answers bad resume payloads with a typed error in the next interrupt, and a valid one then continues", async () => {
    const thread = await client.threads.create();
    await runOnThread(thread.thread_id, {
      input: { messages: [], session_context: sessionContext() },
    });
    const asked = await pendingRequest(thread.thread_id);
    expect(asked?.card_id).toBe("card_001");
    if (asked === undefined) return;

    const badPayloads: [unknown, { code: string; field: string; value: unknown }][] = [
      [
        { ...submit(asked, "1/4"), card_id: "card_999" },
        { code: "CARD_MISMATCH", field: "card_id", value: "card_999" },
      ],
      [
        { ...submit(asked, "1/4"), action: "guess" },
        { code: "UNKNOWN_ACTION", field: "action", value: "guess" },
      ],
      [
        { ...submit(asked, "  ") },
        { code: "MISSING_ANSWER", field: "student_response", value: "  " },
      ],
      ["{not json", { code: "RESUME_NOT_JSON", field: "resume", value: "{not json" }],
    ];
    for (const [payload, expected] of badPayloads) {
      const events = await runOnThread(thread.thread_id, { command: { resume: payload } });
      expect(errorEvents(events)).toEqual([]);
      const again = await pendingRequest(thread.thread_id);
      // Same card, same attempt: the bad payload used nothing up.
      expect(again).toMatchObject({
        card_id: "card_001",
        interaction_id: asked.interaction_id,
        attempt: 1,
        error: expected,
      });
      expect(again?.error?.message).toContain(expected.field);
    }

    // The replay trap would re-deliver the last bad payload here; the valid one must be the one judged.
    await runOnThread(thread.thread_id, {
      command: { resume: submit(asked, correctAnswer(cardOf(asked))) },
    });
    const next = await pendingRequest(thread.thread_id);
    expect(next).toMatchObject({ card_id: "card_003", card_index: 1, attempt: 1, error: null });
    const state = z
      .looseObject({
        evidence: z.array(
          z.looseObject({ card_id: z.string(), correct: z.boolean(), attempts: z.number() }),
        ),
      })
      .parse((await threadState(thread.thread_id)).values);
    expect(state.evidence).toEqual([
      expect.objectContaining({ card_id: "card_001", correct: true, attempts: 1 }),
    ]);
  });
});
