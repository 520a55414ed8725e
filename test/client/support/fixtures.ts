/**
 * The demo data (`data/demo`) as the platform stores them, for the outcome
 * tests: the teaching tests' builders (outcomes with fresh document IDs in
 * course_c84774).
 */
import { COURSE_ID, fixtureOutcomes } from "../../teaching/support/fixtures.js";

export { COURSE_ID };

/** Fresh document IDs on every call, as a new seeding would assign. */
export const loadCourseOutcomes = fixtureOutcomes;
