import { describe, expect, it } from "vitest";
import { InvalidMasteryRecordError } from "../../src/mastery/errors.js";
import {
  EMA_BY_OUTCOME_MAX_CHARS,
  assertValidEmaMap,
  emaMapOf,
  findEmaViolations,
  findEntryViolations,
  findSizeViolations,
  isMasteryScore,
  parseEmaMap,
} from "../../src/mastery/map.js";

const A = "68f576b1000c0f5d0ae8";
const B = "6913b73000151df21338";

describe("parseEmaMap", () => {
  it("accepts only JSON objects and keeps every own key", () => {
    const parsed = parseEmaMap('{"__proto__": 1, "a": 2}');
    expect(parsed).toEqual({ ok: true, map: JSON.parse('{"__proto__": 1, "a": 2}') });
    expect(parsed.ok && Object.keys(parsed.map)).toEqual(["__proto__", "a"]);
  });

  it("says why a stored value is not a map", () => {
    expect(parseEmaMap(null)).toEqual({ ok: false, reason: "unset" });
    for (const raw of ["", "{", "undefined"])
      expect(parseEmaMap(raw)).toMatchObject({ ok: false, reason: "not_json" });
    for (const raw of ["null", "1", '"x"', "[]", "[0.5]", "true"])
      expect(parseEmaMap(raw)).toEqual({ ok: false, reason: "not_an_object" });
  });

  it("gives a map without a prototype: inherited names are absent until stored", () => {
    const parsed = parseEmaMap(`{"${A}": 0.5}`);
    expect(parsed.ok).toBe(true);
    const map = parsed.ok ? parsed.map : {};
    expect(Object.getPrototypeOf(map)).toBeNull();
    for (const name of ["constructor", "toString", "propertyIsEnumerable", "__proto__"])
      expect(map[name], name).toBeUndefined();
  });
});

describe("emaMapOf", () => {
  it("keeps __proto__ and other inherited names as plain keys", () => {
    const map = emaMapOf([
      ["__proto__", 0.5],
      ["constructor", 0.1],
      [A, 0.7],
    ]);
    expect(Object.keys(map)).toEqual(["__proto__", "constructor", A]);
    expect(JSON.stringify(map)).toBe(`{"__proto__":0.5,"constructor":0.1,"${A}":0.7}`);
  });
});

describe("isMasteryScore", () => {
  it("accepts finite numbers in [0, 1] only", () => {
    for (const value of [0, 0.5, 1]) expect(isMasteryScore(value), String(value)).toBe(true);
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, -0.01, 1.01, "0.5", null, true, {}])
      expect(isMasteryScore(value), String(value)).toBe(false);
  });
});

describe("findEmaViolations", () => {
  it("finds nothing wrong in a map of document IDs to scores", () => {
    expect(findEmaViolations({ [A]: 0.85, [B]: 0 })).toEqual([]);
  });

  it("reports every violation of the spec's corrupted example", () => {
    expect(findEmaViolations({ "": 0, O1: 1, "AS1.1": 1 })).toEqual([
      { rule: "empty_key", key: "", value: 0 },
      { rule: "invalid_id_format", key: "O1", value: 1 },
      { rule: "invalid_id_format", key: "AS1.1", value: 1 },
    ]);
  });

  it("reports __proto__ and constructor keys like any other malformed key", () => {
    const map = JSON.parse('{"__proto__": 0.5, "constructor": 2}') as Record<string, unknown>;
    expect(findEmaViolations(map)).toEqual([
      { rule: "invalid_id_format", key: "__proto__", value: 0.5 },
      { rule: "invalid_id_format", key: "constructor", value: 2 },
      { rule: "invalid_value", key: "constructor", value: 2 },
    ]);
  });

  it("reports keys that are not the course's outcomes when they are known", () => {
    expect(findEmaViolations({ [A]: 1, [B]: 1 }, new Set([A]))).toEqual([
      { rule: "unknown_outcome", key: B, value: 1 },
    ]);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, -0.01, 1.01, "0.5", null])(
    "reports the value %s",
    (value) => {
      expect(findEmaViolations({ [A]: value })).toEqual([{ rule: "invalid_value", key: A, value }]);
    },
  );

  it("reports a map too large for the 5000-character column", () => {
    const big = Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [
        `${String(i).padStart(5, "0")}6b1000c0f5d0ae8`,
        0.1234,
      ]),
    );
    const size = JSON.stringify(big).length;
    expect(size).toBeGreaterThan(EMA_BY_OUTCOME_MAX_CHARS);
    expect(findEmaViolations(big)).toEqual([{ rule: "oversize", value: size }]);
    expect(findEntryViolations(big)).toEqual([]);
  });
});

describe("findSizeViolations", () => {
  it("allows exactly the column size and no more", () => {
    expect(findSizeViolations("x".repeat(EMA_BY_OUTCOME_MAX_CHARS))).toEqual([]);
    expect(findSizeViolations("x".repeat(EMA_BY_OUTCOME_MAX_CHARS + 1))).toEqual([
      { rule: "oversize", value: EMA_BY_OUTCOME_MAX_CHARS + 1 },
    ]);
  });
});

describe("assertValidEmaMap", () => {
  it("passes a valid map and throws with the violations and context otherwise", () => {
    expect(() => assertValidEmaMap({ [A]: 1 }, {})).not.toThrow();
    let thrown: unknown;
    try {
      assertValidEmaMap({ O1: 1 }, { recordId: "r1" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidMasteryRecordError);
    expect((thrown as InvalidMasteryRecordError).context).toEqual({
      recordId: "r1",
      violations: [{ rule: "invalid_id_format", key: "O1", value: 1 }],
    });
    expect((thrown as Error).message).toBe('MasteryV2 write refused: invalid_id_format ("O1")');
  });
});
