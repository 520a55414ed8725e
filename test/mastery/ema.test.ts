import { describe, expect, it } from "vitest";
import {
  DEFAULT_EMA_ALPHA,
  foldMasteryUpdates,
  type MasteryUpdate,
} from "../../src/mastery/ema.js";
import { InvalidMasteryRecordError } from "../../src/mastery/errors.js";

const A = "68f576b1000c0f5d0ae8";
const B = "6913b73000151df21338";
const update = (outcome_id: string, score: number): MasteryUpdate => ({
  outcome_id,
  score,
  timestamp: "2025-11-12T15:00:00.000Z",
});

describe("foldMasteryUpdates", () => {
  it("gives an absent key its first score", () => {
    expect(foldMasteryUpdates({}, [update(A, 0.7)])).toEqual({ [A]: 0.7 });
  });

  it("folds later scores with the EMA, default alpha 0.3, in order", () => {
    expect(DEFAULT_EMA_ALPHA).toBe(0.3);
    // 1.0, then 0.3*0.3 + 0.7*1.0 = 0.79, then 0.3*0.7 + 0.7*0.79 = 0.763
    expect(foldMasteryUpdates({}, [update(A, 1), update(A, 0.3), update(A, 0.7)])).toEqual({
      [A]: 0.763,
    });
  });

  it("folds into existing values and keeps untouched keys", () => {
    expect(foldMasteryUpdates({ [A]: 0.5, [B]: 0.9 }, [update(A, 1)])).toEqual({
      [A]: 0.65,
      [B]: 0.9,
    });
  });

  it("uses a configured alpha", () => {
    expect(foldMasteryUpdates({ [A]: 0.5 }, [update(A, 1)], 0.5)).toEqual({ [A]: 0.75 });
    expect(foldMasteryUpdates({ [A]: 0.5 }, [update(A, 0.3)], 1)).toEqual({ [A]: 0.3 });
  });

  it("rounds to 4 decimals", () => {
    // 0.3*0.7 + 0.7*(1/3) = 0.44333...
    expect(foldMasteryUpdates({ [A]: 1 / 3 }, [update(A, 0.7)])).toEqual({ [A]: 0.4433 });
  });

  it.each([0, -0.1, 1.01, Number.NaN])("rejects alpha %s", (alpha) => {
    expect(() => foldMasteryUpdates({}, [update(A, 1)], alpha)).toThrow(InvalidMasteryRecordError);
  });

  it.each([
    { case: "an empty key", updates: [update("", 1)], rule: "empty_key" },
    { case: "a string ref", updates: [update("O1", 1)], rule: "invalid_id_format" },
    { case: "a score above 1", updates: [update(A, 1.5)], rule: "invalid_value" },
    { case: "a negative score", updates: [update(A, -0.1)], rule: "invalid_value" },
  ])("refuses $case (typed error, rule $rule)", ({ updates, rule }) => {
    let thrown: unknown;
    try {
      foldMasteryUpdates({}, updates);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidMasteryRecordError);
    expect((thrown as InvalidMasteryRecordError).code).toBe("INVALID_MASTERY_RECORD");
    expect((thrown as InvalidMasteryRecordError).violations.map((v) => v.rule)).toContain(rule);
    expect((thrown as InvalidMasteryRecordError).context).toMatchObject({ updates });
  });

  it("takes a key named like an inherited property as absent until scored", () => {
    // `propertyIsEnumerable` is a valid document ID; `{}` would hand the fold its inherited function.
    expect(foldMasteryUpdates({}, [update("propertyIsEnumerable", 0.6)])).toEqual({
      propertyIsEnumerable: 0.6,
    });
  });

  it("refuses to carry over a corrupt existing key", () => {
    expect(() => foldMasteryUpdates({ "": 0 }, [update(A, 1)])).toThrow(InvalidMasteryRecordError);
  });
});
