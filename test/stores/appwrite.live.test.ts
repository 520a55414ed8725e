/**
 * The Appwrite adapter against a real Appwrite project, provisioned from
 * appwrite.json. Runs only when APPWRITE_ENDPOINT (with APPWRITE_PROJECT_ID and
 * APPWRITE_API_KEY) is set; otherwise vitest reports it skipped. It works in a
 * course and for a student of its own (unique per run) and deletes what it
 * wrote afterwards.
 */
import { Client, Query, TablesDB } from "node-appwrite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readEnv, storeSettings, type AppwriteSettings } from "../../src/config/env.js";
import type { MasteryUpdate } from "../../src/mastery/ema.js";
import { uniqueId } from "../../src/mastery/ids.js";
import { StoreNotFoundError, StoreWriteRefusedError } from "../../src/stores/errors.js";
import { createAppwriteStores } from "../../src/stores/appwrite/index.js";
import type { Stores } from "../../src/stores/ports.js";
import { makeOutcome, rejectionOf } from "./contract.js";

const env = readEnv();
const configured = env.APPWRITE_ENDPOINT !== undefined;

describe.skipIf(!configured)("Appwrite adapter against the live project in APPWRITE_*", () => {
  const run = uniqueId();
  const courseId = `course_live_${run}`;
  const studentId = `student_live_${run}`;
  const outcomeIds = Array.from({ length: 30 }, () => uniqueId());
  const [A, B] = outcomeIds as [string, string];
  let settings: AppwriteSettings;
  let stores: Stores;
  const opened: Stores[] = [];

  const open = (): Stores => {
    const instance = createAppwriteStores(settings);
    opened.push(instance);
    return instance;
  };
  const update = (outcome_id: string, score: number): MasteryUpdate => ({
    outcome_id,
    score,
    timestamp: new Date().toISOString(),
  });
  const apply = (on: Stores, sessionId: string, updates: MasteryUpdate[]) =>
    on.mastery.applyLessonMastery({ sessionId, studentId, courseId, updates, alpha: 0.3 });

  beforeAll(async () => {
    const selected = storeSettings(env);
    if (selected.kind !== "appwrite")
      throw new Error("APPWRITE_ENDPOINT is set but the store settings are not Appwrite's");
    settings = selected;
    stores = open();
    await stores.outcomes.upsertMany(
      outcomeIds.map((id, i) =>
        makeOutcome(courseId, id, `LIVE${i} 74`, i % 2 === 0 ? "O1" : "O2"),
      ),
    );
  });

  afterAll(async () => {
    for (const instance of opened) await instance.close();
    if (settings === undefined) return;
    const db = new TablesDB(
      new Client()
        .setEndpoint(settings.endpoint)
        .setProject(settings.projectId)
        .setKey(settings.apiKey),
    );
    const byCourse = [Query.equal("courseId", courseId)];
    for (const tableId of [
      settings.tables.courseOutcomes,
      settings.tables.mastery,
      settings.tables.masteryLedger,
    ]) {
      await db.deleteRows({ databaseId: settings.databaseId, tableId, queries: byCourse });
    }
  });

  it("reads the provisioned tables, paging past Appwrite's 25-row default", async () => {
    expect(await stores.outcomes.listByCourse(courseId)).toHaveLength(30);
    expect(await stores.outcomes.findByOutcomeIds(courseId, ["O1"])).toHaveLength(15);
    expect(await stores.mastery.get(studentId, courseId)).toBeNull();
    await rejectionOf(stores.lessons.getSession(`absent_${run}`), StoreNotFoundError);
  });

  it("applies a lesson once, folds the next with the EMA, and refuses a key that is not an outcome", async () => {
    const first = await apply(stores, `sess_a_${run}`, [update(A, 1)]);
    expect(first.status).toBe("applied");
    expect((await apply(stores, `sess_a_${run}`, [update(A, 0)])).status).toBe("already_applied");
    expect(await apply(stores, `sess_b_${run}`, [update(A, 0.3)])).toMatchObject({
      status: "applied",
      emaByOutcome: { [A]: 0.79 },
    });
    await rejectionOf(apply(stores, `sess_c_${run}`, [update("O1", 1)]), StoreWriteRefusedError);
    const record = await stores.mastery.get(studentId, courseId);
    expect(JSON.parse(record?.emaByOutcome ?? "null")).toEqual({ [A]: 0.79 });
  });

  it("lands concurrent lessons from two processes without losing any", async () => {
    const [one, two] = [open(), open()];
    const ids = outcomeIds.slice(2, 8);
    const results = await Promise.all(
      ids.map((id, i) =>
        apply(i % 2 === 0 ? one : two, `sess_race_${i}_${run}`, [update(id, 0.5)]),
      ),
    );
    expect(results.every((result) => result.status === "applied")).toBe(true);
    const map = JSON.parse(
      (await stores.mastery.get(studentId, courseId))?.emaByOutcome ?? "null",
    ) as Record<string, number>;
    for (const id of ids) expect(map[id]).toBe(0.5);
    expect(map[B]).toBeUndefined();
  });
});
