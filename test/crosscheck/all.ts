/**
 * The full testssl.sh cross-check, opt-in (every TLS endpoint of the bed; ~20–25 s each in the
 * default 'psfe' mode, i.e. some 12 minutes on two cores):
 *
 *   npx tsx test/crosscheck/all.ts [--mode psfe|psf|fast|default] [--only REGEX] [--out FILE]
 *
 * Starts the bed unless SEALCHECK_BED points at a running one. Prints one row per endpoint:
 * testssl's accepted versions, weak families (yes / no / ? for unknown), forward secrecy, wall
 * time and connections, then Sealcheck's scan of the same endpoint beside it (its connections,
 * and whether it agrees: compare.ts); --out writes the full results as JSON.
 * Exits 1 if an endpoint's accepted versions contradict the bed's own notes (minTls/maxTls),
 * testssl failed on it, or the scan disagrees with testssl (or leaves unknown what testssl
 * answered).
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { BedEndpoint } from '../bed/endpoints';
import {
  runTestssl,
  testsslEndpointOf,
  testsslVersion,
  VERSION_NAMES,
  WEAK_FAMILIES,
  type TestsslMode,
  type TestsslResult,
  type Tri,
  type VersionName,
} from './testssl';
import { bedForScript } from '../bed/index';
import { formatTable } from '../support/text-table';
import { disagreements, scanBedEndpoint, unansweredByScan } from './compare';
import type { ScanFacts } from '../../app/core/facts/scan';

const { values } = parseArgs({
  options: { mode: { type: 'string' }, only: { type: 'string' }, out: { type: 'string' } },
  strict: true,
});
const mode = (values.mode ?? 'psfe') as TestsslMode;
if (!['default', 'fast', 'psf', 'psfe'].includes(mode)) {
  console.error(`crosscheck: unknown --mode "${mode}" (psfe, psf, fast, default)`);
  process.exit(64);
}
const only = values.only !== undefined ? new RegExp(values.only) : null;

const SHORT: Readonly<Record<VersionName, string>> = {
  SSLv2: 'S2',
  SSLv3: 'S3',
  TLSv1: '1.0',
  'TLSv1.1': '1.1',
  'TLSv1.2': '1.2',
  'TLSv1.3': '1.3',
};
const t = (v: Tri): string => (v === 'unknown' ? '?' : v ? 'yes' : 'no');

/** Versions the bed promises for an endpoint: TLS 1.2+ unless its notes cap them. */
function expectedVersions(ep: BedEndpoint): readonly VersionName[] | null {
  const min = ep.notes?.minTls as VersionName | undefined;
  const max = ep.notes?.maxTls as VersionName | undefined;
  if (!min && !max) return null;
  const lo = VERSION_NAMES.indexOf(min ?? 'TLSv1');
  const hi = VERSION_NAMES.indexOf(max ?? 'TLSv1.3');
  return VERSION_NAMES.filter((_, i) => i >= lo && i <= hi);
}

interface Row {
  readonly id: string;
  readonly result?: TestsslResult;
  readonly scan?: ScanFacts;
  readonly error?: string;
  readonly problem?: string;
}

async function main(): Promise<number> {
  const { bed, stop: stopBed } = await bedForScript();
  const rows: Row[] = [];
  try {
    const endpoints = bed.endpoints.filter(
      (e) => e.security !== 'none' && (!only || only.test(e.id)),
    );
    console.error(
      `crosscheck: testssl.sh ${testsslVersion()}, mode ${mode}, ${String(endpoints.length)} endpoints`,
    );
    const rootCa = readFileSync(bed.rootCaFile, 'utf8');
    for (const ep of endpoints) {
      try {
        const result = await runTestssl(testsslEndpointOf(ep), { mode, timeoutMs: 600_000 });
        const scan = await scanBedEndpoint(ep, [rootCa]);
        const expected = expectedVersions(ep);
        const accepted = VERSION_NAMES.filter((v) => result.versions[v] === true);
        const problems = [
          ...(expected && accepted.join() !== expected.join()
            ? [`versions ${accepted.join(' ')} but the bed says ${expected.join(' ')}`]
            : []),
          ...disagreements(scan, result),
          ...unansweredByScan(scan, result).map((q) => `${q}: unknown to the scan`),
        ];
        const problem = problems.length > 0 ? problems.join('; ') : undefined;
        rows.push({ id: ep.id, result, scan, ...(problem ? { problem } : {}) });
        console.error(`  ${ep.id}: ${(result.wallMs / 1000).toFixed(1)} s`);
      } catch (err) {
        rows.push({
          id: ep.id,
          error: err instanceof Error ? err.message.split('\n')[0] : String(err),
        });
        console.error(`  ${ep.id}: FAILED`);
      }
    }
  } finally {
    await stopBed();
  }

  const head = [
    'endpoint',
    'versions',
    ...WEAK_FAMILIES,
    'fs',
    'nonFs',
    's',
    'conns',
    'scan conns',
    'scan agrees',
  ];
  const body = rows.map((r) => {
    const x = r.result;
    if (!x) return [r.id, `ERROR: ${r.error ?? ''}`];
    const versions = VERSION_NAMES.filter((v) => x.versions[v] !== false)
      .map((v) => (x.versions[v] === true ? SHORT[v] : `${SHORT[v]}?`))
      .join(',');
    return [
      r.id,
      versions,
      ...WEAK_FAMILIES.map((f) => t(x.weakFamilies[f])),
      t(x.forwardSecrecy.offered),
      t(x.forwardSecrecy.nonForwardSecretAccepted),
      (x.wallMs / 1000).toFixed(0),
      String(x.connections ?? '-'),
      String(r.scan?.connections ?? '-'),
      r.problem === undefined ? 'yes' : 'NO',
    ];
  });
  console.log(formatTable(head, body));
  const problems = rows.filter((r) => r.error !== undefined || r.problem !== undefined);
  for (const p of problems) console.log(`PROBLEM ${p.id}: ${p.problem ?? p.error ?? ''}`);
  if (values.out !== undefined) {
    await writeFile(values.out, `${JSON.stringify(rows, null, 2)}\n`);
  }
  return problems.length > 0 ? 1 : 0;
}

process.exitCode = await main();
