/**
 * The spec's Layer 3 on the embedded store: the database itself refuses bad
 * MasteryV2 data, whoever writes it. These tests write through a second, raw
 * better-sqlite3 connection, as any other client of the file would.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MasteryUpdate } from "../../src/mastery/ema.js";
import type { Stores } from "../../src/stores/ports.js";
import { createSqliteStores } from "../../src/stores/sqlite/index.js";
import { SCHEMA_VERSION } from "../../src/stores/sqlite/schema.js";
import { integrityViolationOf } from "../../src/stores/sqlite/database.js";
import { nextUpdatedAt } from "../../src/stores/shared/mastery-write.js";
import { openDatabase } from "../../src/stores/sqlite/database.js";
import { createSqliteMasteryStore } from "../../src/stores/sqlite/mastery.js";
import { expectSequentialFolds, makeOutcome, testId } from "./contract.js";

const emaOfRecord = (record: { emaByOutcome: string | null } | null): unknown =>
  JSON.parse(record!.emaByOutcome!);

const courseId = "course_integrity";
const A = testId("i", 1);
const B = testId("i", 2);
const foreign = testId("i", 3);

let dir: string;
let path: string;
let stores: Stores;
let raw: Database.Database;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "teaching-graph-integrity-"));
  path = join(dir, "teaching.db");
  stores = createSqliteStores(path);
  await stores.outcomes.upsertMany([
    makeOutcome(courseId, A, "U1 74", "O1"),
    makeOutcome(courseId, B, "U2 74", "O1"),
    makeOutcome("course_other", foreign, "U1 74", "O1"),
  ]);
  raw = new Database(path);
});

afterEach(async () => {
  raw.close();
  await stores.close();
  await rm(dir, { recursive: true, force: true });
});

function insertRaw(emaByOutcome: string | null, studentId = "student_raw"): void {
  raw
    .prepare(
      `INSERT INTO MasteryV2 ("$id", studentId, courseId, emaByOutcome, updatedAt) VALUES (?, ?, ?, ?, ?)`,
    )
    .run(
      testId("row", Math.floor(Math.random() * 1e6)),
      studentId,
      courseId,
      emaByOutcome,
      "2025-11-12T12:00:00.000Z",
    );
}

function updateRaw(set: string, ...params: unknown[]): void {
  raw.prepare(`UPDATE MasteryV2 SET ${set} WHERE studentId = 'student_legacy'`).run(...params);
}

function masteryRowCount(): number {
  return (raw.prepare(`SELECT count(*) AS n FROM MasteryV2`).get() as { n: number }).n;
}

/** The database error a raw write raises, checked to be an integrity refusal. */
function refusal(write: () => void): { code: string; message: string } {
  try {
    write();
  } catch (error) {
    expect(error).toBeInstanceOf(Database.SqliteError);
    return error as InstanceType<typeof Database.SqliteError>;
  }
  return expect.fail("the database accepted the write");
}

describe("SQLite Routine integrity constraints (raw SQL)", () => {
  const insertRoutine = (due: string, student = "student_routine"): void => {
    raw
      .prepare(
        `INSERT INTO Routine ("$id", studentId, courseId, dueAtByOutcome, updatedAt)
         VALUES (?, ?, ?, ?, '2025-11-12T15:00:00.000Z')`,
      )
      .run(`routine_${student}`, student, courseId, due);
  };
  const date = "2025-11-20T15:00:00.000Z";

  it("accepts due dates keyed by this course's outcome document IDs", () => {
    insertRoutine(JSON.stringify({ [A]: date }));
    raw
      .prepare(`UPDATE Routine SET dueAtByOutcome = ? WHERE studentId = 'student_routine'`)
      .run(JSON.stringify({ [A]: date, [B]: date }));
  });

  for (const [name, map, message] of [
    ["an outcome code", { O1: date }, "MASTERY_INTEGRITY:invalid_id_format"],
    ["another course's outcome", { [foreign]: date }, "MASTERY_INTEGRITY:unknown_outcome"],
    ["a value that is not a date", { [A]: "soon" }, "MASTERY_INTEGRITY:invalid_due_date"],
  ] as const) {
    it(`refuses ${name} on insert and on update`, () => {
      expect(refusal(() => insertRoutine(JSON.stringify(map))).message).toBe(message);
      insertRoutine(JSON.stringify({ [A]: date }), "student_other");
      const error = refusal(() =>
        raw
          .prepare(`UPDATE Routine SET dueAtByOutcome = ? WHERE studentId = 'student_other'`)
          .run(JSON.stringify({ [A]: date, ...map })),
      );
      expect(error.message).toBe(message);
    });
  }
});

