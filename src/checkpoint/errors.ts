import { TeachingGraphError } from "../errors.js";

export type CheckpointerErrorCode =
  /** The database holds checkpoints in another saver's layout. */
  | "CHECKPOINT_DATABASE_FOREIGN"
  /** A call without what LangGraph always passes (thread, checkpoint id, new versions). */
  | "CHECKPOINT_CALL_INVALID"
  /** A value to write that JSON cannot hold (a cycle, a BigInt): the state is wrong, nothing is written. */
  | "CHECKPOINT_VALUE_UNSERIALISABLE"
  /** A stored checkpoint names data the database does not hold (a transcript's message). */
  | "CHECKPOINT_DATA_MISSING"
  /** A stored value is not in the form this saver writes (a transcript that is not a list of message keys). */
  | "CHECKPOINT_DATA_INVALID";

export class CheckpointerError extends TeachingGraphError {
  constructor(
    code: CheckpointerErrorCode,
    message: string,
    context: Record<string, unknown>,
    cause?: unknown,
  ) {
    super(code, message, context, cause === undefined ? undefined : { cause });
  }
}
