import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgressReporter } from "../../src/operator/progress.js";

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join("") };
}

describe("progress off a terminal", () => {
  it("writes a plain line per interval with records, rate and ETA when the total is known", () => {
    const { stream, text } = capture();
    let now = 0;
    const progress = createProgressReporter(stream, {
      label: "mastery clean",
      intervalMs: 1000,
      now: () => now,
    });
    progress.phase("scan");
    now = 500;
    progress.advance(100); // within the interval: no line
    now = 1000;
    progress.advance(100);
    progress.phase("write", 400);
    now = 3000;
    progress.advance(100);
    progress.finish();
    expect(text().split("\n")).toEqual([
      "[mastery clean] scan: 200 records, 200 records/s, elapsed 1s",
      "[mastery clean] scan: 200 records, 200 records/s, elapsed 1s (done)",
      "[mastery clean] write: 100/400 records, 50 records/s, elapsed 2s, ETA 6s",
      "[mastery clean] write: 100/400 records, 50 records/s, elapsed 2s (done)",
      "",
    ]);
  });
});
