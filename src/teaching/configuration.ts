/**
 * Run configuration of the teaching graph (`config.configurable`), with the
 * documented defaults. The graph passes this schema to LangGraph, which
 * rejects a bad `configurable` before the run starts.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { ConfigurationError, readEnv } from "../config/env.js";
import { DEFAULT_EMA_ALPHA } from "../mastery/ema.js";

export const DEFAULT_MAX_ATTEMPTS = 3;

export const ConfigurationSchema = z.object({
  /** EMA weight of a lesson's new score when it is folded into MasteryV2. */
  emaAlpha: z.number().gt(0).lte(1).default(DEFAULT_EMA_ALPHA),
  /** Answers allowed per card before the worked answer is shown and the lesson moves on. */
  maxAttempts: z.int().min(1).default(DEFAULT_MAX_ATTEMPTS),
  /** `provider:model` judging rubric cards; defaults to the TEACHER_MODEL environment variable. */
  teacherModel: z
    .string()
    .regex(/^[a-z][a-z0-9-]*:.+$/, "must look like provider:model")
    .optional(),
});

export type Configuration = z.output<typeof ConfigurationSchema>;

/**
 * Settings that change mastery or cost: with authenticated callers they are the
 * server's (from the environment), and a run that sets them is refused.
 */
export const SERVER_OWNED_SETTINGS = [
  "emaAlpha",
  "maxAttempts",
  "teacherModel",
] as const satisfies readonly (keyof Configuration)[];

/** The run's configuration with defaults filled in; a bad value is a `ConfigurationError`. */
export function ensureConfiguration(config?: LangGraphRunnableConfig): Configuration {
  const parsed = ConfigurationSchema.safeParse(config?.configurable ?? {});
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigurationError(`Invalid teaching graph configuration: ${fields.join("; ")}`, {
      fields,
    });
  }
  return {
    ...parsed.data,
    teacherModel: parsed.data.teacherModel ?? readEnv().TEACHER_MODEL,
  };
}
