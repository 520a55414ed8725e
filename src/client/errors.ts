import { TeachingGraphError } from "../errors.js";

export { InvalidLessonSnapshotError, SessionCourseMismatchError } from "../session/errors.js";

/** The LangGraph server accepted a run request but did not say which run it created. */
export class RunNotReportedError extends TeachingGraphError {
  constructor(sessionId: string, threadId: string) {
    super(
      "RUN_ID_NOT_REPORTED",
      `The LangGraph server did not report the run it started for session ${sessionId}`,
      {
        sessionId,
        threadId,
      },
    );
  }
}
