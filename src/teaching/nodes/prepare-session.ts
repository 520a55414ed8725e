import { Overwrite, type LangGraphRunnableConfig } from "@langchain/langgraph";
import type { AuthSettings } from "../../config/env.js";
import { needsModel, type LessonSnapshot } from "../../lessons/schema.js";
import { getLogger } from "../../logger.js";
import { assertMasteryOutcomes } from "../../mastery/outcomes.js";
import type { CourseOutcome } from "../../outcomes/schema.js";
import { SessionAccessError } from "../../session/errors.js";
import { loadEnrichedLesson } from "../../session/load.js";
import { parseSessionRequest, type SessionRequest } from "../../session/request.js";
import { StoreNotFoundError } from "../../stores/errors.js";
import type { LessonSession } from "../../stores/ports.js";
import { authenticatedStudent } from "../caller.js";
import { ensureConfiguration, type Configuration } from "../configuration.js";
import {
  rememberSessionLesson,
  resolveAuthMode,
  resolveChatModel,
  type TeachingGraphDeps,
  type TeachingStores,
} from "../deps.js";
import { TeachingStateError } from "../errors.js";
import { assertCardsEvaluable } from "../evaluation/index.js";
import { lessonContext } from "../selectors.js";
import { sessionLesson } from "../session-lesson.js";
import type { State, Update } from "../state.js";

/** A lesson ready to start, whichever way it came in. */
interface StartedLesson {
  sessionId: string;
  studentId: string;
  lesson: LessonSnapshot;
  enrichedOutcomes: CourseOutcome[];
  usePlainText: boolean;
  /** The lesson, when the caller sent it (it is then theirs to read back). */
  inline: boolean;
}

/**
 * Node 1. Starts a lesson from `{ session_id }`: the session is loaded from
 * the store and must be the caller's, not completed, and not taught on
 * another thread; its snapshot is decoded and its outcome refs enriched from
 * `course_outcomes` (the spec's Phase 2), the outcomes checked for mastery
 * (Phase 1) and every card checked judgeable. Only then is the session bound
 * to this thread: a refused start writes nothing, and the thread can be fixed
 * and resumed. Without authentication the caller's full `session_context` is
 * accepted too (Studio, tests).
 */
export function createPrepareSession(deps: TeachingGraphDeps) {
  return async function prepareSession(
    state: State,
    config: LangGraphRunnableConfig,
  ): Promise<Update> {
    const auth = resolveAuthMode(deps);
    const configuration = ensureConfiguration(config, auth);
    const parsed = parseSessionRequest(state.session_context, auth);
    const started =
      parsed.kind === "inline"
        ? {
            sessionId: parsed.context.session_id,
            studentId: parsed.context.student_id,
            lesson: parsed.context.lesson_snapshot,
            enrichedOutcomes: parsed.context.enriched_outcomes,
            usePlainText: parsed.context.use_plain_text ?? false,
            inline: true,
          }
        : await startStoredSession(parsed.request, { state, config, deps, auth, configuration });
    if (started.inline) await assertJudgeable(started.lesson, deps, configuration);
    else
      rememberSessionLesson(
        deps,
        started.sessionId,
        sessionLesson(started.lesson, started.enrichedOutcomes),
      );
    return {
      session_context: null,
      session_id: started.sessionId,
      student_id: started.studentId,
      inline_lesson: started.inline
        ? { lesson_snapshot: started.lesson, enriched_outcomes: started.enrichedOutcomes }
        : null,
      outcome_ids: started.enrichedOutcomes.map((outcome) => outcome.$id),
      use_plain_text: started.usePlainText,
      max_attempts: configuration.maxAttempts,
      total_cards: started.lesson.cards.length,
      current_card_index: 0,
      card: null,
      // A thread teaches one lesson: a new start must not carry a previous run's results.
      evidence: new Overwrite([]),
      card_scores: new Overwrite([]),
      mastery_updates: [],
      mastery_record: null,
      persisted: null,
    };
  };
}

