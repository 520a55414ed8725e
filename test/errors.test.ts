import { describe, expect, it } from "vitest";
import {
  ECHO_MAX_CHARS,
  ECHO_MAX_JSON_CHARS,
  describeValue,
  echoValue,
  truncateText,
} from "../src/errors.js";

describe("truncateText", () => {
  it("keeps text up to the cap and cuts longer text, saying how long it was", () => {
    const atCap = "a".repeat(ECHO_MAX_CHARS);
    expect(truncateText(atCap)).toBe(atCap);
    expect(truncateText(`${atCap}b`)).toBe(`${atCap}…(${ECHO_MAX_CHARS + 1} chars)`);
  });

  it("never cuts a surrogate pair in half", () => {
    const text = `${"a".repeat(ECHO_MAX_CHARS - 1)}😀tail`;
    expect(truncateText(text)).toBe(`${"a".repeat(ECHO_MAX_CHARS - 1)}…(${text.length} chars)`);
  });
});

describe("describeValue", () => {
  it("describes short values as JSON", () => {
    expect(describeValue("1/4")).toBe('"1/4"');
    expect(describeValue({ a: [1, null] })).toBe('{"a":[1,null]}');
    expect(describeValue(undefined)).toBe("undefined");
  });

  it("truncates a long string and a large object", () => {
    const long = "x".repeat(5000);
    expect(describeValue(long)).toBe(`"${"x".repeat(ECHO_MAX_CHARS)}…(5000 chars)"`);
    const large = { items: Array.from({ length: 1000 }, (_, index) => index) };
    const json = JSON.stringify(large);
    expect(describeValue(large)).toBe(
      `${json.slice(0, ECHO_MAX_JSON_CHARS)}…(${json.length} chars)`,
    );
  });
});

describe("echoValue", () => {
  it("echoes short strings, scalars and small objects as they are", () => {
    const small = { action: "submit_answer", card_id: "card_001" };
    expect(echoValue("1/4")).toBe("1/4");
    expect(echoValue(4)).toBe(4);
    expect(echoValue(null)).toBeNull();
    expect(echoValue(undefined)).toBeUndefined();
    expect(echoValue(small)).toBe(small);
  });

  it("echoes a long string truncated, and a large object as its truncated JSON", () => {
    expect(echoValue("y".repeat(4001))).toBe(`${"y".repeat(ECHO_MAX_CHARS)}…(4001 chars)`);
    const large = ["z".repeat(ECHO_MAX_JSON_CHARS)];
    expect(echoValue(large)).toBe(
      `${JSON.stringify(large).slice(0, ECHO_MAX_JSON_CHARS)}…(${ECHO_MAX_JSON_CHARS + 4} chars)`,
    );
  });
});
