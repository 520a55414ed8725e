import { gunzipSync, gzipSync } from "node:zlib";
import { TeachingGraphError } from "../errors.js";

/** Appwrite string columns hold JSON, or `gzip:` + base64 of gzipped JSON for large values. */
export const GZIP_PREFIX = "gzip:";

export class PayloadDecodeError extends TeachingGraphError {
  constructor(field: string, reason: string, cause?: unknown) {
    super(
      "PAYLOAD_DECODE_FAILED",
      `Could not decode ${field}: ${reason}`,
      { field, reason },
      { cause },
    );
  }
}

/**
 * Decodes a value that may arrive as an object, a JSON string, or `gzip:`+base64.
 * `field` names the value in the error.
 */
export function decodeJsonPayload(field: string, value: unknown): unknown {
  if (typeof value !== "string") return value;
  let json = value;
  if (value.startsWith(GZIP_PREFIX)) {
    try {
      json = gunzipSync(Buffer.from(value.slice(GZIP_PREFIX.length), "base64")).toString("utf8");
    } catch (error) {
      throw new PayloadDecodeError(field, "invalid gzip:+base64 data", error);
    }
  }
  try {
    return JSON.parse(json) as unknown;
  } catch (error) {
    throw new PayloadDecodeError(field, `invalid JSON (${(error as Error).message})`, error);
  }
}

export function encodeGzipPayload(value: unknown): string {
  return GZIP_PREFIX + gzipSync(JSON.stringify(value)).toString("base64");
}
