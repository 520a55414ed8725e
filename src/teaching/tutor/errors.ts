import { TeachingGraphError } from "../../errors.js";
import type { TeacherTask } from "./prompts.js";

/**
 * The teacher model could not speak for the graph: its call failed, or what it
 * wrote is not usable text. The node that asked is retried (the graph's
 * `TEACHER_RETRY_POLICY`); once the retries are used up this error ends the
 * run, nothing of the node is written, and the thread is resumed
 * (`invoke(null)`) when the model works again.
 */
export class TeacherModelError extends TeachingGraphError {
  constructor(
    code: "TEACHER_MODEL_FAILED" | "TEACHER_OUTPUT_INVALID",
    task: TeacherTask,
    reason: string,
    context: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(
      code,
      `The teacher model could not ${task.replaceAll("_", " ")}: ${reason}`,
      {
        ...context,
        task,
      },
      options,
    );
  }
}
