/**
 * The TLS scanner's benchmark (issue 5): Sealcheck's whole `check` process, default scan
 * included, beside testssl.sh (its default run, `--fast`, and `-p -s -f`, the like-for-like
 * run) on the same endpoints in the same run, and `check --detailed` beside nmap's
 * `ssl-enum-ciphers`. Wall time of the whole process and TCP connections (counted by a relay in
 * front of the server) for each; the ratios are the result, and whether the answers agree.
 *
 * Endpoints: one implicit-TLS and one STARTTLS endpoint of Dovecot (the bed's IMAP server).
 * Sealcheck and nmap run several times (medians); testssl.sh once per mode (it needs minutes).
 *
 * Targets: the default scan at least 100× faster than testssl.sh's default run and 50× faster
 * than `--fast`, with at most 15 connections for the scan, and the same verdict on versions,
 * weak suites and forward secrecy.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ScanFacts } from '../app/core/facts/scan';
import { findEndpoint, type BedDescription, type BedEndpoint } from '../test/bed/endpoints';
import { disagreements } from '../test/crosscheck/compare';
import { startCountingRelay } from '../test/crosscheck/relay';
import {
  runTestssl,
  testsslEndpointOf,
  testsslVersion,
  type TestsslMode,
  type TestsslResult,
} from '../test/crosscheck/testssl';
import { formatTable } from '../test/support/text-table';

export const SCAN_BENCH_ENDPOINTS = ['dovecot-imap-implicit-good', 'dovecot-imap-starttls-good'];

const TARGET_VS_DEFAULT = 100;
const TARGET_VS_FAST = 50;
const TARGET_CONNECTIONS = 15;

export interface ScanBenchOptions {
  /** Runs of Sealcheck and nmap per endpoint (medians). */
  readonly runs: number;
  /** Also run testssl.sh and nmap (minutes); without them only Sealcheck's own numbers. */
  readonly references: boolean;
}

export interface ScanBenchRow {
  readonly endpoint: string;
  readonly tool: string;
  readonly wallMs: number;
  /** TCP connections per run, as the relay counted them. */
  readonly connections: number;
  /** For Sealcheck: the scan's own connections (the probe's dialog comes on top). */
  readonly scanConnections?: number;
  /** Disagreements with Sealcheck's default scan (testssl rows). */
  readonly disagreements?: readonly string[];
  readonly note?: string;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly wallMs: number;
}

function run(cmd: string, args: readonly string[], timeoutMs: number): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      if (code === null) reject(new Error(`${cmd} timed out: ${stderr.slice(-500)}`));
      else resolve({ code, stdout, wallMs });
    });
  });
}

/** `sealcheck check` for one bed endpoint, through `port` (a relay), whole process. */
export async function sealcheck(
  bed: BedDescription,
  ep: BedEndpoint,
  port: number,
  extra: readonly string[],
): Promise<ProcessResult & { scan: ScanFacts }> {
  const args = [
    'bin/sealcheck.mjs',
    'check',
    ep.serverName,
    '--protocol',
    ep.protocol,
    '--tls',
    ep.security,
    '--port',
    String(ep.port),
    '--connect-to',
    `${ep.serverName}:${ep.port}:127.0.0.1:${port}`,
    '--ca-file',
    bed.rootCaFile,
    '--json',
    ...extra,
  ];
  const r = await run(process.execPath, args, 60_000);
  const parsed = JSON.parse(r.stdout) as { facts: { addresses: { scan: ScanFacts | null }[] } }[];
  const scan = parsed[0]?.facts.addresses[0]?.scan;
  if (!scan) throw new Error(`sealcheck gave no scan facts (exit ${String(r.code)})`);
  return { ...r, scan };
}

/** nmap's data directory with the relay's port named as the service (nmap picks STARTTLS by it). */
async function nmapDataDir(port: number, service: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sealcheck-nmap-'));
  const services = await readFile('/usr/share/nmap/nmap-services', 'utf8');
  await writeFile(join(dir, 'nmap-services'), `${services}${service}\t${port}/tcp\t0.5\n`);
  return dir;
}

