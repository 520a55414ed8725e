import { ChatAnthropic } from "@langchain/anthropic";
import { ChatOpenAI } from "@langchain/openai";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ConfigurableModel } from "langchain/chat_models/universal";
import { ConfigurationError, readEnv } from "../../src/config/env.js";
import { ScriptedChatModel } from "../../src/models/fake.js";
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
    ["acme:large", 'unknown provider "acme" (supported: openai, anthropic, '],
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
      context: { spec, supportedProviders: expect.arrayContaining(["openai", "anthropic"]) },
    });
    expect((error as ModelSpecError).context.reason).toContain(reason);
  });
});

/** The provider's model behind initChatModel's wrapper. */
async function providerModel(model: BaseChatModel): Promise<unknown> {
  expect(model).toBeInstanceOf(ConfigurableModel);
  return (model as ConfigurableModel)._getModelInstance();
}

describe("loadChatModel", () => {
  it("builds an OpenAI chat model at temperature 0, capped, without client retries", async () => {
    vi.stubEnv("OPENAI_API_KEY", "sk-test-not-used");
    const model = await providerModel(await loadChatModel("openai:gpt-4o-mini"));
    expect(model).toBeInstanceOf(ChatOpenAI);
    expect(model).toMatchObject({ model: "gpt-4o-mini", temperature: 0, maxTokens: 1024 });
    expect((model as ChatOpenAI).caller).toMatchObject({ maxRetries: 0 });
    // streaming: true would make ChatOpenAI fetch tiktoken data from the internet.
    expect((model as ChatOpenAI).streaming).toBe(false);
  });

  it("builds an Anthropic chat model at temperature 0", async () => {
    vi.stubEnv("ANTHROPIC_API_KEY", "sk-ant-test-not-used");
    const model = await providerModel(await loadChatModel("anthropic:claude-3-5-haiku-latest"));
    expect(model).toBeInstanceOf(ChatAnthropic);
    expect(model).toMatchObject({ model: "claude-3-5-haiku-latest", temperature: 0 });
  });

  it("refuses a provider initChatModel knows but whose package is not installed", async () => {
    await expect(loadChatModel("mistralai:mistral-large-latest")).rejects.toMatchObject({
      code: "INVALID_MODEL_SPEC",
      message: expect.stringContaining("@langchain/mistralai"),
    });
  });

  it("refuses an unknown provider", async () => {
    await expect(loadChatModel("acme:large")).rejects.toBeInstanceOf(ModelSpecError);
  });
});

describe("the fake provider", () => {
  it("is refused unless TEACHING_FAKE_MODELS=1", async () => {
    await expect(loadChatModel("fake:tutor", readEnv({}))).rejects.toMatchObject({
      code: "INVALID_MODEL_SPEC",
      message: expect.stringContaining("TEACHING_FAKE_MODELS=1"),
    });
  });

  it("is refused with the Appwrite store, even with the flag", async () => {
    const env = readEnv({
      TEACHING_FAKE_MODELS: "1",
      APPWRITE_ENDPOINT: "https://appwrite.example/v1",
    });
    await expect(loadChatModel("fake:tutor", env)).rejects.toMatchObject({
      code: "INVALID_MODEL_SPEC",
    });
  });

  it("gives a scripted model with the flag, and refuses an unknown scenario", async () => {
    const env = readEnv({ TEACHING_FAKE_MODELS: "1" });
    await expect(loadChatModel("fake:tutor", env)).resolves.toBeInstanceOf(ScriptedChatModel);
    await expect(loadChatModel("fake:oracle", env)).rejects.toMatchObject({
      code: "INVALID_MODEL_SPEC",
    });
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
    await expect(providerModel((await loadTeacherModel())!)).resolves.toBeInstanceOf(ChatOpenAI);
  });

  it("refuses a TEACHER_MODEL that is set but malformed, rather than running without a model", async () => {
    vi.stubEnv("TEACHER_MODEL", "gpt-4o-mini");
    await expect(loadTeacherModel()).rejects.toBeInstanceOf(ConfigurationError);
  });

  it("refuses a TEACHER_MODEL naming an unknown provider", async () => {
    vi.stubEnv("TEACHER_MODEL", "acme:large");
    await expect(loadTeacherModel()).rejects.toMatchObject({ code: "INVALID_MODEL_SPEC" });
  });
});
