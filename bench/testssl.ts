/**
 * The testssl.sh baseline for the TLS scanner's benchmark (issue 5): wall time (whole process)
 * and TCP connections of testssl.sh's default run, `--fast`, and `-p -s -f` (the like-for-like
 * comparison for a default scan) on one implicit-TLS and one STARTTLS endpoint of the bed.
 * Connections are counted by a relay in front of the server (test/crosscheck/relay.ts).
 *
 *   npx tsx bench/testssl.ts [--modes default,fast,psf] [--out FILE]
 *
 * Starts the bed unless SEALCHECK_BED points at a running one. One run per cell: testssl.sh
 * needs minutes per endpoint, so medians over many runs are not affordable. Not part of
 * `npm run bench` yet; the scanner's bench will call runTestsslBench and print the ratios.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { findEndpoint, type BedDescription } from '../test/bed/endpoints';
import {
  runTestssl,
  summarize,
  testsslEndpointOf,
  testsslVersion,
  type TestsslMode,
} from '../test/crosscheck/testssl';
import { bedForScript } from '../test/bed/index';
import { formatTable } from '../test/support/text-table';

export const TESTSSL_BENCH_ENDPOINTS = [
  'dovecot-imap-implicit-good',
  'dovecot-imap-starttls-good',
] as const;

export interface TestsslBenchRow {
  readonly endpoint: string;
  readonly mode: TestsslMode;
  readonly wallMs: number;
  readonly connections: number | undefined;
  readonly verdict: string;
}

export async function runTestsslBench(
  bed: BedDescription,
  modes: readonly TestsslMode[] = ['default', 'fast', 'psf'],
  endpoints: readonly string[] = TESTSSL_BENCH_ENDPOINTS,
): Promise<TestsslBenchRow[]> {
  const rows: TestsslBenchRow[] = [];
  for (const id of endpoints) {
    for (const mode of modes) {
      const r = await runTestssl(testsslEndpointOf(findEndpoint(bed, id)), {
        mode,
        timeoutMs: 600_000,
      });
      rows.push({
        endpoint: id,
        mode,
        wallMs: r.wallMs,
        connections: r.connections,
        verdict: summarize(r),
      });
      console.error(
        `[testssl bench] ${id} ${mode}: ${(r.wallMs / 1000).toFixed(1)} s, ${String(r.connections)} connections`,
      );
    }
  }
  return rows;
}

export function formatTestsslBench(rows: readonly TestsslBenchRow[]): string {
  const head = ['endpoint', 'testssl mode', 'wall s', 'connections'];
  const body = rows.map((r) => [
    r.endpoint,
    r.mode === 'psf'
      ? '-p -s -f'
      : r.mode === 'fast'
        ? '--fast'
        : r.mode === 'psfe'
          ? '-p -s -f -e'
          : 'default',
    (r.wallMs / 1000).toFixed(1),
    String(r.connections ?? '-'),
  ]);
  return formatTable(head, body);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { modes: { type: 'string' }, out: { type: 'string' } },
    strict: true,
  });
  const modes = (values.modes ?? 'default,fast,psf')
    .split(',')
    .map((m) => m.trim()) as TestsslMode[];
  for (const m of modes) {
    if (!['default', 'fast', 'psf', 'psfe'].includes(m)) {
      console.error(`bench/testssl: unknown mode "${m}" (default, fast, psf, psfe)`);
      process.exit(64);
    }
  }
  const { bed, stop: stopBed } = await bedForScript();
  try {
    const rows = await runTestsslBench(bed, modes);
    console.log(`\ntestssl.sh ${testsslVersion()} baseline, loopback, one run per cell\n`);
    console.log(formatTestsslBench(rows));
    console.log('');
    for (const r of rows) console.log(`${r.endpoint} [${r.mode}] ${r.verdict}`);
    if (values.out !== undefined) await writeFile(values.out, `${JSON.stringify(rows, null, 2)}\n`);
  } finally {
    await stopBed();
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) await main();