/** The suites nmap's ssl-enum-ciphers listed, per version, in IANA names. */
export function parseNmapCiphers(output: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let version: string | null = null;
  for (const line of output.split('\n')) {
    const v = /^\|\s+(TLSv1(?:\.\d)?|SSLv3):\s*$/.exec(line);
    if (v?.[1]) {
      version = v[1] === 'TLSv1.0' ? 'TLSv1' : v[1];
      out.set(version, []);
      continue;
    }
    const c = /^\|\s+(TLS_\w+)\s/.exec(line);
    if (c?.[1] && version !== null) {
      // nmap spells the TLS 1.3 suites TLS_AKE_WITH_<AEAD>.
      out.get(version)?.push(c[1].replace(/^TLS_AKE_WITH_/, 'TLS_'));
    }
  }
  return out;
}

export async function nmap(ep: BedEndpoint, port: number): Promise<ProcessResult> {
  const service = ep.security === 'implicit' ? `${ep.protocol}s` : ep.protocol;
  const dir = await nmapDataDir(port, service);
  try {
    return await run(
      'nmap',
      [
        '-Pn',
        '-n',
        '-sT',
        '-p',
        String(port),
        '--datadir',
        dir,
        '--script',
        'ssl-enum-ciphers',
        '--script-args',
        `tls.servername=${ep.serverName}`,
        '127.0.0.1',
      ],
      300_000,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `fn` `runs` times through a fresh counting relay; median wall time, connections per run. */
async function measured<T extends { wallMs: number }>(
  ep: BedEndpoint,
  runs: number,
  fn: (port: number) => Promise<T>,
): Promise<{ wallMs: number; connections: number; first: T }> {
  const relay = await startCountingRelay(ep.host, ep.port);
  try {
    const results: T[] = [];
    for (let i = 0; i < runs; i++) results.push(await fn(relay.port));
    const first = results[0];
    if (first === undefined) throw new Error('no run');
    return {
      wallMs: median(results.map((r) => r.wallMs)),
      connections: relay.count() / runs,
      first,
    };
  } finally {
    await relay.close();
  }
}

export async function runScanBench(
  bed: BedDescription,
  options: ScanBenchOptions,
): Promise<ScanBenchRow[]> {
  const rows: ScanBenchRow[] = [];
  for (const id of SCAN_BENCH_ENDPOINTS) {
    const ep = findEndpoint(bed, id);
    // Warm-up: the first process reads the files from disk.
    const warm = await startCountingRelay(ep.host, ep.port);
    await sealcheck(bed, ep, warm.port, []).finally(() => warm.close());

    const def = await measured(ep, options.runs, (port) => sealcheck(bed, ep, port, []));
    rows.push({
      endpoint: id,
      tool: 'sealcheck check (default scan)',
      wallMs: def.wallMs,
      connections: def.connections,
      scanConnections: def.first.scan.connections,
    });
    const detailed = await measured(ep, options.runs, (port) =>
      sealcheck(bed, ep, port, ['--detailed']),
    );
    rows.push({
      endpoint: id,
      tool: 'sealcheck check --detailed',
      wallMs: detailed.wallMs,
      connections: detailed.connections,
      scanConnections: detailed.first.scan.connections,
    });
    if (!options.references) continue;

    const nm = await measured(ep, options.runs, (port) => nmap(ep, port));
    const nmapSuites = parseNmapCiphers(nm.first.stdout);
    const ours = detailed.first.scan.detailed ?? {};
    const differences: string[] = [];
    for (const v of new Set([...nmapSuites.keys(), ...Object.keys(ours)])) {
      const a = [...(ours[v as keyof typeof ours]?.suites ?? [])].sort().join(' ');
      const b = [...(nmapSuites.get(v) ?? [])].sort().join(' ');
      if (a !== b) differences.push(`${v}: Sealcheck [${a}] vs nmap [${b}]`);
    }
    rows.push({
      endpoint: id,
      tool: 'nmap --script ssl-enum-ciphers',
      wallMs: nm.wallMs,
      connections: nm.connections,
      disagreements: differences,
    });

    for (const mode of ['default', 'fast', 'psf'] as const satisfies readonly TestsslMode[]) {
      const r: TestsslResult = await runTestssl(testsslEndpointOf(ep), {
        mode,
        timeoutMs: 600_000,
      });
      rows.push({
        endpoint: id,
        tool: `testssl.sh ${mode === 'default' ? '(default)' : mode === 'fast' ? '--fast' : '-p -s -f'}`,
        wallMs: r.wallMs,
        connections: r.connections ?? NaN,
        disagreements: disagreements(def.first.scan, r),
      });
      console.error(`[scan bench] ${id} testssl ${mode}: ${(r.wallMs / 1000).toFixed(1)} s`);
    }
  }
  return rows;
}

function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(1)}×` : '-';
}

/** The table: each tool's row with its wall time and connections as ratios to Sealcheck's. */
export function formatScanBench(rows: readonly ScanBenchRow[]): string {
  const head = [
    'endpoint',
    'tool',
    'wall ms',
    'connections',
    'Sealcheck faster',
    'fewer connections',
    'same answers',
  ];
  const body = rows.map((r) => {
    const ours = rows.find(
      (x) =>
        x.endpoint === r.endpoint &&
        x.tool ===
          (r.tool.startsWith('nmap')
            ? 'sealcheck check --detailed'
            : 'sealcheck check (default scan)'),
    );
    const isOurs = r.tool.startsWith('sealcheck');
    return [
      r.endpoint,
      r.tool,
      r.wallMs.toFixed(0),
      `${r.connections.toFixed(0)}${r.scanConnections !== undefined ? ` (scan ${r.scanConnections})` : ''}`,
      isOurs || !ours ? '' : ratio(r.wallMs, ours.wallMs),
      isOurs || !ours ? '' : ratio(r.connections, ours.connections),
      r.disagreements === undefined ? '' : r.disagreements.length === 0 ? 'yes' : 'NO',
    ];
  });
  return formatTable(head, body);
}

/** The headline lines against the targets. */
export function scanBenchVerdicts(rows: readonly ScanBenchRow[]): string[] {
  const lines: string[] = [];
  for (const id of SCAN_BENCH_ENDPOINTS) {
    const ours = rows.find((r) => r.endpoint === id && r.tool === 'sealcheck check (default scan)');
    if (!ours) continue;
    const vs = (tool: string): ScanBenchRow | undefined =>
      rows.find((r) => r.endpoint === id && r.tool === tool);
    const scanOk = (ours.scanConnections ?? Infinity) <= TARGET_CONNECTIONS;
    lines.push(
      `${id}: the scan used ${String(ours.scanConnections)} connections (target ≤ ${TARGET_CONNECTIONS}): ${scanOk ? 'met' : 'MISSED'}`,
    );
    const pairs: [string, number | null][] = [
      ['testssl.sh (default)', TARGET_VS_DEFAULT],
      ['testssl.sh --fast', TARGET_VS_FAST],
      ['testssl.sh -p -s -f', null],
    ];
    for (const [tool, target] of pairs) {
      const r = vs(tool);
      if (!r) continue;
      const x = r.wallMs / ours.wallMs;
      const met =
        target === null
          ? ''
          : x >= target
            ? ` (target ≥ ${target}×: met)`
            : ` (target ≥ ${target}×: MISSED)`;
      lines.push(
        `${id}: ${x.toFixed(0)}× faster than ${tool}${met}, ${(r.connections / ours.connections).toFixed(0)}× fewer connections; answers ${r.disagreements?.length === 0 ? 'agree' : `DIFFER: ${r.disagreements?.join('; ') ?? ''}`}`,
      );
    }
    const nm = vs('nmap --script ssl-enum-ciphers');
    const det = vs('sealcheck check --detailed');
    if (nm && det) {
      lines.push(
        `${id}: --detailed ${(nm.wallMs / det.wallMs).toFixed(1)}× the speed of nmap ssl-enum-ciphers, ${(nm.connections / det.connections).toFixed(1)}× fewer connections; suite lists ${nm.disagreements?.length === 0 ? 'agree' : `DIFFER: ${nm.disagreements?.join('; ') ?? ''}`}`,
      );
    }
  }
  return lines;
}

export function referenceVersions(): string {
  return `testssl.sh ${testsslVersion()}`;
}
