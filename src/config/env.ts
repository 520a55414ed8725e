/**
 * The one module that reads environment variables. Everything else receives
 * typed settings from here. Empty strings count as unset, as `.env` files
 * often carry `KEY=` lines.
 */
import { existsSync } from "node:fs";
import { z } from "zod";
import { issueLines, TeachingGraphError } from "../errors.js";

export class ConfigurationError extends TeachingGraphError {
  constructor(message: string, context: Record<string, unknown>) {
    super("CONFIGURATION_ERROR", message, context);
  }
}

const optionalString = z.preprocess((v) => (v === "" ? undefined : v), z.string().optional());

/** An optional number written as a string; `"abc"` is refused, not read as NaN. */
function numberFromString(number: z.ZodNumber) {
  return z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, "must be a number")
    .transform(Number)
    .pipe(number)
    .optional();
}

const EnvSchema = z.object({
  /** `provider:model`, e.g. `openai:gpt-4o-mini`; needed only for rubric-judged cards. */
  TEACHER_MODEL: optionalString.pipe(
    z
      .string()
      .regex(/^[a-z][a-z0-9-]*:.+$/, "must look like provider:model")
      .optional(),
  ),
  /**
   * `1` lets TEACHER_MODEL name `fake:<scenario>` (src/models/fake.ts): scripted
   * models for tests driving the dev server or `npm start`. Refused with the
   * Appwrite store, so it cannot reach a deployment.
   */
  TEACHING_FAKE_MODELS: optionalString.pipe(z.enum(["1"]).optional()),
  /** EMA weight of a lesson's new score in MasteryV2 (default 0.3); the server's, never a caller's. */
  TEACHING_EMA_ALPHA: optionalString.pipe(numberFromString(z.number().gt(0).lte(1))),
  /** Answers allowed per card (default 3); the server's, never a caller's. */
  TEACHING_MAX_ATTEMPTS: optionalString.pipe(numberFromString(z.int().min(1).max(10))),
  LOG_LEVEL: optionalString.pipe(
    z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  ),
  SQLITE_PATH: optionalString.pipe(z.string().default(".data/teaching.db")),
  APPWRITE_ENDPOINT: optionalString.pipe(z.url().optional()),
  APPWRITE_PROJECT_ID: optionalString,
  APPWRITE_API_KEY: optionalString,
  APPWRITE_DATABASE_ID: optionalString.pipe(z.string().default("default")),
  APPWRITE_COURSE_OUTCOMES_TABLE_ID: optionalString.pipe(z.string().default("course_outcomes")),
  APPWRITE_MASTERY_TABLE_ID: optionalString.pipe(z.string().default("MasteryV2")),
  APPWRITE_MASTERY_LEDGER_TABLE_ID: optionalString.pipe(z.string().default("mastery_ledger")),
  APPWRITE_SESSIONS_TABLE_ID: optionalString.pipe(z.string().default("sessions")),
  APPWRITE_LESSON_TEMPLATES_TABLE_ID: optionalString.pipe(z.string().default("lesson_templates")),
  APPWRITE_STUDENTS_TABLE_ID: optionalString.pipe(z.string().default("students")),
  APPWRITE_SESSION_THREADS_TABLE_ID: optionalString.pipe(z.string().default("session_threads")),
  APPWRITE_ROUTINE_TABLE_ID: optionalString.pipe(z.string().default("Routine")),
  APPWRITE_EVIDENCE_TABLE_ID: optionalString.pipe(z.string().default("evidence")),
  /**
   * Who may call the LangGraph server: `appwrite` (an Appwrite account JWT per
   * request) or `none` (anyone; local development). Unset: `appwrite` on the
   * Appwrite store, `none` on the embedded one.
   */
  TEACHING_AUTH: optionalString.pipe(z.enum(["appwrite", "none"]).optional()),
  /** Where the frontend helpers reach the LangGraph server. */
  LANGGRAPH_API_URL: optionalString.pipe(z.url().optional()),
});

export type Env = z.infer<typeof EnvSchema>;

/**
 * Loads `.env` from the working directory into `process.env` when the file
 * exists (it is optional: every variable has a documented default or is only
 * needed for an optional feature). Variables already set win. The LangGraph
 * server reads the same file through `langgraph.json`.
 */
export function loadDotEnvFile(path = ".env"): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

const ENV_KEYS = Object.keys(EnvSchema.shape);
/** The last valid environment read, and the raw values it was parsed from. */
let lastRead: { raw: string; env: Env } | undefined;

/**
 * The typed settings. Nodes read them at every step, so a valid environment
 * is parsed once per distinct set of raw values (a changed variable is seen at
 * the next read); an invalid one is refused at every read.
 */
export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const raw = JSON.stringify(ENV_KEYS.map((key) => source[key] ?? null));
  if (lastRead?.raw === raw) return lastRead.env;
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const fields = issueLines(parsed.error);
    throw new ConfigurationError(`Invalid environment: ${fields.join("; ")}`, { fields });
  }
  lastRead = { raw, env: Object.freeze(parsed.data) };
  return lastRead.env;
}

