/**
 * Benchmark of `mastery audit` and `mastery clean` (`--dry-run` and real)
 * against the Appwrite-compatible test server at 10 000 and 100 000 records
 * (10 % corrupted), beside
 * (a) a baseline that follows the spec's Phase 3 reference script
 *     (./spec-reference-clean.mjs): sequential pages of 100, one `updateRow`
 *     per dirty record, node-appwrite TablesDB;
 * (b) a bare list-all pass at the largest page size (5000), doing nothing
 *     with the rows, selecting the attributes a record is made of as the tools
 *     do, through the same client stack the tools use: node-appwrite
 *     `TablesDB.listRows` over the adapter's `TimedClient` (which parses with
 *     `JSON.parse`; a stock node-appwrite `Client` parses with the slower
 *     json-bigint and would make a softer floor).
 *
 * Every measurement runs in its own child process against a server living in
 * this process (seeded once for the reads, afresh for each write), so peak RSS
 * is the tool's alone and figures at both sizes compare. The tools run through
 * the CLI's own command code (`registerMasteryCommands`, store from the
 * environment, `--json` output to a discarding sink); module loading is done
 * before the clock starts.
 *
 * Each child first runs its operation on `WARMUP_SIZE` records of a separate
 * server, so that the measured run shows each side's throughput rather than
 * its JIT warm-up, which otherwise dominates a run of a tenth of a second and
 * penalises whichever side runs more code (the cold figures are printed as a
 * diagnostic). Each tool and list-all figure is the median of `REPEATS` runs,
 * the read runs alternating; the baselines run for seconds and are measured
 * once.
 *
 * Targets (each printed with PASS/FAIL): clean >= 10x the baseline's
 * records/s, with `SIMULATED_LATENCY_MS` added to every request; the dry run
 * within 1.5x of the list-all pass's time; peak RSS at 100 000 records within
 * 1.2x of that at 10 000.
 *
 * Why the speed-up is judged with latency: on loopback the test server
 * answers in about a millisecond of CPU, so the baseline's one request per
 * dirty record costs little more than reading the records does, and both
 * sides compete for the same cores. There, a bare list-all pass (nothing but
 * reading) is itself only 10-15x the baseline at 100 000 records: that is the
 * ceiling for any tool that reads every record. What clean does differently
 * (a few requests per 500 records instead of one per record) pays once a
 * request costs what it costs against a real Appwrite. The loopback figures
 * are printed too, with that ceiling, as diagnostics.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { Query, TablesDB } from "node-appwrite";
import { z } from "zod";
import { generatedDataset, loadOutcomes } from "../test/operator/support/dataset.js";
import {
  startAppwriteTestServer,
  type AppwriteTestServer,
} from "../test/support/appwrite-server/index.js";
import { appwriteEnvFor } from "../test/support/appwrite-server/settings.js";
import { runChild } from "../test/support/child-process.js";
import { specReferenceClean } from "./spec-reference-clean.mjs";

const SIZES = [10_000, 100_000] as const;
const CORRUPTED_SHARE = 0.1;
const LARGEST_PAGE_SIZE = 5000;
/**
 * The test server answers in well under a millisecond; a real Appwrite adds
 * network and its own processing to every request (a nearby self-hosted one a
 * few ms, Cloud tens). Writes are also measured with this much added per request.
 */
const SIMULATED_LATENCY_MS = 5;
/** Runs per tool and list-all measurement; the median is reported. */
const REPEATS = 3;
/** Records of the dataset each child runs its operation on before the measured run: the smaller size. */
const WARMUP_SIZE = SIZES[0];
/** The warm-up server's Appwrite environment, as JSON, for the child. */
const WARMUP_ENV = "MASTERY_BENCH_WARMUP_ENV";

