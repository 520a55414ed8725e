import { describe, expect, it } from "vitest";
import { isDocumentId, isStringRef, uniqueId } from "../../src/mastery/ids.js";

describe("isDocumentId", () => {
  it.each([
    "68f576b1000c0f5d0ae8",
    "6913b73000151df21338",
    "outcome_test_simple_o1",
    "A.b-c_d0123456789xyz",
    "a".repeat(36),
  ])("accepts %s", (id) => {
    expect(isDocumentId(id)).toBe(true);
  });

  it.each([
    ["the empty key", ""],
    ["a string ref", "O1"],
    ["an assessment standard", "AS1.1"],
    ["a composite key", "68f576b1000c0f5d0ae8#AS1.1"],
    ["19 characters", "68f576b1000c0f5d0ae"],
    ["37 characters", "a".repeat(37)],
    ["a leading underscore", "_8f576b1000c0f5d0ae8"],
    ["a leading dot", ".8f576b1000c0f5d0ae8"],
    ["a leading dash", "-8f576b1000c0f5d0ae8"],
    ["a space", "68f576b1000c 0f5d0ae8"],
  ])("rejects %s", (_case, id) => {
    expect(isDocumentId(id)).toBe(false);
  });

  it.each([undefined, null, 68576100, {}, ["68f576b1000c0f5d0ae8"]])(
    "rejects the non-string %j",
    (value) => {
      expect(isDocumentId(value)).toBe(false);
    },
  );
});

describe("isStringRef", () => {
  it.each(["O1", "O12", "AS1.1", "AS2.3.1", "TOPIC_NUMBER", "SKILL_SURDS"])(
    "recognises the legacy key %s",
    (key) => {
      expect(isStringRef(key)).toBe(true);
    },
  );
  it.each(["", "68f576b1000c0f5d0ae8", "o1", "AS1", "TOPIC_", "O1.1"])(
    "does not take %j for a string ref",
    (key) => {
      expect(isStringRef(key)).toBe(false);
    },
  );
});

describe("uniqueId", () => {
  it("has the ID.unique() shape: 8 hex of seconds, 5 of milliseconds, 7 random", () => {
    const now = Date.UTC(2025, 10, 12, 15, 0, 0, 123);
    const id = uniqueId(now);
    expect(id).toMatch(/^[0-9a-f]{20}$/);
    expect(id.slice(0, 8)).toBe(Math.floor(now / 1000).toString(16));
    expect(id.slice(8, 13)).toBe((123 * 1000).toString(16).padStart(5, "0"));
    expect(isDocumentId(id)).toBe(true);
  });

  it("gives different IDs for the same instant", () => {
    const now = Date.now();
    const ids = new Set(Array.from({ length: 50 }, () => uniqueId(now)));
    expect(ids.size).toBe(50);
  });
});
