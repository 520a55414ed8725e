import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  loadDotEnvFile,
  readDevPorts,
  readEnv,
  readLogLevel,
  storeSettings,
  authSettings,
} from "../../src/config/env.js";

describe("readEnv", () => {
  it("fills documented defaults and treats empty strings as unset", () => {
    const env = readEnv({ SQLITE_PATH: "", TEACHER_MODEL: "" });
    expect(env.SQLITE_PATH).toBe(".data/teaching.db");
    expect(env.TEACHER_MODEL).toBeUndefined();
    expect(env.APPWRITE_DATABASE_ID).toBe("default");
    expect(env.APPWRITE_MASTERY_TABLE_ID).toBe("MasteryV2");
  });

  it("names every invalid variable", () => {
    const error = (() => {
      try {
        readEnv({ TEACHER_MODEL: "gpt-4o", APPWRITE_ENDPOINT: "not a url" });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).code).toBe("CONFIGURATION_ERROR");
    expect((error as ConfigurationError).message).toMatch(/TEACHER_MODEL/);
    expect((error as ConfigurationError).message).toMatch(/APPWRITE_ENDPOINT/);
  });

  it("parses the same raw values once, sees a changed variable at the next read, and refuses a bad one every time", () => {
    const source: NodeJS.ProcessEnv = { TEACHING_MAX_ATTEMPTS: "4", UNRELATED: "a" };
    const first = readEnv(source);
    expect(Object.isFrozen(first)).toBe(true);
    source.UNRELATED = "b";
    expect(readEnv(source)).toBe(first);
    source.TEACHING_MAX_ATTEMPTS = "5";
    expect(readEnv(source).TEACHING_MAX_ATTEMPTS).toBe(5);
    source.TEACHING_MAX_ATTEMPTS = "eleven";
    expect(() => readEnv(source)).toThrow(ConfigurationError);
    expect(() => readEnv(source)).toThrow(ConfigurationError);
    source.TEACHING_MAX_ATTEMPTS = "4";
    expect(readEnv(source)).toEqual(first);
  });
});

describe("storeSettings", () => {
  it("is SQLite exactly when APPWRITE_ENDPOINT is unset", () => {
    expect(storeSettings(readEnv({ SQLITE_PATH: "/tmp/x.db", APPWRITE_API_KEY: "k" }))).toEqual({
      kind: "sqlite",
      path: "/tmp/x.db",
    });
  });

  it("is Appwrite when APPWRITE_ENDPOINT is set, with table defaults", () => {
    const settings = storeSettings(
      readEnv({
        APPWRITE_ENDPOINT: "http://127.0.0.1:9/v1",
        APPWRITE_PROJECT_ID: "p",
        APPWRITE_API_KEY: "k",
      }),
    );
    expect(settings).toMatchObject({
      kind: "appwrite",
      projectId: "p",
      databaseId: "default",
      tables: { courseOutcomes: "course_outcomes", mastery: "MasteryV2", sessions: "sessions" },
    });
  });

  it("refuses to start when APPWRITE_ENDPOINT is set and credentials are missing, naming them", () => {
    expect(() => storeSettings(readEnv({ APPWRITE_ENDPOINT: "http://127.0.0.1:9/v1" }))).toThrow(
      /APPWRITE_PROJECT_ID and APPWRITE_API_KEY are missing/,
    );
    expect(() =>
      storeSettings(
        readEnv({ APPWRITE_ENDPOINT: "http://127.0.0.1:9/v1", APPWRITE_PROJECT_ID: "p" }),
      ),
    ).toThrow(/APPWRITE_API_KEY is missing/);
  });
});

describe("authSettings", () => {
  const appwrite = {
    APPWRITE_ENDPOINT: "http://127.0.0.1:9/v1",
    APPWRITE_PROJECT_ID: "p",
    APPWRITE_API_KEY: "k",
  };

  it("defaults to appwrite on the Appwrite store and none on the embedded one", () => {
    expect(authSettings(readEnv(appwrite))).toEqual({
      mode: "appwrite",
      explicit: false,
      store: "appwrite",
    });
    expect(authSettings(readEnv({}))).toEqual({ mode: "none", explicit: false, store: "sqlite" });
  });

  it("takes none on Appwrite only when set explicitly, and marks it so", () => {
    expect(authSettings(readEnv({ ...appwrite, TEACHING_AUTH: "none" }))).toEqual({
      mode: "none",
      explicit: true,
      store: "appwrite",
    });
  });

  it("refuses appwrite auth without the Appwrite store, and an unknown mode", () => {
    expect(() => authSettings(readEnv({ TEACHING_AUTH: "appwrite" }))).toThrow(/APPWRITE_ENDPOINT/);
    expect(() => readEnv({ TEACHING_AUTH: "basic" })).toThrow(/TEACHING_AUTH/);
  });
});

describe("readLogLevel", () => {
  it("reads LOG_LEVEL alone, so an unrelated bad variable cannot break logging", () => {
    expect(readLogLevel({ LOG_LEVEL: "debug", APPWRITE_ENDPOINT: "not a url" })).toBe("debug");
    expect(readLogLevel({})).toBe("info");
    expect(() => readLogLevel({ LOG_LEVEL: "loud" })).toThrow(ConfigurationError);
  });
});

describe("readDevPorts", () => {
  it("reads PORT and WEB_PORT alone, with npm run dev's defaults, and refuses a port that is not one", () => {
    expect(readDevPorts({ APPWRITE_ENDPOINT: "not a url" })).toEqual({
      PORT: 8125,
      WEB_PORT: 5173,
    });
    expect(readDevPorts({ PORT: "9000", WEB_PORT: "" })).toEqual({ PORT: 9000, WEB_PORT: 5173 });
    expect(() => readDevPorts({ WEB_PORT: "http" })).toThrow(/WEB_PORT/);
    expect(() => readDevPorts({ PORT: "70000" })).toThrow(ConfigurationError);
  });
});

describe("loadDotEnvFile", () => {
  it("loads an existing file without overriding variables already set, and ignores an absent one", async () => {
    const { mkdtemp, writeFile, rm } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(join(tmpdir(), "teaching-graph-env-"));
    const file = join(dir, ".env");
    await writeFile(file, "TG_TEST_FROM_FILE=file\nTG_TEST_ALREADY_SET=file\n");
    process.env.TG_TEST_ALREADY_SET = "process";
    try {
      loadDotEnvFile(file);
      expect(process.env.TG_TEST_FROM_FILE).toBe("file");
      expect(process.env.TG_TEST_ALREADY_SET).toBe("process");
      expect(() => loadDotEnvFile(join(dir, "absent.env"))).not.toThrow();
    } finally {
      delete process.env.TG_TEST_FROM_FILE;
      delete process.env.TG_TEST_ALREADY_SET;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
