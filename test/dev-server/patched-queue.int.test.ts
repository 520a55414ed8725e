/**
 * The dev server's run queue as patches/@langchain+langgraph-api+1.5.1.patch
 * leaves it (applied by `npm ci`): a run is taken as soon as it is created,
 * and its stream, `runs.wait` and joins end as soon as it ends. Unpatched, an
 * idle worker looked for runs only after a random sleep of up to a second,
 * and a finished run's stream stayed open until a 500 ms poll ran out.
 *
 * The server has one worker, so that the sleep it would wait out is the whole
 * second, not the shortest of ten: the runs below would then take over five
 * seconds where they take a fraction of one, and the bound sits between.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BaselineRequestSchema } from "../../bench/baseline-graph.js";
import { startLangGraphServer, type LangGraphServer } from "../support/langgraphServer.js";

/** bench/baseline-graph.ts: a card is shown and its answer awaited, nothing else. */
const BASELINE = "baseline";
const RUNS = 10;
/** Patched, the runs take about 50 ms each; unpatched, about a second (a sleep, then a poll). */
const BOUND_MS = 2_500;

const dir = mkdtempSync(join(tmpdir(), "teaching-graph-dev-server-test-"));
let server: LangGraphServer;
let client: Client;

beforeAll(async () => {
  server = await startLangGraphServer({
    env: { SQLITE_PATH: join(dir, "teaching.db"), APPWRITE_ENDPOINT: "", LOG_LEVEL: "error" },
    extraGraphs: { [BASELINE]: "bench/baseline-graph.ts:graph" },
    workers: 1,
  });
  client = new Client({ apiUrl: server.url });
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the patched dev server", () => {
  it("takes each run when it is created and answers runs.wait when it ends", async () => {
    const started = performance.now();
    for (let run = 0; run < RUNS; run++) {
      const thread = await client.threads.create();
      const values = await client.runs.wait(thread.thread_id, BASELINE, {
        input: { total_cards: 2 },
      });
      const interrupts = (values as { __interrupt__?: { value: unknown }[] }).__interrupt__;
      expect(BaselineRequestSchema.parse(interrupts?.[0]?.value)).toEqual({
        card_index: 0,
        total_cards: 2,
      });
    }
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
  });

  it("ends a run's stream when the run ends", async () => {
    const thread = await client.threads.create();
    let lastEventAt = Number.NaN;
    const events: string[] = [];
    for await (const part of client.runs.stream(thread.thread_id, BASELINE, {
      input: { total_cards: 1 },
      streamMode: ["updates"],
    })) {
      events.push(part.event);
      lastEventAt = performance.now();
    }
    expect(events).toContain("updates");
    expect(events).not.toContain("error");
    // Unpatched, at least the 500 ms poll.
    expect(performance.now() - lastEventAt).toBeLessThan(400);
  });
});
