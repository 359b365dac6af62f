/**
 * The batch benchmark (issue 10, item 3): a help desk's list of endpoints checked by one whole
 * `sealcheck check --input LIST.csv --jsonl` process (the built CLI, `node bin/sealcheck.mjs`,
 * which loads out/cli/sealcheck.mjs) on loopback: wall time, throughput, the process's peak RSS
 * and the connection errors its JSON lines report.
 *
 * The servers: a dedicated Dovecot (test/bed/servers/dovecot-batch.ts) listening on 127.0.0.2 …
 * 127.0.0.(1 + addresses), implicit TLS and STARTTLS, with its connection limits raised so that
 * any error measured is Sealcheck's own. Each row names the bed's certificate name
 * mail.test.example with a port of its own (a label), and a --connect-to rule sends it to one of
 * those addresses (endpoint k to 127.0.0.(2 + k mod addresses)), so certificates verify and the
 * per-host politeness limit (per address) spreads the load as it would over many providers.
 *
 * Peak RSS is /usr/bin/time -v's "Maximum resident set size" when present, else the largest
 * VmHWM sampled from /proc/PID/status. Errors: every address whose probe did not succeed
 * (refused, reset, timeout, TLS error, …) and every scan handshake lost to a reset, a timeout or
 * a failed set-up; refusals of old versions by the server are answers, not errors.
 *
 * Targets: 1000 endpoints in under 60 s on 2 cores, peak RSS under 200 MB, no error.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { EndpointFacts } from '../app/core/facts/endpoint';
import type { BedDescription } from '../test/bed/endpoints';
import { startBatchDovecot } from '../test/bed/servers/dovecot-batch';
import { bin, ensureCliBuilt, root } from '../test/cli/support/build-cli';
import { formatTable } from '../test/support/text-table';

export interface BatchBenchOptions {
  /** Endpoint counts, one row each (default 100 and 1000). */
  readonly sizes?: readonly number[];
  /** The TLS scan of each endpoint: 'default' (about six connections more) or 'off'. */
  readonly scan?: 'default' | 'off';
  /** Distinct loopback addresses (default 250: 127.0.0.2 … 127.0.0.251). */
  readonly addresses?: number;
  /** --concurrency and --per-host of the run (default 32 and 2). */
  readonly concurrency?: number;
  readonly perHost?: number;
}

export interface BatchBenchRow {
  readonly endpoints: number;
  readonly scan: 'default' | 'off';
  readonly addresses: number;
  readonly concurrency: number;
  readonly perHost: number;
  readonly wallMs: number;
  readonly endpointsPerSecond: number;
  readonly peakRssMb: number | null;
  readonly rssSource: '/usr/bin/time -v' | '/proc VmHWM' | 'none';
  readonly exitCode: number;
  /** JSON lines printed (one per endpoint expected). */
  readonly lines: number;
  readonly verified: number;
  /** TCP connections the facts report (probe, injection test and scan). */
  readonly connections: number;
  readonly errors: number;
  readonly errorKinds: Readonly<Record<string, number>>;
}

export const BATCH_TARGETS = { wallMs1000: 60_000, peakRssMb: 200, errors: 0 } as const;

interface RunResult {
  readonly code: number;
  readonly wallMs: number;
  readonly peakRssKb: number | null;
  readonly rssSource: BatchBenchRow['rssSource'];
}

const TIME = '/usr/bin/time';

/** Runs the CLI, feeding each stdout line to onLine; peak RSS by time -v or /proc sampling. */
function runCli(args: readonly string[], onLine: (line: string) => void): Promise<RunResult> {
  const useTime = existsSync(TIME);
  const command = useTime ? TIME : process.execPath;
  const argv = useTime ? ['-v', process.execPath, bin, ...args] : [bin, ...args];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-64 * 1024);
    });
    createInterface({ input: child.stdout }).on('line', onLine);
    let sampled = 0;
    const sampler = useTime
      ? null
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) sampled = Math.max(sampled, Number(m[1]));
          } catch {
            // The process has just ended.
          }
        }, 25);
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      if (sampler) clearInterval(sampler);
      let peakRssKb: number | null = sampled > 0 ? sampled : null;
      if (useTime) {
        const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
        peakRssKb = m ? Number(m[1]) : null;
      }
      const rssSource = useTime ? '/usr/bin/time -v' : peakRssKb !== null ? '/proc VmHWM' : 'none';
      if (code !== 0 && code !== 1 && code !== 2) {
        reject(new Error(`sealcheck exited ${code}:\n${stderr.slice(-2000)}`));
        return;
      }
      resolve({ code: code ?? -1, wallMs, peakRssKb, rssSource });
    });
  });
}

const SCAN_LOST = new Set(['reset', 'timeout', 'setup-failed', 'invalid']);