describe("SQLite MasteryV2 integrity constraints (raw SQL)", () => {
  it("accepts a map of this course's outcome document IDs with scores in [0, 1]", () => {
    insertRaw(JSON.stringify({ [A]: 0, [B]: 1 }));
    insertRaw(JSON.stringify({ [A]: 0.25 }), "student_two");
    expect(masteryRowCount()).toBe(2);
  });

  const badInserts: { name: string; map: string | null; message: string }[] = [
    {
      name: "an empty key",
      map: JSON.stringify({ "": 0, [A]: 1 }),
      message: "MASTERY_INTEGRITY:empty_key",
    },
    {
      name: "an outcome code",
      map: JSON.stringify({ O1: 1 }),
      message: "MASTERY_INTEGRITY:invalid_id_format",
    },
    {
      name: "an assessment standard",
      map: JSON.stringify({ "AS1.1": 1 }),
      message: "MASTERY_INTEGRITY:invalid_id_format",
    },
    {
      name: "a document ID of another course",
      map: JSON.stringify({ [foreign]: 1 }),
      message: "MASTERY_INTEGRITY:unknown_outcome",
    },
    {
      name: "a document ID of no outcome",
      map: JSON.stringify({ [testId("n", 1)]: 1 }),
      message: "MASTERY_INTEGRITY:unknown_outcome",
    },
    {
      name: "a value above 1",
      map: JSON.stringify({ [A]: 1.5 }),
      message: "MASTERY_INTEGRITY:invalid_value",
    },
    {
      name: "a negative value",
      map: JSON.stringify({ [A]: -0.1 }),
      message: "MASTERY_INTEGRITY:invalid_value",
    },
    {
      name: "a string value",
      map: JSON.stringify({ [A]: "0.5" }),
      message: "MASTERY_INTEGRITY:invalid_value",
    },
    {
      name: "a null value",
      map: JSON.stringify({ [A]: null }),
      message: "MASTERY_INTEGRITY:invalid_value",
    },
    {
      name: "a value that is not JSON",
      map: "{not json",
      message: "MASTERY_INTEGRITY:not_json_object",
    },
    { name: "a JSON array", map: "[1]", message: "MASTERY_INTEGRITY:not_json_object" },
    // The column is nullable (for restore); the trigger is what keeps NULL out of normal writes.
    { name: "an unset (NULL) map", map: null, message: "MASTERY_INTEGRITY:not_json_object" },
  ];
  for (const { name, map, message } of badInserts) {
    it(`rejects an INSERT with ${name}`, () => {
      const error = refusal(() => insertRaw(map));
      expect(error.code).toBe("SQLITE_CONSTRAINT_TRIGGER");
      expect(error.message).toBe(message);
      expect(masteryRowCount()).toBe(0);
    });
  }

  it("rejects a map over 5000 characters", () => {
    const error = refusal(() => insertRaw(`{"${A}":0.5${" ".repeat(5000)}}`));
    expect(error.code).toBe("SQLITE_CONSTRAINT_CHECK");
    expect(error.message).toContain("ema_by_outcome_max_chars");
    expect(integrityViolationOf(error)).toEqual({ rule: "oversize", value: error.message });
    expect(masteryRowCount()).toBe(0);
  });

  it("rejects a second row for the same student and course", () => {
    insertRaw(JSON.stringify({ [A]: 1 }));
    const error = refusal(() => insertRaw(JSON.stringify({ [B]: 1 })));
    expect(error.code).toBe("SQLITE_CONSTRAINT_UNIQUE");
  });

  describe("UPDATE checks what it adds or changes", () => {
    const legacyMap = JSON.stringify({ "": 0, O1: 1, [A]: 0.5 });
    const readMap = (): unknown =>
      JSON.parse(
        (
          raw
            .prepare(`SELECT emaByOutcome FROM MasteryV2 WHERE studentId = 'student_legacy'`)
            .get() as { emaByOutcome: string }
        ).emaByOutcome,
      );

    beforeEach(async () => {
      // Corrupt legacy data can only come in through restore's documented bypass.
      await stores.mastery.restore([
        {
          $id: testId("leg", 1),
          studentId: "student_legacy",
          courseId,
          emaByOutcome: legacyMap,
          updatedAt: "2025-11-12T12:00:00.000Z",
        },
      ]);
    });

    it("left the bypass off after the restore committed", () => {
      expect(raw.prepare(`SELECT count(*) AS n FROM integrity_bypass`).get()).toEqual({ n: 0 });
      expect(refusal(() => insertRaw(JSON.stringify({ "": 0 }))).message).toBe(
        "MASTERY_INTEGRITY:empty_key",
      );
    });

    it("lets a repair remove some legacy keys and keep others exactly", () => {
      updateRaw("emaByOutcome = ?", JSON.stringify({ O1: 1, [A]: 0.5 }));
      expect(readMap()).toEqual({ O1: 1, [A]: 0.5 });
    });

    it("lets a write change a valid key's value and add a document ID of the course", () => {
      updateRaw("emaByOutcome = ?", JSON.stringify({ "": 0, O1: 1, [A]: 0.65, [B]: 0.4 }));
      expect(readMap()).toEqual({ "": 0, O1: 1, [A]: 0.65, [B]: 0.4 });
    });

    const badUpdates: { name: string; map: () => string | null; message: string }[] = [
      {
        name: "adding an outcome code",
        map: () => JSON.stringify({ O1: 1, O2: 1, [A]: 0.5 }),
        message: "MASTERY_INTEGRITY:invalid_id_format",
      },
      {
        name: "changing a legacy key's value",
        map: () => JSON.stringify({ "": 0, O1: 0.9, [A]: 0.5 }),
        message: "MASTERY_INTEGRITY:invalid_id_format",
      },
      {
        name: "changing a legacy empty key's value",
        map: () => JSON.stringify({ "": 0.1, O1: 1, [A]: 0.5 }),
        message: "MASTERY_INTEGRITY:empty_key",
      },
      {
        name: "adding another course's outcome",
        map: () => JSON.stringify({ [A]: 0.5, [foreign]: 1 }),
        message: "MASTERY_INTEGRITY:unknown_outcome",
      },
      {
        name: "setting an out-of-range value",
        map: () => JSON.stringify({ [A]: 7 }),
        message: "MASTERY_INTEGRITY:invalid_value",
      },
      {
        name: "replacing the map with non-JSON",
        map: () => "oops",
        message: "MASTERY_INTEGRITY:not_json_object",
      },
      {
        name: "unsetting the map (NULL)",
        map: () => null,
        message: "MASTERY_INTEGRITY:not_json_object",
      },
    ];
    for (const { name, map, message } of badUpdates) {
      it(`rejects ${name}`, () => {
        expect(refusal(() => updateRaw("emaByOutcome = ?", map())).message).toBe(message);
        expect(readMap()).toEqual(JSON.parse(legacyMap));
      });
    }

    it("re-checks every key when the course changes", () => {
      expect(refusal(() => updateRaw("courseId = 'course_other'")).message).toBe(
        "MASTERY_INTEGRITY:empty_key",
      );
    });
  });

  it("maps trigger refusals to rules, and ignores other errors", () => {
    expect(integrityViolationOf(refusal(() => insertRaw(JSON.stringify({ O1: 1 }))))).toEqual({
      rule: "invalid_id_format",
      value: "MASTERY_INTEGRITY:invalid_id_format",
    });
    expect(integrityViolationOf(refusal(() => insertRaw("[]")))?.rule).toBe("invalid_value");
    expect(integrityViolationOf(new Error("other"))).toBeUndefined();
  });
});

