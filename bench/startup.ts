/**
 * Issue 12's start-up targets, both on the bin (running the bundled CLI in
 * dist/; needs `npm run build`, which `npm ci` runs):
 * - `teaching-graph --help` within 3x of `node -e ""` on the same machine;
 * - `npm start` (`teaching-graph play`) shows the first card within 1 s: from
 *   spawning the bin on a fresh embedded store (seeded on the way) to the
 *   first card's question on stdout, stdin a pipe that stays open.
 * Every child is timed whole, interleaved with a bare node start so a busy
 * moment hits both; medians are compared, and the first card is also shown
 * relative to bare node.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { z } from "zod";

const BIN = fileURLToPath(new URL("../bin/teaching-graph.js", import.meta.url));
const DEMO_LESSON = new URL("../data/demo/lessons/fractions-of-amounts.json", import.meta.url);
/** The target: `--help` at most this many times a bare node start. */
const TARGET_RATIO = 3;
/** The target: the first card on screen within this many milliseconds of `npm start`. */
const FIRST_CARD_TARGET_MS = 1000;
const RUNS = 10;
const FIRST_CARD_RUNS = 7;
/** A run that shows no card by then has failed, not merely been slow. */
const FIRST_CARD_TIMEOUT_MS = 30_000;

export async function run(): Promise<void> {
  reportHelp();
  await reportFirstCard();
}

function reportHelp(): void {
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
    `ratio (--help / bare node): ${ratio.toFixed(2)}, target <= ${TARGET_RATIO}  ${verdict(ratio <= TARGET_RATIO)}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

async function reportFirstCard(): Promise<void> {
  const question = firstCardQuestion();
  const dir = mkdtempSync(join(tmpdir(), "teaching-graph-startup-"));
  try {
    const play: number[] = [];
    const bare: number[] = [];
    for (let index = 0; index < FIRST_CARD_RUNS; index += 1) {
      play.push(await timeFirstCard(question, join(dir, `run-${index}.db`)));
      bare.push(timeChild(["-e", ""]));
    }
    const playMillis = median(play);
    const bareMillis = median(bare);
    const lines = [
      `npm start (teaching-graph play) to the first card, median of ${FIRST_CARD_RUNS}: ${playMillis.toFixed(0)} ms` +
        ` (${(playMillis / bareMillis).toFixed(1)}x node -e "" at ${bareMillis.toFixed(0)} ms)`,
      `first card within ${FIRST_CARD_TARGET_MS} ms  ${verdict(playMillis <= FIRST_CARD_TARGET_MS)}`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The demo lesson's first question: the last thing printed of the first card. */
function firstCardQuestion(): string {
  const lesson = z
    .object({ cards: z.array(z.object({ cfu: z.object({ stem: z.string().min(1) }) })).min(1) })
    .parse(JSON.parse(readFileSync(DEMO_LESSON, "utf8")));
  return lesson.cards[0]!.cfu.stem;
}

/**
 * Milliseconds from spawning `teaching-graph play` on a new store file to
 * `question` on its stdout; the child is then killed. No teacher model and
 * no Appwrite, as a fresh `npm start` on a machine without a `.env` runs.
 */
async function timeFirstCard(question: string, sqlitePath: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, "play"], {
    env: {
      ...process.env,
      SQLITE_PATH: sqlitePath,
      TEACHER_MODEL: "",
      APPWRITE_ENDPOINT: "",
      LOG_LEVEL: "error",
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  try {
    return await new Promise<number>((resolveTime, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`no first card after ${FIRST_CARD_TIMEOUT_MS} ms:\n${stdout}${stderr}`)),
        FIRST_CARD_TIMEOUT_MS,
      );
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes(question)) {
          clearTimeout(timer);
          resolveTime(performance.now() - started);
        }
      });
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.once("error", reject);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(
          new Error(
            `teaching-graph play exited (${code}) before the first card:\n${stdout}${stderr}`,
          ),
        );
      });
    });
  } finally {
    await stopChild(child);
  }
}

async function stopChild(child: ReturnType<typeof spawn>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  child.kill("SIGKILL");
  await exited;
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

function verdict(passed: boolean): string {
  return passed ? "PASS" : "FAIL";
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
