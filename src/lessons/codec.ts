import { gunzipSync, gzipSync } from "node:zlib";
import { TeachingGraphError } from "../errors.js";

/** Appwrite string columns hold JSON, or `gzip:` + base64 of gzipped JSON for large values. */
export const GZIP_PREFIX = "gzip:";

/**
 * Longest string a JSON payload may be (plain JSON or `gzip:`+base64),
 * checked before any decoding. The platform's largest JSON column,
 * `sessions.lessonSnapshot`, holds at most 100000 characters; this leaves ten
 * times that as headroom.
 */
export const MAX_PAYLOAD_CHARS = 1024 * 1024;

/**
 * Most bytes a `gzip:` payload may inflate to. zlib stops at this many bytes,
 * so a gzip bomb (340 KiB of base64 that inflates to 256 MiB) is refused after
 * inflating 1 MiB, in milliseconds, instead of blocking the event loop for
 * seconds.
 */
export const MAX_GUNZIPPED_BYTES = 1024 * 1024;

export class PayloadDecodeError extends TeachingGraphError {
  constructor(
    field: string,
    reason: string,
    cause?: unknown,
    context: Record<string, unknown> = {},
  ) {
    super(
      "PAYLOAD_DECODE_FAILED",
      `Could not decode ${field}: ${reason}`,
      { ...context, field, reason },
      { cause },
    );
  }
}

/**
 * A payload past one of the size caps; nothing was decoded beyond the cap. It
 * is a PayloadDecodeError, so every caller that reports an undecodable payload
 * reports this one too; its own `code` says why.
 */
export class PayloadTooLargeError extends PayloadDecodeError {
  override readonly code = "PAYLOAD_TOO_LARGE";
}

/**
 * Decodes a value that may arrive as an object, a JSON string, or `gzip:`+base64.
 * `field` names the value in the error. Strings longer than
 * {@link MAX_PAYLOAD_CHARS}, and gzip data inflating past
 * {@link MAX_GUNZIPPED_BYTES}, are a {@link PayloadTooLargeError}.
 */
export function decodeJsonPayload(field: string, value: unknown): unknown {
  if (typeof value !== "string") return value;
  if (value.length > MAX_PAYLOAD_CHARS) {
    throw new PayloadTooLargeError(
      field,
      `is ${value.length} characters long, more than the ${MAX_PAYLOAD_CHARS} allowed`,
      undefined,
      { maxChars: MAX_PAYLOAD_CHARS, chars: value.length },
    );
  }
  const json = value.startsWith(GZIP_PREFIX) ? gunzipPayload(field, value) : value;
  try {
    return JSON.parse(json) as unknown;
  } catch (error) {
    throw new PayloadDecodeError(field, `invalid JSON (${(error as Error).message})`, error);
  }
}

/** The JSON text of a `gzip:`+base64 payload, inflated no further than {@link MAX_GUNZIPPED_BYTES}. */
function gunzipPayload(field: string, value: string): string {
  const compressed = Buffer.from(value.slice(GZIP_PREFIX.length), "base64");
  try {
    return gunzipSync(compressed, { maxOutputLength: MAX_GUNZIPPED_BYTES }).toString("utf8");
  } catch (error) {
    if ((error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new PayloadTooLargeError(
        field,
        `gzip data of ${compressed.length} bytes inflates past the ${MAX_GUNZIPPED_BYTES} bytes allowed`,
        error,
        { maxGunzippedBytes: MAX_GUNZIPPED_BYTES, compressedBytes: compressed.length },
      );
    }
    throw new PayloadDecodeError(field, "invalid gzip:+base64 data", error);
  }
}

export function encodeGzipPayload(value: unknown): string {
  return GZIP_PREFIX + gzipSync(JSON.stringify(value)).toString("base64");
}
