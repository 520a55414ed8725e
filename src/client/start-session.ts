/**
 * Starting a lesson for the chat frontend: a thread, then a run that names
 * only the session. The server authenticates the caller (the student's
 * Appwrite JWT), loads the session from its own store, checks that it is the
 * caller's, enriches its outcomes and refuses incomplete lessons (spec Phase
 * 2) before the first card; nothing else a caller sends is trusted.
 */
import { Client, type Run, type StreamMode } from "@langchain/langgraph-sdk";
import { z } from "zod";
import { ConfigurationError, readEnv } from "../config/env.js";
import type { SessionRequest } from "../session/request.js";
import { RunNotReportedError } from "./errors.js";

/** The graph id in `langgraph.json`. */
export const DEFAULT_ASSISTANT_ID = "teaching";

/** What the platform's chat UI streams (platform facts: frontend protocol). */
export const DEFAULT_STREAM_MODE: StreamMode[] = ["messages", "updates"];

/** Where the run goes: a ready SDK client (with its own auth header), or a URL (default: `LANGGRAPH_API_URL`) and the student's JWT. */
export type LangGraphTarget =
  | { client: Client; apiUrl?: never; jwt?: never }
  | {
      client?: never;
      apiUrl?: string;
      /** The student's Appwrite account JWT (`account.createJWT()`), sent as `Authorization: Bearer`. */
      jwt?: string;
    };

export interface LessonStreamOptions {
  /** Default {@link DEFAULT_STREAM_MODE}. */
  streamMode?: StreamMode[];
  /** Default true, as the platform's chat UI streams (events of any subgraph included). */
  streamSubgraphs?: boolean;
}

export type StartLessonSessionOptions = LangGraphTarget & {
  /** The platform's `sessions` row ID. */
  sessionId: string;
  /** Show `explainer_plain` instead of `explainer`. */
  usePlainText?: boolean;
  /**
   * The thread to start on; default a new one. After a failed start, the
   * thread it created is found with `threads.search({ metadata: { session_id } })`
   * (a refused run never binds the session, so any thread of the caller's may retry).
   */
  threadId?: string;
  /** Default {@link DEFAULT_ASSISTANT_ID}. */
  assistantId?: string;
  /** Stream the run instead of starting it in the background. */
  stream?: LessonStreamOptions;
  signal?: AbortSignal;
};

export interface StartedLessonRun {
  threadId: string;
  runId: string;
}

export interface BackgroundLessonRun extends StartedLessonRun {
  run: Run;
}

/** A streamed run; `stream` yields the server's events, the first one included. */
export interface StreamingLessonRun extends StartedLessonRun {
  stream: LessonStream;
}

/**
 * Creates the lesson's thread (unless one is given) and starts the run with
 * `{ messages: [], session_context: { session_id } }`. Resolves once the
 * server has accepted the run. The server binds the session to the first
 * thread that starts it; another thread is refused (`SESSION_THREAD_MISMATCH`).
 */
export function startLessonSession(
  options: StartLessonSessionOptions & { stream: LessonStreamOptions },
): Promise<StreamingLessonRun>;
export function startLessonSession(
  options: StartLessonSessionOptions & { stream?: undefined },
): Promise<BackgroundLessonRun>;
export async function startLessonSession(
  options: StartLessonSessionOptions,
): Promise<BackgroundLessonRun | StreamingLessonRun> {
  const client = resolveClient(options);
  const threadId =
    options.threadId ??
    (
      await client.threads.create({
        metadata: { session_id: options.sessionId },
        signal: options.signal,
      })
    ).thread_id;
  const assistantId = options.assistantId ?? DEFAULT_ASSISTANT_ID;
  const sessionContext: SessionRequest = {
    session_id: options.sessionId,
    ...(options.usePlainText === undefined ? {} : { use_plain_text: options.usePlainText }),
  };
  const input = { messages: [], session_context: sessionContext };

  if (options.stream === undefined) {
    const run = await client.runs.create(threadId, assistantId, { input, signal: options.signal });
    return { threadId, runId: run.run_id, run };
  }
  const { runId, stream } = await startStream(client, {
    sessionId: options.sessionId,
    threadId,
    assistantId,
    input,
    stream: options.stream,
    signal: options.signal,
  });
  return { threadId, runId, stream };
}

function resolveClient(target: LangGraphTarget): Client {
  if (target.client !== undefined) return target.client;
  const apiUrl = target.apiUrl ?? readEnv().LANGGRAPH_API_URL;
  if (apiUrl === undefined) {
    throw new ConfigurationError(
      "No LangGraph server: pass client or apiUrl, or set LANGGRAPH_API_URL",
      {
        missing: ["LANGGRAPH_API_URL"],
      },
    );
  }
  return new Client({
    apiUrl,
    ...(target.jwt === undefined
      ? {}
      : { defaultHeaders: { Authorization: `Bearer ${target.jwt}` } }),
  });
}

interface StreamRequest {
  sessionId: string;
  threadId: string;
  assistantId: string;
  input: { messages: never[]; session_context: SessionRequest };
  stream: LessonStreamOptions;
  signal: AbortSignal | undefined;
}

/**
 * One server-sent event of a lesson run: `event` is the stream mode (with
 * `|namespace` for subgraph events), `metadata` or `end`, and `data` its payload.
 */
export interface LessonStreamPart {
  event: string;
  data: unknown;
}

export type LessonStream = AsyncGenerator<LessonStreamPart>;

function openRunStream(
  client: Client,
  request: StreamRequest,
  onRunCreated: (runId: string) => void,
): LessonStream {
  return client.runs.stream<StreamMode[], boolean>(request.threadId, request.assistantId, {
    input: request.input,
    streamMode: request.stream.streamMode ?? DEFAULT_STREAM_MODE,
    streamSubgraphs: request.stream.streamSubgraphs ?? true,
    signal: request.signal,
    onRunCreated: (created) => onRunCreated(created.run_id),
  });
}

/**
 * The SDK's stream sends its request on first iteration; pulling the first
 * event here means the run exists (and its id is known) when we return.
 */
async function startStream(
  client: Client,
  request: StreamRequest,
): Promise<{ runId: string; stream: LessonStream }> {
  let reportedRunId: string | undefined;
  const parts = openRunStream(client, request, (runId) => {
    reportedRunId = runId;
  });
  const first = await parts.next();
  const runId =
    reportedRunId ?? (first.done === true ? undefined : runIdFromMetadataEvent(first.value));
  if (runId === undefined) throw new RunNotReportedError(request.sessionId, request.threadId);
  return { runId, stream: replayFirst(first, parts) };
}

const RunMetadataSchema = z.looseObject({ run_id: z.string().min(1) });

/** Servers that send no `Content-Location` still open the stream with a `metadata` event naming the run. */
function runIdFromMetadataEvent(part: LessonStreamPart): string | undefined {
  if (part.event !== "metadata") return undefined;
  const metadata = RunMetadataSchema.safeParse(part.data);
  return metadata.success ? metadata.data.run_id : undefined;
}

async function* replayFirst(
  first: IteratorResult<LessonStreamPart>,
  rest: LessonStream,
): LessonStream {
  if (first.done === true) return;
  yield first.value;
  yield* rest;
}
