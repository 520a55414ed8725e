/**
 * Issue 12's end-to-end target for `mastery clean`: the real bin (`node
 * bin/teaching-graph.js mastery clean`, the compiled CLI in dist/) against the
 * spec's reference script (./spec-reference-clean.mjs, plain JavaScript run by
 * node), each timed as a whole process from spawn to exit, so both pay
 * process start; at 20 000 and 100 000 records (10 % corrupted) with
 * `LATENCY_MS` added to every request, as a self-hosted Appwrite next to the
 * operator's machine would.
 *
 * The Appwrite test server runs in this process (seeded afresh for every run:
 * both sides write), so its CPU is not charged to either side's process, and
 * this process only waits while a child runs. Runs alternate between the two
 * sides so that a busy moment on the machine hits both; the tool runs
 * `TOOL_RUNS` times per size and the median is taken, the reference (which
 * runs for seconds to a minute) as often as `REFERENCE_RUNS` says. Each run is
 * checked: every record seen, no empty key left that the clean should remove.
 *
 * A third side, ./read-floor.mjs, reads every page as the tool does and does
 * nothing else; its figure (printed, not judged) is how fast any clean could
 * be on this server, process start included.
 *
 * Needs a build (`npm run build`).
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { generatedDataset, loadOutcomes } from "../test/operator/support/dataset.js";
import {
  startAppwriteTestServer,
  type AppwriteTestServer,
} from "../test/support/appwrite-server/index.js";
import { appwriteEnvFor } from "../test/support/appwrite-server/settings.js";
import { DEFAULT_PAGE_SIZE } from "../src/cli/mastery.js";
import { MASTERY_ROW_ATTRIBUTES } from "../src/stores/appwrite/mapping.js";

const SIZES = [20_000, 100_000] as const;
const CORRUPTED_SHARE = 0.1;
/** A self-hosted Appwrite next to the operator's machine (the issue's setting). */
const LATENCY_MS = 2;
const TARGET_SPEEDUP = 10;
const TOOL_RUNS = 3;
/** Runs of the reference per size: it takes about 0.4 ms per record, the bench stays within minutes. */
const REFERENCE_RUNS: Record<(typeof SIZES)[number], number> = { 20_000: 2, 100_000: 1 };

const BIN = fileURLToPath(new URL("../bin/teaching-graph.js", import.meta.url));
const REFERENCE = fileURLToPath(new URL("./spec-reference-clean.mjs", import.meta.url));
const FLOOR = fileURLToPath(new URL("./read-floor.mjs", import.meta.url));

type Side = "tool" | "reference" | "floor";

interface Data {
  outcomes: ReadonlyArray<Record<string, unknown>>;
  mastery: ReadonlyArray<Record<string, unknown>>;
}

export async function run(): Promise<void> {
  const lines: string[] = [];
  const verdicts: string[] = [];
  for (const size of SIZES) {
    const data: Data = {
      outcomes: loadOutcomes(),
      mastery: generatedDataset(size, CORRUPTED_SHARE).map((record) => ({ ...record })),
    };
    const times: Record<Side, number[]> = { tool: [], reference: [], floor: [] };
    const order = interleave(TOOL_RUNS, REFERENCE_RUNS[size]);
    process.stdout.write(
      `  ${size} records, +${LATENCY_MS} ms/request: ${TOOL_RUNS} tool runs, ` +
        `${REFERENCE_RUNS[size]} reference run(s)...\n`,
    );
    for (const side of order) times[side].push(await timeRun(side, data, size));
    const tool = median(times.tool);
    const reference = median(times.reference);
    const floor = median(times.floor);
    const speedup = reference / tool;
    lines.push(
      `${String(size).padStart(8)}  ${seconds(tool).padStart(8)}  ${seconds(reference).padStart(10)}  ` +
        `${speedup.toFixed(1).padStart(6)}x  ${seconds(floor).padStart(8)} ${`(${(reference / floor).toFixed(1)}x)`.padStart(8)}` +
        `   tool runs: ${times.tool.map(seconds).join(", ")}`,
    );
    verdicts.push(
      `  ${speedup >= TARGET_SPEEDUP ? "PASS" : "FAIL"}  clean end to end >= ${TARGET_SPEEDUP}x the spec's reference script, ` +
        `${size} records, +${LATENCY_MS} ms/request: ${speedup.toFixed(2)}x`,
    );
  }
  process.stdout.write(
    [
      "",
      `mastery clean end to end (spawn to exit) on the Appwrite test server, +${LATENCY_MS} ms/request, ${CORRUPTED_SHARE * 100} % corrupted`,
      "",
      ` records      tool   reference  speedup     floor (speedup)`,
      ...lines,
      "",
      "Targets",
      ...verdicts,
      "",
      "The floor reads every page as the tool does, with nothing else (./read-floor.mjs).",
      "",
    ].join("\n"),
  );
}

