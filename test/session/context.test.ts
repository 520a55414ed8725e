import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MAX_GUNZIPPED_BYTES, encodeGzipPayload } from "../../src/lessons/codec.js";
import { MAX_LESSON_CARDS } from "../../src/lessons/schema.js";
import { MasteryUpdateBlockedError, OutcomeMissingIdError } from "../../src/mastery/errors.js";
import { SessionContextError, parseSessionContext } from "../../src/session/context.js";
import { gzipBomb, gzipBombBytes } from "../support/gzip-bomb.js";
import { lessonFixture, manyCards, without } from "../teaching/support/fixtures.js";
import { silenceLogs } from "../teaching/support/logs.js";

const fixture = lessonFixture();
const valid = fixture.sessionContext;

function fieldsOf(raw: unknown): readonly string[] {
  try {
    parseSessionContext(raw);
  } catch (error) {
    if (error instanceof SessionContextError) return error.fields;
    throw error;
  }
  throw new Error("session context accepted");
}

beforeEach(() => {
  silenceLogs();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("parseSessionContext", () => {
  it.each([
    { encoding: "an object", snapshot: fixture.lesson },
    { encoding: "a JSON string", snapshot: JSON.stringify(fixture.lesson) },
    { encoding: "gzip:+base64", snapshot: encodeGzipPayload(fixture.lesson) },
  ])("decodes a lesson_snapshot sent as $encoding", ({ snapshot }) => {
    const context = parseSessionContext({ ...valid, lesson_snapshot: snapshot });
    expect(context.lesson_snapshot).toEqual(fixture.lesson);
    expect(context.enriched_outcomes).toEqual(fixture.enrichedOutcomes);
    expect(context).toMatchObject({
      session_id: valid.session_id,
      student_id: valid.student_id,
      use_plain_text: false,
    });
  });

  it("keeps the extra system fields of outcome rows", () => {
    const rows = fixture.enrichedOutcomes.map((outcome) => ({
      ...outcome,
      $createdAt: "2025-10-20T10:00:00.000Z",
    }));
    expect(
      parseSessionContext({ ...valid, enriched_outcomes: rows }).enriched_outcomes[0],
    ).toHaveProperty("$createdAt");
  });

  describe("names every bad field in one SessionContextError", () => {
    it.each([
      { case: "null", raw: null, field: "session_context: expected an object, got null" },
      {
        case: "a string",
        raw: JSON.stringify(valid),
        field: "session_context: expected an object, got string",
      },
      {
        case: "undefined",
        raw: undefined,
        field: "session_context: expected an object, got undefined",
      },
    ])("a session_context that is $case", ({ raw, field }) => {
      expect(fieldsOf(raw)).toEqual([field]);
    });

    it.each([
      { case: "a missing session_id", change: { session_id: undefined }, prefix: "session_id: " },
      { case: "an empty session_id", change: { session_id: "" }, prefix: "session_id: " },
      { case: "a numeric student_id", change: { student_id: 1 }, prefix: "student_id: " },
      {
        case: "a missing lesson_snapshot",
        change: { lesson_snapshot: undefined },
        prefix: "lesson_snapshot: ",
      },
      {
        case: "a lesson_snapshot that is not JSON",
        change: { lesson_snapshot: "{oops" },
        prefix: "lesson_snapshot: Could not decode lesson_snapshot: invalid JSON",
      },
      {
        case: "a gzip lesson_snapshot that does not decode",
        change: { lesson_snapshot: "gzip:%%%" },
        prefix: "lesson_snapshot: Could not decode lesson_snapshot: invalid gzip",
      },
      {
        case: "a lesson without title",
        change: { lesson_snapshot: { ...fixture.lesson, title: undefined } },
        prefix: "lesson_snapshot.title: ",
      },
      {
        case: "a lesson without cards",
        change: { lesson_snapshot: { ...fixture.lesson, cards: [] } },
        prefix: "lesson_snapshot.cards: ",
      },
      {
        case: "an MCQ whose answer is not an option",
        change: {
          lesson_snapshot: {
            ...fixture.lesson,
            cards: [
              {
                ...fixture.lesson.cards[0],
                cfu: { ...fixture.lesson.cards[0]!.cfu, answerIndex: 9 },
              },
            ],
          },
        },
        prefix: "lesson_snapshot.cards[0].cfu: ",
      },
      {
        case: "a non-boolean use_plain_text",
        change: { use_plain_text: "yes" },
        prefix: "use_plain_text: ",
      },
      { case: "a non-string course_title", change: { course_title: 3 }, prefix: "course_title: " },
    ])("$case", ({ change, prefix }) => {
      const fields = fieldsOf({ ...valid, ...change });
      expect(fields.some((field) => field.startsWith(prefix))).toBe(true);
    });

    it("lists all bad fields together, before looking at the outcomes", () => {
      const fields = fieldsOf({
        ...valid,
        session_id: 5,
        student_id: "",
        lesson_snapshot: "{",
        enriched_outcomes: [],
      });
      expect(fields).toEqual([
        expect.stringMatching(/^session_id: /),
        expect.stringMatching(/^student_id: /),
        expect.stringMatching(/^lesson_snapshot: Could not decode/),
      ]);
    });

    it("names an outcome's bad field once the mastery checks pass, with the lesson's context", () => {
      const [first, ...rest] = fixture.enrichedOutcomes;
      let thrown: unknown;
      try {
        parseSessionContext({
          ...valid,
          enriched_outcomes: [{ ...first, outcomeTitle: 7 }, ...rest],
        });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(SessionContextError);
      expect((thrown as SessionContextError).fields).toEqual([
        expect.stringMatching(/^enriched_outcomes\[0\]\.outcomeTitle: /),
      ]);
      expect((thrown as SessionContextError).context).toMatchObject({
        lessonTitle: fixture.lesson.title,
        courseId: "course_c84774",
      });
    });
  });

  describe("runs the spec's mastery validation on the outcomes", () => {
    it("blocks a session without enriched outcomes", () => {
      expect(() => parseSessionContext({ ...valid, enriched_outcomes: [] })).toThrow(
        MasteryUpdateBlockedError,
      );
      expect(() => parseSessionContext({ ...valid, enriched_outcomes: undefined })).toThrow(
        MasteryUpdateBlockedError,
      );
    });

    it("rejects an outcome without $id before its other fields are checked", () => {
      const withoutId = without(fixture.enrichedOutcomes[0]!, "$id");
      expect(() =>
        parseSessionContext({ ...valid, enriched_outcomes: [{ ...withoutId, unitCode: 5 }] }),
      ).toThrow(OutcomeMissingIdError);
    });
  });

  describe("limits", () => {
    it("refuses a gzip bomb lesson_snapshot as INVALID_SESSION_CONTEXT naming lesson_snapshot and the cap", () => {
      expect(fieldsOf({ ...valid, lesson_snapshot: gzipBomb(256) })).toEqual([
        `lesson_snapshot: Could not decode lesson_snapshot: gzip data of ${gzipBombBytes(256).length} bytes inflates past the ${MAX_GUNZIPPED_BYTES} bytes allowed`,
      ]);
    });

    it.each([
      { encoding: "an object", encode: (lesson: unknown) => lesson },
      { encoding: "gzip:+base64", encode: encodeGzipPayload },
    ])(
      `refuses a lesson of ${MAX_LESSON_CARDS + 1} cards sent as $encoding, naming lesson_snapshot.cards`,
      ({ encode }) => {
        const lesson = { ...fixture.lesson, cards: manyCards(MAX_LESSON_CARDS + 1) };
        expect(fieldsOf({ ...valid, lesson_snapshot: encode(lesson) })).toEqual([
          `lesson_snapshot.cards: a lesson has at most ${MAX_LESSON_CARDS} cards, got ${MAX_LESSON_CARDS + 1}`,
        ]);
      },
    );
  });
});
