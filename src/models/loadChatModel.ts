/**
 * The one seam that turns a `provider:model` string into a chat model. Provider
 * packages are imported on demand, so nothing is loaded (or needs an API key)
 * until a model is asked for. Each provider reads its own API key variable
 * (OPENAI_API_KEY, ANTHROPIC_API_KEY) when the model is first called.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { readEnv } from "../config/env.js";
import { TeachingGraphError } from "../errors.js";

export const SUPPORTED_PROVIDERS = ["openai", "anthropic"] as const;
export type ModelProvider = (typeof SUPPORTED_PROVIDERS)[number];

/** A model spec that is not `provider:model`, or names a provider this project does not support. */
export class ModelSpecError extends TeachingGraphError {
  constructor(spec: string, reason: string) {
    super("INVALID_MODEL_SPEC", `Invalid chat model "${spec}": ${reason}`, {
      spec,
      reason,
      supportedProviders: SUPPORTED_PROVIDERS,
    });
  }
}

function isSupportedProvider(provider: string): provider is ModelProvider {
  return (SUPPORTED_PROVIDERS as readonly string[]).includes(provider);
}

/** Splits at the first `:` (model names may contain more, e.g. fine-tune IDs). */
export function parseModelSpec(spec: string): { provider: ModelProvider; model: string } {
  const separator = spec.indexOf(":");
  const provider = separator === -1 ? "" : spec.slice(0, separator).trim();
  const model = separator === -1 ? "" : spec.slice(separator + 1).trim();
  if (provider === "" || model === "")
    throw new ModelSpecError(spec, 'expected "provider:model", e.g. openai:gpt-4o-mini');
  if (!isSupportedProvider(provider)) {
    throw new ModelSpecError(
      spec,
      `unknown provider "${provider}" (supported: ${SUPPORTED_PROVIDERS.join(", ")})`,
    );
  }
  return { provider, model };
}

/** A chat model for `provider:model` at temperature 0 (marking must be repeatable). */
export async function loadChatModel(spec: string): Promise<BaseChatModel> {
  const { provider, model } = parseModelSpec(spec);
  switch (provider) {
    case "openai": {
      const { ChatOpenAI } = await import("@langchain/openai");
      return new ChatOpenAI({ model, temperature: 0 });
    }
    case "anthropic": {
      const { ChatAnthropic } = await import("@langchain/anthropic");
      return new ChatAnthropic({ model, temperature: 0 });
    }
  }
}

/**
 * The teacher model from TEACHER_MODEL. Returns undefined only when the
 * variable is unset (or empty): then only deterministically judged cards can
 * be taught. A set but malformed value is an error, never ignored.
 */
export async function loadTeacherModel(): Promise<BaseChatModel | undefined> {
  const spec = readEnv().TEACHER_MODEL;
  return spec === undefined ? undefined : loadChatModel(spec);
}
