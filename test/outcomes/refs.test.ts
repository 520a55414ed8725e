import { describe, expect, it } from "vitest";
import { extractAssessmentStandards, extractOutcomeIds } from "../../src/outcomes/refs.js";

describe("extractOutcomeIds", () => {
  it("keeps refs without a dot: the spec's example enriches O1 only", () => {
    expect(extractOutcomeIds(["O1", "AS1.1", "AS1.2"])).toEqual(["O1"]);
  });

  it("keeps the National 5+ outcome codes TOPIC_* and SKILL_*", () => {
    expect(extractOutcomeIds(["TOPIC_NUMBER", "SKILL_SURDS", "AS2.1"])).toEqual([
      "TOPIC_NUMBER",
      "SKILL_SURDS",
    ]);
  });

  it("trims refs before classifying and de-duplicating them", () => {
    expect(extractOutcomeIds([" O1", "O1 ", "\tO2\n", " AS1.1 "])).toEqual(["O1", "O2"]);
  });

  it("drops blank and whitespace-only refs instead of turning them into an empty outcome", () => {
    expect(extractOutcomeIds(["", "   ", "O2"])).toEqual(["O2"]);
  });

  it("keeps the order of first appearance", () => {
    expect(extractOutcomeIds(["O2", "O1", "O2", "O3"])).toEqual(["O2", "O1", "O3"]);
  });

  it("returns nothing for refs that are only assessment standards, blanks, or none", () => {
    expect(extractOutcomeIds(["AS1.1", "AS1.2"])).toEqual([]);
    expect(extractOutcomeIds(["", " "])).toEqual([]);
    expect(extractOutcomeIds([])).toEqual([]);
  });

  it("treats any dot as an assessment standard, wherever it is", () => {
    expect(extractOutcomeIds(["O1.", ".O1", "1.2"])).toEqual([]);
  });

  it("is case-sensitive: o1 and O1 are different codes", () => {
    expect(extractOutcomeIds(["o1", "O1"])).toEqual(["o1", "O1"]);
  });

  it("does not modify its input", () => {
    const refs = Object.freeze([" O1 ", "AS1.1"]);
    extractOutcomeIds(refs);
    expect(refs).toEqual([" O1 ", "AS1.1"]);
  });
});

describe("extractAssessmentStandards", () => {
  it("keeps only refs with a dot, trimmed and de-duplicated", () => {
    expect(extractAssessmentStandards(["O1", " AS1.1", "AS1.1", "AS1.2 ", ""])).toEqual([
      "AS1.1",
      "AS1.2",
    ]);
  });
});
