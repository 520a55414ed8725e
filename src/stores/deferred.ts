import { StoreUnavailableError } from "./errors.js";
import type { Stores } from "./ports.js";

/**
 * Stores whose backend is loaded on the first call. Lets `createStores` stay
 * synchronous while the Appwrite SDK (about half a second to import) is only
 * loaded by processes that use it. A failed load is not cached: the next call
 * tries again and raises the load's error again.
 */
export function deferStores(backend: string, load: () => Promise<Stores>): Stores {
  let loading: Promise<Stores> | undefined;
  let closed = false;
  const stores = (): Promise<Stores> => {
    if (closed) return Promise.reject(new StoreUnavailableError(backend, "the store was closed"));
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };

  return {
    outcomes: {
      findByOutcomeIds: async (courseId, outcomeIds) =>
        (await stores()).outcomes.findByOutcomeIds(courseId, outcomeIds),
      getByIds: async (ids) => (await stores()).outcomes.getByIds(ids),
      listByCourse: async (courseId) => (await stores()).outcomes.listByCourse(courseId),
      upsertMany: async (outcomes) => (await stores()).outcomes.upsertMany(outcomes),
    },
    lessons: {
      getSession: async (sessionId) => (await stores()).lessons.getSession(sessionId),
      putSession: async (session) => (await stores()).lessons.putSession(session),
      bindSessionThread: async (sessionId, threadId) =>
        (await stores()).lessons.bindSessionThread(sessionId, threadId),
      getLessonTemplate: async (templateId) =>
        (await stores()).lessons.getLessonTemplate(templateId),
      findLessonTemplate: async (courseId, title) =>
        (await stores()).lessons.findLessonTemplate(courseId, title),
      putLessonTemplate: async (template) => (await stores()).lessons.putLessonTemplate(template),
    },
    mastery: {
      get: async (studentId, courseId) => (await stores()).mastery.get(studentId, courseId),
      applyLessonMastery: async (input) => (await stores()).mastery.applyLessonMastery(input),
      isSessionApplied: async (sessionId) => (await stores()).mastery.isSessionApplied(sessionId),
      completeLesson: async (input) => (await stores()).mastery.completeLesson(input),
      getRoutine: async (studentId, courseId) =>
        (await stores()).mastery.getRoutine(studentId, courseId),
      listEvidence: async (sessionId) => (await stores()).mastery.listEvidence(sessionId),
      async *scan(options) {
        yield* (await stores()).mastery.scan(options);
      },
      repair: async (repairs) => (await stores()).mastery.repair(repairs),
      restore: async (records, options) => (await stores()).mastery.restore(records, options),
    },
    routines: {
      get: async (studentId, courseId) => (await stores()).routines.get(studentId, courseId),
      async *scan(options) {
        yield* (await stores()).routines.scan(options);
      },
      repair: async (repairs) => (await stores()).routines.repair(repairs),
      restore: async (records, options) => (await stores()).routines.restore(records, options),
    },
    students: {
      findByUserId: async (userId) => (await stores()).students.findByUserId(userId),
      put: async (student) => (await stores()).students.put(student),
      upsertMany: async (students) => (await stores()).students.upsertMany(students),
    },
    async close() {
      if (closed) return;
      closed = true;
      // Closing what was never opened must not open it.
      if (loading !== undefined) await (await loading).close();
    },
  };
}
