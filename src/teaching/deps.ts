/**
 * What the teaching graph needs from outside: the stores it reads lessons and
 * outcomes from and writes mastery to, which chat model judges rubric cards,
 * and who its callers are. All resolved when first needed, never at import time.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { LRUCache } from "lru-cache";
import { authSettings, type AuthSettings } from "../config/env.js";
import { loadChatModel } from "../models/loadChatModel.js";
import { loadEnrichedLesson } from "../session/load.js";
import type { Stores } from "../stores/ports.js";
import type { Configuration } from "./configuration.js";
import { sessionLesson, type SessionLesson } from "./session-lesson.js";

export type TeachingStores = Pick<Stores, "lessons" | "outcomes" | "mastery">;

export interface TeachingGraphDeps {
  /** Where sessions and outcomes are read and mastery is written. */
  getStores: () => TeachingStores | Promise<TeachingStores>;
  /**
   * The teacher model, or undefined when none is configured. Without this,
   * the model comes from the run's `teacherModel` (default: TEACHER_MODEL).
   */
  getChatModel?: () => Promise<BaseChatModel | undefined>;
  /** Who the callers are; default TEACHING_AUTH (see `authSettings`). */
  authMode?: AuthSettings["mode"];
  /** The completion time of a lesson (its review schedule depends on it); default `() => new Date()`. */
  clock?: () => Date;
}

export function resolveClock(deps: TeachingGraphDeps): () => Date {
  return deps.clock ?? (() => new Date());
}

export function resolveAuthMode(deps: TeachingGraphDeps): AuthSettings["mode"] {
  return deps.authMode ?? authSettings().mode;
}

const loadedModels = new Map<string, Promise<BaseChatModel>>();

/** The chat model for this run: the injected one, else the configured `provider:model`, loaded once per spec. */
export async function resolveChatModel(
  deps: TeachingGraphDeps,
  configuration: Configuration,
): Promise<BaseChatModel | undefined> {
  if (deps.getChatModel !== undefined) return deps.getChatModel();
  const spec = configuration.teacherModel;
  if (spec === undefined) return undefined;
  let model = loadedModels.get(spec);
  if (model === undefined) {
    model = loadChatModel(spec);
    loadedModels.set(spec, model);
    // A failed load must not be cached: the next run may have the key set.
    model.catch(() => loadedModels.delete(spec));
  }
  return model;
}

/** Stored lessons the graph is teaching, by session: a step need not re-read and re-decode its session. */
const LESSON_CACHE_SIZE = 500;
const lessonCaches = new WeakMap<TeachingGraphDeps, LRUCache<string, SessionLesson>>();

/**
 * A stored session's lesson (answer key included), as the student sees it,
 * and its enriched outcomes. None of it enters the thread's state: the
 * student can read that, and the checkpointer would copy it at every step.
 * A session's snapshot does not change once the session exists, so it is
 * cached per graph; after a restart, or on another replica, the first step
 * of the thread reads it from the store again.
 */
export async function storedSessionLesson(
  deps: TeachingGraphDeps,
  sessionId: string,
): Promise<SessionLesson> {
  const cached = lessonCache(deps).get(sessionId);
  if (cached !== undefined) return cached;
  const stores = await deps.getStores();
  const { lesson, enrichedOutcomes } = await loadEnrichedLesson(
    await stores.lessons.getSession(sessionId),
    stores,
  );
  return rememberSessionLesson(deps, sessionId, sessionLesson(lesson, enrichedOutcomes));
}

/** Caches what prepare_session loaded, so the lesson's first card does not read it again. */
export function rememberSessionLesson(
  deps: TeachingGraphDeps,
  sessionId: string,
  lesson: SessionLesson,
): SessionLesson {
  lessonCache(deps).set(sessionId, lesson);
  return lesson;
}

function lessonCache(deps: TeachingGraphDeps): LRUCache<string, SessionLesson> {
  let cache = lessonCaches.get(deps);
  if (cache === undefined) {
    cache = new LRUCache({ max: LESSON_CACHE_SIZE });
    lessonCaches.set(deps, cache);
  }
  return cache;
}
