/** `createStores` picks the Appwrite adapter for Appwrite settings and loads it on first use. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createStores } from "../../src/stores/index.js";
import {
  startAppwriteTestServer,
  type AppwriteTestServer,
} from "../support/appwrite-server/index.js";
import { appwriteSettingsFor } from "../support/appwrite-server/settings.js";
import { makeOutcome, testId } from "./contract.js";

let server: AppwriteTestServer;

beforeAll(async () => {
  server = await startAppwriteTestServer();
});
afterAll(async () => {
  await server.close();
});

it("reads and writes through the Appwrite adapter, scan included", async () => {
  const stores = createStores(appwriteSettingsFor(server));
  const id = testId("aw", 1);
  await stores.outcomes.upsertMany([makeOutcome("course_aw", id, "U 74", "O1")]);
  expect((await stores.outcomes.getByIds([id])).map((o) => o.$id)).toEqual([id]);
  const result = await stores.mastery.applyLessonMastery({
    sessionId: "sess_aw",
    studentId: "student_aw",
    courseId: "course_aw",
    updates: [{ outcome_id: id, score: 0.7, timestamp: "2025-11-12T15:00:00.000Z" }],
    alpha: 0.3,
  });
  expect(result).toMatchObject({ status: "applied", emaByOutcome: { [id]: 0.7 } });
  const pages = [];
  for await (const page of stores.mastery.scan({ pageSize: 10 })) pages.push(page);
  expect(pages.flat().map((r) => r.$id)).toEqual([result.recordId]);
  await stores.close();
});
