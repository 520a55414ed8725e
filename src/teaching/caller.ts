/**
 * The authenticated caller of a run. The LangGraph server puts the user that
 * the auth handler returned (src/auth) into `configurable.langgraph_auth_user`,
 * overwriting whatever a request carried there.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { TeachingStateError } from "./errors.js";

const AuthenticatedStudentSchema = z.looseObject({
  /** The `students.$id`. */
  identity: z.string().min(1),
  /** The Appwrite account user's `$id`. */
  userId: z.string().min(1),
});

export interface AuthenticatedStudent {
  studentId: string;
  userId: string;
}

/** The student the run's caller proved to be; a run without one is a wiring error, never a guess. */
export function authenticatedStudent(config: LangGraphRunnableConfig): AuthenticatedStudent {
  const parsed = AuthenticatedStudentSchema.safeParse(config.configurable?.langgraph_auth_user);
  if (!parsed.success) {
    throw new TeachingStateError(
      "TEACHING_AUTH=appwrite but the run carries no authenticated student: is the auth handler registered in langgraph.json?",
      { hasUser: config.configurable?.langgraph_auth_user !== undefined },
    );
  }
  return { studentId: parsed.data.identity, userId: parsed.data.userId };
}
