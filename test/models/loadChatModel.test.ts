import { ChatAnthropic } from "@langchain/anthropic";
import { ChatOpenAI } from "@langchain/openai";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigurationError } from "../../src/config/env.js";
import {
  ModelSpecError,
  loadChatModel,
  loadTeacherModel,
  parseModelSpec,
} from "../../src/models/loadChatModel.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("parseModelSpec", () => {
  it("splits at the first colon", () => {
    expect(parseModelSpec("openai:ft:gpt-4o-mini:org::abc")).toEqual({
      provider: "openai",
      model: "ft:gpt-4o-mini:org::abc",
    });
  });

  it.each([
    ["gpt-4o-mini", 'expected "provider:model"'],
    ["openai:", 'expected "provider:model"'],
    [":gpt-4o", 'expected "provider:model"'],
    ["google:gemini-pro", 'unknown provider "google" (supported: openai, anthropic)'],
  ])("refuses %j with a typed error", (spec, reason) => {
    let error: unknown;
    try {
      parseModelSpec(spec);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ModelSpecError);
    expect(error).toMatchObject({
      code: "INVALID_MODEL_SPEC",
      context: { spec, supportedProviders: ["openai", "anthropic"] },
    });
    expect((error as ModelSpecError).context.reason).toContain(reason);
  });
});

describe("loadChatModel", () => {
  it("builds an OpenAI chat model at temperature 0", async () => {
    vi.stubEnv("OPENAI_API_KEY", "sk-test-not-used");
    const model = await loadChatModel("openai:gpt-4o-mini");
    expect(model).toBeInstanceOf(ChatOpenAI);
    expect(model).toMatchObject({ model: "gpt-4o-mini", temperature: 0 });
  });

  it("builds an Anthropic chat model at temperature 0", async () => {
    vi.stubEnv("ANTHROPIC_API_KEY", "sk-ant-test-not-used");
    const model = await loadChatModel("anthropic:claude-3-5-haiku-latest");
    expect(model).toBeInstanceOf(ChatAnthropic);
    expect(model).toMatchObject({ model: "claude-3-5-haiku-latest", temperature: 0 });
  });

  it("refuses an unknown provider", async () => {
    await expect(loadChatModel("mistral:large")).rejects.toBeInstanceOf(ModelSpecError);
  });
});

describe("loadTeacherModel", () => {
  it.each([undefined, ""])("returns undefined when TEACHER_MODEL is %j", async (value) => {
    vi.stubEnv("TEACHER_MODEL", value);
    await expect(loadTeacherModel()).resolves.toBeUndefined();
  });

  it("loads the model TEACHER_MODEL names", async () => {
    vi.stubEnv("TEACHER_MODEL", "openai:gpt-4o-mini");
    vi.stubEnv("OPENAI_API_KEY", "sk-test-not-used");
    await expect(loadTeacherModel()).resolves.toBeInstanceOf(ChatOpenAI);
  });

  it("refuses a TEACHER_MODEL that is set but malformed, rather than running without a model", async () => {
    vi.stubEnv("TEACHER_MODEL", "gpt-4o-mini");
    await expect(loadTeacherModel()).rejects.toBeInstanceOf(ConfigurationError);
  });

  it("refuses a TEACHER_MODEL naming an unknown provider", async () => {
    vi.stubEnv("TEACHER_MODEL", "google:gemini-pro");
    await expect(loadTeacherModel()).rejects.toMatchObject({ code: "INVALID_MODEL_SPEC" });
  });
});
