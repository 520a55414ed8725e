/**
 * `session_context` over generated input: anything at all, and contexts and
 * requests close to valid ones. Parsing either accepts or throws a
 * SessionContextError or a mastery validation error, never anything else
 * (a TypeError would reach the caller as an internal error); with Appwrite
 * authentication it never accepts a field other than the session reference.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { encodeGzipPayload } from "../../src/lessons/codec.js";
import { MasteryValidationError } from "../../src/mastery/errors.js";
import { SessionContextError, parseSessionContext } from "../../src/session/context.js";
import { parseSessionRequest } from "../../src/session/request.js";
import { propertyParameters } from "../support/property.js";
import { lessonFixture } from "../teaching/support/fixtures.js";
import { silenceLogs } from "../teaching/support/logs.js";

// Two cards: the snapshot is parsed on every run, and its size is not what these properties are about.
const fixture = lessonFixture({ cards: "deterministic" });
const valid = fixture.sessionContext;
const REQUEST_KEYS = new Set(["session_id", "use_plain_text"]);

const anyValue = fc.anything({ maxDepth: 2, maxKeys: 4 });

/** Keys a caller might send: the context's fields, inherited names, anything. */
const callerKey = fc.oneof(
  fc.constantFrom(...Object.keys(valid)),
  fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty"),
  fc.string({ maxLength: 12 }),
);

/** An outcome row of the fixture with a field made wrong, or something else entirely. */
const outcome = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...fixture.enrichedOutcomes) },
  fc
    .tuple(
      fc.constantFrom(...fixture.enrichedOutcomes),
      fc.constantFrom("$id", "courseId", "outcomeId", "unitCode"),
      anyValue,
    )
    .map(([row, key, value]) => ({ ...row, [key]: value })),
  anyValue,
);

const snapshot = fc.oneof(
  { weight: 3, arbitrary: fc.constant(fixture.lesson) },
  fc.constant(JSON.stringify(fixture.lesson)),
  fc.constant(encodeGzipPayload(fixture.lesson)),
  fc.constant({ ...fixture.lesson, courseId: "course_other" }),
  fc.string().map((text) => `gzip:${text}`),
  anyValue,
);

/** Mostly `fitting`, now and then anything else. */
const mostly = <T>(fitting: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 5, arbitrary: fitting }, { weight: 1, arbitrary: anyValue });

/** The fixture's context with each field mostly kept, sometimes replaced or dropped, plus stray fields. */
const nearContext = fc
  .record(
    {
      session_id: mostly(fc.constant(valid.session_id)),
      student_id: mostly(fc.constant(valid.student_id)),
      lesson_snapshot: snapshot,
      enriched_outcomes: mostly(fc.array(outcome, { maxLength: 3 })),
      course_title: mostly(fc.constant(valid.course_title)),
      use_plain_text: mostly(fc.boolean()),
    },
    { requiredKeys: ["session_id", "student_id", "lesson_snapshot", "enriched_outcomes"] },
  )
  .chain((context) =>
    fc
      .dictionary(callerKey, anyValue, { maxKeys: 1 })
      .map((extra) => Object.assign(JSON.parse(JSON.stringify(extra)), context)),
  );

/** `{session_id, use_plain_text}`, each right or wrong, sometimes with more keys. */
const nearRequest = fc
  .tuple(
    fc.record(
      {
        session_id: fc.oneof(fc.string({ minLength: 1, maxLength: 300 }), anyValue),
        use_plain_text: fc.oneof(fc.boolean(), anyValue),
      },
      { requiredKeys: [] },
    ),
    fc.dictionary(callerKey, anyValue, { maxKeys: 2 }),
  )
  .map(([request, extra]) => Object.assign(JSON.parse(JSON.stringify(extra)), request));

const sessionInput = fc.oneof(nearContext, nearRequest, anyValue);

function expectTypedRefusal(error: unknown): void {
  expect(
    error instanceof SessionContextError || error instanceof MasteryValidationError,
    String(error),
  ).toBe(true);
}

describe("session_context (property)", () => {
  beforeAll(() => {
    silenceLogs();
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  it("parseSessionContext accepts or throws a typed refusal", () => {
    fc.assert(
      fc.property(sessionInput, (raw) => {
        try {
          parseSessionContext(raw);
        } catch (error) {
          expectTypedRefusal(error);
        }
      }),
      propertyParameters(),
    );
  });

  it("parseSessionRequest accepts or throws a typed refusal, and with appwrite auth only the session reference", () => {
    fc.assert(
      fc.property(sessionInput, fc.constantFrom("appwrite", "none"), (raw, auth) => {
        let parsed;
        try {
          parsed = parseSessionRequest(raw, auth);
        } catch (error) {
          expectTypedRefusal(error);
          return;
        }
        if (auth !== "appwrite") return;
        expect(parsed.kind).toBe("stored");
        const keys = Reflect.ownKeys(raw as object);
        expect(
          keys.every((key) => typeof key === "string" && REQUEST_KEYS.has(key)),
          String(keys),
        ).toBe(true);
      }),
      propertyParameters(),
    );
  });
});
