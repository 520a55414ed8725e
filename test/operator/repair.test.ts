import { describe, expect, it } from "vitest";
import { indexCourseOutcomes } from "../../src/operator/outcome-index.js";
import { planRepair, type RepairPlan } from "../../src/operator/repair.js";
import {
  COURSE_ID,
  EMPTY_COURSE_ID,
  corruptedDataset,
  loadOutcomes,
  masteryRecord,
  O1_U0,
  O1_U1,
  O1_U2,
} from "./support/dataset.js";
import {
  EXPECTED_DEFAULT_CLEAN,
  EXPECTED_MIGRATE_CLEAN,
  EXPECTED_SKIPPED,
  EXPECTED_UNMATCHED,
} from "./support/expected.js";

const outcomes = loadOutcomes();
const indexes = new Map([
  [COURSE_ID, indexCourseOutcomes(COURSE_ID, outcomes)],
  [EMPTY_COURSE_ID, indexCourseOutcomes(EMPTY_COURSE_ID, [])],
]);
const indexOf = (courseId: string) => indexes.get(courseId)!;

function planAll(migrateRefs: boolean): Map<string, RepairPlan> {
  return new Map(
    corruptedDataset().map((r) => [r.$id, planRepair(r, indexOf(r.courseId), { migrateRefs })]),
  );
}

function expectPlans(
  plans: Map<string, RepairPlan>,
  changed: Record<string, Record<string, unknown>>,
): void {
  for (const [id, plan] of plans) {
    if (id in changed) {
      expect(plan.kind, id).toBe("change");
      // Key order matters: the stored text is compared across runs.
      expect(plan.kind === "change" && JSON.stringify(plan.emaByOutcome), id).toBe(
        JSON.stringify(changed[id]),
      );
    } else if (id in EXPECTED_SKIPPED) {
      expect(plan, id).toMatchObject({
        kind: "skip",
        reason: EXPECTED_SKIPPED[id as keyof typeof EXPECTED_SKIPPED],
      });
    } else {
      expect(plan.kind, id).toBe("unchanged");
    }
  }
}

describe("planRepair, default (the spec's Phase 3)", () => {
  const plans = planAll(false);

  it("removes empty keys only, skipping would-be-empty and unparseable records", () => {
    expectPlans(plans, EXPECTED_DEFAULT_CLEAN);
  });

  it("lists the removed keys and adds none", () => {
    expect(plans.get("rec_04_spec_example")).toMatchObject({
      keysRemoved: [""],
      keysAdded: [],
      unmatchedRefs: [],
    });
    expect(plans.get("rec_03_would_be_empty")).toMatchObject({ keysRemoved: [""], keysAdded: [] });
  });
});

describe("planRepair --migrate-refs", () => {
  const plans = planAll(true);

  it("moves outcome refs to every unit's document, removes standards, keeps unmatched refs", () => {
    expectPlans(plans, EXPECTED_MIGRATE_CLEAN);
    for (const [id, unmatched] of Object.entries(EXPECTED_UNMATCHED)) {
      expect(plans.get(id), id).toMatchObject({ unmatchedRefs: unmatched });
    }
  });

  it("reports a multi-unit ref as one added key per unit with its origin", () => {
    expect(plans.get("rec_04_spec_example")).toMatchObject({
      keysRemoved: ["", "O1", "AS1.1"],
      keysAdded: [
        { key: O1_U0, value: 1, from: "O1" },
        { key: O1_U1, value: 1, from: "O1" },
        { key: O1_U2, value: 1, from: "O1" },
      ],
    });
  });

  it("lets an existing document-ID key win over the migrated value", () => {
    expect(plans.get("rec_06_existing_wins")).toMatchObject({
      keysRemoved: ["O1"],
      keysAdded: [
        { key: O1_U0, value: 0.4, from: "O1" },
        { key: O1_U2, value: 0.4, from: "O1" },
      ],
    });
  });

  it("skips a record of assessment standards only, which would become empty", () => {
    const plan = planRepair(masteryRecord("r", { "AS1.1": 1, "AS1.2": 0 }), indexOf(COURSE_ID), {
      migrateRefs: true,
    });
    expect(plan).toMatchObject({
      kind: "skip",
      reason: "would_be_empty",
      keysRemoved: ["AS1.1", "AS1.2"],
    });
  });

  it("plans no change for the result of a change (idempotent)", () => {
    for (const migrateRefs of [false, true]) {
      for (const record of corruptedDataset()) {
        const plan = planRepair(record, indexOf(record.courseId), { migrateRefs });
        if (plan.kind !== "change") continue;
        const again = planRepair(
          { ...record, emaByOutcome: JSON.stringify(plan.emaByOutcome) },
          indexOf(record.courseId),
          { migrateRefs },
        );
        expect(again.kind, record.$id).toBe("unchanged");
      }
    }
  });
});
