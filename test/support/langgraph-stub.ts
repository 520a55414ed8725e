/**
 * A stub LangGraph API server for tests that exercise the real
 * `@langchain/langgraph-sdk` client: it records every request and answers the
 * thread and run endpoints the way `langgraphjs dev` does (JSON bodies typed
 * with the SDK's own `Thread` / `Run`, `Content-Location` on run creation, SSE
 * streams opening with a `metadata` event). Listens on 127.0.0.1, free port.
 */
import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import type { Run, Thread } from "@langchain/langgraph-sdk";

export interface RecordedRequest {
  method: string;
  path: string;
  /** As Node received them: names lower-cased. */
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A fault answered instead of the route's normal response while it is armed. */
export interface StubFault {
  method: string;
  /** Matched against the request path, e.g. /\/runs$/. */
  path: RegExp;
  status: number;
  /** Answer only this many matching requests (default: every one). */
  times?: number;
}

export interface LangGraphStub {
  url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Threads that exist (created and not deleted). */
  readonly threads: ReadonlyMap<string, Thread>;
  /** Runs created, by run id. */
  readonly runs: ReadonlyMap<string, Run & { input: unknown }>;
  /** Omit `Content-Location` on run responses, as some proxies strip it. */
  omitContentLocation: boolean;
  fail(fault: StubFault): void;
  /** Forgets requests, threads, runs and faults. */
  reset(): void;
  close(): Promise<void>;
}

const THREAD_PATH = /^\/threads\/([^/]+)$/;
const RUNS_PATH = /^\/threads\/([^/]+)\/runs(\/stream)?$/;

export async function startLangGraphStub(): Promise<LangGraphStub> {
  const requests: RecordedRequest[] = [];
  const threads = new Map<string, Thread>();
  const runs = new Map<string, Run & { input: unknown }>();
  let faults: StubFault[] = [];

  const stub = {
    url: "",
    requests,
    threads,
    runs,
    omitContentLocation: false,
    fail(fault: StubFault) {
      faults.push({ ...fault });
    },
    reset() {
      requests.length = 0;
      threads.clear();
      runs.clear();
      faults = [];
      stub.omitContentLocation = false;
    },
    close: async () => {},
  };

  function takeFault(method: string, path: string): StubFault | undefined {
    const fault = faults.find((f) => f.method === method && f.path.test(path));
    if (fault?.times !== undefined && --fault.times <= 0)
      faults = faults.filter((f) => f !== fault);
    return fault;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://stub").pathname;
    const body = await readJson(req);
    requests.push({ method, path, headers: req.headers, body });

    const fault = takeFault(method, path);
    if (fault !== undefined)
      return sendJson(res, fault.status, { detail: `injected fault ${fault.status}` });

    if (method === "POST" && path === "/threads") return sendJson(res, 200, createThread(body));

    const threadMatch = THREAD_PATH.exec(path);
    if (threadMatch !== null && method === "DELETE") {
      if (!threads.delete(threadMatch[1]!))
        return sendJson(res, 404, { detail: "Thread not found" });
      res.writeHead(204).end();
      return;
    }

    const runsMatch = RUNS_PATH.exec(path);
    if (runsMatch !== null && method === "POST") {
      const threadId = runsMatch[1]!;
      if (!threads.has(threadId)) return sendJson(res, 404, { detail: "Thread not found" });
      const run = createRun(threadId, body);
      if (!stub.omitContentLocation)
        res.setHeader("Content-Location", `/threads/${threadId}/runs/${run.run_id}`);
      if (runsMatch[2] === undefined) return sendJson(res, 200, run);
      return streamRun(res, run);
    }
    sendJson(res, 404, { detail: `No stub route for ${method} ${path}` });
  }

  function createThread(body: unknown): Thread {
    const now = new Date().toISOString();
    const metadata = isRecord(body) && isRecord(body.metadata) ? body.metadata : {};
    const thread: Thread = {
      thread_id: randomUUID(),
      created_at: now,
      updated_at: now,
      state_updated_at: now,
      metadata,
      status: "idle",
      values: {},
      interrupts: {},
    };
    threads.set(thread.thread_id, thread);
    return thread;
  }

  function createRun(threadId: string, body: unknown): Run & { input: unknown } {
    const now = new Date().toISOString();
    const request = isRecord(body) ? body : {};
    const run = {
      run_id: randomUUID(),
      thread_id: threadId,
      assistant_id: typeof request.assistant_id === "string" ? request.assistant_id : "",
      created_at: now,
      updated_at: now,
      status: "pending",
      metadata: {},
      multitask_strategy: null,
      input: request.input,
    } satisfies Run & { input: unknown };
    runs.set(run.run_id, run);
    return run;
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => sendJson(res, 500, { detail: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  stub.url = `http://127.0.0.1:${port}`;
  stub.close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
  return stub;
}

function streamRun(res: ServerResponse, run: Run): void {
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
  const events: [string, unknown][] = [
    ["metadata", { run_id: run.run_id, attempt: 1 }],
    ["updates", { prepare_session: { stage: "design" } }],
    ["end", null],
  ];
  for (const [event, data] of events)
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  res.end();
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? undefined : (JSON.parse(text) as unknown);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
