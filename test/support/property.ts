/**
 * Settings shared by the property tests (`*.property.test.ts`), read from the
 * environment here and nowhere else. `npm test` runs every property
 * {@link DEFAULT_PROPERTY_RUNS} times from a fixed seed, so a failure there
 * reproduces on every machine; `npm run fuzz` sets `FUZZ_RUNS` and
 * `FUZZ_SEED=random` to search much further. fast-check prints the seed and
 * path of a failing run, which `FUZZ_SEED=<seed>` replays.
 */
import type { Parameters } from "fast-check";

export const DEFAULT_PROPERTY_RUNS = 10_000;

/** The seed of `npm test`: any fixed number would do. */
const FIXED_SEED = 20_251_112;

function readRuns(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PROPERTY_RUNS;
  const runs = Number(raw);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`FUZZ_RUNS must be a positive integer, got ${JSON.stringify(raw)}`);
  return runs;
}

function readSeed(raw: string | undefined): number {
  if (raw === undefined) return FIXED_SEED;
  if (raw === "random") return Math.floor(Math.random() * 0x7fffffff);
  const seed = Number(raw);
  if (!Number.isInteger(seed))
    throw new Error(`FUZZ_SEED must be an integer or "random", got ${JSON.stringify(raw)}`);
  return seed;
}

const RUNS = readRuns(process.env.FUZZ_RUNS);
const SEED = readSeed(process.env.FUZZ_SEED);

/**
 * `fc.assert` parameters: the configured seed, and the configured runs scaled
 * by `share` for a property that is much slower per run (one that goes
 * through a store), so that `fuzz` scales it too.
 */
export function propertyParameters<T>(share = 1): Parameters<T> {
  return { seed: SEED, numRuns: Math.max(1, Math.round(RUNS * share)) };
}
