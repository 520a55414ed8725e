/**
 * A small in-memory CourseOutcomeStore and LessonStore, enough for the
 * enrichment and session-start tests. Every call is recorded so tests can
 * assert what was (not) queried or written.
 */
import type { CourseOutcome } from "../../../src/outcomes/schema.js";
import { StoreNotFoundError } from "../../../src/stores/errors.js";
import type {
  CourseOutcomeStore,
  LessonSession,
  LessonStore,
  LessonTemplate,
  Stores,
} from "../../../src/stores/ports.js";

export interface FakeStores extends Pick<Stores, "outcomes" | "lessons"> {
  outcomes: FakeOutcomeStore;
  lessons: FakeLessonStore;
}

export class FakeOutcomeStore implements CourseOutcomeStore {
  readonly queries: { courseId: string; outcomeIds: readonly string[] }[] = [];
  private readonly rows = new Map<string, CourseOutcome>();

  constructor(outcomes: readonly CourseOutcome[] = []) {
    for (const outcome of outcomes) this.rows.set(outcome.$id, outcome);
  }

  async findByOutcomeIds(
    courseId: string,
    outcomeIds: readonly string[],
  ): Promise<CourseOutcome[]> {
    this.queries.push({ courseId, outcomeIds });
    return [...this.rows.values()].filter(
      (o) => o.courseId === courseId && outcomeIds.includes(o.outcomeId),
    );
  }

  async getByIds(ids: readonly string[]): Promise<CourseOutcome[]> {
    return ids.flatMap((id) => this.rows.get(id) ?? []);
  }

  async listByCourse(courseId: string): Promise<CourseOutcome[]> {
    return [...this.rows.values()].filter((o) => o.courseId === courseId);
  }

  async upsertMany(outcomes: readonly CourseOutcome[]): Promise<void> {
    for (const outcome of outcomes) this.rows.set(outcome.$id, outcome);
  }

  /** Scenario 2: an operator deleted the course's outcomes. */
  deleteCourse(courseId: string): void {
    for (const [id, outcome] of this.rows) if (outcome.courseId === courseId) this.rows.delete(id);
  }
}

export class FakeLessonStore implements LessonStore {
  readonly threadWrites: { sessionId: string; threadId: string }[] = [];
  private readonly sessions = new Map<string, LessonSession>();

  async getSession(sessionId: string): Promise<LessonSession> {
    const session = this.sessions.get(sessionId);
    if (session === undefined) throw new StoreNotFoundError("sessions", sessionId);
    return structuredClone(session);
  }

  async putSession(session: LessonSession): Promise<void> {
    this.sessions.set(session.$id, structuredClone(session));
  }

  async setSessionThread(sessionId: string, threadId: string): Promise<void> {
    const session = this.sessions.get(sessionId);
    if (session === undefined) throw new StoreNotFoundError("sessions", sessionId);
    this.threadWrites.push({ sessionId, threadId });
    session.threadId = threadId;
  }

  async getLessonTemplate(templateId: string): Promise<LessonTemplate> {
    throw new StoreNotFoundError("lesson_templates", templateId);
  }

  async findLessonTemplate(): Promise<LessonTemplate | null> {
    return null;
  }

  async putLessonTemplate(): Promise<void> {}
}

export function createFakeStores(outcomes: readonly CourseOutcome[] = []): FakeStores {
  return { outcomes: new FakeOutcomeStore(outcomes), lessons: new FakeLessonStore() };
}
