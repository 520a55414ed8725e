/**
 * The spec's Test Scenario 1 (fresh lesson, happy path) at the store level on
 * the embedded store: seeded fixture course, a session with a compressed
 * snapshot, enrichment of `["O1", "AS1.2"]` to the three `O1` documents, the
 * Phase 1 check, one update per card and outcome, and the MasteryV2 row as
 * the database holds it: document IDs only, no "", no O1, no AS1.x.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, expect, it } from "vitest";
import { encodeGzipPayload } from "../../src/lessons/codec.js";
import type { MasteryUpdate } from "../../src/mastery/ema.js";
import { isDocumentId } from "../../src/mastery/ids.js";
import { scoreCard } from "../../src/mastery/score.js";
import { assertEnrichmentComplete, enrichOutcomeRefs } from "../../src/outcomes/enrich.js";
import { seedDemoData } from "../../src/seed/index.js";
import { parseSessionContext } from "../../src/session/context.js";
import type { Stores } from "../../src/stores/ports.js";
import { createSqliteStores } from "../../src/stores/sqlite/index.js";

let dir: string;
let path: string;
let stores: Stores;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "teaching-graph-scenario1-"));
  path = join(dir, "teaching.db");
  stores = createSqliteStores(path);
});
afterEach(async () => {
  await stores.close();
  await rm(dir, { recursive: true, force: true });
});

it("Scenario 1: a fresh lesson writes only the enriched outcomes' document IDs", async () => {
  const { outcomes, lessonTemplate } = await seedDemoData(stores);
  const snapshot = {
    lessonTemplateId: lessonTemplate.$id,
    courseId: lessonTemplate.courseId,
    title: lessonTemplate.title,
    outcomeRefs: lessonTemplate.outcomeRefs,
    cards: lessonTemplate.cards,
  };
  await stores.lessons.putSession({
    $id: "session_scenario_1",
    studentId: "test_student_001",
    courseId: lessonTemplate.courseId,
    lessonTemplateId: lessonTemplate.$id,
    lessonSnapshot: encodeGzipPayload(snapshot),
    status: "created",
    startedAt: "2025-11-12T15:00:00.000Z",
  });

  // Frontend: load, decompress, enrich, check (Phase 2).
  const session = await stores.lessons.getSession("session_scenario_1");
  expect(session.lessonSnapshot).toEqual(snapshot);
  const enriched = await enrichOutcomeRefs(snapshot.outcomeRefs, session.courseId, stores.outcomes);
  assertEnrichmentComplete({
    courseId: session.courseId,
    outcomeRefs: snapshot.outcomeRefs,
    enrichedOutcomes: enriched,
  });
  const o1Documents = outcomes.filter((o) => o.outcomeId === "O1").map((o) => o.$id);
  expect(enriched.map((o) => o.$id).sort()).toEqual([...o1Documents].sort());

  // Backend: the session context passes Phase 1; one update per card and enriched outcome.
  const context = parseSessionContext({
    session_id: session.$id,
    student_id: session.studentId,
    lesson_snapshot: encodeGzipPayload(snapshot),
    enriched_outcomes: enriched,
  });
  const cardResults = [
    { isCorrect: true, attempts: 1 },
    { isCorrect: true, attempts: 2 },
    { isCorrect: false, attempts: 3 },
    { isCorrect: true, attempts: 1 },
  ];
  expect(cardResults).toHaveLength(context.lesson_snapshot.cards.length);
  const updates: MasteryUpdate[] = cardResults.flatMap((result, card) =>
    context.enriched_outcomes.map((outcome) => ({
      outcome_id: outcome.$id,
      score: scoreCard(result),
      timestamp: `2025-11-12T15:0${card + 1}:00.000Z`,
    })),
  );

  const result = await stores.mastery.applyLessonMastery({
    sessionId: context.session_id,
    studentId: context.student_id,
    courseId: context.lesson_snapshot.courseId,
    updates,
    alpha: 0.3,
  });
  expect(result.status).toBe("applied");

  // The row as the database holds it. EMA of 1, 0.7, 0.3, 1: 1 -> 0.91 -> 0.727 -> 0.8089.
  const raw = new Database(path, { readonly: true });
  const rows = raw.prepare(`SELECT * FROM MasteryV2`).all() as {
    studentId: string;
    courseId: string;
    emaByOutcome: string;
  }[];
  raw.close();
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ studentId: "test_student_001", courseId: "course_c84774" });
  const map = JSON.parse(rows[0]?.emaByOutcome as string) as Record<string, number>;
  expect(map).toEqual(Object.fromEntries(o1Documents.map((id) => [id, 0.8089])));
  const keys = Object.keys(map);
  expect(keys.every(isDocumentId)).toBe(true);
  for (const forbidden of ["", "O1", "O2", "AS1.1", "AS1.2"]) expect(keys).not.toContain(forbidden);
});
