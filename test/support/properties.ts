/**
 * One seed and one run budget for every property-based test, so a failure can be replayed and
 * CI stays fast:
 *
 *   SEALCHECK_FUZZ_SEED=1234 npm test       replay with that seed (default: a fixed seed)
 *   SEALCHECK_FUZZ_RUNS=20000 npx vitest …   the long run (default: the test's own short count)
 *
 * `propertyRuns(n)` gives fast-check's parameters: the seed, and n runs (or the long-run
 * count). fast-check prints the seed and the shrunk counterexample when a property fails; the
 * seed is also written once per test file, so a CI log always says which seed ran.
 */
import type fc from 'fast-check';

const DEFAULT_SEED = 20261203;

function envInteger(name: string): number | null {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return null;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be a whole number, not ${raw}`);
  return n;
}

export const FUZZ_SEED = envInteger('SEALCHECK_FUZZ_SEED') ?? DEFAULT_SEED;
const LONG_RUNS = envInteger('SEALCHECK_FUZZ_RUNS');
if (LONG_RUNS !== null && LONG_RUNS < 1) throw new Error('SEALCHECK_FUZZ_RUNS must be at least 1');

let announced = false;

/** fast-check parameters: the run's seed and `defaultRuns` runs (SEALCHECK_FUZZ_RUNS overrides). */
export function propertyRuns(defaultRuns: number): fc.Parameters<unknown> {
  if (!announced) {
    announced = true;
    console.info(
      `property tests: seed ${FUZZ_SEED}${LONG_RUNS !== null ? `, ${LONG_RUNS} runs each` : ''} (SEALCHECK_FUZZ_SEED, SEALCHECK_FUZZ_RUNS)`,
    );
  }
  return { seed: FUZZ_SEED, numRuns: LONG_RUNS ?? defaultRuns };
}
