/**
 * The one seam that turns a `provider:model` string into a chat model, through
 * LangChain's `initChatModel`: any provider it knows whose package is
 * installed works (this project installs @langchain/openai and
 * @langchain/anthropic). Provider packages are imported on demand, so nothing
 * is loaded (or needs an API key) until a model is asked for; each provider
 * reads its own API key variable (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...).
 *
 * Every model gets {@link CHAT_MODEL_SETTINGS}. Streaming needs no setting:
 * the LangGraph server streams a model's tokens whenever a client asks for
 * `streamMode: "messages"`. (`streaming: true` on ChatOpenAI would also count
 * tokens with tiktoken, whose data is downloaded on first use: a call would
 * wait on the internet.)
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { MODEL_PROVIDER_CONFIG, initChatModel } from "langchain/chat_models/universal";
import { readEnv, type Env } from "../config/env.js";
import { TeachingGraphError } from "../errors.js";

/** Providers `initChatModel` knows (each needs its package installed). */
export const SUPPORTED_PROVIDERS = Object.keys(MODEL_PROVIDER_CONFIG);

/** The test-only provider (src/models/fake.ts); see TEACHING_FAKE_MODELS. */
export const FAKE_PROVIDER = "fake";

/**
 * - temperature 0: marking must be repeatable, and the teacher's words should
 *   not drift from the card between runs;
 * - maxTokens 1024: the longest reply asked for (a rubric judgement, or 150
 *   words of teaching) fits with room to spare; more is a runaway;
 * - maxRetries 0: the provider client does not retry on its own; the graph's
 *   node retry policy does (see TEACHER_RETRY_POLICY), so retries do not multiply.
 * Each call also has a time limit (tutor/speak.ts, evaluation/model.ts).
 */
export const CHAT_MODEL_SETTINGS = { temperature: 0, maxTokens: 1024, maxRetries: 0 } as const;

/** A model spec that is not `provider:model`, or names a provider that cannot be loaded here. */
export class ModelSpecError extends TeachingGraphError {
  constructor(spec: string, reason: string, options?: ErrorOptions) {
    super(
      "INVALID_MODEL_SPEC",
      `Invalid chat model "${spec}": ${reason}`,
      { spec, reason, supportedProviders: SUPPORTED_PROVIDERS },
      options,
    );
  }
}

/** Splits at the first `:` (model names may contain more, e.g. fine-tune IDs). */
export function parseModelSpec(spec: string): { provider: string; model: string } {
  const separator = spec.indexOf(":");
  const provider = separator === -1 ? "" : spec.slice(0, separator).trim();
  const model = separator === -1 ? "" : spec.slice(separator + 1).trim();
  if (provider === "" || model === "")
    throw new ModelSpecError(spec, 'expected "provider:model", e.g. openai:gpt-4o-mini');
  if (provider !== FAKE_PROVIDER && !SUPPORTED_PROVIDERS.includes(provider)) {
    throw new ModelSpecError(
      spec,
      `unknown provider "${provider}" (supported: ${SUPPORTED_PROVIDERS.join(", ")})`,
    );
  }
  return { provider, model };
}

/** A chat model for `provider:model` with {@link CHAT_MODEL_SETTINGS}. */
export async function loadChatModel(spec: string, env: Env = readEnv()): Promise<BaseChatModel> {
  const { provider, model } = parseModelSpec(spec);
  if (provider === FAKE_PROVIDER) return loadFakeModel(spec, model, env);
  try {
    return await initChatModel(model, { modelProvider: provider, ...CHAT_MODEL_SETTINGS });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ModelSpecError(spec, reason, { cause: error });
  }
}

async function loadFakeModel(spec: string, scenario: string, env: Env): Promise<BaseChatModel> {
  if (env.TEACHING_FAKE_MODELS !== "1" || env.APPWRITE_ENDPOINT !== undefined) {
    throw new ModelSpecError(
      spec,
      "the fake provider is for tests: it needs TEACHING_FAKE_MODELS=1 and the embedded store",
    );
  }
  const { FAKE_SCENARIOS } = await import("./fake.js");
  if (!Object.hasOwn(FAKE_SCENARIOS, scenario)) {
    throw new ModelSpecError(
      spec,
      `unknown fake scenario "${scenario}" (${Object.keys(FAKE_SCENARIOS).join(", ")})`,
    );
  }
  return FAKE_SCENARIOS[scenario as keyof typeof FAKE_SCENARIOS]();
}

/**
 * The teacher model from TEACHER_MODEL. Returns undefined only when the
 * variable is unset (or empty): then only deterministically judged cards can
 * be taught. A set but malformed value is an error, never ignored.
 */
export async function loadTeacherModel(): Promise<BaseChatModel | undefined> {
  const env = readEnv();
  return env.TEACHER_MODEL === undefined ? undefined : loadChatModel(env.TEACHER_MODEL, env);
}
