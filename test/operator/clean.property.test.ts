/**
 * Properties of a whole `mastery clean` run against the in-memory store, over
 * generated records (see ./support/arbitraries.ts): what it writes is always
 * valid, a second run changes nothing, and restoring its backup gives back
 * exactly what was there before.
 */
import { isDeepStrictEqual } from "node:util";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isMasteryScore, isOversize } from "../../src/mastery/map.js";
import { restoreFromBackup } from "../../src/operator/backup.js";
import {
  cleanMastery,
  type CleanOptions,
  type CleanRecordResult,
} from "../../src/operator/clean.js";
import { createMemoryStores } from "../../src/stores/memory/index.js";
import type { MasteryRecord } from "../../src/stores/ports.js";
import { propertyParameters } from "../support/property.js";
import { storedRecords } from "./support/arbitraries.js";
import { COURSE_ID, loadOutcomes } from "./support/dataset.js";
import { snapshot } from "./support/stores.js";

const OUTCOMES = loadOutcomes();
const COURSE_OUTCOMES = new Set(OUTCOMES.map((outcome) => outcome.$id));

function parsedMap(text: string | null): Record<string, unknown> {
  return JSON.parse(text!) as Record<string, unknown>;
}

/**
 * Every entry of a written map is one the record had, unchanged, or a score
 * for an outcome of the course; and the keys that went and came are exactly
 * those the run reported.
 */
function expectValidWrite(
  before: MasteryRecord,
  after: MasteryRecord,
  reported: CleanRecordResult | undefined,
): void {
  expect(isOversize(after.emaByOutcome!), after.$id).toBe(false);
  const old = parsedMap(before.emaByOutcome);
  const written = parsedMap(after.emaByOutcome);
  for (const [key, value] of Object.entries(written)) {
    const kept = Object.hasOwn(old, key) && isDeepStrictEqual(old[key], value);
    const added =
      before.courseId === COURSE_ID && COURSE_OUTCOMES.has(key) && isMasteryScore(value);
    expect(kept || added, `${after.$id}: ${key}`).toBe(true);
  }
  expect(reported?.status, after.$id).toBe("cleaned");
  const removed = Object.keys(old).filter((key) => !Object.hasOwn(written, key));
  const added = Object.keys(written).filter((key) => !Object.hasOwn(old, key));
  expect([...reported!.keysRemoved].sort(), after.$id).toEqual(removed.sort());
  expect(reported!.keysAdded.map(({ key }) => key).sort(), after.$id).toEqual(added.sort());
}

describe("cleanMastery on the memory store (property)", () => {
  let dir: string;
  let run = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mastery-clean-property-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // A real run per case (backup file, writes, restore): about 3 ms each, so this is the suite's slowest property.
  it(
    "writes only valid maps, changes nothing on a second run, and its backup restores the original exactly",
    {
      timeout: 30 * 60_000,
    },
    async () => {
      await fc.assert(
        fc.asyncProperty(storedRecords, fc.boolean(), async (records, migrateRefs) => {
          const stores = createMemoryStores();
          try {
            await stores.outcomes.upsertMany(OUTCOMES);
            await stores.mastery.restore(records);
            const original = await snapshot(stores.mastery);
            run += 1;
            const reported = new Map<string, CleanRecordResult>();
            const options: CleanOptions = {
              migrateRefs,
              dryRun: false,
              backupPath: join(dir, `backup-${run}.jsonl`),
              pageSize: 4,
              batchSize: 4,
              concurrency: 1,
              onRecord: (result) => reported.set(result.recordId, result),
            };
            const first = await cleanMastery(stores, options);
            const cleaned = await snapshot(stores.mastery);
            for (const [id, after] of cleaned) {
              const before = original.get(id)!;
              if (after.emaByOutcome !== before.emaByOutcome)
                expectValidWrite(before, after, reported.get(id));
              else expect(after, id).toEqual(before);
            }

            const second = await cleanMastery(stores, {
              ...options,
              backupPath: join(dir, `second-${run}.jsonl`),
            });
            expect(second.cleaned).toBe(0);
            expect(await snapshot(stores.mastery)).toEqual(cleaned);

            if (first.backupPath !== null) {
              await restoreFromBackup(stores, first.backupPath, {
                batchSize: 2,
                concurrency: 1,
              });
            }
            expect(await snapshot(stores.mastery)).toEqual(original);
          } finally {
            await stores.close();
          }
        }),
        propertyParameters(),
      );
    },
  );
});
