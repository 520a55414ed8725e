/**
 * The terminal player (`npm start`): teaches the demo lesson with the teaching
 * graph in-process, on the embedded SQLite store (never Appwrite): it seeds the
 * demo course and lesson idempotently, opens a session the way the platform
 * does (or takes up the student's unfinished one, whose thread it holds),
 * starts the graph from the session's id alone (the graph loads and
 * enriches the lesson, as on the server), checkpoints the thread in SQLite
 * beside the store, and persists the lesson's mastery to the store's MasteryV2.
 */
import { join, parse } from "node:path";
import type { Readable } from "node:stream";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { IncrementalSqliteSaver } from "../checkpoint/sqlite-saver.js";
import type { Card } from "../lessons/schema.js";
import { openDemoSession } from "../seed/demo-session.js";
import { createSqliteStores, listSqliteOpenSessions } from "../stores/sqlite/index.js";
import { createTeachingGraph } from "../teaching/graph.js";
import { PlayerStateError } from "./errors.js";
import { createLineReader } from "./lines.js";
import { playLesson } from "./play-lesson.js";
import { completionReport, masteryReport, masteryRowText } from "./render.js";

export { PlayerInputEndedError, PlayerStateError } from "./errors.js";

export interface PlayDemoOptions {
  /** The embedded store's file (SQLITE_PATH); `:memory:` keeps everything in memory. */
  sqlitePath: string;
  /** The teacher model; without one only the deterministically judged cards are taught. */
  model: BaseChatModel | undefined;
  studentId: string;
  usePlainText: boolean;
  input: Readable;
  write: (text: string) => void;
  /** Print each answer read (for piped input, where nobody sees it typed). */
  echoAnswers: boolean;
}

/**
 * The checkpoint database beside the store's file: `.data/teaching.db` →
 * `.data/teaching.threads.db`. (Earlier versions kept `teaching.checkpoints.db`
 * in the plain SqliteSaver's layout, which the incremental saver refuses.)
 */
export function checkpointPath(sqlitePath: string): string {
  if (sqlitePath === ":memory:") return sqlitePath;
  const { dir, name } = parse(sqlitePath);
  return join(dir, `${name}.threads.db`);
}

export async function playDemoLesson(options: PlayDemoOptions): Promise<void> {
  const { write } = options;
  // The store creates the folder, so it opens first.
  const stores = createSqliteStores(options.sqlitePath);
  const checkpointer = IncrementalSqliteSaver.fromConnString(checkpointPath(options.sqlitePath));
  const answers = createLineReader(options.input);
  try {
    const { sessionId, lesson, leftOut, startedThread } = await openDemoSession(
      stores,
      {
        studentId: options.studentId,
        withModel: options.model !== undefined,
        // A lesson left unfinished here (its thread is in this checkpointer) is continued.
        canContinue: async (threadId) =>
          (await checkpointer.getTuple({ configurable: { thread_id: threadId } })) !== undefined,
      },
      listSqliteOpenSessions(options.sqlitePath),
    );
    if (leftOut.length > 0) write(withoutModelNotice(leftOut));

    write(
      `${startedThread === null ? "Lesson" : "Continuing the unfinished lesson"}: ${lesson.title} ` +
        `(${lesson.cards.length} cards, course ${lesson.courseId}, session ${sessionId})\n`,
    );
    const graph = createTeachingGraph({
      getStores: () => stores,
      // The terminal player is one local user on the embedded store.
      authMode: "none",
      getChatModel: async () => options.model,
    }).compile({ checkpointer });
    const result = await playLesson({
      graph,
      threadId: startedThread ?? sessionId,
      sessionContext: { session_id: sessionId, use_plain_text: options.usePlainText },
      continueThread: startedThread !== null,
      answers,
      write,
      echoAnswers: options.echoAnswers,
    });

    const course = { courseId: lesson.courseId, studentId: options.studentId };
    write(`\n${masteryReport(result, course)}`);
    write(`\n${completionReport(result)}`);
    const row = await stores.mastery.get(course.studentId, course.courseId);
    if (row === null) {
      throw new PlayerStateError("The lesson finished but no MasteryV2 row exists", {
        ...course,
        sessionId,
      });
    }
    write(`\n${masteryRowText(row, `the embedded store ${options.sqlitePath}`)}`);
  } finally {
    answers.close();
    checkpointer.db.close();
    await stores.close();
  }
}

function withoutModelNotice(leftOut: readonly Card[]): string {
  const skipped = leftOut.map((card) => card.id);
  return (
    `TEACHER_MODEL is not set, so only the cards judged without a language model are taught; ` +
    `${skipped.join(", ")} (judged against a rubric) are left out. Set TEACHER_MODEL=provider:model ` +
    `(e.g. openai:gpt-4o-mini) and the provider's API key to teach the whole lesson.\n`
  );
}
