/** `appwrite` mode's authentication with a fake verifier and the memory students store. */
import { HTTPException } from "@langchain/langgraph-sdk/auth";
import { pino } from "pino";
import { beforeEach, describe, expect, it } from "vitest";
import { createAppwriteAuthenticator } from "../../src/auth/authenticate.js";
import { refusalCode } from "../../src/auth/errors.js";
import { TokenCache } from "../../src/auth/token-cache.js";
import type { StudentUser } from "../../src/auth/users.js";
import {
  TokenRejectedError,
  VerifierUnavailableError,
  type AccountUser,
} from "../../src/auth/verifier.js";
import { StoreDataError, StoreUnavailableError } from "../../src/stores/errors.js";
import { createMemoryStores } from "../../src/stores/memory/index.js";
import type { Stores, StudentStore } from "../../src/stores/ports.js";

const NOW = Date.parse("2026-01-01T00:00:00Z");

/** An unsigned JWT-shaped token with this `exp` (seconds); only its shape and `exp` are read here. */
function jwt(exp: number | null = NOW / 1000 + 900, extra = ""): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const claims = exp === null ? { userId: "u", extra } : { userId: "u", exp, extra };
  return `${part({ alg: "HS256" })}.${part(claims)}.c2ln`;
}

function requestWith(authorization?: string, path = "/threads/search", method = "POST"): Request {
  return new Request(`http://127.0.0.1${path}`, {
    method,
    headers: authorization === undefined ? {} : { authorization },
  });
}

let stores: Stores;
let verified: string[];
let verifierAnswer: (token: string) => Promise<AccountUser>;
let cache: TokenCache<StudentUser>;
let students: () => StudentStore;
const logs: string[] = [];

function authenticator() {
  return createAppwriteAuthenticator({
    verifier: async () => ({
      verify: async (token) => {
        verified.push(token);
        return verifierAnswer(token);
      },
    }),
    students,
    cache,
    logger: () => pino({ level: "info" }, { write: (line: string) => logs.push(line) }),
    now: () => NOW,
  });
}

async function refusalOf(
  promise: Promise<unknown>,
): Promise<{ status: number; code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HTTPException);
    const http = error as HTTPException;
    return { status: http.status, code: refusalCode(error), message: http.message };
  }
  return expect.fail("authenticated");
}

beforeEach(async () => {
  stores = createMemoryStores();
  await stores.students.upsertMany([
    { $id: "student_ada", userId: "user_ada", name: "Ada L." },
    { $id: "student_ben", userId: "user_ben" },
  ]);
  students = () => stores.students;
  verified = [];
  logs.length = 0;
  verifierAnswer = async () => ({ userId: "user_ada", name: "Ada" });
  cache = new TokenCache({ now: () => NOW });
});