const OPERATIONS = ["list-all", "baseline", "audit", "clean --dry-run", "clean"] as const;
type Operation = (typeof OPERATIONS)[number];
const TOOLS: readonly Operation[] = ["audit", "clean --dry-run", "clean"];
const READ_ONLY: readonly Operation[] = ["list-all", "audit", "clean --dry-run"];

const CHILD_FLAG = "--mastery-bench-child";
const THIS_FILE = fileURLToPath(import.meta.url);

const ChildResultSchema = z.object({
  operation: z.enum(OPERATIONS),
  records: z.int(),
  ms: z.number(),
  /** The warm-up run: the operation's first in a fresh process, on `WARMUP_SIZE` records. */
  coldMs: z.number(),
  maxRssKb: z.number(),
});
type ChildResult = z.infer<typeof ChildResultSchema>;

interface Measurement extends ChildResult {
  size: number;
  latencyMs: number;
}

export async function run(): Promise<void> {
  const measurements: Measurement[] = [];
  const warmupData = seedData(WARMUP_SIZE);
  const announce = (operation: Operation, size: number, latencyMs: number, runs: number) =>
    process.stdout.write(
      `  ${operation} at ${size} records${latencyMs > 0 ? ` (+${latencyMs} ms per request)` : ""}` +
        `${runs > 1 ? `, ${runs} runs` : ""}...\n`,
    );
  for (const size of SIZES) {
    const data = seedData(size);
    // Reads share one seeded server; each write gets a freshly seeded one.
    // Read runs alternate, so that a burst of load on the machine hits all of them alike.
    await withServer(data, 0, async (server) => {
      for (const operation of READ_ONLY) announce(operation, size, 0, REPEATS);
      const runs: ChildResult[] = [];
      for (let run = 0; run < REPEATS; run++) {
        for (const operation of READ_ONLY)
          runs.push(await measure(operation, server, size, warmupData));
      }
      for (const operation of READ_ONLY) {
        const own = runs.filter((result) => result.operation === operation);
        measurements.push({ size, latencyMs: 0, ...median(own) });
      }
    });
    for (const latencyMs of [0, SIMULATED_LATENCY_MS]) {
      for (const operation of ["baseline", "clean"] as const) {
        const repeats = operation === "clean" ? REPEATS : 1;
        announce(operation, size, latencyMs, repeats);
        const runs: ChildResult[] = [];
        for (let run = 0; run < repeats; run++) {
          runs.push(
            await withServer(data, latencyMs, (server) =>
              measure(operation, server, size, warmupData),
            ),
          );
        }
        measurements.push({ size, latencyMs, ...median(runs) });
      }
    }
  }
  process.stdout.write(report(measurements));
}

/** The medians of the times, cold times and peak RSS of `runs` (each taken separately). */
function median(runs: readonly ChildResult[]): ChildResult {
  const middle = (by: (run: ChildResult) => number): number => {
    const values = runs.map(by).sort((a, b) => a - b);
    const value = values[Math.floor(values.length / 2)];
    if (value === undefined) throw new Error("no runs to take the median of");
    return value;
  };
  const [first] = runs;
  if (first === undefined) throw new Error("no runs to take the median of");
  return {
    ...first,
    ms: middle((run) => run.ms),
    coldMs: middle((run) => run.coldMs),
    maxRssKb: middle((run) => run.maxRssKb),
  };
}

interface SeedData {
  outcomes: ReadonlyArray<Record<string, unknown>>;
  mastery: ReadonlyArray<Record<string, unknown>>;
}

function seedData(size: number): SeedData {
  return {
    outcomes: loadOutcomes(),
    mastery: generatedDataset(size, CORRUPTED_SHARE).map((record) => ({ ...record })),
  };
}

async function withServer<T>(
  data: SeedData,
  latencyMs: number,
  use: (server: AppwriteTestServer) => Promise<T>,
): Promise<T> {
  const server = await startAppwriteTestServer();
  try {
    server.seedRows("course_outcomes", data.outcomes);
    server.seedRows("MasteryV2", data.mastery);
    if (latencyMs > 0) server.faults.add({ delayMs: latencyMs, times: Infinity });
    return await use(server);
  } finally {
    await server.close();
  }
}

