/**
 * The bearer token of a request and the one claim read from it without
 * verification: `exp`, which only bounds how long a verified token is cached.
 * Whether the token is genuine is Appwrite's to say, never this module's.
 */
import { z } from "zod";
import { AUTH_CODES, refusal } from "./errors.js";

/** Longer than any Appwrite JWT; a bigger header is refused before it is hashed or sent on. */
export const MAX_TOKEN_CHARS = 4096;

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+$/;

const ExpiryClaimSchema = z.looseObject({ exp: z.number().finite() });

export interface BearerToken {
  token: string;
  /** The JWT's `exp` in milliseconds (unverified). */
  expiresAt: number;
}

/** The request's `Authorization: Bearer <JWT>`; a 401 when it is absent or not a JWT with an `exp`. */
export function readBearerToken(request: Request): BearerToken {
  const header = request.headers.get("authorization");
  if (header === null || header.trim() === "") {
    throw refusal(
      401,
      AUTH_CODES.tokenMissing,
      "send an Appwrite account JWT as Authorization: Bearer <jwt>",
    );
  }
  const match = /^Bearer +(\S+)\s*$/i.exec(header);
  const token = match?.[1];
  if (token === undefined || token.length > MAX_TOKEN_CHARS) {
    throw refusal(401, AUTH_CODES.tokenMalformed, "the Authorization header is not Bearer <jwt>");
  }
  const expiresAt = expiryOf(token);
  if (expiresAt === undefined) {
    throw refusal(
      401,
      AUTH_CODES.tokenMalformed,
      "the bearer token is not a JWT with an exp claim",
    );
  }
  return { token, expiresAt };
}

function expiryOf(token: string): number | undefined {
  const payload = JWT_SHAPE.exec(token)?.[1];
  if (payload === undefined) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  const parsed = ExpiryClaimSchema.safeParse(claims);
  return parsed.success ? parsed.data.exp * 1000 : undefined;
}
