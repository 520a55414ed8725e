import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { getLogger } from "../../src/logger.js";
import { assertEnrichmentComplete, enrichOutcomeRefs } from "../../src/outcomes/enrich.js";
import {
  ENRICHMENT_USER_MESSAGE,
  EnrichmentError,
  IncompleteEnrichmentError,
  LessonEnrichmentError,
  LessonWithoutOutcomesError,
  MissingCourseIdError,
  UnexpectedOutcomesError,
} from "../../src/outcomes/errors.js";
import type { CourseOutcome } from "../../src/outcomes/schema.js";
import { uniqueId } from "../../src/mastery/ids.js";
import { StoreUnavailableError } from "../../src/stores/errors.js";
import { createMemoryStores } from "../../src/stores/memory/index.js";
import type { CourseOutcomeStore } from "../../src/stores/ports.js";
import { COURSE_ID, loadCourseOutcomes } from "../client/support/fixtures.js";

const outcomes = loadCourseOutcomes();

async function outcomeStore(
  rows: readonly CourseOutcome[] = outcomes,
): Promise<CourseOutcomeStore> {
  const store = createMemoryStores().outcomes;
  await store.upsertMany(rows);
  return store;
}

const documentIdsOf = (outcomeId: string, rows: readonly CourseOutcome[] = outcomes) =>
  rows.filter((o) => o.outcomeId === outcomeId).map((o) => o.$id);

describe("enrichOutcomeRefs", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("returns every unit's document for each outcome ref and looks up outcome codes only", async () => {
    const store = await outcomeStore();
    const find = vi.spyOn(store, "findByOutcomeIds");

    const found = await enrichOutcomeRefs(["O1", "AS1.1", "AS1.2"], COURSE_ID, store);

    expect(found.map((o) => o.$id).sort()).toEqual(documentIdsOf("O1").sort());
    expect(new Set(found.map((o) => o.unitCode)).size).toBe(3);
    expect(find.mock.calls).toEqual([[COURSE_ID, ["O1"]]]);
  });

  it("returns more outcomes than one Appwrite page (25 rows)", async () => {
    const template = outcomes[0]!;
    const units = Array.from({ length: 40 }, (_, unit) => ({
      ...template,
      $id: uniqueId(),
      unitCode: `UNIT ${unit}`,
    }));
    const found = await enrichOutcomeRefs(["O1"], COURSE_ID, await outcomeStore(units));
    expect(found.map((o) => o.$id).sort()).toEqual(units.map((o) => o.$id).sort());
  });

  it("does not query the store when the refs hold no outcome code", async () => {
    const store = await outcomeStore();
    const find = vi.spyOn(store, "findByOutcomeIds");
    await expect(enrichOutcomeRefs(["AS1.1", " "], COURSE_ID, store)).resolves.toEqual([]);
    expect(find).not.toHaveBeenCalled();
  });

  it("only returns outcomes of the given course", async () => {
    const otherCourse = outcomes.map((o) => ({ ...o, $id: uniqueId(), courseId: "course_other" }));
    const found = await enrichOutcomeRefs(
      ["O2"],
      COURSE_ID,
      await outcomeStore([...outcomes, ...otherCourse]),
    );
    expect(found.map((o) => o.$id).sort()).toEqual(documentIdsOf("O2").sort());
  });

  it("propagates a store error unchanged", async () => {
    const store = await outcomeStore();
    const failure = new Error("appwrite unreachable");
    vi.spyOn(store, "findByOutcomeIds").mockRejectedValue(failure);
    await expect(enrichOutcomeRefs(["O1"], COURSE_ID, store)).rejects.toBe(failure);
  });

  it("propagates the store's own typed error (a closed store)", async () => {
    const stores = createMemoryStores();
    await stores.close();
    await expect(enrichOutcomeRefs(["O1"], COURSE_ID, stores.outcomes)).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
  });

  it("refuses a blank courseId instead of skipping enrichment", async () => {
    const store = await outcomeStore();
    const find = vi.spyOn(store, "findByOutcomeIds");
    const error = await enrichOutcomeRefs(["O1"], "  ", store).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingCourseIdError);
    expect(error).toMatchObject({ code: "MISSING_COURSE_ID", context: { outcomeRefs: ["O1"] } });
    expect(find).not.toHaveBeenCalled();
  });
});

