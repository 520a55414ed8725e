import { FakeListChatModel } from "@langchain/core/utils/testing";
import { Overwrite } from "@langchain/langgraph";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { encodeGzipPayload } from "../../../src/lessons/codec.js";
import {
  InvalidOutcomeIdError,
  InvalidOutcomeTypeError,
  MasteryUpdateBlockedError,
  OutcomeCourseMismatchError,
  OutcomeMissingIdError,
} from "../../../src/mastery/errors.js";
import { SessionContextError } from "../../../src/session/context.js";
import type { TeachingGraphDeps } from "../../../src/teaching/deps.js";
import { EvaluatorUnavailableError } from "../../../src/teaching/evaluation/index.js";
import { createPrepareSession } from "../../../src/teaching/nodes/prepare-session.js";
import type { State } from "../../../src/teaching/state.js";
import { lessonFixture, without, type LessonFixture } from "../support/fixtures.js";
import { silenceLogs } from "../support/logs.js";

function deps(model?: FakeListChatModel) {
  return {
    getStores: () => {
      throw new Error("prepare_session must not touch the store for an inline lesson");
    },
    authMode: "none",
    getChatModel: vi.fn(async () => model),
  } satisfies TeachingGraphDeps;
}

/** prepare_session sees only the input channels on the first step. */
function inputState(sessionContext: unknown): State {
  return { messages: [], session_context: sessionContext } as unknown as State;
}

async function prepare(
  sessionContext: unknown,
  options: { model?: FakeListChatModel; configurable?: object } = {},
) {
  const node = createPrepareSession(deps(options.model));
  return node(inputState(sessionContext), { configurable: { ...options.configurable } });
}

async function rejectionOf(
  sessionContext: unknown,
  options: { model?: FakeListChatModel } = {},
): Promise<Error> {
  return prepare(sessionContext, options).then(
    () => {
      throw new Error("prepare_session accepted the session context");
    },
    (error: unknown) => error as Error,
  );
}

const deterministic = lessonFixture({ cards: "deterministic" });
const lessonFields = {
  lessonTitle: deterministic.lesson.title,
  courseId: "course_c84774",
  outcomeRefs: ["O1", "AS1.2"],
};

function withContext(
  fixture: LessonFixture,
  changes: Record<string, unknown>,
): Record<string, unknown> {
  return { ...fixture.sessionContext, ...changes };
}

