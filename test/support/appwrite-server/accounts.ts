/**
 * Appwrite's account endpoint as a server verifies JWTs with it: `GET
 * /v1/account` with `X-Appwrite-Project` and `X-Appwrite-JWT` answers the
 * user (`Models.User<Models.Preferences>`), or 401 `user_jwt_invalid` for a token that is not one
 * of this server's, was tampered with, has expired or names a deleted or
 * blocked user, and 401 `general_unauthorized_scope` without a JWT (a guest).
 * JWTs are HS256 over `{ userId, sessionId, iat, exp }` like Appwrite's, with
 * a per-server secret; tests mint them with `createJwt`.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { Models } from "node-appwrite";
import { z } from "zod";
import { AppwriteApiError, apiErrors } from "./errors.js";
import { formatDatetime } from "./schema.js";

/** Appwrite's `account.createJWT()` lifetime. */
export const DEFAULT_JWT_SECONDS = 900;

export interface CreateUserInput {
  /** Default: a random ID. */
  $id?: string;
  name?: string;
  email?: string;
  /** A blocked user's JWTs are refused. Default true. */
  status?: boolean;
}

const ClaimsSchema = z.object({
  userId: z.string(),
  sessionId: z.string(),
  iat: z.number(),
  exp: z.number(),
});

const jwtInvalid = () =>
  new AppwriteApiError(
    401,
    "user_jwt_invalid",
    "The JWT token is invalid. Please check the value of the X-Appwrite-JWT header to ensure the correct token is being used.",
  );

export class Accounts {
  private readonly users = new Map<string, Models.User<Models.Preferences>>();
  private readonly secret = randomBytes(32);

  constructor(private readonly now: () => number) {}

  createUser(input: CreateUserInput = {}): Models.User<Models.Preferences> {
    const $id = input.$id ?? randomBytes(10).toString("hex");
    const at = formatDatetime(this.now());
    const user: Models.User<Models.Preferences> = {
      $id,
      $createdAt: at,
      $updatedAt: at,
      name: input.name ?? "",
      registration: at,
      status: input.status ?? true,
      labels: [],
      passwordUpdate: at,
      email: input.email ?? `${$id}@example.test`,
      phone: "",
      emailVerification: true,
      phoneVerification: false,
      mfa: false,
      prefs: {},
      targets: [],
      accessedAt: at,
    };
    this.users.set($id, user);
    return structuredClone(user);
  }

  /** A JWT for `userId`, valid for `expiresInSeconds` (negative: already expired). */
  createJwt(userId: string, options: { expiresInSeconds?: number } = {}): string {
    const iat = Math.floor(this.now() / 1000);
    const claims = {
      userId,
      sessionId: randomBytes(10).toString("hex"),
      iat,
      exp: iat + (options.expiresInSeconds ?? DEFAULT_JWT_SECONDS),
    };
    const unsigned = `${encode({ typ: "JWT", alg: "HS256" })}.${encode(claims)}`;
    return `${unsigned}.${this.sign(unsigned)}`;
  }

  /** `GET /account`: the project is checked by the caller. */
  get(headers: IncomingHttpHeaders): Models.User<Models.Preferences> {
    const jwt = headers["x-appwrite-jwt"];
    if (typeof jwt !== "string" || jwt === "") {
      throw apiErrors.missingScope("account");
    }
    const claims = this.verify(jwt);
    const user = this.users.get(claims.userId);
    if (user === undefined || !user.status) throw jwtInvalid();
    return structuredClone(user);
  }

  private verify(jwt: string): z.infer<typeof ClaimsSchema> {
    const [header, payload, signature, ...rest] = jwt.split(".");
    if (header === undefined || payload === undefined || signature === undefined || rest.length > 0)
      throw jwtInvalid();
    const expected = Buffer.from(this.sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw jwtInvalid();
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
      throw jwtInvalid();
    }
    const parsed = ClaimsSchema.safeParse(claims);
    if (!parsed.success || parsed.data.exp * 1000 <= this.now()) throw jwtInvalid();
    return parsed.data;
  }

  private sign(unsigned: string): string {
    return createHmac("sha256", this.secret).update(unsigned).digest("base64url");
  }
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