describe("assertEnrichmentComplete", () => {
  let logError: MockInstance;

  beforeEach(() => {
    logError = vi.spyOn(getLogger(), "error").mockReturnValue(undefined);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  function failure(check: Parameters<typeof assertEnrichmentComplete>[0]): LessonEnrichmentError {
    try {
      assertEnrichmentComplete(check);
    } catch (error) {
      if (error instanceof LessonEnrichmentError) return error;
      throw error;
    }
    throw new Error("expected assertEnrichmentComplete to throw");
  }

  it("returns the outcomes when every outcome ref enriched", () => {
    const o1 = outcomes.filter((o) => o.outcomeId === "O1");
    const result = assertEnrichmentComplete({
      courseId: COURSE_ID,
      outcomeRefs: ["O1", "AS1.2"],
      enrichedOutcomes: o1,
    });
    expect(result).toEqual(o1);
    expect(logError).not.toHaveBeenCalled();
  });

  it("spec Phase 2: zero found for expected outcomes is an EnrichmentError with both messages and the developer context", () => {
    const error = failure({
      courseId: COURSE_ID,
      outcomeRefs: ["O1", "AS1.1", "AS1.2"],
      enrichedOutcomes: [],
      sessionId: "session_1",
    });

    expect(error).toBeInstanceOf(EnrichmentError);
    expect(error.code).toBe("OUTCOME_ENRICHMENT_FAILED");
    expect(error.message).toBe(
      'Outcome enrichment failed: Expected 1 outcomes from refs ["O1"], but found 0',
    );
    expect(error.userMessage).toBe(
      "Lesson data incomplete - mastery tracking unavailable. Please contact support.",
    );
    expect(error.userMessage).toBe(ENRICHMENT_USER_MESSAGE);
    expect(error.context).toEqual({
      courseId: COURSE_ID,
      outcomeRefsInSnapshot: ["O1", "AS1.1", "AS1.2"],
      outcomeIdsToFind: ["O1"],
      enrichedOutcomesFound: 0,
      sessionId: "session_1",
    });
  });

  it("logs a failure once, structured, with the code and context", () => {
    const error = failure({ courseId: COURSE_ID, outcomeRefs: ["O1", "O2"], enrichedOutcomes: [] });

    expect(logError).toHaveBeenCalledTimes(1);
    expect(logError).toHaveBeenCalledWith(
      { code: "OUTCOME_ENRICHMENT_FAILED", ...error.context },
      `ENRICHMENT FAILURE: ${error.message}`,
    );
    expect(error.message).toBe(
      'Outcome enrichment failed: Expected 2 outcomes from refs ["O1","O2"], but found 0',
    );
  });

  it("a partial miss names the refs that found no document", () => {
    const o1 = outcomes.filter((o) => o.outcomeId === "O1");
    const error = failure({
      courseId: COURSE_ID,
      outcomeRefs: ["O1", "O3", "O4", "AS1.1"],
      enrichedOutcomes: o1,
    });

    expect(error).toBeInstanceOf(IncompleteEnrichmentError);
    expect(error.code).toBe("OUTCOME_ENRICHMENT_INCOMPLETE");
    expect(error.message).toContain('for refs ["O3","O4"]');
    expect(error.userMessage).toBe(ENRICHMENT_USER_MESSAGE);
    expect((error as IncompleteEnrichmentError).missingOutcomeIds).toEqual(["O3", "O4"]);
    expect(error.context).toMatchObject({
      courseId: COURSE_ID,
      outcomeIdsToFind: ["O1", "O3", "O4"],
      enrichedOutcomesFound: 3,
      missingOutcomeIds: ["O3", "O4"],
    });
    expect(logError).toHaveBeenCalledTimes(1);
  });

  it.each([
    ["only assessment standards", ["AS1.1", "AS1.2"]],
    ["no refs", []],
    ["blank refs", ["", "  "]],
  ])("refuses a lesson whose refs hold no outcome (%s)", (_case, outcomeRefs) => {
    const error = failure({ courseId: COURSE_ID, outcomeRefs, enrichedOutcomes: [] });

    expect(error).toBeInstanceOf(LessonWithoutOutcomesError);
    expect(error.code).toBe("LESSON_HAS_NO_OUTCOMES");
    expect(error.message).toContain("mastery could never be recorded");
    expect(error.context).toMatchObject({
      courseId: COURSE_ID,
      outcomeRefsInSnapshot: outcomeRefs,
      outcomeIdsToFind: [],
    });
    expect(error.userMessage).toBe(ENRICHMENT_USER_MESSAGE);
  });

  it("refuses documents of another course or of an outcome the lesson does not name", () => {
    const o1 = outcomes.filter((o) => o.outcomeId === "O1");
    const foreign = { ...o1[0]!, $id: "6913b73000151df21338", courseId: "course_other" };
    const unrequested = outcomes.find((o) => o.outcomeId === "O2")!;
    const error = failure({
      courseId: COURSE_ID,
      outcomeRefs: ["O1"],
      enrichedOutcomes: [...o1, foreign, unrequested],
    });

    expect(error).toBeInstanceOf(UnexpectedOutcomesError);
    expect(error.code).toBe("OUTCOME_ENRICHMENT_UNEXPECTED");
    expect(error.context).toMatchObject({ unexpectedDocumentIds: [foreign.$id, unrequested.$id] });
  });

  it("gives each failure its own code", () => {
    const codes = new Set(
      [
        failure({ courseId: COURSE_ID, outcomeRefs: ["O1"], enrichedOutcomes: [] }),
        failure({
          courseId: COURSE_ID,
          outcomeRefs: ["O1", "O9"],
          enrichedOutcomes: outcomes.slice(0, 1),
        }),
        failure({ courseId: COURSE_ID, outcomeRefs: ["AS1.1"], enrichedOutcomes: [] }),
        failure({
          courseId: COURSE_ID,
          outcomeRefs: ["O2"],
          enrichedOutcomes: outcomes.slice(0, 1),
        }),
      ].map((e) => e.code),
    );
    expect(codes.size).toBe(4);
  });
});
