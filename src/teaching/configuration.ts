/**
 * Run configuration of the teaching graph (`config.configurable`), with the
 * documented defaults. The graph passes this schema to LangGraph, which
 * rejects a bad `configurable` before the run starts.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { ConfigurationError, readEnv, type AuthSettings } from "../config/env.js";
import { issueLines, TeachingGraphError } from "../errors.js";
import { DEFAULT_EMA_ALPHA } from "../mastery/ema.js";

export const DEFAULT_MAX_ATTEMPTS = 3;

export const ConfigurationSchema = z.object({
  /** EMA weight of a lesson's new score when it is folded into MasteryV2; default TEACHING_EMA_ALPHA, else 0.3. */
  emaAlpha: z.number().gt(0).lte(1).optional(),
  /** Answers allowed per card before the worked answer is shown; default TEACHING_MAX_ATTEMPTS, else 3. */
  maxAttempts: z.int().min(1).optional(),
  /** `provider:model` judging rubric cards; defaults to the TEACHER_MODEL environment variable. */
  teacherModel: z
    .string()
    .regex(/^[a-z][a-z0-9-]*:.+$/, "must look like provider:model")
    .optional(),
});

export interface Configuration {
  emaAlpha: number;
  maxAttempts: number;
  teacherModel: string | undefined;
}

/**
 * Settings that change mastery or cost: with authenticated callers they are the
 * server's (from the environment), and a run that sets them is refused.
 */
export const SERVER_OWNED_SETTINGS = [
  "emaAlpha",
  "maxAttempts",
  "teacherModel",
] as const satisfies readonly (keyof Configuration)[];

/** An authenticated caller tried to set a setting that is the server's. */
export class ConfigurationNotAllowedError extends TeachingGraphError {
  constructor(settings: readonly string[]) {
    super(
      "CONFIGURATION_NOT_ALLOWED",
      `CONFIGURATION_NOT_ALLOWED: ${settings.join(", ")} ${settings.length > 1 ? "are" : "is"} set by the server, not by a caller`,
      { settings },
    );
  }
}

/** The server-owned settings a run's `configurable` or `context` sets. */
export function callerSetServerSettings(config?: LangGraphRunnableConfig): string[] {
  const sources = [config?.configurable, config?.context].filter(
    (source): source is Record<string, unknown> => typeof source === "object" && source !== null,
  );
  return SERVER_OWNED_SETTINGS.filter((key) => sources.some((source) => source[key] !== undefined));
}

/**
 * The run's configuration: a caller's values where callers may set them
 * (`none` auth: local development, Studio, tests), else the environment's,
 * else the documented defaults. A bad value is a `ConfigurationError`.
 */
export function ensureConfiguration(
  config: LangGraphRunnableConfig | undefined,
  auth: AuthSettings["mode"],
): Configuration {
  if (auth === "appwrite") {
    const refused = callerSetServerSettings(config);
    if (refused.length > 0) throw new ConfigurationNotAllowedError(refused);
  }
  const parsed = ConfigurationSchema.safeParse(
    auth === "appwrite" ? {} : (config?.configurable ?? {}),
  );
  if (!parsed.success) {
    const fields = issueLines(parsed.error);
    throw new ConfigurationError(`Invalid teaching graph configuration: ${fields.join("; ")}`, {
      fields,
    });
  }
  const env = readEnv();
  return {
    emaAlpha: parsed.data.emaAlpha ?? env.TEACHING_EMA_ALPHA ?? DEFAULT_EMA_ALPHA,
    maxAttempts: parsed.data.maxAttempts ?? env.TEACHING_MAX_ATTEMPTS ?? DEFAULT_MAX_ATTEMPTS,
    teacherModel: parsed.data.teacherModel ?? env.TEACHER_MODEL,
  };
}
