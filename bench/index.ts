/**
 * `npm run bench`: speed figures live here, never in tests (design.md).
 *
 *   npx tsx bench/index.ts [--runs N] [--out FILE]
 *
 * Starts the real-server bed (needs root, like the tests) unless SEALCHECK_BED points at a
 * running one, then runs each benchmark and prints a table. --out also writes the numbers as
 * JSON (results are not committed).
 */
import { parseArgs } from 'node:util';
import { runCertBench } from './cert.bench';
import { runProbeBench } from './probe.bench';

const { values } = parseArgs({
  options: { runs: { type: 'string' }, out: { type: 'string' } },
  strict: true,
});
const runs = values.runs !== undefined ? Number(values.runs) : 20;
if (!Number.isInteger(runs) || runs < 1 || runs > 10_000) {
  console.error('bench: --runs must be a whole number from 1 to 10000');
  process.exit(64);
}

await runProbeBench({ runs, ...(values.out !== undefined ? { out: values.out } : {}) });
// Pure computation, no bed: more runs for a stable median.
runCertBench(Math.max(runs, 200));
