/**
 * The teacher model speaking for the graph. Offline mode is decided before a
 * node speaks (no model configured: the node keeps its templated text); once
 * a model is there, a failed call or unusable output is a `TeacherModelError`,
 * never a silent switch to the template.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { echoValue, issueLines } from "../../errors.js";
import { ensureConfiguration } from "../configuration.js";
import { resolveAuthMode, resolveChatModel, type TeachingGraphDeps } from "../deps.js";
import { TeacherModelError } from "./errors.js";
import type { TeacherTask } from "./prompts.js";

/** Longest text the teacher may say in one message (the prompts ask for 150 words at most). */
export const MAX_TEACHER_TEXT_CHARS = 4000;

/** How long one teacher call may take before it counts as failed (and the node is retried). */
export const TEACHER_CALL_TIMEOUT_MS = 60_000;

/** What a teacher message must be: non-blank text, trimmed, of sensible length. */
export const TeacherTextSchema = z.string().trim().min(1).max(MAX_TEACHER_TEXT_CHARS);

/** The run's teacher model, or undefined in offline mode (no TEACHER_MODEL, no injected model). */
export async function teacherModel(
  deps: TeachingGraphDeps,
  config: LangGraphRunnableConfig,
): Promise<BaseChatModel | undefined> {
  return resolveChatModel(deps, ensureConfiguration(config, resolveAuthMode(deps)));
}

/**
 * Asks the model and returns its words as the message for the transcript.
 * The message keeps the model's response id: the tokens streamed to the
 * client (`streamMode: "messages"`) and the message in the state are then one
 * message, not two.
 */
export async function speak(
  model: BaseChatModel,
  task: TeacherTask,
  messages: BaseMessage[],
): Promise<AIMessage> {
  let response: AIMessage;
  try {
    response = await model.invoke(messages, { timeout: TEACHER_CALL_TIMEOUT_MS });
  } catch (error) {
    throw new TeacherModelError(
      "TEACHER_MODEL_FAILED",
      task,
      error instanceof Error ? error.message : String(error),
      {},
      { cause: error },
    );
  }
  const parsed = TeacherTextSchema.safeParse(response.text);
  if (!parsed.success) {
    const issues = issueLines(parsed.error, "text");
    throw new TeacherModelError("TEACHER_OUTPUT_INVALID", task, issues.join("; "), {
      issues,
      output: echoValue(response.text),
    });
  }
  return new AIMessage({
    content: parsed.data,
    ...(response.id === undefined ? {} : { id: response.id }),
  });
}
