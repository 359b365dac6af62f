/**
 * The one table `npm run bench` ends with (issue 10): the figures that answer "how fast, next to
 * the others", gathered from the benchmarks of the same run, each against its target.
 *
 *   - one STARTTLS endpoint and one whole account, on loopback and at 50 ms RTT: wall time, in
 *     RTTs, connections (rtt.bench.ts);
 *   - the same endpoint's work by testssl.sh (default run) and nmap's ssl-enum-ciphers, as
 *     ratios to Sealcheck's whole process (scan.bench.ts on loopback, rtt.bench.ts at 50 ms);
 *   - 100 and 1000 endpoints in batch: throughput and peak RSS (batch.bench.ts).
 * Written as JSON beside the printed table (bench.json in the --out directory, or out/bench/).
 */
import type { BatchBenchRow } from './batch.bench';
import type { RttBenchResult } from './rtt.bench';
import type { ScanBenchRow } from './scan.bench';
import { formatTable } from '../test/support/text-table';

export interface SummaryRow {
  readonly what: string;
  readonly value: string;
  readonly target: string;
  readonly met: boolean | null;
}

export interface BenchInputs {
  readonly rtt?: RttBenchResult;
  readonly scan?: readonly ScanBenchRow[];
  readonly batch?: readonly BatchBenchRow[];
}

const ms = (n: number): string => `${n.toFixed(0)} ms`;

export function summaryRows(inputs: BenchInputs): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const rtt = inputs.rtt?.rows ?? [];
  const at = (r: number, name: string) => rtt.find((x) => x.rttMs === r && x.name.startsWith(name));
  for (const r of [0, 50]) {
    const e = at(r, 'STARTTLS endpoint');
    if (e) {
      rows.push({
        what: `one STARTTLS endpoint, ${r} ms RTT`,
        value: `${ms(e.medianMs)}${e.rtts !== null ? ` = ${e.rtts.toFixed(1)} RTTs` : ''}, ${e.connections.toFixed(0)} connections`,
        target: r === 50 ? '≤ 8 RTTs' : '',
        met: r === 50 && e.rtts !== null ? e.rtts <= 8 : null,
      });
    }
    const a = at(r, 'whole account');
    if (a) {
      rows.push({
        what: `one whole account (IMAP, submission, XMPP), ${r} ms RTT`,
        value: `${ms(a.medianMs)}${a.rtts !== null ? ` = ${a.rtts.toFixed(1)} RTTs` : ''}, ${a.connections.toFixed(0)} connections, ${(a.ratio ?? NaN).toFixed(2)}× its slowest endpoint`,
        target: r === 50 ? '≤ 1.2× slowest endpoint' : '',
        met: r === 50 && a.ratio !== null ? a.ratio <= 1.2 : null,
      });
    }
    const ours = at(r, 'sealcheck check');
    const nmap = at(r, 'nmap');
    if (ours && nmap) {
      rows.push({
        what: `nmap ssl-enum-ciphers vs sealcheck check (processes), implicit, ${r} ms RTT`,
        value: `${(nmap.medianMs / ours.medianMs).toFixed(1)}× slower, ${(nmap.connections / ours.connections).toFixed(1)}× the connections (${nmap.connections.toFixed(0)} vs ${ours.connections.toFixed(0)})`,
        target: 'slower, ≥ 4× the connections',
        met: nmap.medianMs > ours.medianMs && nmap.connections >= 4 * ours.connections,
      });
    }
  }
  for (const endpoint of new Set((inputs.scan ?? []).map((s) => s.endpoint))) {
    const of = (tool: string) =>
      inputs.scan?.find((s) => s.endpoint === endpoint && s.tool === tool);
    const ours = of('sealcheck check (default scan)');
    const testssl = of('testssl.sh (default)');
    if (ours && testssl) {
      const x = testssl.wallMs / ours.wallMs;
      rows.push({
        what: `testssl.sh default vs sealcheck check, ${endpoint}, loopback`,
        value: `${x.toFixed(0)}× slower (${(testssl.wallMs / 1000).toFixed(1)} s vs ${ms(ours.wallMs)}), ${(testssl.connections / ours.connections).toFixed(0)}× the connections`,
        target: '≥ 100× slower',
        met: x >= 100,
      });
    }
  }
  for (const b of inputs.batch ?? []) {
    rows.push({
      what: `batch of ${b.endpoints} endpoints (scan ${b.scan}), loopback`,
      value: `${(b.wallMs / 1000).toFixed(1)} s, ${b.endpointsPerSecond.toFixed(0)} endpoints/s, peak RSS ${b.peakRssMb === null ? '?' : `${b.peakRssMb.toFixed(0)} MB`}, ${b.errors} errors`,
      target: b.endpoints >= 1000 ? '< 60 s, < 200 MB, 0 errors' : '< 200 MB, 0 errors',
      met:
        (b.endpoints < 1000 || b.wallMs < 60_000) &&
        b.peakRssMb !== null &&
        b.peakRssMb < 200 &&
        b.errors === 0,
    });
  }
  return rows;
}

export function formatSummary(rows: readonly SummaryRow[]): string {
  return formatTable(
    ['what', 'measured', 'target', ''],
    rows.map((r) => [r.what, r.value, r.target, r.met === null ? '' : r.met ? 'met' : 'MISSED']),
  );
}
