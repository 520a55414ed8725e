/**
 * Running the teaching graph in tests: compile it with MemorySaver and the
 * in-memory stores (outcomes seeded), then drive it through its interrupts.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { Command, MemorySaver, type BaseCheckpointSaver } from "@langchain/langgraph";
import { createMemoryStores } from "../../../src/stores/memory/index.js";
import type { Stores } from "../../../src/stores/ports.js";
import { createTeachingGraph } from "../../../src/teaching/graph.js";
import {
  AnswerRequestSchema,
  type AnswerPayloadInput,
  type AnswerRequest,
} from "../../../src/teaching/protocol.js";
import type { State } from "../../../src/teaching/state.js";
import type { LessonSnapshot } from "../../../src/lessons/schema.js";
import { correctAnswer, wrongAnswer, type LessonFixture } from "./fixtures.js";

export type TeachingGraph = ReturnType<ReturnType<typeof createTeachingGraph>["compile"]>;

export interface TestGraph {
  graph: TeachingGraph;
  stores: Stores;
  /** A run config for a thread (add `configurable` overrides as needed). */
  config: (
    threadId?: string,
    configurable?: Record<string, unknown>,
  ) => { configurable: Record<string, unknown> };
}

let threadCounter = 0;

/**
 * The graph with MemorySaver, in-memory stores seeded with the fixture's
 * outcomes, and `model` as the teacher model (none by default, whatever
 * TEACHER_MODEL says).
 */
export async function createTestGraph(
  fixture: Pick<LessonFixture, "outcomes">,
  options: {
    model?: BaseChatModel;
    checkpointer?: BaseCheckpointSaver;
    stores?: Stores;
    authMode?: "appwrite" | "none";
    clock?: () => Date;
  } = {},
): Promise<TestGraph> {
  const stores = options.stores ?? createMemoryStores();
  await stores.outcomes.upsertMany(fixture.outcomes);
  const graph = createTeachingGraph({
    getStores: () => stores,
    authMode: options.authMode ?? "none",
    getChatModel: async () => options.model,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  }).compile({ checkpointer: options.checkpointer ?? new MemorySaver() });
  return {
    graph,
    stores,
    config: (threadId = `thread_${++threadCounter}`, configurable = {}) => ({
      configurable: { thread_id: threadId, ...configurable },
    }),
  };
}

/** The answer request the run stopped at, or undefined when it ran to the end. */
export function pendingRequest(result: unknown): AnswerRequest | undefined {
  const interrupts = (result as { __interrupt__?: { value: unknown }[] }).__interrupt__;
  if (interrupts === undefined || interrupts.length === 0) return undefined;
  if (interrupts.length !== 1) throw new Error(`Expected one interrupt, got ${interrupts.length}`);
  return AnswerRequestSchema.parse(interrupts[0]?.value);
}

export function submit(request: AnswerRequest, studentResponse: string): AnswerPayloadInput {
  return {
    action: "submit_answer",
    student_response: studentResponse,
    card_id: request.card_id,
    interaction_id: request.interaction_id,
    timestamp: new Date().toISOString(),
  };
}

export function skip(request: AnswerRequest): AnswerPayloadInput {
  return {
    action: "skip_card",
    card_id: request.card_id,
    interaction_id: request.interaction_id,
    timestamp: new Date().toISOString(),
  };
}

export interface LessonRun {
  state: State;
  /** Every answer request, in order. */
  requests: AnswerRequest[];
}

/**
 * Starts a lesson and answers every request with `respond` until the graph
 * ends. `respond` returns the resume value (any value: bad payloads included).
 */
export async function playLesson(
  testGraph: TestGraph,
  sessionContext: unknown,
  respond: (request: AnswerRequest) => unknown,
  config = testGraph.config(),
): Promise<LessonRun> {
  const requests: AnswerRequest[] = [];
  let result: unknown = await testGraph.graph.invoke(
    { session_context: sessionContext as never },
    config,
  );
  for (
    let request = pendingRequest(result);
    request !== undefined;
    request = pendingRequest(result)
  ) {
    requests.push(request);
    if (requests.length > 100) throw new Error("Lesson did not end after 100 answer requests");
    result = await testGraph.graph.invoke(new Command({ resume: respond(request) }), config);
  }
  const snapshot = await testGraph.graph.getState(config);
  return { state: snapshot.values as State, requests };
}

export type StudentMove = "right" | "wrong" | "skip";

/**
 * A student who answers each card as planned, move by move (a card without a
 * plan, or past its plan, is answered right). Uses the card's correct and
 * wrong answers from the fixtures.
 */
export function scriptedStudent(
  lesson: LessonSnapshot,
  plan: Record<string, StudentMove[]>,
): (request: AnswerRequest) => AnswerPayloadInput {
  const moves = new Map(Object.entries(plan).map(([cardId, list]) => [cardId, [...list]]));
  return (request) => {
    const card = lesson.cards[request.card_index];
    if (card === undefined || card.id !== request.card_id)
      throw new Error(`Unexpected request for ${request.card_id}`);
    const move = moves.get(card.id)?.shift() ?? "right";
    if (move === "skip") return skip(request);
    return submit(request, move === "right" ? correctAnswer(card) : wrongAnswer(card));
  };
}
