/**
 * Starting a lesson for the chat frontend: load the session, enrich its
 * outcome refs, refuse incomplete enrichment (spec Phase 2), then start the
 * teaching graph on a LangGraph server. Every check runs before the first
 * request to the server, so a refused lesson leaves no thread and no run.
 */
import { Client, type Run, type StreamMode } from "@langchain/langgraph-sdk";
import { z } from "zod";
import { ConfigurationError, readEnv } from "../config/env.js";
import { LessonSnapshotSchema, type LessonSnapshot } from "../lessons/schema.js";
import { getLogger } from "../logger.js";
import { assertEnrichmentComplete, enrichOutcomeRefs } from "../outcomes/enrich.js";
import {
  parseSessionContext,
  type SessionContext,
  type SessionContextInput,
} from "../session/context.js";
import type { LessonSession, Stores } from "../stores/ports.js";
import {
  InvalidLessonSnapshotError,
  RunNotReportedError,
  SessionCourseMismatchError,
} from "./errors.js";

/** The graph id in `langgraph.json`. */
export const DEFAULT_ASSISTANT_ID = "teaching";

/** What the platform's chat UI streams (platform facts: frontend protocol). */
export const DEFAULT_STREAM_MODE: StreamMode[] = ["messages", "updates"];

export interface PrepareLessonSessionOptions {
  sessionId: string;
  stores: Pick<Stores, "lessons" | "outcomes">;
  /** Shown by the graph; the frontend has them from its `courses` row. */
  course?: { subject?: string; level?: string; title?: string };
  /** Show `explainer_plain` instead of `explainer`. */
  usePlainText?: boolean;
}

export interface PreparedLessonSession {
  session: LessonSession;
  /** Validated by `parseSessionContext`: exactly what the graph will accept. */
  sessionContext: SessionContext;
}

/** Where the run goes: a ready SDK client, or a URL (default: `LANGGRAPH_API_URL`). */
export type LangGraphTarget =
  { client: Client; apiUrl?: never } | { client?: never; apiUrl?: string };

export interface LessonStreamOptions {
  /** Default {@link DEFAULT_STREAM_MODE}. */
  streamMode?: StreamMode[];
  /** Default true: the graph's cards come from a subgraph. */
  streamSubgraphs?: boolean;
}

export type StartLessonSessionOptions = PrepareLessonSessionOptions &
  LangGraphTarget & {
    /** Default {@link DEFAULT_ASSISTANT_ID}. */
    assistantId?: string;
    /** Stream the run instead of starting it in the background. */
    stream?: LessonStreamOptions;
    signal?: AbortSignal;
  };

export interface StartedLessonRun {
  threadId: string;
  runId: string;
  sessionContext: SessionContext;
}

export interface BackgroundLessonRun extends StartedLessonRun {
  run: Run;
}

/** A streamed run; `stream` yields the server's events, the first one included. */
export interface StreamingLessonRun extends StartedLessonRun {
  stream: LessonStream;
}

/**
 * Loads the session and builds its validated `session_context`: the snapshot
 * parsed with the lesson schema, the outcomes enriched from the store and
 * checked complete. Makes no request to the LangGraph server.
 */
export async function prepareLessonSession(
  options: PrepareLessonSessionOptions,
): Promise<PreparedLessonSession> {
  const { sessionId, stores } = options;
  const session = await stores.lessons.getSession(sessionId);
  const snapshot = parseSnapshot(session);
  if (snapshot.courseId !== session.courseId) {
    throw new SessionCourseMismatchError(sessionId, session.courseId, snapshot.courseId);
  }

  const found = await enrichOutcomeRefs(snapshot.outcomeRefs, snapshot.courseId, stores.outcomes);
  const enrichedOutcomes = assertEnrichmentComplete({
    courseId: snapshot.courseId,
    outcomeRefs: snapshot.outcomeRefs,
    enrichedOutcomes: found,
    sessionId,
  });

  const raw: SessionContextInput = {
    session_id: session.$id,
    student_id: session.studentId,
    lesson_snapshot: snapshot,
    enriched_outcomes: [...enrichedOutcomes],
    course_subject: options.course?.subject,
    course_level: options.course?.level,
    course_title: options.course?.title,
    use_plain_text: options.usePlainText,
  };
  return { session, sessionContext: parseSessionContext(raw) };
}

/**
 * Prepares the session (see {@link prepareLessonSession}), then creates its
 * thread if it has none (recorded with `setSessionThread`) and starts the run
 * with `{ messages: [], session_context }`. Resolves once the server has
 * accepted the run.
 *
 * If recording a new thread fails, the thread is deleted again. If the run
 * cannot start, the recorded (empty) thread stays and is reused on retry.
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
  const { session, sessionContext } = await prepareLessonSession(options);
  const threadId = await ensureThread(client, session, options.stores, options.signal);
  const assistantId = options.assistantId ?? DEFAULT_ASSISTANT_ID;
  const input = { messages: [], session_context: sessionContext };

  if (options.stream === undefined) {
    const run = await client.runs.create(threadId, assistantId, { input, signal: options.signal });
    return { threadId, runId: run.run_id, sessionContext, run };
  }
  const { runId, stream } = await startStream(client, {
    sessionId: session.$id,
    threadId,
    assistantId,
    input,
    stream: options.stream,
    signal: options.signal,
  });
  return { threadId, runId, sessionContext, stream };
}

/** The store has decoded the column (JSON or `gzip:`+base64); what is left must be a lesson. */
function parseSnapshot(session: LessonSession): LessonSnapshot {
  const parsed = LessonSnapshotSchema.safeParse(session.lessonSnapshot);
  if (!parsed.success) {
    throw new InvalidLessonSnapshotError(
      session.$id,
      parsed.error.issues.map(
        (issue) => `${["lessonSnapshot", ...issue.path.map(String)].join(".")}: ${issue.message}`,
      ),
    );
  }
  return parsed.data;
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
  return new Client({ apiUrl });
}

async function ensureThread(
  client: Client,
  session: LessonSession,
  stores: Pick<Stores, "lessons">,
  signal: AbortSignal | undefined,
): Promise<string> {
  if (session.threadId !== undefined) return session.threadId;
  const thread = await client.threads.create({
    metadata: {
      session_id: session.$id,
      student_id: session.studentId,
      course_id: session.courseId,
      lesson_template_id: session.lessonTemplateId,
    },
    signal,
  });
  try {
    await stores.lessons.setSessionThread(session.$id, thread.thread_id);
  } catch (error) {
    await deleteUnrecordedThread(client, session.$id, thread.thread_id);
    throw error;
  }
  return thread.thread_id;
}

/** Undoes a thread the session does not know about; the original failure is what the caller sees. */
async function deleteUnrecordedThread(
  client: Client,
  sessionId: string,
  threadId: string,
): Promise<void> {
  try {
    await client.threads.delete(threadId);
  } catch (deleteError) {
    getLogger().error(
      { code: "ORPHANED_THREAD", sessionId, threadId, err: deleteError },
      "Could not delete a thread whose session failed to record it",
    );
  }
}

interface StreamRequest {
  sessionId: string;
  threadId: string;
  assistantId: string;
  input: { messages: never[]; session_context: SessionContext };
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
