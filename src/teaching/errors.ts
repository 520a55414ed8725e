import { TeachingGraphError } from "../errors.js";

/**
 * The graph reached a node without what an earlier node guarantees (e.g. a
 * card index past the lesson, or `evaluate` without an answer): a wiring bug
 * or a hand-edited thread state, never student input.
 */
export class TeachingStateError extends TeachingGraphError {
  constructor(message: string, context: Record<string, unknown>) {
    super("INVALID_TEACHING_STATE", message, context);
  }
}