interface StartContext {
  state: State;
  config: LangGraphRunnableConfig;
  deps: TeachingGraphDeps;
  auth: AuthSettings["mode"];
  configuration: Configuration;
}

async function startStoredSession(
  request: SessionRequest,
  { state, config, deps, auth, configuration }: StartContext,
): Promise<StartedLesson> {
  const threadId = threadIdOf(config);
  const caller = auth === "appwrite" ? authenticatedStudent(config).studentId : undefined;
  const stores = await deps.getStores();
  const session = await ownedSession(stores, request.session_id, caller);
  const refusal = { sessionId: session.$id, threadId };
  if (session.status === "completed" || (await stores.mastery.isSessionApplied(session.$id))) {
    throw new SessionAccessError("SESSION_ALREADY_COMPLETED", refusal);
  }
  // Checked again, atomically, when binding; refusing here spares the lesson's loading.
  if (session.threadId !== undefined && session.threadId !== threadId) {
    throw new SessionAccessError("SESSION_THREAD_MISMATCH", refusal);
  }
  const startedHere = startedSessionOf(state);
  if (startedHere !== undefined) {
    throw new SessionAccessError(
      startedHere === session.$id ? "SESSION_ALREADY_STARTED" : "SESSION_THREAD_MISMATCH",
      { ...refusal, threadSessionId: startedHere },
    );
  }
  const { lesson, enrichedOutcomes } = await loadEnrichedLesson(session, stores);
  assertMasteryOutcomes(enrichedOutcomes, lessonContext(lesson));
  await assertJudgeable(lesson, deps, configuration);
  const boundThread = await stores.lessons.bindSessionThread(session.$id, threadId);
  if (boundThread !== threadId) {
    getLogger().warn({ ...refusal, boundThread }, "session refused: taught on another thread");
    throw new SessionAccessError("SESSION_THREAD_MISMATCH", refusal);
  }
  return {
    sessionId: session.$id,
    studentId: session.studentId,
    lesson,
    enrichedOutcomes,
    usePlainText: request.use_plain_text ?? false,
    inline: false,
  };
}

/**
 * The session, if the caller may teach it. For an authenticated caller a
 * missing session and another student's look the same, so the answer reveals
 * nothing about sessions that are not theirs.
 */
async function ownedSession(
  stores: TeachingStores,
  sessionId: string,
  caller: string | undefined,
): Promise<LessonSession> {
  let session: LessonSession;
  try {
    session = await stores.lessons.getSession(sessionId);
  } catch (error) {
    if (caller === undefined || !(error instanceof StoreNotFoundError)) throw error;
    getLogger().warn({ sessionId, caller }, "session refused: no such session");
    throw new SessionAccessError("SESSION_NOT_OWNED", { sessionId });
  }
  if (caller !== undefined && session.studentId !== caller) {
    getLogger().warn(
      { sessionId, caller, owner: session.studentId },
      "session refused: another student's",
    );
    throw new SessionAccessError("SESSION_NOT_OWNED", { sessionId });
  }
  return session;
}

/** Every card must be judgeable before the first is shown (rubric cards need the teacher model). */
async function assertJudgeable(
  lesson: LessonSnapshot,
  deps: TeachingGraphDeps,
  configuration: Configuration,
): Promise<void> {
  const model = lesson.cards.some((card) => needsModel(card.cfu))
    ? await resolveChatModel(deps, configuration)
    : undefined;
  assertCardsEvaluable(
    lesson.cards,
    { model },
    { lessonTitle: lesson.title, courseId: lesson.courseId },
  );
}

/** The session this thread already started, if any: a thread teaches one lesson. */
function startedSessionOf(state: State): string | undefined {
  // Only prepare_session writes `session_id`, and only once the lesson starts.
  return (state as Partial<State>).session_id;
}

function threadIdOf(config: LangGraphRunnableConfig): string {
  const threadId: unknown = config.configurable?.thread_id;
  if (typeof threadId !== "string" || threadId === "") {
    throw new TeachingStateError(
      "A stored session is taught on a thread: no thread_id in the run",
      {
        threadId,
      },
    );
  }
  return threadId;
}