describe("SQLite store file", () => {
  const update = (outcome_id: string, score: number): MasteryUpdate => ({
    outcome_id,
    score,
    timestamp: "2025-11-12T15:00:00.000Z",
  });

  it("creates the folder and schema on first use and keeps data across reopening", async () => {
    const nested = join(dir, "a", "b", "teaching.db");
    const first = createSqliteStores(nested);
    await first.outcomes.upsertMany([makeOutcome(courseId, A, "U1 74", "O1")]);
    await first.mastery.applyLessonMastery({
      sessionId: "s1",
      studentId: "st",
      courseId,
      updates: [update(A, 0.5)],
      alpha: 0.3,
    });
    await first.close();
    const second = createSqliteStores(nested);
    expect(JSON.parse((await second.mastery.get("st", courseId))?.emaByOutcome ?? "null")).toEqual({
      [A]: 0.5,
    });
    expect(
      (
        await second.mastery.applyLessonMastery({
          sessionId: "s1",
          studentId: "st",
          courseId,
          updates: [update(A, 1)],
          alpha: 0.3,
        })
      ).status,
    ).toBe("already_applied");
    await second.close();
  });

  it("migrates a version 1 file (emaByOutcome NOT NULL): rows kept, NULL restorable, triggers still refuse it", async () => {
    const v1Path = join(dir, "v1.db");
    const v1 = new Database(v1Path);
    v1.exec(`
      CREATE TABLE MasteryV2 (
        "$id" TEXT PRIMARY KEY NOT NULL,
        studentId TEXT NOT NULL CHECK (length(studentId) BETWEEN 1 AND 50),
        courseId TEXT NOT NULL CHECK (length(courseId) BETWEEN 1 AND 50),
        emaByOutcome TEXT NOT NULL CONSTRAINT ema_by_outcome_max_chars CHECK (length(emaByOutcome) <= 5000),
        updatedAt TEXT NOT NULL
      );
      CREATE UNIQUE INDEX unique_student_course ON MasteryV2 (studentId, courseId);
      INSERT INTO MasteryV2 VALUES ('${testId("v", 1)}', 'st', '${courseId}', '{"":0}', '2025-11-12T12:00:00.000Z');
      PRAGMA user_version = 1;
    `);
    v1.close();

    const migrated = createSqliteStores(v1Path);
    try {
      expect(await migrated.mastery.get("st", courseId)).toEqual({
        $id: testId("v", 1),
        studentId: "st",
        courseId,
        emaByOutcome: '{"":0}',
        updatedAt: "2025-11-12T12:00:00.000Z",
      });
      const unset = {
        $id: testId("v", 2),
        studentId: "st2",
        courseId,
        emaByOutcome: null,
        updatedAt: "2025-11-12T12:00:00.000Z",
      };
      await migrated.mastery.restore([unset]);
      expect(await migrated.mastery.get("st2", courseId)).toEqual(unset);
    } finally {
      await migrated.close();
    }
    const check = new Database(v1Path);
    try {
      expect(check.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
      const error = refusal(() =>
        check
          .prepare(
            `INSERT INTO MasteryV2 ("$id", studentId, courseId, emaByOutcome, updatedAt) VALUES (?, 'st3', ?, NULL, '2025-11-12T12:00:00.000Z')`,
          )
          .run(testId("v", 3), courseId),
      );
      expect(error.message).toBe("MASTERY_INTEGRITY:not_json_object");
      expect(
        refusal(() =>
          check
            .prepare(
              `INSERT INTO MasteryV2 ("$id", studentId, courseId, emaByOutcome, updatedAt) VALUES (?, 'st', ?, '{}', '2025-11-12T12:00:00.000Z')`,
            )
            .run(testId("v", 4), courseId),
        ).message,
      ).toContain("UNIQUE");
    } finally {
      check.close();
    }
  });

  it("lands concurrent applies from two connections to the same file", async () => {
    const other = createSqliteStores(path);
    const ids = Array.from({ length: 20 }, (_, i) => testId("cc", i));
    await stores.outcomes.upsertMany(
      ids.map((id, i) => makeOutcome(courseId, id, `C${i} 74`, "O2")),
    );
    const results = await Promise.all(
      ids.map((id, i) =>
        (i % 2 === 0 ? stores : other).mastery.applyLessonMastery({
          sessionId: `sess_${i}`,
          studentId: "student_cc",
          courseId,
          updates: [update(id, 0.5)],
          alpha: 0.3,
        }),
      ),
    );
    expect(results.every((result) => result.status === "applied")).toBe(true);
    expect(
      JSON.parse((await other.mastery.get("student_cc", courseId))?.emaByOutcome ?? "null"),
    ).toEqual(Object.fromEntries(ids.map((id) => [id, 0.5])));
    await other.close();
  });

  it("folds concurrent lessons on one outcome from two connections in some sequential order", async () => {
    // Each store serializes its own applies; only the conditional commit keeps the two apart.
    const other = createSqliteStores(path);
    const scores = Array.from({ length: 20 }, (_, i) => (i + 1) / 21);
    // Both connections start from one stored record, in step: each reads before the other commits.
    const first = await stores.mastery.applyLessonMastery({
      sessionId: "sess_same_first",
      studentId: "student_same",
      courseId,
      updates: [update(A, 0.01)],
      alpha: 0.3,
    });
    const results = await Promise.all(
      scores.map((score, i) =>
        (i % 2 === 0 ? stores : other).mastery.applyLessonMastery({
          sessionId: `sess_same_${i}`,
          studentId: "student_same",
          courseId,
          updates: [update(A, score)],
          alpha: 0.3,
        }),
      ),
    );
    const stored = JSON.parse((await other.mastery.get("student_same", courseId))!.emaByOutcome!);
    expectSequentialFolds(
      [
        { score: 0.01, value: first.emaByOutcome[A] },
        ...results.map((result, i) => ({ score: scores[i]!, value: result.emaByOutcome[A] })),
      ],
      0.3,
      stored[A],
    );
    await other.close();
  });

  it("an apply whose record another connection commits between its read and its commit folds again", async () => {
    const lesson = (sessionId: string, score: number) => ({
      sessionId,
      studentId: "student_interleaved",
      courseId,
      updates: [update(A, score)],
      alpha: 0.5,
    });
    await stores.mastery.applyLessonMastery(lesson("sess_first", 0.5));
    const stored = (await stores.mastery.get("student_interleaved", courseId))!;
    // Another connection's commit, as an apply of score 0.9 writes it, made once this apply has read.
    const otherCommit = raw.transaction(() => {
      raw
        .prepare(`UPDATE MasteryV2 SET emaByOutcome = ?, updatedAt = ? WHERE "$id" = ?`)
        .run(JSON.stringify({ [A]: 0.7 }), nextUpdatedAt(stored.updatedAt), stored.$id);
      raw
        .prepare(
          `INSERT INTO mastery_ledger ("$id", studentId, courseId, masteryId, appliedAt) VALUES ('sess_other', ?, ?, ?, ?)`,
        )
        .run(stored.studentId, courseId, stored.$id, stored.updatedAt);
    });
    const db = openDatabase(path);
    let checks = 0;
    const interleaved = createSqliteMasteryStore(db, stores.outcomes, () => {
      // 1: the apply's read; 2: its commit, about to run.
      if (++checks === 2) otherCommit.immediate();
    });
    try {
      const result = await interleaved.applyLessonMastery(lesson("sess_interleaved", 0.1));
      expect(checks).toBe(4); // read, stale commit, read again, commit
      expect(result.emaByOutcome).toEqual({ [A]: 0.4 }); // 0.1 folded into 0.7, not into 0.5
      expect(emaOfRecord(await stores.mastery.get("student_interleaved", courseId))).toEqual({
        [A]: 0.4,
      });
    } finally {
      db.close();
    }
  });

  it("reports a closed store as unavailable", async () => {
    const closed = createSqliteStores(join(dir, "closed.db"));
    await closed.close();
    await expect(closed.mastery.get("s", courseId)).rejects.toMatchObject({
      code: "STORE_UNAVAILABLE",
    });
  });
});
