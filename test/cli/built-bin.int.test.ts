/**
 * The bin runs the CLI bundled into dist/cli/ (built by `npm ci` through
 * `prepare`, or `npm run build`); the sources stay the truth. This checks the two agree:
 * the same `--help`, and the same mastery printed for the same short lesson.
 * It uses dist/ as it is, so a build older than the sources fails here.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runChild, type ChildRun } from "../support/child-process.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSX = join(REPO_ROOT, "node_modules", ".bin", "tsx");
const BIN = join(REPO_ROOT, "bin", "teaching-graph.js");
const COMPILED_CLI = join(REPO_ROOT, "dist", "cli", "index.js");
const dir = mkdtempSync(join(tmpdir(), "teaching-graph-built-bin-"));

beforeAll(() => {
  if (!existsSync(COMPILED_CLI)) {
    throw new Error(`${COMPILED_CLI} is missing: run \`npm run build\` (npm ci does) first`);
  }
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The two ways to run the CLI: the built bin, and the sources through tsx. */
const RUNNERS = {
  bin: (args: readonly string[]) => [process.execPath, [BIN, ...args]] as const,
  sources: (args: readonly string[]) => [TSX, ["src/cli/index.ts", ...args]] as const,
};

async function run(
  runner: keyof typeof RUNNERS,
  args: readonly string[],
  sqlitePath: string,
  input = "",
): Promise<ChildRun> {
  const [file, argv] = RUNNERS[runner](args);
  return runChild(file, argv, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      SQLITE_PATH: sqlitePath,
      TEACHER_MODEL: "",
      APPWRITE_ENDPOINT: "",
      LOG_LEVEL: "error",
    },
    input,
  });
}

/**
 * The mastery lines `play` prints at the end of a lesson, one per O1 outcome,
 * without the outcome's document id (each store generates its own) and sorted
 * by the rest (the order follows those ids).
 */
function masteryLines(stdout: string): string[] {
  return [...stdout.matchAll(/^ {2}\S+ {2}(mastery \d\.\d{4} .+)$/gm)]
    .map((match) => match[1] ?? "")
    .sort();
}

describe("the built bin and the sources agree", () => {
  it("prints the same --help", async () => {
    const [bin, sources] = await Promise.all([
      run("bin", ["--help"], join(dir, "help-bin.db")),
      run("sources", ["--help"], join(dir, "help-sources.db")),
    ]);
    expect(bin.code).toBe(0);
    expect(bin.stdout).toContain("Usage: teaching-graph");
    expect(bin.stdout).toBe(sources.stdout);
    expect(bin.stderr).toBe(sources.stderr);
  });

  it("prints the same mastery for the same short lesson", async () => {
    // Card 1 (mcq): wrong, then right: 0.7. Card 2 (numeric, £4): right first time: 1.0.
    const answers = "1/2\na\n4\n";
    const [bin, sources] = await Promise.all([
      run("bin", ["play"], join(dir, "play-bin.db"), answers),
      run("sources", ["play"], join(dir, "play-sources.db"), answers),
    ]);
    expect(bin.stderr).toBe("");
    expect(bin.code).toBe(0);
    expect(sources.code).toBe(0);
    const lines = masteryLines(bin.stdout);
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toContain("mastery 0.7900");
    expect(lines).toEqual(masteryLines(sources.stdout));
  });

  it("starts without any command's code: the entry's static imports hold no seed, player or store", () => {
    const cliDir = join(REPO_ROOT, "dist", "cli");
    /** The chunks a start loads, by file name. */
    const loaded = new Map<string, string>();
    const load = (name: string): void => {
      if (loaded.has(name)) return;
      const source = readFileSync(join(cliDir, name), "utf8");
      loaded.set(name, source);
      // Static imports only: `import(...)` chunks load when their command runs.
      for (const [, chunk] of source.matchAll(/^import\b[^;]*?from\s*"\.\/([^"]+)"/gm))
        if (chunk !== undefined) load(chunk);
    };
    load("index.js");
    expect(loaded.size).toBeGreaterThan(1);
    const startup = [...loaded.values()];
    for (const code of [
      "function seedFromFiles",
      "function createTeachingGraph",
      "function getDefaultStores",
    ])
      expect(
        startup.filter((source) => source.includes(code)),
        code,
      ).toEqual([]);
  });

  it("leaves undici out: node-appwrite's import of it is the stub that fails loudly", () => {
    const chunks = readdirSync(join(REPO_ROOT, "dist", "cli")).filter((name) =>
      name.endsWith(".js"),
    );
    const sources = chunks.map((name) =>
      readFileSync(join(REPO_ROOT, "dist", "cli", name), "utf8"),
    );
    expect(sources.filter((source) => source.includes("node_modules/undici/"))).toEqual([]);
    expect(
      sources.filter((source) => source.includes("not available in the bundled CLI")),
    ).toHaveLength(1);
  });
});
