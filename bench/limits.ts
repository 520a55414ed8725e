/**
 * How fast the edge refuses what it must refuse: the gzip bomb (about
 * 350 KiB of base64 that inflates to 256 MiB) as a `lesson_snapshot`, and an
 * answer one character past the cap as a resume payload. Each refusal must
 * take a few milliseconds, not block the event loop; the bomb inflated without
 * the cap is timed once beside it, for scale. Prints figures; asserts nothing.
 */
import { performance } from "node:perf_hooks";
import { gunzipSync } from "node:zlib";
import { GZIP_PREFIX, PayloadTooLargeError, decodeJsonPayload } from "../src/lessons/codec.js";
import {
  AnswerPayloadError,
  MAX_ANSWER_CHARS,
  parseAnswerPayload,
} from "../src/teaching/protocol.js";
import { gzipBomb } from "../test/support/gzip-bomb.js";

/** Milliseconds a refusal may take (median): well under one frame of a busy server. */
const TARGET_MILLIS = 50;
const RUNS = 25;

export async function run(): Promise<void> {
  const bomb = gzipBomb(256);
  const bombMillis = medianMillis(() =>
    expectRefusal(PayloadTooLargeError, () => decodeJsonPayload("lesson_snapshot", bomb)),
  );

  const expected = { cardId: "card_001", interactionId: "interaction-1" };
  const oversize = {
    action: "submit_answer",
    student_response: "7".repeat(MAX_ANSWER_CHARS + 1),
    card_id: expected.cardId,
    interaction_id: expected.interactionId,
  };
  const answerMillis = medianMillis(() =>
    expectRefusal(AnswerPayloadError, () => parseAnswerPayload(JSON.stringify(oversize), expected)),
  );

  const started = performance.now();
  const inflated = gunzipSync(Buffer.from(bomb.slice(GZIP_PREFIX.length), "base64")).length;
  const uncappedMillis = performance.now() - started;

  const verdict = (millis: number) =>
    `${millis.toFixed(2)} ms, target <= ${TARGET_MILLIS} ms  ${millis <= TARGET_MILLIS ? "PASS" : "FAIL"}`;
  const lines = [
    `gzip bomb (${bomb.length} characters of base64) refused, median of ${RUNS}: ${verdict(bombMillis)}`,
    `  for scale, the same bomb inflated without the cap: ${(inflated / 1024 / 1024).toFixed(0)} MiB in ${uncappedMillis.toFixed(0)} ms`,
    `answer of ${MAX_ANSWER_CHARS + 1} characters refused, median of ${RUNS}: ${verdict(answerMillis)}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

function expectRefusal(type: new (...args: never[]) => Error, refuse: () => unknown): void {
  try {
    refuse();
  } catch (error) {
    if (error instanceof type) return;
    throw error;
  }
  throw new Error(`expected a ${type.name}, but the value was accepted`);
}

function medianMillis(task: () => void): number {
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const started = performance.now();
    task();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
