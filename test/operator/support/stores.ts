/** The stores the operator tests run against, seeded with the corrupted dataset. */
import type {
  MasteryRecord,
  MasteryRepair,
  MasteryStore,
  Stores,
} from "../../../src/stores/ports.js";
import { createMemoryStores } from "../../../src/stores/memory/index.js";
import { createSqliteStores } from "../../../src/stores/sqlite/index.js";
import { corruptedDataset, loadOutcomes } from "./dataset.js";

export interface StoreCase {
  name: string;
  create(): Promise<Stores>;
  /** The corrupted dataset this store can hold (SQLite and Appwrite enforce the 5000-character column). */
  dataset(): MasteryRecord[];
}

/** The embedded SQLite store (in-memory database: same engine, schema and triggers as a file). */
export const STORE_CASES: StoreCase[] = [
  { name: "memory", create: async () => createMemoryStores(), dataset: () => corruptedDataset() },
  {
    name: "sqlite",
    create: async () => createSqliteStores(":memory:"),
    dataset: () => corruptedDataset({ withOversize: false }),
  },
];

/** Outcomes of the fixture, and `records` restored as they are. */
export async function seed(stores: Stores, records: readonly MasteryRecord[]): Promise<void> {
  await stores.outcomes.upsertMany(loadOutcomes());
  await stores.mastery.restore(records);
}

/** Every record, by `$id`. */
export async function snapshot(mastery: MasteryStore): Promise<Map<string, MasteryRecord>> {
  const all = new Map<string, MasteryRecord>();
  for await (const page of mastery.scan({ pageSize: 1000 }))
    for (const record of page) all.set(record.$id, record);
  return all;
}

/** `$id` -> stored `emaByOutcome` text (what clean decides; `updatedAt` is the clock's). */
export async function mapsById(mastery: MasteryStore): Promise<Record<string, string | null>> {
  return Object.fromEntries(
    [...(await snapshot(mastery))].map(([id, record]) => [id, record.emaByOutcome]),
  );
}

/** `mastery` with its `repair` replaced (works for class-based adapters too). */
export function withRepair(
  mastery: MasteryStore,
  repair: (repairs: readonly MasteryRepair[]) => Promise<void>,
): MasteryStore {
  return {
    get: (studentId, courseId) => mastery.get(studentId, courseId),
    applyLessonMastery: (input) => mastery.applyLessonMastery(input),
    isSessionApplied: (sessionId) => mastery.isSessionApplied(sessionId),
    completeLesson: (input) => mastery.completeLesson(input),
    getRoutine: (studentId, courseId) => mastery.getRoutine(studentId, courseId),
    listEvidence: (sessionId) => mastery.listEvidence(sessionId),
    scan: (options) => mastery.scan(options),
    repair,
    restore: (records) => mastery.restore(records),
  };
}
