/**
 * The tutor through the real LangGraph dev server and the SDK, with the
 * test-only `fake:tutor` teacher (TEACHING_FAKE_MODELS=1): a question in the
 * middle of a card, the teacher's tokens streamed (`streamMode: "messages"`),
 * and the lesson finished with the same scores as without the question.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { FAKE_TUTOR_LINES } from "../../../src/models/fake.js";
import { createSqliteStores } from "../../../src/stores/sqlite/index.js";
import { AnswerRequestSchema, type AnswerRequest } from "../../../src/teaching/protocol.js";
import { startLangGraphServer, type LangGraphServer } from "../../support/langgraphServer.js";
import { correctAnswer, lessonFixture, wrongAnswer } from "../support/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "teaching-graph-tutor-server-"));
const sqlitePath = join(dir, "teaching.db");
const fixture = lessonFixture({ cards: "deterministic" });
let server: LangGraphServer;
let client: Client;

beforeAll(async () => {
  const stores = createSqliteStores(sqlitePath);
  await stores.outcomes.upsertMany(fixture.outcomes);
  await stores.close();
  server = await startLangGraphServer({
    env: {
      SQLITE_PATH: sqlitePath,
      TEACHER_MODEL: "fake:tutor",
      TEACHING_FAKE_MODELS: "1",
      APPWRITE_ENDPOINT: "",
      LOG_LEVEL: "error",
    },
  });
  client = new Client({ apiUrl: server.url });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const MessageTupleSchema = z.tuple([
  z.looseObject({
    content: z.unknown(),
    id: z.string().optional(),
    /** Only a chunk (a token of a model's reply) has it. */
    tool_call_chunks: z.array(z.unknown()).optional(),
  }),
  z.looseObject({ langgraph_node: z.string().optional() }),
]);

interface Streamed {
  /** Text of each `messages` event from an AI message chunk, in order. */
  tokens: string[];
  request: AnswerRequest | undefined;
}

async function run(threadId: string, payload: object): Promise<Streamed> {
  const tokens: string[] = [];
  for await (const part of client.runs.stream(threadId, "teaching", {
    ...payload,
    streamMode: ["messages-tuple"],
  })) {
    if (part.event === "error") throw new Error(`run failed: ${JSON.stringify(part.data)}`);
    if (part.event !== "messages") continue;
    const [message] = MessageTupleSchema.parse(part.data);
    if (message.tool_call_chunks !== undefined && typeof message.content === "string") {
      tokens.push(message.content);
    }
  }
  const state = await client.threads.getState(threadId);
  const values = state.tasks.flatMap((task) => task.interrupts.map((pending) => pending.value));
  return {
    tokens,
    request: values.length === 0 ? undefined : AnswerRequestSchema.parse(values[0]),
  };
}

async function teach(withQuestion: boolean): Promise<{ scores: unknown; answerTokens: string[] }> {
  const thread = await client.threads.create();
  const session = {
    ...fixture.sessionContext,
    session_id: `session_${Math.random().toString(36).slice(2)}`,
  };
  let { request } = await run(thread.thread_id, {
    input: { messages: [], session_context: session },
  });
  let answerTokens: string[] = [];
  if (withQuestion) {
    const before = request!;
    const asked = await run(thread.thread_id, {
      command: {
        resume: {
          action: "ask_question",
          question: "What is a denominator?",
          card_id: before.card_id,
        },
      },
    });
    answerTokens = asked.tokens;
    expect(answerTokens.length).toBeGreaterThan(3);
    expect(asked.request).toMatchObject({
      card_id: before.card_id,
      interaction_id: before.interaction_id,
      attempt: 1,
      error: null,
    });
    request = asked.request;
  }
  const moves: Record<string, string[]> = {
    card_001: [correctAnswer(fixture.lesson.cards[0]!)],
    card_003: [wrongAnswer(fixture.lesson.cards[1]!), correctAnswer(fixture.lesson.cards[1]!)],
  };
  while (request !== undefined) {
    const response = moves[request.card_id]!.shift()!;
    ({ request } = await run(thread.thread_id, {
      command: {
        resume: {
          action: "submit_answer",
          student_response: response,
          card_id: request.card_id,
          interaction_id: request.interaction_id,
        },
      },
    }));
  }
  const values = z
    .looseObject({ mastery_updates: z.array(z.looseObject({ score: z.number() })) })
    .parse((await client.threads.getState(thread.thread_id)).values);
  return { scores: values.mastery_updates.map((update) => update.score), answerTokens };
}

describe("the tutor on the LangGraph dev server", () => {
  it("answers a question mid-card with streamed tokens, and the lesson scores as without it", async () => {
    const asked = await teach(true);
    expect(asked.answerTokens.join("")).toBe(FAKE_TUTOR_LINES.answer_question);
    const plain = await teach(false);
    expect(asked.scores).toEqual(plain.scores);
    // Card 1 right first time (1), card 3 right at the second attempt (0.7); three outcomes each.
    expect(asked.scores).toEqual([1, 1, 1, 0.7, 0.7, 0.7]);
  }, 120_000);
});
