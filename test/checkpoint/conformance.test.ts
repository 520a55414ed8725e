/**
 * LangGraph's own conformance suite for checkpointers (put, putWrites,
 * getTuple, list, delta-channel history), run against ours.
 */
import * as vitest from "vitest";
import { IncrementalSqliteSaver } from "../../src/checkpoint/sqlite-saver.js";

// The suite is written for Jest-style globals; this project's tests import them.
Object.assign(globalThis, vitest);
const { validate } = await import("@langchain/langgraph-checkpoint-validation");

validate({
  checkpointerName: "IncrementalSqliteSaver",
  createCheckpointer: () => IncrementalSqliteSaver.fromConnString(":memory:"),
  destroyCheckpointer: (checkpointer) => {
    checkpointer.db.close();
  },
});
