import type { CourseOutcome } from "../outcomes/schema.js";
import type { CourseOutcomeStore } from "../stores/ports.js";

/** What the operator tools need to know about one course's outcomes. */
export interface CourseOutcomeIndex {
  courseId: string;
  /** Document IDs of the course's outcomes: the only valid `emaByOutcome` keys. */
  documentIds: ReadonlySet<string>;
  /** `outcomeId` (`O1`, `TOPIC_*`) to the document IDs carrying it, one per unit, in listing order. */
  documentIdsByOutcomeId: ReadonlyMap<string, readonly string[]>;
}

export function indexCourseOutcomes(courseId: string, outcomes: readonly CourseOutcome[]): CourseOutcomeIndex {
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
 * Loads each course's outcomes once per run. Memory grows with the number of
 * courses, not of mastery records; concurrent requests for one course share a load.
 */
export class CourseOutcomeCache {
  private readonly loads = new Map<string, Promise<CourseOutcomeIndex>>();

  constructor(private readonly outcomes: CourseOutcomeStore) {}

  get(courseId: string): Promise<CourseOutcomeIndex> {
    let load = this.loads.get(courseId);
    if (load === undefined) {
      load = this.outcomes.listByCourse(courseId).then((list) => indexCourseOutcomes(courseId, list));
      this.loads.set(courseId, load);
    }
    return load;
  }

  /** The indexes of every course of `courseIds`, loaded concurrently. */
  async getMany(courseIds: Iterable<string>): Promise<Map<string, CourseOutcomeIndex>> {
    const unique = [...new Set(courseIds)];
    const indexes = await Promise.all(unique.map((courseId) => this.get(courseId)));
    return new Map(indexes.map((index) => [index.courseId, index]));
  }
}
