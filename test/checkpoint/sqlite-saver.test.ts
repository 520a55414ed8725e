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

  /** Puts a checkpoint holding only `messages`, at `version`. */
  async function putTranscript(
    saver: IncrementalSqliteSaver,
    messages: BaseMessage[],
    version: number,
  ): Promise<void> {
    await saver.put(
      thread("t1"),
      {
        v: 4,
        id: `1f0a0000-0000-6000-8000-00000000000${version}`,
        ts: new Date(0).toISOString(),
        channel_values: { messages },
        channel_versions: { messages: version },
        versions_seen: {},
      },
      { source: "input", step: version - 2, parents: {} },
      { messages: version },
    );
  }

  const transcript = [
    new HumanMessage("Ça fait ½ — “quote” \u2028 😀"),
    new AIMessage({
      content: "card",
      tool_calls: [{ id: "call_1", name: "lesson_card_presentation", args: { card: { n: 1 } } }],
    }),
    new HumanMessage("¼"),
  ];

  it("stores each message of a transcript once, and the transcript as their keys", async () => {
    const saver = saverAt(path);
    await putTranscript(saver, transcript.slice(0, 2), 1);
    await putTranscript(saver, transcript, 2);
    const stored = saver.db
      .prepare("SELECT message_key AS key, blob FROM checkpoint_messages")
      .all() as { key: string; blob: Uint8Array }[];
    expect(stored).toHaveLength(3);
    const latest = saver.db
      .prepare("SELECT type, blob FROM checkpoint_blobs WHERE version = '2'")
      .get() as { type: string; blob: Uint8Array };
    expect(latest.type).toBe("message_keys");
    const keys = z.array(z.string()).parse(JSON.parse(Buffer.from(latest.blob).toString()));
    // The transcript's JSON is its messages' JSON, exactly as LangGraph's serialiser writes the list.
    const bytesOf = new Map(stored.map(({ key, blob }) => [key, Buffer.from(blob).toString()]));
    const [, expected] = await new JsonPlusSerializer().dumpsTyped(transcript);
    expect(`[${keys.map((key) => bytesOf.get(key)).join(",")}]`).toBe(
      Buffer.from(expected).toString(),
    );
    const fresh = await saverAt(path).getTuple(thread("t1"));
    expect(fresh?.checkpoint.channel_values.messages).toEqual(transcript);
  });

  it("refuses a transcript whose messages the database lost, rather than reading it shorter", async () => {
    await putTranscript(saverAt(path), transcript, 2);
    const broken = saverAt(path);
    const victim = broken.db
      .prepare("SELECT message_key FROM checkpoint_messages LIMIT 1")
      .get() as {
      message_key: string;
    };
    broken.db
      .prepare("DELETE FROM checkpoint_messages WHERE message_key = ?")
      .run(victim.message_key);
    await expect(broken.getTuple(thread("t1"))).rejects.toMatchObject({
      code: "CHECKPOINT_DATA_MISSING",
      context: { threadId: "t1", channel: "messages", missing: [victim.message_key] },
    });
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

  it("refuses a transcript whose stored keys are not a list of keys, with a typed error", async () => {
    await putTranscript(saverAt(path), transcript, 2);
    const broken = saverAt(path);
    broken.db
      .prepare("UPDATE checkpoint_blobs SET blob = ? WHERE type = 'message_keys'")
      .run(Buffer.from('{"not":"keys"}'));
    await expect(broken.getTuple(thread("t1"))).rejects.toMatchObject({
      code: "CHECKPOINT_DATA_INVALID",
      context: { threadId: "t1", channel: "messages", stored: '{"not":"keys"}' },
    });
  });

  it("forgets a deleted thread's messages: the same messages put again are stored again", async () => {
    const saver = saverAt(path);
    await putTranscript(saver, transcript, 2);
    await saver.deleteThread("t1");
    const count = () =>
      (saver.db.prepare("SELECT COUNT(*) AS n FROM checkpoint_messages").get() as { n: number }).n;
    expect(count()).toBe(0);
    await putTranscript(saver, transcript, 3);
    expect(count()).toBe(3);
    const fresh = await saverAt(path).getTuple(thread("t1"));
    expect(fresh?.checkpoint.channel_values.messages).toEqual(transcript);
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
