/**
 * Production Appwrite is reached over HTTPS: the adapter's requests (Node's
 * own https client, ../../src/stores/appwrite/http.ts) verify the server's
 * certificate, keep the connection alive between requests, and carry bodies
 * both ways. The Appwrite test server is put behind a TLS proxy whose
 * certificate (test/fixtures/tls, for 127.0.0.1) this process trusts or not.
 */
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer, globalAgent, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../src/stores/errors.js";
import { createAppwriteStores } from "../../src/stores/appwrite/index.js";
import type { Stores } from "../../src/stores/ports.js";
import {
  startAppwriteTestServer,
  type AppwriteTestServer,
} from "../support/appwrite-server/index.js";
import { appwriteSettingsFor, FAST_OPTIONS } from "../support/appwrite-server/settings.js";
import { makeOutcome, rejectionOf, testId } from "./contract.js";

const TLS = new URL("../fixtures/tls/", import.meta.url);
const cert = readFileSync(new URL("cert.pem", TLS));
const key = readFileSync(new URL("key.pem", TLS));

const courseId = "course_https";
const outcomeIds = Array.from({ length: 3 }, (_, i) => testId("o", i));

let server: AppwriteTestServer;
let proxy: Server;
let connections: number;
let stores: Stores | undefined;

/** The stores, through the TLS proxy. */
function httpsStores(): Stores {
  const { port } = proxy.address() as AddressInfo;
  const endpoint = new URL(server.endpoint);
  stores = createAppwriteStores(
    { ...appwriteSettingsFor(server), endpoint: `https://127.0.0.1:${port}${endpoint.pathname}` },
    { ...FAST_OPTIONS, retry: { ...FAST_OPTIONS.retry, maxAttempts: 2 } },
  );
  return stores;
}

beforeEach(async () => {
  server = await startAppwriteTestServer();
  server.seedRows(
    "course_outcomes",
    outcomeIds.map((id, i) => makeOutcome(courseId, id, `U${i} 74`, "O1")),
  );
  const target = new URL(server.endpoint);
  connections = 0;
  proxy = createServer({ key, cert }, (incoming, outgoing) => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: incoming.url,
        method: incoming.method,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    incoming.pipe(upstream);
  });
  proxy.on("secureConnection", () => (connections += 1));
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
});

afterEach(async () => {
  await stores?.close();
  stores = undefined;
  globalAgent.destroy();
  delete globalAgent.options.ca;
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
  await server.close();
});

describe("the Appwrite adapter over HTTPS", () => {
  it("refuses a server whose certificate it cannot verify, with a typed error", async () => {
    const error = await rejectionOf(
      httpsStores().outcomes.getByIds(outcomeIds),
      StoreUnavailableError,
    );
    expect(error.message).toMatch(/certificate was refused: self-signed certificate/);
    // Not retried: a certificate does not become trusted by asking again.
    expect(error.context).toMatchObject({
      operation: "listRows",
      table: "course_outcomes",
      attempts: 1,
    });
    expect(server.requestCount).toBe(0);
  });

  it("reads and writes through a verified connection, kept alive between requests", async () => {
    globalAgent.options.ca = cert;
    const https = httpsStores();
    expect(
      (await https.outcomes.getByIds(outcomeIds)).map((outcome) => outcome.$id).sort(),
    ).toEqual([...outcomeIds].sort());
    const applied = await https.mastery.applyLessonMastery({
      sessionId: "session_https",
      studentId: "student_https",
      courseId,
      updates: [
        { outcome_id: outcomeIds[0] as string, score: 1, timestamp: "2025-11-12T15:00:00.000Z" },
      ],
      alpha: 0.3,
    });
    expect(applied.status).toBe("applied");
    const stored = await https.mastery.get("student_https", courseId);
    expect(JSON.parse(stored?.emaByOutcome ?? "null")).toEqual({ [outcomeIds[0] as string]: 1 });
    // Sequential requests reuse the connections already open (a TLS handshake costs round trips).
    const opened = connections;
    for (let read = 0; read < 5; read++) await https.outcomes.getByIds(outcomeIds);
    expect(connections).toBe(opened);
  });
});
