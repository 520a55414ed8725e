import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  GZIP_PREFIX,
  MAX_GUNZIPPED_BYTES,
  MAX_PAYLOAD_CHARS,
  PayloadDecodeError,
  PayloadTooLargeError,
  decodeJsonPayload,
  encodeGzipPayload,
} from "../../src/lessons/codec.js";
import { gzipBomb, gzipBombBytes } from "../support/gzip-bomb.js";

function decodeError(value: string): PayloadDecodeError {
  try {
    decodeJsonPayload("lesson_snapshot", value);
  } catch (error) {
    if (error instanceof PayloadDecodeError) return error;
    throw error;
  }
  throw new Error("payload was decoded");
}

/** A JSON string literal of exactly `bytes` UTF-8 bytes (quotes included). */
function jsonOfBytes(bytes: number): string {
  return `"${"a".repeat(bytes - 2)}"`;
}

describe("decodeJsonPayload", () => {
  it("decodes an object as it is, a JSON string, and gzip:+base64", () => {
    const lesson = { title: "Fractions", cards: [1, 2] };
    expect(decodeJsonPayload("f", lesson)).toBe(lesson);
    expect(decodeJsonPayload("f", JSON.stringify(lesson))).toEqual(lesson);
    expect(decodeJsonPayload("f", encodeGzipPayload(lesson))).toEqual(lesson);
  });

  describe("the gzip cap (MAX_GUNZIPPED_BYTES)", () => {
    it("refuses the issue's gzip bomb (about 350 KiB of base64 inflating to 256 MiB): zlib stops at the cap", () => {
      const bomb = gzipBomb(256);
      // Short enough to pass the length cap: the inflation cap is what refuses it.
      expect(bomb.length).toBeLessThan(MAX_PAYLOAD_CHARS);

      const error = decodeError(bomb);
      expect(error).toBeInstanceOf(PayloadTooLargeError);
      expect(error.code).toBe("PAYLOAD_TOO_LARGE");
      expect(error.context).toEqual({
        field: "lesson_snapshot",
        reason: `gzip data of ${gzipBombBytes(256).length} bytes inflates past the ${MAX_GUNZIPPED_BYTES} bytes allowed`,
        maxGunzippedBytes: MAX_GUNZIPPED_BYTES,
        compressedBytes: gzipBombBytes(256).length,
      });
      // zlib's own refusal: it stopped inflating at maxOutputLength instead of inflating it all.
      expect(error.cause).toMatchObject({ code: "ERR_BUFFER_TOO_LARGE" });
      expect(String((error.cause as Error).message)).toContain(String(MAX_GUNZIPPED_BYTES));
    });

    it("accepts gzip data that inflates to exactly the cap, and refuses one byte more", () => {
      const atCap = GZIP_PREFIX + gzipSync(jsonOfBytes(MAX_GUNZIPPED_BYTES)).toString("base64");
      expect(decodeJsonPayload("f", atCap)).toHaveLength(MAX_GUNZIPPED_BYTES - 2);

      const overCap =
        GZIP_PREFIX + gzipSync(jsonOfBytes(MAX_GUNZIPPED_BYTES + 1)).toString("base64");
      expect(decodeError(overCap).code).toBe("PAYLOAD_TOO_LARGE");
    });

    it("still reports data that is not gzip as undecodable, not as too large", () => {
      expect(decodeError("gzip:not-gzip")).toMatchObject({
        code: "PAYLOAD_DECODE_FAILED",
        context: { reason: "invalid gzip:+base64 data" },
      });
    });
  });

  describe("the length cap (MAX_PAYLOAD_CHARS)", () => {
    it("accepts a JSON string of exactly the cap", () => {
      expect(decodeJsonPayload("f", jsonOfBytes(MAX_PAYLOAD_CHARS))).toHaveLength(
        MAX_PAYLOAD_CHARS - 2,
      );
    });

    it.each([
      { case: "plain JSON", value: jsonOfBytes(MAX_PAYLOAD_CHARS + 1) },
      { case: "text that is not even JSON", value: "{".repeat(MAX_PAYLOAD_CHARS + 1) },
      {
        case: "gzip:+base64",
        value: GZIP_PREFIX + "A".repeat(MAX_PAYLOAD_CHARS + 1 - GZIP_PREFIX.length),
      },
    ])("refuses $case one character past the cap before decoding it", ({ value }) => {
      const error = decodeError(value);
      expect(error).toBeInstanceOf(PayloadTooLargeError);
      expect(error.context).toEqual({
        field: "lesson_snapshot",
        reason: `is ${MAX_PAYLOAD_CHARS + 1} characters long, more than the ${MAX_PAYLOAD_CHARS} allowed`,
        maxChars: MAX_PAYLOAD_CHARS,
        chars: MAX_PAYLOAD_CHARS + 1,
      });
      expect(error.cause).toBeUndefined();
      // The refused value is not echoed: the message names the field and the sizes only.
      expect(error.message.length).toBeLessThan(200);
    });
  });
});