describe("appwrite authentication", () => {
  it("maps a verified token to its student: the student's $id is the identity", async () => {
    const user = await authenticator()(requestWith(`Bearer ${jwt()}`));
    expect(user).toEqual({
      kind: "student",
      identity: "student_ada",
      userId: "user_ada",
      display_name: "Ada L.",
      permissions: [],
      is_authenticated: true,
    });
  });

  it("names the student by the account when the row has no name", async () => {
    verifierAnswer = async () => ({ userId: "user_ben", name: "Ben" });
    expect((await authenticator()(requestWith(`Bearer ${jwt()}`))).display_name).toBe("Ben");
  });

  it.each([
    ["no header", undefined, "AUTH_TOKEN_MISSING"],
    ["an empty header", "", "AUTH_TOKEN_MISSING"],
    ["another scheme", `Basic ${jwt()}`, "AUTH_TOKEN_MALFORMED"],
    ["a bearer that is not a JWT", "Bearer abc", "AUTH_TOKEN_MALFORMED"],
    ["a JWT without exp", `Bearer ${jwt(null)}`, "AUTH_TOKEN_MALFORMED"],
    ["a JWT whose payload is not JSON", "Bearer aaa.bm90IGpzb24.ccc", "AUTH_TOKEN_MALFORMED"],
    [
      "an oversize token",
      `Bearer ${jwt(NOW / 1000 + 900, "x".repeat(5000))}`,
      "AUTH_TOKEN_MALFORMED",
    ],
    ["an expired JWT", `Bearer ${jwt(NOW / 1000 - 1)}`, "AUTH_TOKEN_INVALID"],
  ])("refuses %s with 401 without asking Appwrite", async (_, header, code) => {
    const refused = await refusalOf(authenticator()(requestWith(header)));
    expect(refused).toMatchObject({ status: 401, code });
    expect(verified).toEqual([]);
  });

  it("refuses a token Appwrite rejects with 401, saying nothing of Appwrite's reply", async () => {
    verifierAnswer = async () => {
      throw new TokenRejectedError("user_jwt_invalid", { appwriteType: "user_jwt_invalid" });
    };
    const refused = await refusalOf(authenticator()(requestWith(`Bearer ${jwt()}`)));
    expect(refused).toMatchObject({ status: 401, code: "AUTH_TOKEN_INVALID" });
    expect(refused.message).not.toContain("user_jwt_invalid");
  });

  it("refuses a user without a student row with 403", async () => {
    verifierAnswer = async () => ({ userId: "user_nobody", name: "N" });
    expect(await refusalOf(authenticator()(requestWith(`Bearer ${jwt()}`)))).toMatchObject({
      status: 403,
      code: "NOT_A_STUDENT",
    });
  });

  it("answers 503 (not 401) when Appwrite or the students table cannot be reached, and logs why", async () => {
    verifierAnswer = async () => {
      throw new VerifierUnavailableError("account.get: timed out; gave up after 2 attempts");
    };
    const down = await refusalOf(authenticator()(requestWith(`Bearer ${jwt()}`)));
    expect(down).toMatchObject({ status: 503, code: "AUTH_UNAVAILABLE" });
    expect(down.message).not.toContain("timed out");
    expect(logs.join("")).toContain("timed out");

    verifierAnswer = async () => ({ userId: "user_ada", name: "Ada" });
    students = () => ({
      ...stores.students,
      findByUserId: async () => {
        throw new StoreUnavailableError("appwrite", "listRows on students: 503");
      },
    });
    expect((await refusalOf(authenticator()(requestWith(`Bearer ${jwt()}`)))).status).toBe(503);
  });

  it("answers 500 without internals when the students table names two students", async () => {
    students = () => ({
      ...stores.students,
      findByUserId: async () => {
        throw new StoreDataError("students", "student_a", "several students have this userId", {
          ids: ["student_a", "student_b"],
        });
      },
    });
    const refused = await refusalOf(authenticator()(requestWith(`Bearer ${jwt()}`)));
    expect(refused).toMatchObject({ status: 500, code: "AUTH_FAILED" });
    expect(refused.message).not.toContain("student_a");
    expect(logs.join("")).toContain("several students");
  });

  it("lets the health check through as the anonymous caller", async () => {
    expect((await authenticator()(requestWith(undefined, "/ok", "GET"))).kind).toBe("anonymous");
    expect((await refusalOf(authenticator()(requestWith(undefined, "/ok", "POST")))).status).toBe(
      401,
    );
    expect((await refusalOf(authenticator()(requestWith(undefined, "/ok/x", "GET")))).status).toBe(
      401,
    );
  });
});

describe("the token cache in authentication", () => {
  it("verifies a token once while it is cached", async () => {
    const authenticate = authenticator();
    const token = jwt();
    await authenticate(requestWith(`Bearer ${token}`));
    await authenticate(requestWith(`Bearer ${token}`));
    expect(verified).toEqual([token]);
  });

  it("does not cache a refusal as a success", async () => {
    const authenticate = authenticator();
    const token = jwt();
    verifierAnswer = async () => ({ userId: "user_nobody", name: "N" });
    expect((await refusalOf(authenticate(requestWith(`Bearer ${token}`)))).status).toBe(403);
    verifierAnswer = async () => {
      throw new TokenRejectedError("user_jwt_invalid");
    };
    expect((await refusalOf(authenticate(requestWith(`Bearer ${token}`)))).status).toBe(401);
    expect(cache.size).toBe(0);
    verifierAnswer = async () => ({ userId: "user_ada", name: "Ada" });
    expect((await authenticate(requestWith(`Bearer ${token}`))).identity).toBe("student_ada");
    expect(verified).toHaveLength(3);
  });
});
