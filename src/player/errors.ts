import { TeachingGraphError } from "../errors.js";

/** stdin ended while the lesson still waited for an answer. */
export class PlayerInputEndedError extends TeachingGraphError {
  constructor(context: { cardId: string; cardIndex: number; totalCards: number }) {
    super(
      "PLAYER_INPUT_ENDED",
      `Input ended while card ${context.cardId} (${context.cardIndex + 1} of ${context.totalCards}) waited for an answer; ` +
        "the lesson is saved and was not finished (`npm start` continues it)",
      context,
    );
  }
}

/** The graph stopped without an answer request and without finishing the lesson. */
export class PlayerStateError extends TeachingGraphError {
  constructor(message: string, context: Record<string, unknown>) {
    super("PLAYER_UNEXPECTED_STATE", message, context);
  }
}