/**
 * Only the log level: logging must keep working (and report the real error)
 * even when an unrelated variable is invalid.
 */
export function readLogLevel(source: NodeJS.ProcessEnv = process.env): Env["LOG_LEVEL"] {
  return readEnv({ LOG_LEVEL: source.LOG_LEVEL }).LOG_LEVEL;
}

export interface AppwriteSettings {
  kind: "appwrite";
  endpoint: string;
  projectId: string;
  apiKey: string;
  databaseId: string;
  tables: {
    courseOutcomes: string;
    mastery: string;
    masteryLedger: string;
    sessions: string;
    lessonTemplates: string;
    students: string;
    sessionThreads: string;
    routine: string;
    evidence: string;
  };
}

export interface SqliteSettings {
  kind: "sqlite";
  path: string;
}

export type StoreSettings = AppwriteSettings | SqliteSettings;

/** The store is Appwrite exactly when APPWRITE_ENDPOINT is set, otherwise embedded SQLite. */
export function storeSettings(env: Env = readEnv()): StoreSettings {
  if (env.APPWRITE_ENDPOINT === undefined) return { kind: "sqlite", path: env.SQLITE_PATH };
  if (env.APPWRITE_PROJECT_ID === undefined || env.APPWRITE_API_KEY === undefined) {
    const missing = (["APPWRITE_PROJECT_ID", "APPWRITE_API_KEY"] as const).filter(
      (key) => env[key] === undefined,
    );
    throw new ConfigurationError(
      `APPWRITE_ENDPOINT is set, so the Appwrite store is used, but ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} missing`,
      { missing },
    );
  }
  return {
    kind: "appwrite",
    endpoint: env.APPWRITE_ENDPOINT,
    projectId: env.APPWRITE_PROJECT_ID,
    apiKey: env.APPWRITE_API_KEY,
    databaseId: env.APPWRITE_DATABASE_ID,
    tables: {
      courseOutcomes: env.APPWRITE_COURSE_OUTCOMES_TABLE_ID,
      mastery: env.APPWRITE_MASTERY_TABLE_ID,
      masteryLedger: env.APPWRITE_MASTERY_LEDGER_TABLE_ID,
      sessions: env.APPWRITE_SESSIONS_TABLE_ID,
      lessonTemplates: env.APPWRITE_LESSON_TEMPLATES_TABLE_ID,
      students: env.APPWRITE_STUDENTS_TABLE_ID,
      sessionThreads: env.APPWRITE_SESSION_THREADS_TABLE_ID,
      routine: env.APPWRITE_ROUTINE_TABLE_ID,
      evidence: env.APPWRITE_EVIDENCE_TABLE_ID,
    },
  };
}

export interface AuthSettings {
  /** `appwrite`: every request proves a student with an Appwrite JWT; `none`: no caller identity. */
  mode: "appwrite" | "none";
  /** Whether TEACHING_AUTH chose the mode (false: derived from the store). */
  explicit: boolean;
  /** The store the mode goes with; `none` on Appwrite is allowed only when explicit (and warned about). */
  store: StoreSettings["kind"];
}

/**
 * The server's authentication mode. `appwrite` needs the Appwrite store (the
 * JWT is verified by Appwrite and mapped to a `students` row there).
 */
export function authSettings(env: Env = readEnv()): AuthSettings {
  const store = env.APPWRITE_ENDPOINT === undefined ? "sqlite" : "appwrite";
  if (env.TEACHING_AUTH === undefined) {
    return { mode: store === "appwrite" ? "appwrite" : "none", explicit: false, store };
  }
  if (env.TEACHING_AUTH === "appwrite" && store !== "appwrite") {
    throw new ConfigurationError(
      "TEACHING_AUTH=appwrite needs the Appwrite store: set APPWRITE_ENDPOINT (with APPWRITE_PROJECT_ID and APPWRITE_API_KEY)",
      { missing: ["APPWRITE_ENDPOINT"] },
    );
  }
  return { mode: env.TEACHING_AUTH, explicit: true, store };
}

const portNumber = numberFromString(z.int().min(1).max(65_535));

const DevPortsSchema = z.object({
  /** The LangGraph server of `npm run dev` (the langgraph CLI's own variable). */
  PORT: optionalString.pipe(portNumber.default(8125)),
  /** The lesson page of `npm run dev` (Vite's dev server). */
  WEB_PORT: optionalString.pipe(portNumber.default(5173)),
});
export type DevPorts = z.infer<typeof DevPortsSchema>;

/**
 * Only the ports of `npm run dev`: read apart from the rest so that a PORT
 * meant for another program never stops the graph or the CLI from starting.
 */
export function readDevPorts(source: NodeJS.ProcessEnv = process.env): DevPorts {
  const parsed = DevPortsSchema.safeParse({ PORT: source.PORT, WEB_PORT: source.WEB_PORT });
  if (!parsed.success) {
    const fields = issueLines(parsed.error);
    throw new ConfigurationError(`Invalid environment: ${fields.join("; ")}`, { fields });
  }
  return parsed.data;
}
