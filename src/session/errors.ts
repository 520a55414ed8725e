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

export type SessionAccessCode =
  /** Not the caller's session, or no such session: the two look the same to the caller. */
  | "SESSION_NOT_OWNED"
  /** The session's lesson was completed (status or mastery ledger): it cannot be taught again. */
  | "SESSION_ALREADY_COMPLETED"
  /** The session is taught on another thread, or this thread already teaches a session. */
  | "SESSION_THREAD_MISMATCH"
  /** This thread already started the session's lesson: resume it, do not start it again. */
  | "SESSION_ALREADY_STARTED";

const ACCESS_MESSAGES: Record<SessionAccessCode, string> = {
  SESSION_NOT_OWNED: "This session does not exist or belongs to another student",
  SESSION_ALREADY_COMPLETED: "This session's lesson is already completed",
  SESSION_THREAD_MISMATCH: "This session is taught on another thread",
  SESSION_ALREADY_STARTED:
    "This thread already started this session's lesson: resume it instead of starting it again",
};

/**
 * A caller may not start this session here. The message is the same for
 * every session, so it tells a caller nothing about sessions that are not
 * theirs; the context (logged on the server) says what was refused.
 */
export class SessionAccessError extends TeachingGraphError {
  constructor(code: SessionAccessCode, context: Record<string, unknown>) {
    super(code, `${code}: ${ACCESS_MESSAGES[code]}`, context);
  }
}
