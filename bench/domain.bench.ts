/**
 * The domain benchmark: a complete `checkDomain` (DNS with DNSSEC through a validating unbound,
 * MTA-STS record and policy over HTTPS, TLS-RPT, TLSA, and every MX probed on its SMTP port
 * with the STARTTLS dialog and the default TLS scan), on loopback against the domain world
 * (test/bed/domain-world.ts: knot + unbound, an HTTPS policy server, the bed's Postfix as MX).
 *
 * Rows: a signed domain with two MX hosts and DANE (issue 9's target), an unsigned domain with
 * one MX and an MTA-STS policy, and as the floor beside them one MX probed alone with the same
 * scan (probeEndpoint): the ratio says how much the domain's own questions add, since the MX
 * hosts run in parallel.
 *
 * Target (issue 9): the two-MX domain under 1 s on loopback (median).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { checkDomain } from '../app/core/domain/check';
import type { DomainFacts } from '../app/core/domain/facts';
import { probeEndpoint } from '../app/core/probe';
import { startDomainWorld } from '../test/bed/domain-world';
import type { BedDescription } from '../test/bed/endpoints';
import { formatTable } from '../test/support/text-table';
import { stats } from './probe.bench';

const TARGET_MS = 1000;
const WARMUP = 2;

export interface DomainBenchRow {
  readonly name: string;
  readonly medianMs: number;
  readonly p90Ms: number;
  /** TCP connections per run: probes, scans, the policy fetch. */
  readonly connections: number;
  readonly mxHosts: number;
}

export interface DomainBenchResult {
  readonly rows: readonly DomainBenchRow[];
  readonly runs: number;
  readonly targetMs: number;
  readonly pass: boolean;
}

function connectionsOf(f: DomainFacts): number {
  const probes = f.hosts
    .flatMap((h) => h.probe?.addresses ?? [])
    .reduce((n, a) => n + a.connections + (a.scan?.connections ?? 0), 0);
  return probes + (f.mtaSts.fetch !== null ? 1 : 0);
}

export async function runDomainBench(
  bed: BedDescription,
  runs: number,
): Promise<DomainBenchResult> {
  const world = await startDomainWorld(bed);
  try {
    const options = { ...world.options, scan: 'default' as const, probeTimeoutMs: 10_000 };
    const rows: DomainBenchRow[] = [];
    for (const [name, domain] of [
      ['signed domain, 2 MX with DANE', 'two.signed.example'],
      ['unsigned domain, 1 MX, MTA-STS enforce', 'enforce.plain.example'],
    ] as const) {
      const samples: number[] = [];
      let last: DomainFacts | null = null;
      for (let i = 0; i < WARMUP + runs; i++) {
        const t0 = performance.now();
        last = await checkDomain(domain, options);
        if (i >= WARMUP) samples.push(performance.now() - t0);
      }
      if (last === null) throw new Error('no run');
      rows.push({
        name,
        ...stats(samples),
        connections: connectionsOf(last),
        mxHosts: last.hosts.length,
      });
    }
    // The floor: one MX alone, the same dialog and scan, names resolved already.
    const good = bed.endpoints.find((e) => e.id === 'postfix-smtp-starttls-good');
    if (!good) throw new Error('bed without postfix-smtp-starttls-good');
    const rootCa = readFileSync(bed.rootCaFile, 'utf8');
    const samples: number[] = [];
    let connections = 0;
    for (let i = 0; i < WARMUP + runs; i++) {
      const t0 = performance.now();
      const facts = await probeEndpoint(
        { host: good.serverName, port: good.port, protocol: 'smtp', security: 'starttls' },
        {
          extraCa: [rootCa],
          scan: 'default',
          connectTo: [
            { host: good.serverName, port: good.port, toHost: good.host, toPort: good.port },
          ],
          lookup: ((
            _h: string,
            _o: unknown,
            cb: (e: null, a: { address: string; family: number }[]) => void,
          ) => cb(null, [{ address: good.host, family: 4 }])) as never,
        },
      );
      if (i >= WARMUP) samples.push(performance.now() - t0);
      connections = facts.addresses.reduce(
        (n, a) => n + a.connections + (a.scan?.connections ?? 0),
        0,
      );
    }
    rows.push({ name: 'floor: one MX probed alone', ...stats(samples), connections, mxHosts: 1 });
    const target = rows[0] as DomainBenchRow;
    return { rows, runs, targetMs: TARGET_MS, pass: target.medianMs < TARGET_MS };
  } finally {
    await world.stop();
  }
}

export function formatDomainBench(r: DomainBenchResult): string {
  const floor = r.rows[r.rows.length - 1]?.medianMs ?? NaN;
  const table = formatTable(
    ['check', 'MX', 'median ms', 'p90 ms', 'x floor', 'connections'],
    r.rows.map((row) => [
      row.name,
      String(row.mxHosts),
      row.medianMs.toFixed(0),
      row.p90Ms.toFixed(0),
      (row.medianMs / floor).toFixed(2),
      String(row.connections),
    ]),
  );
  const first = r.rows[0];
  const verdict = first
    ? `${r.pass ? 'PASS' : 'FAIL'}: ${first.name} in ${first.medianMs.toFixed(0)} ms (median of ${r.runs}), target under ${r.targetMs} ms`
    : '';
  return `${table}\n\n${verdict}`;
}
