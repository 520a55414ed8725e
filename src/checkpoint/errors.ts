import { TeachingGraphError } from "../errors.js";

export type CheckpointerErrorCode =
  /** The database holds checkpoints in another saver's layout. */
  | "CHECKPOINT_DATABASE_FOREIGN"
  /** A call without what LangGraph always passes (thread, checkpoint id, new versions). */
  | "CHECKPOINT_CALL_INVALID";

export class CheckpointerError extends TeachingGraphError {
  constructor(code: CheckpointerErrorCode, message: string, context: Record<string, unknown>) {
    super(code, message, context);
  }
}
