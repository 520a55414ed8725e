import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import {
  Command,
  END,
  MessagesValue,
  ReducedValue,
  START,
  StateGraph,
  StateSchema,
  interrupt,
} from "@langchain/langgraph";
import { JsonPlusSerializer } from "@langchain/langgraph-checkpoint";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { CheckpointerError } from "../../src/checkpoint/errors.js";
import { IncrementalSqliteSaver } from "../../src/checkpoint/sqlite-saver.js";

const State = new StateSchema({
  messages: MessagesValue,
  /** Set by the first step, never again. */
  lesson: z.string().default(""),
  turn: z.int().default(0),
  answers: new ReducedValue(
    z.array(z.string()).default(() => []),
    {
      inputSchema: z.array(z.string()),
      reducer: (current: string[], next: string[]) => [...current, ...next],
    },
  ),
});
type TestState = typeof State.State;

/** A lesson in miniature: ask (interrupt), record the answer and reply, ask again; three turns. */
function lessonGraph(checkpointer: IncrementalSqliteSaver | SqliteSaver) {
  return new StateGraph(State)
    .addNode("start", () => ({ lesson: "Fractions — ½ and ¼", messages: [new AIMessage("Hello")] }))
    .addNode("ask", (state: TestState) => {
      const answer = interrupt({ turn: state.turn });
      return { answers: [String(answer)], turn: state.turn + 1 };
    })
    .addNode("reply", (state: TestState) => ({
      messages: [new AIMessage({ content: `You said ${state.answers.at(-1)}`, tool_calls: [] })],
    }))
    .addEdge(START, "start")
    .addEdge("start", "ask")
    .addEdge("ask", "reply")
    .addConditionalEdges("reply", (state: TestState) => (state.turn < 3 ? "ask" : END), [
      "ask",
      END,
    ])
    .compile({ checkpointer });
}

const thread = (id: string, checkpointId?: string) => ({
  configurable: {
    thread_id: id,
    ...(checkpointId === undefined ? {} : { checkpoint_id: checkpointId }),
  },
});

async function teach(checkpointer: IncrementalSqliteSaver, threadId: string, answers: string[]) {
  const graph = lessonGraph(checkpointer);
  await graph.invoke({}, thread(threadId));
  for (const answer of answers)
    await graph.invoke(new Command({ resume: answer }), thread(threadId));
  return graph;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

let dir: string;
let path: string;
const open: { db: { close(): void; open: boolean } }[] = [];
function saverAt(file: string): IncrementalSqliteSaver {
  const saver = IncrementalSqliteSaver.fromConnString(file);
  open.push(saver);
  return saver;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "teaching-graph-saver-"));
  path = join(dir, "checkpoints.db");
});
afterEach(() => {
  for (const saver of open.splice(0)) if (saver.db.open) saver.db.close();
  rmSync(dir, { recursive: true, force: true });
});

function blobRows(saver: IncrementalSqliteSaver, channel: string): number {
  const row = saver.db
    .prepare("SELECT COUNT(*) AS n FROM checkpoint_blobs WHERE channel = ?")
    .get(channel) as { n: number };
  return row.n;
}

