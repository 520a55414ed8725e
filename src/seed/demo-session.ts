/**
 * A lesson session of the demo, opened the way the platform opens one when a
 * student starts a lesson: a `sessions` row holding the lesson's snapshot.
 * The terminal player and `npm run dev` both open theirs here, so the two
 * agree on which cards a lesson without a teacher model teaches.
 */
import { LessonSnapshotSchema, type Card, type LessonSnapshot } from "../lessons/schema.js";
import { uniqueId } from "../mastery/ids.js";
import type { SessionListing } from "../session/listing.js";
import type { LessonTemplate, Stores } from "../stores/ports.js";
import { deterministicCards } from "../teaching/evaluation/index.js";
import { seedDemoData } from "./index.js";

export interface DemoSession {
  sessionId: string;
  /** The lesson as the session holds it (only the cards it teaches). */
  lesson: LessonSnapshot;
  /** Cards of the demo lesson left out because no teacher model can judge them. */
  leftOut: Card[];
}

export interface OpenDemoSessionOptions {
  studentId: string;
  /** Whether a teacher model is configured; without one, rubric-judged cards are left out. */
  withModel: boolean;
  /**
   * Whether the caller can continue a lesson the thread `threadId` started
   * (the terminal player: its checkpointer holds the thread). Without it, a
   * started session is never taken.
   */
  canContinue?: (threadId: string) => Promise<boolean>;
}

export interface OpenedDemoSession extends DemoSession {
  /** An open session was taken instead of a new one. */
  reused: boolean;
  /** The thread that started the session taken, to continue there; null for a session no thread began. */
  startedThread: string | null;
}

/** Seeds the demo (idempotently) and opens a new session of its lesson for `studentId`. */
export async function openDemoSession(
  stores: Stores,
  options: OpenDemoSessionOptions,
  /**
   * Sessions already open: one of this student's for the same lesson that the
   * caller can continue (`canContinue`), else one no thread has started, is
   * taken instead of a new one, so that restarting `npm start` continues the
   * lesson left unfinished and restarting `npm run dev` does not pile up
   * sessions nobody began.
   */
  openSessions: readonly SessionListing[] = [],
): Promise<OpenedDemoSession> {
  const { lessonTemplate } = await seedDemoData(stores);
  const snapshot = lessonSnapshotOf(lessonTemplate);
  const cards = options.withModel ? snapshot.cards : deterministicCards(snapshot.cards);
  const lesson = { ...snapshot, cards };
  const leftOut = snapshot.cards.filter((card) => !cards.includes(card));
  const ofThisLesson = openSessions.filter(
    (session) =>
      session.studentId === options.studentId &&
      session.courseId === lesson.courseId &&
      session.lessonTitle === lesson.title &&
      session.cardCount === lesson.cards.length,
  );
  // Newest first (the listing's order): the lesson the student left last.
  for (const session of ofThisLesson) {
    const thread = session.threadId;
    if (thread !== null && options.canContinue !== undefined && (await options.canContinue(thread)))
      return { sessionId: session.$id, lesson, leftOut, reused: true, startedThread: thread };
  }
  const unstarted = ofThisLesson.find(
    (session) => session.threadId === null && session.status === "created",
  );
  if (unstarted !== undefined)
    return { sessionId: unstarted.$id, lesson, leftOut, reused: true, startedThread: null };
  const sessionId = uniqueId();
  await stores.lessons.putSession({
    $id: sessionId,
    studentId: options.studentId,
    courseId: lesson.courseId,
    lessonTemplateId: lesson.lessonTemplateId,
    lessonSnapshot: lesson,
    status: "created",
    startedAt: new Date().toISOString(),
  });
  return { sessionId, lesson, leftOut, reused: false, startedThread: null };
}

function lessonSnapshotOf(template: LessonTemplate): LessonSnapshot {
  return LessonSnapshotSchema.parse({
    lessonTemplateId: template.$id,
    courseId: template.courseId,
    title: template.title,
    outcomeRefs: template.outcomeRefs,
    cards: template.cards,
    lesson_type: template.lesson_type,
    estMinutes: template.estMinutes,
  });
}