/** Runs `operation` in a child process against `server`, and checks it saw every record and did its work. */
async function measure(
  operation: Operation,
  server: AppwriteTestServer,
  size: number,
  warmupData: SeedData,
): Promise<ChildResult> {
  const dir = await mkdtemp(join(tmpdir(), "mastery-bench-"));
  try {
    const result = await withServer(warmupData, 0, (warmup) =>
      measureInChild(operation, server, warmup, dir),
    );
    if (result.records !== size)
      throw new Error(`${operation} saw ${result.records} records, expected ${size}`);
    if (operation === "clean" || operation === "baseline") assertEmptyKeysRemoved(server);
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** After a real clean, only would-be-empty maps (`{"": 0}`) keep an empty key. */
function assertEmptyKeysRemoved(server: AppwriteTestServer): void {
  const left = server
    .rows("MasteryV2")
    .filter(
      (row) =>
        typeof row.emaByOutcome === "string" &&
        row.emaByOutcome.includes('"":') &&
        row.emaByOutcome !== '{"":0}',
    );
  if (left.length > 0)
    throw new Error(`${left.length} records still have an empty key after cleaning`);
}

async function measureInChild(
  operation: Operation,
  server: AppwriteTestServer,
  warmup: AppwriteTestServer,
  dir: string,
): Promise<ChildResult> {
  const run = await runChild(
    process.execPath,
    ["--import", "tsx", THIS_FILE, CHILD_FLAG, operation, dir],
    {
      env: {
        ...process.env,
        ...appwriteEnvFor(server),
        [WARMUP_ENV]: JSON.stringify(appwriteEnvFor(warmup)),
        LOG_LEVEL: "error",
      },
    },
  );
  const lastLine = run.stdout.trim().split("\n").at(-1);
  if (run.code !== 0 || lastLine === undefined) {
    throw new Error(`bench child "${operation}" exited with ${run.code}:\n${run.stderr}`);
  }
  return ChildResultSchema.parse(JSON.parse(lastLine));
}

// ---------------------------------------------------------------- child process

/** `dir` is a scratch folder for the clean's backups. */
async function runInChild(operation: Operation, dir: string): Promise<void> {
  const warmupEnv = z
    .record(z.string(), z.string())
    .parse(JSON.parse(z.string().parse(process.env[WARMUP_ENV])));
  const measuredEnv = Object.fromEntries(
    Object.keys(warmupEnv).map((name) => [name, process.env[name]]),
  );
  // Load everything the tools use before the clock starts.
  await import("../src/stores/appwrite/index.js");
  await import("../src/cli/mastery.js");

  Object.assign(process.env, warmupEnv);
  const coldStarted = performance.now();
  await execute(operation, join(dir, "warmup-backup.jsonl"));
  const coldMs = performance.now() - coldStarted;
  Object.assign(process.env, measuredEnv);

  const started = performance.now();
  const records = await execute(operation, join(dir, "backup.jsonl"));
  const ms = performance.now() - started;
  const result: ChildResult = {
    operation,
    records,
    ms,
    coldMs,
    maxRssKb: process.resourceUsage().maxRSS,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Runs `operation` against the store the environment names; returns the records it saw. */
async function execute(operation: Operation, backupPath: string): Promise<number> {
  const env = await import("../src/config/env.js");
  const settings = env.storeSettings(env.readEnv());
  if (settings.kind !== "appwrite") throw new Error("the bench child needs the Appwrite settings");
  const appwrite = await import("node-appwrite");
  const { Command } = await import("commander");
  const { registerMasteryCommands } = await import("../src/cli/mastery.js");
  const { getDefaultStores } = await import("../src/stores/index.js");
  const { TimedClient } = await import("../src/stores/appwrite/http.js");
  const table = { databaseId: settings.databaseId, tableId: settings.tables.mastery };

  switch (operation) {
    case "list-all": {
      // The list-all floor goes through the adapter's client.
      const tables = new appwrite.TablesDB(
        new TimedClient(60_000)
          .setEndpoint(settings.endpoint)
          .setProject(settings.projectId)
          .setKey(settings.apiKey),
      );
      const { SELECT_MASTERY_ROW } = await import("../src/stores/appwrite/mapping.js");
      return listAll(tables, table, appwrite.Query, SELECT_MASTERY_ROW);
    }
    case "baseline": {
      // The baseline, a script an operator would write, through node-appwrite's stock client.
      const tables = new appwrite.TablesDB(
        new appwrite.Client()
          .setEndpoint(settings.endpoint)
          .setProject(settings.projectId)
          .setKey(settings.apiKey),
      );
      return specReferenceClean(tables, table, appwrite.Query);
    }
    default: {
      const args: Record<Exclude<Operation, "list-all" | "baseline">, string[]> = {
        audit: ["audit", "--json"],
        "clean --dry-run": ["clean", "--dry-run", "--json"],
        clean: ["clean", "--json", "--backup", backupPath],
      };
      let output = "";
      const program = new Command("teaching-graph").exitOverride();
      registerMasteryCommands(program, {
        openStores: async () => getDefaultStores(),
        // Keep only the end of the report: it holds the totals.
        stdout: new Writable({
          write(chunk: Buffer, _encoding, callback) {
            output = (output + chunk.toString()).slice(-4000);
            callback();
          },
        }),
        stderr: new Writable({ write: (_chunk, _encoding, callback) => callback() }),
        setExitCode: () => undefined,
        now: () => new Date(),
      });
      await program.parseAsync(["node", "teaching-graph", "mastery", ...args[operation]]);
      return totalFromReport(operation, output);
    }
  }
}

/**
 * The records the tool saw. An audit prints one small JSON document (kept
 * whole: well within the 4000 characters kept); a clean's ends with
 * `"summary":{...},"routineSummary":{...}}`.
 */
function totalFromReport(operation: Operation, output: string): number {
  if (operation === "audit") return z.object({ total: z.int() }).parse(JSON.parse(output)).total;
  const tail = `{${output.slice(output.lastIndexOf('"summary":'))}`;
  return z.object({ summary: z.object({ scanned: z.int() }) }).parse(JSON.parse(tail)).summary
    .scanned;
}

type QueryClass = typeof Query;
interface TableRef {
  databaseId: string;
  tableId: string;
}

/** Reads every row at the largest page size and does nothing with them. */
async function listAll(
  tables: TablesDB,
  table: TableRef,
  Query: QueryClass,
  select: string,
): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  for (;;) {
    const page = await tables.listRows({
      ...table,
      queries: [
        select,
        Query.limit(LARGEST_PAGE_SIZE),
        ...(cursor === undefined ? [] : [Query.cursorAfter(cursor)]),
      ],
      total: false,
    });
    count += page.rows.length;
    if (page.rows.length < LARGEST_PAGE_SIZE) return count;
    cursor = page.rows.at(-1)?.$id;
  }
}

// ---------------------------------------------------------------- report

function report(measurements: readonly Measurement[]): string {
  const find = (size: number, operation: Operation, latencyMs = 0): Measurement => {
    const found = measurements.find(
      (m) => m.size === size && m.operation === operation && m.latencyMs === latencyMs,
    );
    if (found === undefined) {
      throw new Error(`no measurement of ${operation} at ${size} (+${latencyMs} ms)`);
    }
    return found;
  };
  const rate = (m: Measurement) => (m.records * 1000) / m.ms;
  const ratio = (value: number, digits = 1) => `${value.toFixed(digits)}x`;
  const columns = [8, 40, 9, 10, 11, 11, 10];
  const row = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 1 ? cell.padEnd(columns[i]!) : cell.padStart(columns[i]!)))
      .join(" ");
  const lines = [
    "",
    `MasteryV2 operator tools on the Appwrite test server (${CORRUPTED_SHARE * 100} % corrupted)`,
    "",
    row(["records", "operation", "time", "records/s", "x baseline", "x list-all", "peak RSS"]),
  ];
  for (const m of measurements) {
    const local = m.latencyMs === 0;
    const name =
      m.operation === "list-all"
        ? `list-all (${LARGEST_PAGE_SIZE}/page, tools' client)`
        : m.operation === "baseline"
          ? "baseline (spec script)"
          : m.operation;
    lines.push(
      row([
        String(m.size),
        local ? name : `${name}, +${m.latencyMs} ms/request`,
        `${(m.ms / 1000).toFixed(2)} s`,
        Math.round(rate(m)).toString(),
        ratio(rate(m) / rate(find(m.size, "baseline", m.latencyMs))),
        local ? ratio(rate(m) / rate(find(m.size, "list-all")), 2) : "",
        `${(m.maxRssKb / 1024).toFixed(0)} MB`,
      ]),
    );
  }
  const target = (label: string, shown: string, pass: boolean) =>
    `  ${pass ? "PASS" : "FAIL"}  ${label.padEnd(66)} ${shown.padStart(7)}`;
  const speedup = (size: number, latencyMs: number) =>
    rate(find(size, "clean", latencyMs)) / rate(find(size, "baseline", latencyMs));
  lines.push("", "Targets");
  for (const size of SIZES) {
    const value = speedup(size, SIMULATED_LATENCY_MS);
    lines.push(
      target(
        `clean >= 10x the baseline, ${size} records, +${SIMULATED_LATENCY_MS} ms/request`,
        ratio(value, 2),
        value >= 10,
      ),
    );
  }
  for (const size of SIZES) {
    const slowdown = find(size, "clean --dry-run").ms / find(size, "list-all").ms;
    lines.push(
      target(
        `dry run within 1.5x of the list-all pass, ${size} records`,
        ratio(slowdown, 2),
        slowdown <= 1.5,
      ),
    );
  }
  const [small, large] = SIZES;
  for (const tool of TOOLS) {
    const growth = find(large, tool).maxRssKb / find(small, tool).maxRssKb;
    lines.push(
      target(
        `${tool}: peak RSS at ${large} within 1.2x of ${small}`,
        ratio(growth, 2),
        growth <= 1.2,
      ),
    );
  }
  lines.push(
    "",
    "Diagnostics (loopback, no added latency; see the comment at the top of bench/mastery.ts)",
  );
  const cold = (operation: Operation) => find(SIZES[0], operation).coldMs;
  lines.push(
    `  cold (a fresh process's first run, ${WARMUP_SIZE} records): dry run ` +
      `${(cold("clean --dry-run") / 1000).toFixed(2)} s, list-all ${(cold("list-all") / 1000).toFixed(2)} s ` +
      `(${ratio(cold("clean --dry-run") / cold("list-all"), 2)}: JIT warm-up of the code a dry run has and a list-all has not)`,
  );
  for (const size of SIZES) {
    const ceiling = rate(find(size, "list-all")) / rate(find(size, "baseline"));
    lines.push(
      `  ${size} records: clean ${ratio(speedup(size, 0), 2)} the baseline; ` +
        `a bare list-all pass ${ratio(ceiling, 2)} (the ceiling for a tool that reads every record)`,
    );
  }
  return `${lines.join("\n")}\n`;
}

if (process.argv[1] === THIS_FILE && process.argv[2] === CHILD_FLAG) {
  await runInChild(
    z.enum(OPERATIONS).parse(process.argv[3]),
    z.string().min(1).parse(process.argv[4]),
  );
}
