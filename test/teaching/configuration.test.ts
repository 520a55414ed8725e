import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigurationError } from "../../src/config/env.js";
import { ensureConfiguration } from "../../src/teaching/configuration.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("ensureConfiguration", () => {
  it("fills the documented defaults", () => {
    vi.stubEnv("TEACHER_MODEL", "");
    expect(ensureConfiguration({ configurable: { thread_id: "t" } })).toEqual({
      emaAlpha: 0.3,
      maxAttempts: 3,
      teacherModel: undefined,
    });
    expect(ensureConfiguration()).toMatchObject({ emaAlpha: 0.3, maxAttempts: 3 });
  });

  it("takes the teacher model from TEACHER_MODEL unless the run names one", () => {
    vi.stubEnv("TEACHER_MODEL", "openai:gpt-4o-mini");
    expect(ensureConfiguration({ configurable: {} }).teacherModel).toBe("openai:gpt-4o-mini");
    expect(
      ensureConfiguration({ configurable: { teacherModel: "anthropic:claude-3-5-haiku-latest" } })
        .teacherModel,
    ).toBe("anthropic:claude-3-5-haiku-latest");
  });

  it("takes overrides from configurable", () => {
    expect(ensureConfiguration({ configurable: { emaAlpha: 0.5, maxAttempts: 2 } })).toMatchObject({
      emaAlpha: 0.5,
      maxAttempts: 2,
    });
  });

  it.each([
    { configurable: { emaAlpha: 0 }, field: "emaAlpha" },
    { configurable: { emaAlpha: 1.5 }, field: "emaAlpha" },
    { configurable: { maxAttempts: 0 }, field: "maxAttempts" },
    { configurable: { maxAttempts: 2.5 }, field: "maxAttempts" },
    { configurable: { teacherModel: "gpt-4o" }, field: "teacherModel" },
  ])("rejects $configurable naming $field", ({ configurable, field }) => {
    let thrown: unknown;
    try {
      ensureConfiguration({ configurable });
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
