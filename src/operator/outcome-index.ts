import type { CourseOutcome } from "../outcomes/schema.js";
import type { CourseOutcomeStore } from "../stores/ports.js";
import { OperatorStateError } from "./errors.js";

/** What the operator tools need to know about one course's outcomes. */
export interface CourseOutcomeIndex {
  courseId: string;
  /** Document IDs of the course's outcomes: the only valid `emaByOutcome` keys. */
  documentIds: ReadonlySet<string>;
  /** `outcomeId` (`O1`, `TOPIC_*`) to the document IDs carrying it, one per unit, in listing order. */
  documentIdsByOutcomeId: ReadonlyMap<string, readonly string[]>;
}

export function indexCourseOutcomes(
  courseId: string,
  outcomes: readonly CourseOutcome[],
): CourseOutcomeIndex {
  const documentIds = new Set<string>();
  const documentIdsByOutcomeId = new Map<string, string[]>();
  for (const outcome of outcomes) {
    documentIds.add(outcome.$id);
    const sameCode = documentIdsByOutcomeId.get(outcome.outcomeId);
    if (sameCode === undefined) documentIdsByOutcomeId.set(outcome.outcomeId, [outcome.$id]);
    else sameCode.push(outcome.$id);
  }
  return { courseId, documentIds, documentIdsByOutcomeId };
}

/**
 * Each course's outcomes, loaded once per run. Memory grows with the number of
 * courses, not of mastery records. A course without outcomes gets an empty
 * index: every document-ID key of its records is then an unknown outcome.
 */
export class CourseOutcomeCache {
  private readonly indexes = new Map<string, CourseOutcomeIndex>();
  private readonly loading = new Map<string, Promise<void>>();

  constructor(private readonly outcomes: CourseOutcomeStore) {}

  /** Loads the courses not loaded yet, concurrently; concurrent calls share a load. */
  async load(courseIds: Iterable<string>): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const courseId of new Set(courseIds)) {
      if (this.indexes.has(courseId)) continue;
      let load = this.loading.get(courseId);
      if (load === undefined) {
        load = this.outcomes.listByCourse(courseId).then((list) => {
          this.indexes.set(courseId, indexCourseOutcomes(courseId, list));
          this.loading.delete(courseId);
        });
        this.loading.set(courseId, load);
      }
      pending.push(load);
    }
    await Promise.all(pending);
  }

  /** The index of a course passed to `load` before. */
  get(courseId: string): CourseOutcomeIndex {
    const index = this.indexes.get(courseId);
    if (index === undefined)
      throw new OperatorStateError("course outcomes used before they were loaded", { courseId });
    return index;
  }
}