/** One batch of `n` endpoints against the batch Dovecot. */
async function benchBatch(
  bed: BedDescription,
  server: Awaited<ReturnType<typeof startBatchDovecot>>,
  n: number,
  o: Required<Omit<BatchBenchOptions, 'sizes'>>,
  dir: string,
): Promise<BatchBenchRow> {
  const rows = ['host,protocol,port,tls'];
  const connectTo: string[] = [];
  for (let k = 0; k < n; k++) {
    const label = 10_000 + k; // the row's own port: the key of its --connect-to rule
    const implicit = k % 2 === 0;
    const address = server.addresses[k % server.addresses.length] ?? '127.0.0.2';
    const port = implicit ? server.implicitPort : server.starttlsPort;
    rows.push(`${server.serverName},imap,${label},${implicit ? 'implicit' : 'starttls'}`);
    connectTo.push('--connect-to', `${server.serverName}:${label}:${address}:${port}`);
  }
  const file = join(dir, `batch-${n}.csv`);
  await writeFile(file, `${rows.join('\n')}\n`);
  let lines = 0;
  let verified = 0;
  let connections = 0;
  let errors = 0;
  const errorKinds: Record<string, number> = {};
  const count = (kind: string): void => {
    errors++;
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  };
  const run = await runCli(
    [
      'check',
      '--input',
      file,
      '--jsonl',
      '--ca-file',
      bed.rootCaFile,
      '--concurrency',
      String(o.concurrency),
      '--per-host',
      String(o.perHost),
      ...(o.scan === 'off' ? ['--no-scan'] : []),
      ...connectTo,
    ],
    (line) => {
      lines++;
      const value = JSON.parse(line) as { facts: EndpointFacts; verdict: { kind: string } };
      if (value.verdict.kind === 'encrypted-verified') verified++;
      if (value.facts.resolveError !== null) count('dns-error');
      for (const a of value.facts.addresses) {
        connections += a.connections + (a.scan?.connections ?? 0);
        if (a.status !== 'success') count(a.status);
        if (a.scan?.error) count(`scan-${a.scan.error.kind}`);
        for (const h of a.scan?.handshakes ?? []) {
          if (SCAN_LOST.has(h.outcome)) count(`scan-${h.outcome}`);
        }
      }
    },
  );
  return {
    endpoints: n,
    scan: o.scan,
    addresses: server.addresses.length,
    concurrency: o.concurrency,
    perHost: o.perHost,
    wallMs: run.wallMs,
    endpointsPerSecond: (lines / run.wallMs) * 1000,
    peakRssMb: run.peakRssKb !== null ? run.peakRssKb / 1024 : null,
    rssSource: run.rssSource,
    exitCode: run.code,
    lines,
    verified,
    connections,
    errors,
    errorKinds,
  };
}

/** Builds the CLI if stale, starts the batch Dovecot beside the bed, and runs each size. */
export async function runBatchBench(
  bed: BedDescription,
  options: BatchBenchOptions = {},
): Promise<BatchBenchRow[]> {
  ensureCliBuilt();
  const o = {
    scan: options.scan ?? 'default',
    addresses: options.addresses ?? 250,
    concurrency: options.concurrency ?? 32,
    perHost: options.perHost ?? 2,
  } as const;
  const server = await startBatchDovecot(bed, o.addresses);
  const dir = await mkdtemp(join(tmpdir(), 'sealcheck-batch-bench-'));
  try {
    const out: BatchBenchRow[] = [];
    for (const n of options.sizes ?? [100, 1000])
      out.push(await benchBatch(bed, server, n, o, dir));
    return out;
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatBatchBench(rows: readonly BatchBenchRow[]): string {
  const table = formatTable(
    [
      'endpoints',
      'scan',
      'addresses',
      'conc/per-host',
      'wall s',
      'endpoints/s',
      'peak RSS MB',
      'connections',
      'verified',
      'errors',
      'exit',
    ],
    rows.map((r) => [
      String(r.endpoints),
      r.scan,
      String(r.addresses),
      `${r.concurrency}/${r.perHost}`,
      (r.wallMs / 1000).toFixed(1),
      r.endpointsPerSecond.toFixed(1),
      r.peakRssMb !== null ? r.peakRssMb.toFixed(0) : '?',
      String(r.connections),
      `${r.verified}/${r.lines}`,
      r.errors === 0
        ? '0'
        : `${r.errors} (${Object.entries(r.errorKinds)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')})`,
      String(r.exitCode),
    ]),
  );
  const verdicts = rows.map((r) => {
    const ok =
      // 60 s per 1000 endpoints (the issue's figure, scaled for other sizes).
      r.wallMs < (BATCH_TARGETS.wallMs1000 * Math.max(r.endpoints, 1000)) / 1000 &&
      (r.peakRssMb ?? Infinity) < BATCH_TARGETS.peakRssMb &&
      r.errors === BATCH_TARGETS.errors &&
      r.lines === r.endpoints;
    return `${r.endpoints} endpoints: ${ok ? 'meets' : 'MISSES'} the targets (1000 in < 60 s, peak RSS < 200 MB, no error, one line each)`;
  });
  return `${table}\n\n${verdicts.join('\n')}`;
}
