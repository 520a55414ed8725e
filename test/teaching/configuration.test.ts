import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigurationError } from "../../src/config/env.js";
import {
  ConfigurationNotAllowedError,
  ensureConfiguration,
  SERVER_OWNED_SETTINGS,
} from "../../src/teaching/configuration.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("ensureConfiguration", () => {
  it("fills the documented defaults", () => {
    vi.stubEnv("TEACHER_MODEL", "");
    expect(ensureConfiguration({ configurable: { thread_id: "t" } }, "none")).toEqual({
      emaAlpha: 0.3,
      maxAttempts: 3,
      teacherModel: undefined,
    });
    expect(ensureConfiguration(undefined, "appwrite")).toMatchObject({
      emaAlpha: 0.3,
      maxAttempts: 3,
    });
  });

  it("takes the server's settings from the environment", () => {
    vi.stubEnv("TEACHING_EMA_ALPHA", "0.5");
    vi.stubEnv("TEACHING_MAX_ATTEMPTS", "2");
    vi.stubEnv("TEACHER_MODEL", "openai:gpt-4o-mini");
    expect(ensureConfiguration({ configurable: {} }, "appwrite")).toEqual({
      emaAlpha: 0.5,
      maxAttempts: 2,
      teacherModel: "openai:gpt-4o-mini",
    });
  });

  it("refuses an environment setting that is not a number in range", () => {
    vi.stubEnv("TEACHING_EMA_ALPHA", "abc");
    expect(() => ensureConfiguration(undefined, "none")).toThrow(/TEACHING_EMA_ALPHA/);
    vi.stubEnv("TEACHING_EMA_ALPHA", "");
    vi.stubEnv("TEACHING_MAX_ATTEMPTS", "0");
    expect(() => ensureConfiguration(undefined, "none")).toThrow(/TEACHING_MAX_ATTEMPTS/);
  });

  it("takes a caller's overrides when callers are not authenticated", () => {
    vi.stubEnv("TEACHER_MODEL", "openai:gpt-4o-mini");
    expect(
      ensureConfiguration(
        {
          configurable: {
            emaAlpha: 0.5,
            maxAttempts: 2,
            teacherModel: "anthropic:claude-3-5-haiku-latest",
          },
        },
        "none",
      ),
    ).toEqual({ emaAlpha: 0.5, maxAttempts: 2, teacherModel: "anthropic:claude-3-5-haiku-latest" });
  });

  it.each(SERVER_OWNED_SETTINGS)(
    "refuses an authenticated caller's %s in configurable or context",
    (setting) => {
      const value = setting === "teacherModel" ? "openai:gpt-4o" : 1;
      for (const config of [
        { configurable: { [setting]: value } },
        { context: { [setting]: value } },
      ]) {
        let thrown: unknown;
        try {
          ensureConfiguration(config, "appwrite");
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(ConfigurationNotAllowedError);
        expect((thrown as ConfigurationNotAllowedError).code).toBe("CONFIGURATION_NOT_ALLOWED");
        expect((thrown as ConfigurationNotAllowedError).context.settings).toEqual([setting]);
      }
    },
  );

  it.each([
    { configurable: { emaAlpha: 0 }, field: "emaAlpha" },
    { configurable: { emaAlpha: 1.5 }, field: "emaAlpha" },
    { configurable: { maxAttempts: 0 }, field: "maxAttempts" },
    { configurable: { maxAttempts: 2.5 }, field: "maxAttempts" },
    { configurable: { teacherModel: "gpt-4o" }, field: "teacherModel" },
  ])("rejects $configurable naming $field", ({ configurable, field }) => {
    let thrown: unknown;
    try {
      ensureConfiguration({ configurable }, "none");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as ConfigurationError).code).toBe("CONFIGURATION_ERROR");
    expect((thrown as ConfigurationError).context.fields).toEqual([
      expect.stringMatching(new RegExp(`^${field}: `)),
    ]);
  });
});
