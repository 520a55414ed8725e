/**
 * Who may do what, with `appwrite` auth (LangGraph's `auth.on` handlers).
 *
 * - Threads belong to the student who created them: creation stamps
 *   `metadata.owner` with the caller's identity (whatever the caller sent),
 *   and every read, search, update, delete and run is filtered to
 *   `{ owner: identity }`, so another student's thread is a 404 and
 *   `threads.search()` lists only the caller's own.
 * - A run must be on a thread, may not set the server's settings
 *   (SERVER_OWNED_SETTINGS: CONFIGURATION_NOT_ALLOWED), and may not rewrite or
 *   rewind the lesson (a command's `update`/`goto`, a checkpoint to start from,
 *   a webhook: RUN_OPTION_NOT_ALLOWED). Writing a thread's state directly
 *   (`updateState`) is refused for the same reason.
 * - Assistants may be read and searched (students need `teaching`), not
 *   created, changed or deleted; crons and the store are refused.
 * - Only students get anywhere: the anonymous health-check caller, or LangGraph
 *   Studio's built-in user, is refused by every handler.
 */
import { SERVER_OWNED_SETTINGS } from "../teaching/configuration.js";
import { AUTH_CODES, refusal } from "./errors.js";
import type { StudentUser } from "./users.js";

/** The thread metadata key that holds the owner's identity. */
export const OWNER_KEY = "owner";

/** The part of LangGraph's handler argument the rules read. */
export interface RuleEvent<V> {
  event: string;
  user: { identity: string; kind?: unknown; is_authenticated?: boolean };
  value: V;
}

export type OwnerFilter = { [OWNER_KEY]: string };

type Metadata = Record<string, unknown> | null | undefined;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The caller as a student; anyone else is refused whatever the operation. */
function studentOf(event: RuleEvent<unknown>): Pick<StudentUser, "identity"> {
  const { user } = event;
  if (user.kind !== "student" || user.is_authenticated !== true) {
    throw refusal(403, AUTH_CODES.operationNotAllowed, `${event.event} needs a student's token`);
  }
  return { identity: user.identity };
}

function ownedBy(student: Pick<StudentUser, "identity">): OwnerFilter {
  return { [OWNER_KEY]: student.identity };
}

/**
 * Sets the owner in place: the server stores the object it passed (for a
 * thread copy, the very object), so a new object would not always be seen.
 */
function stampOwner(value: { metadata?: Metadata }, identity: string): void {
  if (isRecord(value.metadata)) value.metadata[OWNER_KEY] = identity;
  else value.metadata = { [OWNER_KEY]: identity };
}

export function onThreadCreate(event: RuleEvent<{ metadata?: Metadata }>): OwnerFilter {
  const student = studentOf(event);
  stampOwner(event.value, student.identity);
  return ownedBy(student);
}

/** Read, search, delete: the caller's threads only. */
export function onThreadAccess(event: RuleEvent<unknown>): OwnerFilter {
  return ownedBy(studentOf(event));
}

/**
 * A metadata patch keeps the owner; a cancel (`action`) is allowed. A state
 * write (`updateState`, bulk updates) is the event with neither metadata nor
 * an action, and is refused: it could put anything into a lesson's state.
 */
export function onThreadUpdate(
  event: RuleEvent<{ metadata?: Metadata; action?: unknown }>,
): OwnerFilter {
  const student = studentOf(event);
  const { value } = event;
  if (!("metadata" in value) && !("action" in value)) {
    throw refusal(
      403,
      AUTH_CODES.stateUpdateNotAllowed,
      "a lesson's state is changed by running the lesson, not written directly",
    );
  }
  if (value.metadata !== undefined && value.metadata !== null) stampOwner(value, student.identity);
  return ownedBy(student);
}

export interface RunEventValue {
  thread_id?: string | null;
  metadata?: Metadata;
  kwargs: Record<string, unknown>;
}

export function onCreateRun(event: RuleEvent<RunEventValue>): OwnerFilter {
  const student = studentOf(event);
  const { value } = event;
  if (value.thread_id === undefined || value.thread_id === null) {
    throw refusal(
      403,
      AUTH_CODES.statelessRunNotAllowed,
      "runs need a thread: create one and run on it",
    );
  }
  assertNoServerSettings(value.kwargs);
  assertNoRewrite(value.kwargs);
  // A run that creates its thread (if_not_exists: "create") puts its metadata on the thread.
  value.metadata = { ...value.metadata, [OWNER_KEY]: student.identity };
  return ownedBy(student);
}

/** The server-owned settings a run's `config.configurable` or `context` sets. */
export function serverSettingsIn(kwargs: Record<string, unknown>): string[] {
  const configurable = isRecord(kwargs.config) ? kwargs.config.configurable : undefined;
  const sources = [configurable, kwargs.context].filter(isRecord);
  return SERVER_OWNED_SETTINGS.filter((setting) =>
    sources.some((source) => source[setting] !== undefined),
  );
}

function assertNoServerSettings(kwargs: Record<string, unknown>): void {
  const settings = serverSettingsIn(kwargs);
  if (settings.length > 0) {
    throw refusal(
      403,
      AUTH_CODES.configurationNotAllowed,
      `${settings.join(", ")} ${settings.length > 1 ? "are" : "is"} the server's to set; remove ${settings.length > 1 ? "them" : "it"} from the run's configurable and context`,
    );
  }
}

/** Run options that would write a lesson's state, replay it from an earlier point, or call out. */
export function rewriteOptionsIn(kwargs: Record<string, unknown>): string[] {
  const options: string[] = [];
  const { command, config, webhook } = kwargs;
  if (isRecord(command)) {
    for (const key of ["update", "goto"] as const) {
      if (command[key] !== undefined && command[key] !== null) options.push(`command.${key}`);
    }
  }
  const configurable = isRecord(config) ? config.configurable : undefined;
  if (isRecord(configurable)) {
    for (const key of ["checkpoint_id", "checkpoint_map"] as const) {
      if (configurable[key] !== undefined && configurable[key] !== null) options.push(key);
    }
  }
  if (webhook !== undefined && webhook !== null) options.push("webhook");
  return options;
}

function assertNoRewrite(kwargs: Record<string, unknown>): void {
  const options = rewriteOptionsIn(kwargs);
  if (options.length > 0) {
    throw refusal(
      403,
      AUTH_CODES.runOptionNotAllowed,
      `${options.join(", ")} may not be set on a lesson run; a run only starts a lesson or resumes it`,
    );
  }
}

/** Reading and searching assistants: any student (no filter: assistants are shared). */
export function onAssistantRead(event: RuleEvent<unknown>): undefined {
  studentOf(event);
  return undefined;
}

/** Everything students may not do: assistants' writes, crons, the store, and any event added later. */
export function refuseOperation(event: RuleEvent<unknown>): never {
  studentOf(event);
  throw refusal(403, AUTH_CODES.operationNotAllowed, `${event.event} is not allowed`);
}
