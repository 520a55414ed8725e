/**
 * Issue 12's start-up target: `teaching-graph --help` (the bin, running the
 * compiled CLI in dist/) within 3x of `node -e ""` on the same machine. Both
 * are timed as whole child processes, interleaved so a busy moment hits both;
 * the medians are compared. Needs a build (`npm run build`; `npm ci` runs it).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

const BIN = fileURLToPath(new URL("../bin/teaching-graph.js", import.meta.url));
/** The target: `--help` at most this many times a bare node start. */
const TARGET_RATIO = 3;
const RUNS = 10;

export async function run(): Promise<void> {
  const bin: number[] = [];
  const bare: number[] = [];
  for (let index = 0; index < RUNS; index += 1) {
    bin.push(timeChild([BIN, "--help"]));
    bare.push(timeChild(["-e", ""]));
  }
  const binMillis = median(bin);
  const bareMillis = median(bare);
  const ratio = binMillis / bareMillis;
  const lines = [
    `teaching-graph --help, median of ${RUNS}: ${binMillis.toFixed(0)} ms; node -e "": ${bareMillis.toFixed(0)} ms`,
    `ratio (--help / bare node): ${ratio.toFixed(2)}, target <= ${TARGET_RATIO}  ${ratio <= TARGET_RATIO ? "PASS" : "FAIL"}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** Milliseconds from spawning `node <args>` to its exit; a failed run is an error, not a figure. */
function timeChild(args: readonly string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { encoding: "utf8" });
  const millis = performance.now() - started;
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0) {
    throw new Error(`node ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  }
  return millis;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