beforeEach(() => {
  silenceLogs();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("prepare_session with the caller's own lesson (no authentication)", () => {
  it("starts the lesson from a valid session context and clears the raw input", async () => {
    const update = await prepare(deterministic.sessionContext);
    expect(update).toMatchObject({
      session_context: null,
      session_id: deterministic.sessionContext.session_id,
      student_id: deterministic.sessionContext.student_id,
      inline_lesson: {
        lesson_snapshot: deterministic.lesson,
        enriched_outcomes: deterministic.enrichedOutcomes,
      },
      outcome_ids: deterministic.enrichedOutcomes.map((outcome) => outcome.$id),
      use_plain_text: false,
      max_attempts: 3,
      total_cards: deterministic.lesson.cards.length,
      current_card_index: 0,
      mastery_record: null,
    });
    expect(update.evidence).toEqual(new Overwrite([]));
    expect(update.card_scores).toEqual(new Overwrite([]));
    expect(update.mastery_updates).toEqual([]);
  });

  it.each([
    { encoding: "a JSON string", encode: (lesson: unknown) => JSON.stringify(lesson) },
    { encoding: "gzip:+base64", encode: (lesson: unknown) => encodeGzipPayload(lesson) },
  ])("decodes a lesson_snapshot sent as $encoding", async ({ encode }) => {
    const update = await prepare(
      withContext(deterministic, { lesson_snapshot: encode(deterministic.lesson) }),
    );
    expect(update.inline_lesson?.lesson_snapshot).toEqual(deterministic.lesson);
  });

  it("takes max attempts from the run configuration and plain text from the context", async () => {
    const update = await prepare(withContext(deterministic, { use_plain_text: true }), {
      configurable: { maxAttempts: 5 },
    });
    expect(update).toMatchObject({ max_attempts: 5, use_plain_text: true });
  });

  describe("a malformed session context: SessionContextError naming every bad field", () => {
    it("lists every bad field at once", async () => {
      const rest = without(deterministic.sessionContext, "lesson_snapshot");
      const error = await rejectionOf({
        ...rest,
        session_id: "",
        student_id: 42,
        use_plain_text: "yes",
      });
      expect(error).toBeInstanceOf(SessionContextError);
      const fields = (error as SessionContextError).fields;
      expect((error as SessionContextError).code).toBe("INVALID_SESSION_CONTEXT");
      for (const field of ["session_id", "student_id", "use_plain_text", "lesson_snapshot"]) {
        expect(
          fields.some((entry) => entry.startsWith(`${field}:`) || entry.startsWith(`${field}.`)),
        ).toBe(true);
      }
      expect((error as SessionContextError).context).toMatchObject({ fields });
    });

    it.each([
      { case: "missing", context: undefined },
      { case: "null", context: null },
      { case: "a string", context: "{}" },
    ])("session_context $case", async ({ context }) => {
      const error = await rejectionOf(context);
      expect(error).toBeInstanceOf(SessionContextError);
      expect((error as SessionContextError).fields[0]).toMatch(
        /^session_context: expected an object/,
      );
    });

    it("names the bad card fields inside the lesson", async () => {
      const [first, ...others] = deterministic.lesson.cards;
      const badCard = { ...first, cfu: { ...first!.cfu, type: "essay" } };
      const error = await rejectionOf(
        withContext(deterministic, {
          lesson_snapshot: { ...deterministic.lesson, cards: [badCard, ...others] },
        }),
      );
      expect(error).toBeInstanceOf(SessionContextError);
      expect((error as SessionContextError).fields.join("\n")).toContain(
        "lesson_snapshot.cards[0].cfu",
      );
    });

    it("rejects a gzip snapshot that does not decode", async () => {
      const error = await rejectionOf(
        withContext(deterministic, { lesson_snapshot: "gzip:not-gzip" }),
      );
      expect(error).toBeInstanceOf(SessionContextError);
      expect((error as SessionContextError).fields).toEqual([
        "lesson_snapshot: Could not decode lesson_snapshot: invalid gzip:+base64 data",
      ]);
    });

    it("names an outcome's missing field once the mastery checks pass", async () => {
      const withoutUnit = without(deterministic.enrichedOutcomes[0]!, "unitCode");
      const error = await rejectionOf(
        withContext(deterministic, {
          enriched_outcomes: [withoutUnit, ...deterministic.enrichedOutcomes.slice(1)],
        }),
      );
      expect(error).toBeInstanceOf(SessionContextError);
      expect((error as SessionContextError).fields[0]).toMatch(
        /^enriched_outcomes\[0\]\.unitCode: /,
      );
      expect((error as SessionContextError).context).toMatchObject(lessonFields);
    });
  });

  describe("runs the mastery validation before the first card (same errors as update_mastery)", () => {
    const [first, second] = deterministic.enrichedOutcomes;
    it.each([
      {
        case: "no enriched outcomes",
        outcomes: [],
        type: MasteryUpdateBlockedError,
        code: "MASTERY_UPDATE_BLOCKED",
      },
      {
        case: "a string ref",
        outcomes: [first, "O1"],
        type: InvalidOutcomeTypeError,
        code: "INVALID_OUTCOME_TYPE",
      },
      {
        case: "an outcome without $id",
        outcomes: [{ ...second, $id: undefined }],
        type: OutcomeMissingIdError,
        code: "OUTCOME_MISSING_ID",
      },
      {
        case: '"O1" as $id',
        outcomes: [{ ...first, $id: "O1" }],
        type: InvalidOutcomeIdError,
        code: "INVALID_OUTCOME_ID",
      },
      {
        case: "an outcome of another course",
        outcomes: [first, { ...second, courseId: "course_c84473" }],
        type: OutcomeCourseMismatchError,
        code: "OUTCOME_COURSE_MISMATCH",
      },
    ])("$case", async ({ outcomes, type, code }) => {
      const error = await rejectionOf(withContext(deterministic, { enriched_outcomes: outcomes }));
      expect(error).toBeInstanceOf(type);
      expect((error as MasteryUpdateBlockedError).code).toBe(code);
      expect((error as MasteryUpdateBlockedError).context).toMatchObject(lessonFields);
    });

    it("blocks a lesson with no outcomes even when its cards could not be judged either", async () => {
      const full = lessonFixture();
      const error = await rejectionOf(withContext(full, { enriched_outcomes: [] }));
      expect(error).toBeInstanceOf(MasteryUpdateBlockedError);
    });
  });

  describe("checks that every card can be judged", () => {
    it("refuses rubric cards without a teacher model, naming TEACHER_MODEL and the cards", async () => {
      const full = lessonFixture();
      const error = await rejectionOf(full.sessionContext);
      expect(error).toBeInstanceOf(EvaluatorUnavailableError);
      expect(error.message).toContain("TEACHER_MODEL");
      expect((error as EvaluatorUnavailableError).context).toMatchObject({
        cardIds: ["card_002", "card_004"],
        variable: "TEACHER_MODEL",
        lessonTitle: full.lesson.title,
        courseId: "course_c84774",
      });
    });

    it("accepts rubric cards when a teacher model is configured", async () => {
      const full = lessonFixture();
      const update = await prepare(full.sessionContext, {
        model: new FakeListChatModel({ responses: [] }),
      });
      expect(update.inline_lesson?.lesson_snapshot.cards).toHaveLength(4);
    });

    it("does not load a model for a lesson judged deterministically", async () => {
      const lessonDeps = deps();
      await createPrepareSession(lessonDeps)(inputState(deterministic.sessionContext), {
        configurable: {},
      });
      expect(lessonDeps.getChatModel).not.toHaveBeenCalled();
    });
  });

  it("rejects an invalid run configuration", async () => {
    await expect(
      prepare(deterministic.sessionContext, { configurable: { maxAttempts: 0 } }),
    ).rejects.toMatchObject({
      code: "CONFIGURATION_ERROR",
    });
  });
});
