/**
 * `npm run dev`: the graph and the lesson page side by side, on the embedded
 * store. Opens a new session of the demo lesson (seeding the demo first), starts
 * the LangGraph dev server (`langgraphjs dev`, port PORT) and Vite's dev server
 * for `web/` (port WEB_PORT) with the graph's URL built in, prints both URLs,
 * and on SIGINT or SIGTERM shuts both down. On the Appwrite store it seeds and
 * serves the graph only: the page has no Appwrite sign-in to get a student's JWT.
 *
 * Options (for tests): `--config <langgraph.json>` serves another config
 * (e.g. a copy in a temporary folder, whose `.langgraph_api` state then lives
 * there), `--no-reload` turns off the graph server's reload on file changes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createServer, type ViteDevServer } from "vite";
import {
  loadDotEnvFile,
  readDevPorts,
  readEnv,
  storeSettings,
  type Env,
} from "../src/config/env.js";
import { openDemoSession } from "../src/seed/demo-session.js";
import { demoSeedFiles, seedFromFiles } from "../src/seed/index.js";
import { getDefaultStores } from "../src/stores/index.js";
import { createSqliteStores, listSqliteOpenSessions } from "../src/stores/sqlite/index.js";
import { devSessionsApi } from "./dev-sessions.js";
import { stopProcessGroup } from "./process-group.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const LANGGRAPH_CLI = join(ROOT, "node_modules/@langchain/langgraph-cli/dist/cli/cli.mjs");
/** The student of the demo sessions (the terminal player's default too). */
const DEMO_STUDENT_ID = "demo_student";
const GRAPH_READY_TIMEOUT_MS = 120_000;

interface DevOptions {
  config: string;
  reload: boolean;
}

function parseOptions(): DevOptions {
  const { values } = parseArgs({
    options: {
      config: { type: "string", default: join(ROOT, "langgraph.json") },
      "no-reload": { type: "boolean", default: false },
    },
  });
  return { config: values.config, reload: !values["no-reload"] };
}

/**
 * A demo session to teach in the embedded store: a lesson is taught once, so
 * a start opens a new one, unless one that nobody started is still open.
 */
async function openSession(env: Env, sqlitePath: string): Promise<void> {
  const stores = createSqliteStores(sqlitePath);
  try {
    const session = await openDemoSession(
      stores,
      { studentId: DEMO_STUDENT_ID, withModel: env.TEACHER_MODEL !== undefined },
      listSqliteOpenSessions(sqlitePath),
    );
    const leftOut = session.leftOut.map((card) => card.id);
    console.log(
      `${session.reused ? "Kept the unstarted session" : "Opened session"} ${session.sessionId}: "${session.lesson.title}", ${session.lesson.cards.length} cards` +
        (leftOut.length === 0
          ? ""
          : ` (without TEACHER_MODEL, ${leftOut.join(", ")} are left out: they are judged against a rubric)`),
    );
  } finally {
    await stores.close();
  }
}

async function seedOnly(): Promise<void> {
  const stores = await getDefaultStores();
  try {
    await seedFromFiles(stores, demoSeedFiles());
  } finally {
    await stores.close();
  }
}

function startGraphServer(port: number, options: DevOptions): ChildProcess {
  const args = [LANGGRAPH_CLI, "dev", "--host", "127.0.0.1", "--port", String(port)];
  args.push("--no-browser", "--config", options.config);
  if (!options.reload) args.push("--no-reload");
  return spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, LANGGRAPH_CLI_NO_ANALYTICS: "1", BROWSER: "none" },
    // Its own process group: the CLI spawns the server, and both must end together.
    detached: true,
    stdio: ["ignore", "inherit", "inherit"],
  });
}

async function waitForGraph(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + GRAPH_READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`langgraphjs dev exited (${child.exitCode ?? child.signalCode}) on start`);
    }
    try {
      if ((await fetch(`${url}/ok`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
  throw new Error(`langgraphjs dev was not ready at ${url} after ${GRAPH_READY_TIMEOUT_MS} ms`);
}

async function startPage(port: number, graphUrl: string, sqlitePath: string) {
  const page = await createServer({
    configFile: join(ROOT, "web/vite.config.ts"),
    server: { host: "127.0.0.1", port, strictPort: true },
    define: { "import.meta.env.VITE_LANGGRAPH_API_URL": JSON.stringify(graphUrl) },
    plugins: [devSessionsApi(sqlitePath)],
  });
  await page.listen();
  return page;
}

async function main(): Promise<void> {
  const options = parseOptions();
  loadDotEnvFile();
  const env = readEnv();
  const ports = readDevPorts();
  const store = storeSettings(env);
  if (store.kind === "sqlite") await openSession(env, store.path);
  else await seedOnly();

  const graphUrl = `http://127.0.0.1:${ports.PORT}`;
  const graph = startGraphServer(ports.PORT, options);
  let page: ViteDevServer | undefined;
  let stopping = false;
  const stop = async (code: number): Promise<never> => {
    stopping = true;
    await page?.close();
    await stopProcessGroup(graph);
    process.exit(code);
  };
  process.once("SIGINT", () => void stop(0));
  process.once("SIGTERM", () => void stop(0));
  graph.once("exit", (code, signal) => {
    if (stopping) return;
    console.error(`langgraphjs dev exited (${code ?? signal}); stopping the lesson page`);
    void stop(1);
  });

  try {
    await waitForGraph(graphUrl, graph);
    if (store.kind === "sqlite") page = await startPage(ports.WEB_PORT, graphUrl, store.path);
  } catch (error) {
    console.error(error);
    await stop(1);
  }
  console.log(`\nGraph:       ${graphUrl} (assistant "teaching")`);
  console.log(
    page === undefined
      ? "Lesson page: not served on the Appwrite store (it has no sign-in for a student's JWT)"
      : `Lesson page: http://127.0.0.1:${ports.WEB_PORT}/`,
  );
}

await main();
