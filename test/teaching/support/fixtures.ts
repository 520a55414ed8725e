/**
 * Shared builders for teaching-graph tests (also meant for the server test,
 * the player's test and the benchmark): the fixture lesson placed in
 * course_c84774, the National 4 outcomes with fresh `ID.unique()`-style IDs,
 * and a `session_context` as the frontend would send it.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import {
  needsModel,
  LessonSnapshotSchema,
  type Card,
  type LessonSnapshot,
} from "../../../src/lessons/schema.js";
import { uniqueId } from "../../../src/mastery/ids.js";
import { extractOutcomeIds } from "../../../src/outcomes/refs.js";
import { CourseOutcomeInputSchema, type CourseOutcome } from "../../../src/outcomes/schema.js";
import { DEMO_FILES } from "../../../src/seed/index.js";
import type { SessionContextInput } from "../../../src/session/context.js";
import type { LessonSession } from "../../../src/stores/ports.js";

export const COURSE_ID = "course_c84774";
export const STUDENT_ID = "student_fixture_001";
export const LESSON_TEMPLATE_ID = "lt_fractions_of_amounts";

/** Reads one of the demo files (the repository's `data/demo`, as `seed --demo` does). */
function readFixture(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** The six National 4 Mathematics outcomes (O1, O2 in three units), each with a new document ID. */
export function fixtureOutcomes(): CourseOutcome[] {
  const rows = z
    .array(z.looseObject({ keywords: z.array(z.string()) }))
    .parse(readFixture(DEMO_FILES.courseOutcomes));
  // The fixture holds keywords as an array; the table stores a JSON string.
  return rows.map((row) => ({
    ...CourseOutcomeInputSchema.parse({ ...row, keywords: JSON.stringify(row.keywords) }),
    $id: uniqueId(),
  }));
}

export interface LessonOptions {
  /** `deterministic`: only the cards judged without a model (card_001 mcq, card_003 numeric). */
  cards?: "all" | "deterministic";
  /** Replaces the lesson's cards (`cards` is then ignored). */
  cardList?: Card[];
}

/** The fractions lesson as a session snapshot in course_c84774 (the file says course_test_mock). */
export function fixtureLesson(options: LessonOptions = {}): LessonSnapshot {
  const raw = z.looseObject({}).parse(readFixture(DEMO_FILES.lesson));
  const lesson = LessonSnapshotSchema.parse({
    ...raw,
    lessonTemplateId: LESSON_TEMPLATE_ID,
    courseId: COURSE_ID,
  });
  if (options.cardList !== undefined) return { ...lesson, cards: options.cardList };
  if (options.cards === "deterministic") {
    return { ...lesson, cards: lesson.cards.filter((card) => !needsModel(card.cfu)) };
  }
  return lesson;
}

/** What enrichment returns for a lesson: every outcome of its course named by its outcome refs (O1 → three). */
export function enrichOutcomes(
  lesson: LessonSnapshot,
  outcomes: readonly CourseOutcome[],
): CourseOutcome[] {
  const wanted = new Set(extractOutcomeIds(lesson.outcomeRefs));
  return outcomes.filter(
    (outcome) => outcome.courseId === lesson.courseId && wanted.has(outcome.outcomeId),
  );
}

export interface LessonFixture {
  lesson: LessonSnapshot;
  /** All six course outcomes: seed these into the store. */
  outcomes: CourseOutcome[];
  /** The lesson's enriched outcomes (the three O1 documents). */
  enrichedOutcomes: CourseOutcome[];
  sessionContext: SessionContextInput;
}

let sessionCounter = 0;

/** A complete, valid fixture; `overrides` replace top-level `session_context` fields. */
export function lessonFixture(
  options: LessonOptions & { overrides?: Partial<SessionContextInput> } = {},
): LessonFixture {
  const lesson = fixtureLesson(options);
  const outcomes = fixtureOutcomes();
  const enrichedOutcomes = enrichOutcomes(lesson, outcomes);
  sessionCounter += 1;
  const sessionContext: SessionContextInput = {
    session_id: `session_${Date.now().toString(36)}_${sessionCounter}`,
    student_id: STUDENT_ID,
    lesson_snapshot: lesson,
    enriched_outcomes: enrichedOutcomes,
    course_subject: "mathematics",
    course_level: "national-4",
    course_title: "Mathematics (National 4)",
    use_plain_text: false,
    ...options.overrides,
  };
  return { lesson, outcomes, enrichedOutcomes, sessionContext };
}

/** Just the session context of a fresh `lessonFixture`. */
export function fixtureSessionContext(
  options: LessonOptions & { overrides?: Partial<SessionContextInput> } = {},
): SessionContextInput {
  return lessonFixture(options).sessionContext;
}

/** The fixture's `sessions` row, as the platform stores it before the lesson starts (no thread yet). */
export function storedSession(
  fixture: LessonFixture,
  overrides: Partial<LessonSession> = {},
): LessonSession {
  return {
    $id: fixture.sessionContext.session_id,
    studentId: fixture.sessionContext.student_id,
    courseId: COURSE_ID,
    lessonTemplateId: LESSON_TEMPLATE_ID,
    lessonSnapshot: fixture.lesson,
    status: "created",
    startedAt: "2025-11-12T15:00:00.000Z",
    ...overrides,
  };
}

/** An answer the card's deterministic evaluator accepts; for rubric cards, what the fake judge is scripted to accept. */
export function correctAnswer(card: Card): string {
  const { cfu } = card;
  switch (cfu.type) {
    case "mcq":
      return (cfu.multiSelect === true ? cfu.answerIndices : [cfu.answerIndex])
        .map((index) => cfu.options[index])
        .join(" | ");
    case "numeric":
      return String(cfu.expected);
    case "structured_response":
    case "short_text":
      return "A full worked answer";
  }
}

/** An answer that is readable but wrong. */
export function wrongAnswer(card: Card): string {
  const { cfu } = card;
  switch (cfu.type) {
    case "mcq": {
      const correct = new Set(cfu.multiSelect === true ? cfu.answerIndices : [cfu.answerIndex]);
      const other = cfu.options.find((_, index) => !correct.has(index));
      if (other === undefined) throw new Error(`MCQ ${cfu.id} has no wrong option`);
      return other;
    }
    case "numeric":
      return String(cfu.expected + 1);
    case "structured_response":
    case "short_text":
      return "I am not sure";
  }
}

/** A copy of `value` without `key` (to build payloads with a field missing). */
export function without<T extends object, K extends keyof T>(value: T, key: K): Omit<T, K> {
  const copy = { ...value };
  delete copy[key];
  return copy;
}

/** `count` cards made from the fixture's deterministic cards, each with its own card and CFU id. */
export function manyCards(count: number): Card[] {
  const cards = fixtureLesson({ cards: "deterministic" }).cards;
  return Array.from({ length: count }, (_, index) => {
    const card = cards[index % cards.length]!;
    return {
      ...card,
      id: `${card.id}_${index}`,
      cfu: { ...card.cfu, id: `${card.cfu.id}_${index}` },
    };
  });
}
