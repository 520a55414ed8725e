/**
 * The spec's Test Scenario 1 end to end on the embedded store: the compiled
 * teaching graph, the SQLite adapter seeded with the fixture course, a whole
 * lesson (all four cards; rubric cards judged by a scripted model), and the
 * MasteryV2 row as the database file holds it: the enriched outcomes'
 * document IDs only, no "", no "O1", no "AS1.1".
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, expect, it } from "vitest";
import { isDocumentId } from "../../src/mastery/ids.js";
import type { Stores } from "../../src/stores/ports.js";
import { createSqliteStores } from "../../src/stores/sqlite/index.js";
import { lessonFixture } from "./support/fixtures.js";
import { createTestGraph, playLesson, scriptedStudent } from "./support/graph.js";
import { fakeJudge } from "./support/model.js";

let dir: string;
let stores: Stores;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "teaching-graph-scenario1-"));
  stores = createSqliteStores(join(dir, "teaching.db"));
});
afterEach(async () => {
  await stores.close();
  await rm(dir, { recursive: true, force: true });
});

it("Scenario 1: a fresh lesson writes only the enriched outcomes' document IDs to MasteryV2", async () => {
  const fixture = lessonFixture({ cards: "all" });
  expect(fixture.lesson.outcomeRefs).toEqual(["O1", "AS1.2"]);
  // card_002 and card_004 are rubric cards: the judge accepts both at the first attempt.
  const testGraph = await createTestGraph(fixture, {
    model: fakeJudge(fixture.lesson, [
      ["card_002", 0.9],
      ["card_004", 0.8],
    ]),
    stores,
  });
  const student = scriptedStudent(fixture.lesson, {
    card_001: ["wrong", "right"],
    card_003: ["skip"],
  });

  const { state } = await playLesson(testGraph, fixture.sessionContext, student);

  const enrichedIds = fixture.enrichedOutcomes.map((outcome) => outcome.$id).sort();
  expect(enrichedIds).toHaveLength(3);
  // Card scores: 0.7 (after a hint), 1.0, 0.3 (skipped), 1.0; folded with alpha 0.3 in card order.
  const expected =
    Math.round((0.3 * 1 + 0.7 * (0.3 * 0.3 + 0.7 * (0.3 * 1 + 0.7 * 0.7))) * 10_000) / 10_000;

  const db = new Database(join(dir, "teaching.db"), { readonly: true });
  try {
    const rows = db.prepare('SELECT studentId, courseId, emaByOutcome FROM "MasteryV2"').all() as {
      studentId: string;
      courseId: string;
      emaByOutcome: string;
    }[];
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row?.courseId).toBe("course_c84774");
    const emaByOutcome = JSON.parse(row?.emaByOutcome ?? "null") as Record<string, number>;
    const keys = Object.keys(emaByOutcome).sort();
    expect(keys).toEqual(enrichedIds);
    expect(keys.every(isDocumentId)).toBe(true);
    expect(keys).not.toContain("");
    expect(keys).not.toContain("O1");
    expect(keys).not.toContain("AS1.2");
    expect(Object.values(emaByOutcome)).toEqual([expected, expected, expected]);
  } finally {
    db.close();
  }
  expect(state.mastery_record?.status).toBe("applied");
  expect(new Set(state.mastery_updates.map((update) => update.outcome_id))).toEqual(
    new Set(enrichedIds),
  );
});
