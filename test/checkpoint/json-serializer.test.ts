/**
 * The checkpointer's serialiser writes LangGraph's bytes for every value
 * JSON can hold (LangGraph's special types included), and refuses, with a
 * typed error, the values LangGraph's would silently replace by a string.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { END, Send, START, StateGraph, StateSchema } from "@langchain/langgraph";
import { DeltaSnapshot, JsonPlusSerializer } from "@langchain/langgraph-checkpoint";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { CheckpointerError } from "../../src/checkpoint/errors.js";
import { JsonSerializer } from "../../src/checkpoint/json-serializer.js";
import { IncrementalSqliteSaver } from "../../src/checkpoint/sqlite-saver.js";

const ours = new JsonSerializer();
const langgraph = new JsonPlusSerializer();

async function bytesOf(serializer: JsonPlusSerializer, value: unknown): Promise<string> {
  const [type, bytes] = await serializer.dumpsTyped(value);
  return `${type}:${new TextDecoder().decode(bytes)}`;
}

const SPECIAL_VALUES: Record<string, unknown> = {
  undefined: undefined,
  "undefined inside": { a: undefined, list: [1, undefined] },
  set: new Set(["a", 1]),
  map: new Map<unknown, unknown>([["k", { v: 1 }]]),
  regexp: /a+b/giu,
  error: new Error("boom"),
  send: new Send("node", { x: 1 }),
  "bytes inside": { data: new Uint8Array([1, 2, 255]) },
  "delta snapshot": new DeltaSnapshot([1, 2]),
  date: new Date("2026-11-30T10:00:00.000Z"),
  messages: [
    new HumanMessage({ content: "½ of 8?", id: "h1" }),
    new AIMessage({
      content: "4",
      id: "a1",
      tool_calls: [{ id: "c1", name: "lesson_card_presentation", args: { card: 1 } }],
    }),
  ],
  "nested everything": { m: new Map([["s", new Set([/x/])]]), at: [new Error("e"), undefined] },
};

describe("JsonSerializer", () => {
  for (const [name, value] of Object.entries(SPECIAL_VALUES)) {
    it(`writes LangGraph's bytes for ${name}`, async () => {
      expect(await bytesOf(ours, value)).toBe(await bytesOf(langgraph, value));
    });
  }

  it("writes LangGraph's bytes for any JSON value", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        expect(await bytesOf(ours, value)).toBe(await bytesOf(langgraph, value));
      }),
    );
  });

  it("refuses a cycle, where LangGraph's writes the string [Circular]", async () => {
    const cyclic: Record<string, unknown> = { name: "card" };
    cyclic.self = cyclic;
    expect(await bytesOf(langgraph, cyclic)).toContain('"[Circular]"');
    const error = (() => {
      try {
        ours.dumpsSync(cyclic);
      } catch (caught) {
        return caught;
      }
      throw new Error("expected a refusal");
    })();
    expect(error).toBeInstanceOf(CheckpointerError);
    expect(error).toMatchObject({
      code: "CHECKPOINT_VALUE_UNSERIALISABLE",
      context: { valueType: "Object" },
    });
  });

  it("refuses a BigInt, where LangGraph's writes a string saying it could not", async () => {
    expect(await bytesOf(langgraph, { n: 1n })).toContain("unable to serialize");
    expect(() => ours.dumpsSync({ n: 1n })).toThrow(
      expect.objectContaining({ code: "CHECKPOINT_VALUE_UNSERIALISABLE" }),
    );
  });
});

describe("a state value JSON cannot hold", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("fails the step with the typed error and writes nothing past the last good checkpoint", async () => {
    dir = mkdtempSync(join(tmpdir(), "teaching-graph-serializer-"));
    const saver = IncrementalSqliteSaver.fromConnString(join(dir, "checkpoints.db"));
    const State = new StateSchema({ value: z.unknown(), step: z.int().default(0) });
    const graph = new StateGraph(State)
      .addNode("good", () => ({ step: 1 }))
      .addNode("bad", () => {
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        return { value: cyclic, step: 2 };
      })
      .addEdge(START, "good")
      .addEdge("good", "bad")
      .addEdge("bad", END)
      .compile({ checkpointer: saver });
    const config = { configurable: { thread_id: "t1" } };
    await expect(graph.invoke({}, config)).rejects.toMatchObject({
      code: "CHECKPOINT_VALUE_UNSERIALISABLE",
    });
    const state = await graph.getState(config);
    expect(state.values).toMatchObject({ step: 1 });
    expect(state.next).toEqual(["bad"]);
    saver.db.close();
  });
});
