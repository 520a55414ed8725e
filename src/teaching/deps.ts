/**
 * What the teaching graph needs from outside: where mastery is stored and
 * which chat model judges rubric cards. Both are resolved when first needed,
 * never at import time.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { loadChatModel } from "../models/loadChatModel.js";
import type { MasteryStore } from "../stores/ports.js";
import type { Configuration } from "./configuration.js";

export interface TeachingGraphDeps {
  /** The store `complete` persists the lesson's mastery to. */
  getMasteryStore: () => MasteryStore | Promise<MasteryStore>;
  /**
   * The teacher model, or undefined when none is configured. Without this,
   * the model comes from the run's `teacherModel` (default: TEACHER_MODEL).
   */
  getChatModel?: () => Promise<BaseChatModel | undefined>;
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
