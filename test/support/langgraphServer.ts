/**
 * Starts the real LangGraph dev server (`langgraphjs dev`) for integration
 * tests: on 127.0.0.1 at a free port, no browser, no reload, CLI analytics off,
 * in its own process group so that `stop()` ends the CLI and the server it
 * spawns together. The server reads the project's `langgraph.json` through a
 * copy in a temporary directory (graph paths rewritten relative to it: the
 * server joins them to the config directory, so absolute paths do not work;
 * the auth module's path likewise),
 * so its `.langgraph_api` state lives there and never mixes with `npm run
 * dev`'s or another test's.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { stopProcessGroup } from "../../scripts/process-group.js";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = join(
  REPO_ROOT,
  "node_modules",
  "@langchain",
  "langgraph-cli",
  "dist",
  "cli",
  "cli.mjs",
);

export interface LangGraphServer {
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  /** Everything the CLI and server printed so far (for failure messages). */
  output(): string;
  /** Ends the whole process group and removes the temporary config directory. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra environment for the server, e.g. `SQLITE_PATH`. */
  env?: Record<string, string>;
  /** How long graph registration may take (schema extraction compiles TypeScript). */
  readyTimeoutMs?: number;
  /**
   * Graphs served beside the project's, by graph ID: `path/from/repo/root.ts:export`
   * (e.g. the benchmark's do-nothing baseline). An ID the project already uses is refused.
   */
  extraGraphs?: Record<string, string>;
  /** The server's run workers (`--n-jobs-per-worker`); the CLI's default is 10. */
  workers?: number;
}

const LangGraphConfigSchema = z.looseObject({
  graphs: z.record(z.string(), z.union([z.string(), z.looseObject({ path: z.string() })])),
  auth: z.looseObject({ path: z.string() }).optional(),
});

/** A port nobody listens on right now (the OS picks it; listening on 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error(`unexpected server address ${String(address)}`));
        return;
      }
      server.close(() => resolvePort(address.port));
    });
  });
}

/**
 * The project's langgraph.json plus `extraGraphs`, with graph and auth paths
 * pointing from `dir` back into the project.
 */
export async function writeIsolatedConfig(
  dir: string,
  extraGraphs: Record<string, string> = {},
): Promise<string> {
  const config = LangGraphConfigSchema.parse(
    JSON.parse(await readFile(join(REPO_ROOT, "langgraph.json"), "utf8")),
  );
  const clashing = Object.keys(extraGraphs).filter((id) => Object.hasOwn(config.graphs, id));
  if (clashing.length > 0) {
    throw new Error(`extra graph IDs already in langgraph.json: ${clashing.join(", ")}`);
  }
  const fromDir = (spec: string): string => relative(dir, resolve(REPO_ROOT, spec));
  const graphs = Object.fromEntries(
    Object.entries({ ...config.graphs, ...extraGraphs }).map(([id, spec]) => [
      id,
      typeof spec === "string" ? fromDir(spec) : { ...spec, path: fromDir(spec.path) },
    ]),
  );
  // A `file.ts:export` spec rewrites as a whole: the `:export` part survives `relative`.
  const auth =
    config.auth === undefined ? undefined : { ...config.auth, path: fromDir(config.auth.path) };
  const path = join(dir, "langgraph.json");
  await writeFile(path, JSON.stringify({ ...config, graphs, auth }, null, 2));
  return path;
}

export async function startLangGraphServer(options: StartOptions = {}): Promise<LangGraphServer> {
  const dir = await mkdtemp(join(tmpdir(), "teaching-graph-server-"));
  const configPath = await writeIsolatedConfig(dir, options.extraGraphs);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [
      CLI,
      "dev",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--no-browser",
      "--no-reload",
      "--config",
      configPath,
      ...(options.workers === undefined ? [] : ["--n-jobs-per-worker", String(options.workers)]),
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, LANGGRAPH_CLI_NO_ANALYTICS: "1", BROWSER: "none", ...options.env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));

  const server: LangGraphServer = {
    url,
    output: () => output,
    stop: async () => {
      await stopProcessGroup(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitUntilReady(url, child, options.readyTimeoutMs ?? 90_000, () => output);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

const SERVER_CRASHED = /triggerUncaughtException|Failed to launch server|^Node\.js v\d+/m;

async function waitUntilReady(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `langgraphjs dev exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`,
      );
    }
    // The CLI outlives a server that crashed while loading the graph; its output says so.
    if (SERVER_CRASHED.test(output())) {
      throw new Error(`the LangGraph server crashed while starting:\n${output()}`);
    }
    try {
      const response = await fetch(`${url}/ok`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
  throw new Error(`langgraphjs dev was not ready at ${url} after ${timeoutMs} ms:\n${output()}`);
}