describe("IncrementalSqliteSaver", () => {
  it("stores a value once per version: a channel set once is one row, whatever the steps after", async () => {
    const saver = saverAt(path);
    const graph = await teach(saver, "t1", ["½", "¼", "⅓"]);
    const checkpoints = (await collect(graph.getStateHistory(thread("t1")))).length;
    expect(checkpoints).toBeGreaterThan(8);
    expect(blobRows(saver, "lesson")).toBe(1);
    // One per change: the greeting and three replies.
    expect(blobRows(saver, "messages")).toBe(4);
    expect(blobRows(saver, "answers")).toBe(3);
  });

  it("gives a fresh process the same state, at every checkpoint of the thread", async () => {
    const live = await teach(saverAt(path), "t1", ["½", "¼", "⅓"]);
    const fresh = lessonGraph(saverAt(path));
    const liveHistory = await collect(live.getStateHistory(thread("t1")));
    const freshHistory = await collect(fresh.getStateHistory(thread("t1")));
    expect(freshHistory.map((snapshot) => snapshot.values)).toEqual(
      liveHistory.map((snapshot) => snapshot.values),
    );
    const last = freshHistory[0]?.values as TestState;
    expect(last.lesson).toBe("Fractions — ½ and ¼");
    expect(last.answers).toEqual(["½", "¼", "⅓"]);
    expect(last.messages.map((message: BaseMessage) => message.content)).toEqual([
      "Hello",
      "You said ½",
      "You said ¼",
      "You said ⅓",
    ]);
  });

  it("resumes a thread in a fresh process exactly where it stopped", async () => {
    await teach(saverAt(path), "t1", ["½"]);
    const resumed = lessonGraph(saverAt(path));
    await resumed.invoke(new Command({ resume: "¼" }), thread("t1"));
    const { values } = await resumed.getState(thread("t1"));
    expect(values.answers).toEqual(["½", "¼"]);
    expect(values.lesson).toBe("Fractions — ½ and ¼");
  });

  it("keeps two branches forked from one checkpoint apart", async () => {
    const saver = saverAt(path);
    const graph = await teach(saver, "t1", ["½"]);
    const waiting = await graph.getState(thread("t1"));
    const forkAt = waiting.config.configurable?.checkpoint_id as string;
    // The main line answers ¼; a branch from the same checkpoint records ⅔
    // instead: both change `answers` from the same version.
    await graph.invoke(new Command({ resume: "¼" }), thread("t1"));
    const mainLine = (await graph.getState(thread("t1"))).config;
    const branch = await graph.updateState(thread("t1", forkAt), { answers: ["⅔"] }, "ask");

    const fresh = lessonGraph(saverAt(path));
    expect((await fresh.getState(mainLine)).values.answers).toEqual(["½", "¼"]);
    expect((await fresh.getState(branch)).values.answers).toEqual(["½", "⅔"]);
  });

  it("writes a transcript byte for byte as LangGraph's serialiser does", async () => {
    const saver = saverAt(path);
    const messages = [
      new HumanMessage("Ça fait ½ — “quote” \u2028 😀"),
      new AIMessage({
        content: "card",
        tool_calls: [{ id: "call_1", name: "lesson_card_presentation", args: { card: { n: 1 } } }],
      }),
    ];
    const config = thread("t1");
    const checkpoint = {
      v: 4,
      id: "1f0a0000-0000-6000-8000-000000000001",
      ts: new Date(0).toISOString(),
      channel_values: { messages },
      channel_versions: { messages: 1 },
      versions_seen: {},
    };
    await saver.put(
      config,
      checkpoint,
      { source: "input", step: -1, parents: {} },
      { messages: 1 },
    );
    const row = saver.db.prepare("SELECT blob FROM checkpoint_blobs").get() as { blob: Uint8Array };
    const [, expected] = await new JsonPlusSerializer().dumpsTyped(messages);
    expect(Buffer.from(row.blob).equals(Buffer.from(expected))).toBe(true);
  });

  it("refuses a database the plain SqliteSaver wrote, before touching it", async () => {
    const plain = SqliteSaver.fromConnString(path);
    await lessonGraph(plain).invoke({}, thread("t1"));
    plain.db.close();
    const saver = saverAt(path);
    await expect(saver.getTuple(thread("t1"))).rejects.toMatchObject({
      name: "CheckpointerError",
      code: "CHECKPOINT_DATABASE_FOREIGN",
    });
    const tables = saver.db
      .prepare("SELECT name FROM sqlite_master WHERE name = 'checkpoint_blobs'")
      .all();
    expect(tables).toEqual([]);
  });

  it("refuses a put without the new channel versions", async () => {
    const saver = saverAt(path);
    const checkpoint = {
      v: 4,
      id: "1f0a0000-0000-6000-8000-000000000002",
      ts: new Date(0).toISOString(),
      channel_values: { lesson: "x" },
      channel_versions: { lesson: 1 },
      versions_seen: {},
    };
    await expect(
      saver.put(thread("t1"), checkpoint, { source: "input", step: -1, parents: {} }),
    ).rejects.toBeInstanceOf(CheckpointerError);
    expect(await saver.getTuple(thread("t1"))).toBeUndefined();
  });

  it("forgets a deleted thread, in its cache too", async () => {
    const saver = saverAt(path);
    await teach(saver, "t1", ["½"]);
    await saver.deleteThread("t1");
    expect(await saver.getTuple(thread("t1"))).toBeUndefined();
    expect(blobRows(saver, "lesson")).toBe(0);
    const again = lessonGraph(saver);
    await again.invoke({}, thread("t1"));
    expect((await again.getState(thread("t1"))).values.answers).toEqual([]);
  });
});
