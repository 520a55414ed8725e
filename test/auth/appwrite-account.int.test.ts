/** The Appwrite account verifier against the Appwrite-compatible test server's account endpoint. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createAppwriteAccountVerifier,
  VERIFY_RETRY_POLICY,
} from "../../src/auth/appwrite-account.js";
import {
  TokenRejectedError,
  VerifierUnavailableError,
  type AccountVerifier,
} from "../../src/auth/verifier.js";
import {
  startAppwriteTestServer,
  type AppwriteTestServer,
} from "../support/appwrite-server/index.js";
import { freePort } from "../support/langgraphServer.js";
import { rejectionOf } from "../stores/contract.js";

const FAST = { ...VERIFY_RETRY_POLICY, baseDelayMs: 1, maxDelayMs: 5, requestTimeoutMs: 1000 };

let server: AppwriteTestServer;
let verifier: AccountVerifier;

beforeEach(async () => {
  server = await startAppwriteTestServer();
  server.createUser({ $id: "user_ada", name: "Ada" });
  verifier = createAppwriteAccountVerifier(
    { endpoint: server.endpoint, projectId: server.projectId },
    FAST,
  );
});

afterEach(async () => {
  await server.close();
});

describe("Appwrite account verifier", () => {
  it("answers the account of a valid JWT", async () => {
    expect(await verifier.verify(server.createJwt("user_ada"))).toEqual({
      userId: "user_ada",
      name: "Ada",
    });
    expect(server.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "GET /account 200",
    ]);
  });

  it("reports a forged, an expired and a blocked user's JWT as rejected, without retrying", async () => {
    const [header, payload] = server.createJwt("user_ada").split(".");
    await rejectionOf(verifier.verify(`${header}.${payload}.Zm9yZ2Vk`), TokenRejectedError);
    await rejectionOf(
      verifier.verify(server.createJwt("user_ada", { expiresInSeconds: -1 })),
      TokenRejectedError,
    );
    server.createUser({ $id: "user_blocked", status: false });
    await rejectionOf(verifier.verify(server.createJwt("user_blocked")), TokenRejectedError);
    expect(server.requests.map((r) => r.status)).toEqual([401, 401, 401]);
  });

  it("reports a token of another project as rejected", async () => {
    const other = await startAppwriteTestServer();
    try {
      other.createUser({ $id: "user_ada" });
      await rejectionOf(verifier.verify(other.createJwt("user_ada")), TokenRejectedError);
    } finally {
      await other.close();
    }
  });

  it("retries a transient failure once, then reports Appwrite unavailable (not a bad token)", async () => {
    server.faults.add({ path: /^\/account$/, status: 503, times: 1 });
    expect((await verifier.verify(server.createJwt("user_ada"))).userId).toBe("user_ada");
    server.faults.add({ path: /^\/account$/, status: 503, times: Infinity });
    const error = await rejectionOf(
      verifier.verify(server.createJwt("user_ada")),
      VerifierUnavailableError,
    );
    expect(error.message).toContain("gave up after 2 attempts");
  });

  it("reports an unreachable Appwrite as unavailable", async () => {
    const closed = createAppwriteAccountVerifier(
      { endpoint: `http://127.0.0.1:${await freePort()}/v1`, projectId: server.projectId },
      FAST,
    );
    await rejectionOf(closed.verify(server.createJwt("user_ada")), VerifierUnavailableError);
  });

  it("reports a misconfigured project as unavailable, not as the caller's fault", async () => {
    const misconfigured = createAppwriteAccountVerifier(
      { endpoint: server.endpoint, projectId: "no-such-project" },
      FAST,
    );
    await rejectionOf(misconfigured.verify(server.createJwt("user_ada")), VerifierUnavailableError);
  });
});
