import { TeachingGraphError } from "../errors.js";

/** A session's `lessonSnapshot` does not match the lesson schema; the lesson cannot start. */
export class InvalidLessonSnapshotError extends TeachingGraphError {
  readonly issues: readonly string[];

  constructor(sessionId: string, issues: readonly string[]) {
    super(
      "INVALID_LESSON_SNAPSHOT",
      `Session ${sessionId} has an invalid lessonSnapshot: ${issues.join("; ")}`,
      {
        sessionId,
        issues,
      },
    );
    this.issues = issues;
  }
}

/**
 * The session row and its lesson snapshot name different courses. Enriching
 * with either would look outcomes up in a course the other does not belong to.
 */
export class SessionCourseMismatchError extends TeachingGraphError {
  constructor(sessionId: string, sessionCourseId: string, snapshotCourseId: string) {
    super(
      "SESSION_COURSE_MISMATCH",
      `Session ${sessionId} belongs to course ${sessionCourseId} but its lesson snapshot to course ${snapshotCourseId}`,
      { sessionId, sessionCourseId, snapshotCourseId },
    );
  }
}

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