/** `toolRuns` tool and floor runs and `referenceRuns` reference runs, alternating while each side has runs left. */
function interleave(toolRuns: number, referenceRuns: number): Side[] {
  const order: Side[] = [];
  for (let index = 0; index < Math.max(toolRuns, referenceRuns); index++) {
    if (index < toolRuns) order.push("tool", "floor");
    if (index < referenceRuns) order.push("reference");
  }
  return order;
}

/** Seconds from spawning `side` against a freshly seeded server to its exit, after checking its work. */
async function timeRun(side: Side, data: Data, size: number): Promise<number> {
  const server = await startAppwriteTestServer();
  const dir = await mkdtemp(join(tmpdir(), "clean-e2e-"));
  try {
    server.seedRows("course_outcomes", data.outcomes);
    server.seedRows("MasteryV2", data.mastery);
    server.faults.add({ delayMs: LATENCY_MS, times: Infinity });
    const args = {
      tool: [BIN, "mastery", "clean", "--json", "--backup", join(dir, "backup.jsonl")],
      reference: [REFERENCE],
      floor: [FLOOR, JSON.stringify(MASTERY_ROW_ATTRIBUTES), String(DEFAULT_PAGE_SIZE)],
    }[side];
    // The operator's environment: the store settings only (no LOG_LEVEL), run from a scratch folder.
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...appwriteEnvFor(server) };
    const started = performance.now();
    const child = await spawnToExit(args, { cwd: dir, env });
    const millis = performance.now() - started;
    assertDone(side, child, size, server);
    return millis / 1000;
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node args` and resolves when it exits. Asynchronous, so that the
 * server in this process keeps answering while the child runs.
 */
function spawnToExit(
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    // Only the end of the report is needed (it holds the totals).
    child.stdout.on("data", (chunk: Buffer) => {
      stdout = (stdout + chunk.toString()).slice(-8000);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const ToolReportSchema = z.object({
  summary: z.object({ scanned: z.int(), cleaned: z.int(), errors: z.literal(0) }),
});
const SeenReportSchema = z.object({ seen: z.int() });

/**
 * The run saw every record and (but the floor, which only reads) left no
 * removable empty key; the tool's exit 1 means "records skipped for review".
 */
function assertDone(side: Side, child: Exit, size: number, server: AppwriteTestServer): void {
  const expectedCode = side === "tool" ? 1 : 0;
  if (child.code !== expectedCode) {
    throw new Error(
      `${side} exited with ${child.code}, expected ${expectedCode}:\n${child.stderr}`,
    );
  }
  const report = child.stdout;
  // The tool's `--json` document ends with `"summary":{...},"routineSummary":{...}}`.
  const seen =
    side === "tool"
      ? ToolReportSchema.parse(JSON.parse(`{${report.slice(report.lastIndexOf('"summary":'))}`))
          .summary.scanned
      : SeenReportSchema.parse(JSON.parse(report)).seen;
  if (seen !== size) throw new Error(`${side} saw ${seen} records, expected ${size}`);
  if (side === "floor") return;
  const left = server
    .rows("MasteryV2")
    .filter(
      (row) =>
        typeof row.emaByOutcome === "string" &&
        row.emaByOutcome.includes('"":') &&
        row.emaByOutcome !== '{"":0}',
    );
  if (left.length > 0) throw new Error(`${side} left ${left.length} records with an empty key`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const value = sorted[Math.floor(sorted.length / 2)];
  if (value === undefined) throw new Error("no runs to take the median of");
  return value;
}

const seconds = (value: number) => `${value.toFixed(2)} s`;

if (import.meta.url === `file://${process.argv[1]}`) await run();
