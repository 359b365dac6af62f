/**
 * The probe benchmark: wall time and TCP connections of a complete probeEndpoint on loopback,
 * against the bed's real servers, side by side with reference points.
 *
 * Rows: one implicit-TLS and one STARTTLS endpoint of Dovecot (the issue's target endpoints)
 * and of Postfix, STARTTLS with and without the command-injection test. For each: median and
 * p90 wall time over N runs (after warm-up), the connections the facts report, and the
 * connections a counting TCP relay in front of the server really accepted (an independent
 * cross-check). Reference points: `openssl s_client` doing only a handshake (process start
 * included), and node:tls doing only connect + handshake + greeting in this process.
 *
 * Target (issue 4): a complete probe of one endpoint under 100 ms on loopback, one connection
 * for the probe itself (the injection test's own connection comes on top, by design). The TLS
 * scan is off here; scan.bench.ts measures it, as part of the whole `check` process.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connect as tlsConnect } from 'node:tls';
import type { EndpointTarget } from '../app/core/facts/endpoint';
import type { LookupFunction } from '../app/core/net/resolve';
import { probeEndpoint, type ProbeOptions } from '../app/core/probe';
import { findEndpoint, type BedDescription, type BedEndpoint } from '../test/bed/endpoints';
import { bedForScript } from '../test/bed/index';
import { formatTable } from '../test/support/text-table';

export interface BenchOptions {
  readonly runs: number;
  /** Write the results as JSON here (not committed; printing is the default). */
  readonly out?: string;
}

const TARGET_MS = 100;
const TARGET_CONNECTIONS = 1;
const WARMUP = 3;
/** Probes made through the counting relay for the connection cross-check. */
const RELAY_RUNS = 5;

interface Row {
  readonly name: string;
  readonly endpoint: string;
  readonly injection: boolean | null;
  readonly medianMs: number;
  readonly p90Ms: number;
  /** Per probe, from AddressFacts.connections (null for references). */
  readonly connectionsFacts: number | null;
  /** Per probe, from the counting relay. */
  readonly connectionsRelay: number | null;
  readonly failures: number;
}

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function p90(sorted: readonly number[]): number {
  return sorted[Math.max(0, Math.ceil(0.9 * sorted.length) - 1)] ?? NaN;
}

export function stats(samples: readonly number[]): { medianMs: number; p90Ms: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { medianMs: median(sorted), p90Ms: p90(sorted) };
}

/** A loopback TCP relay that counts the connections it accepts. */
async function countingRelay(
  targetPort: number,
): Promise<{ port: number; count(): number; close(): Promise<void> }> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer({ noDelay: true }, (client) => {
    accepted++;
    const upstream = netConnect({ host: '127.0.0.1', port: targetPort, noDelay: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay: no port');
  return {
    port: address.port,
    count: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function targetOf(e: BedEndpoint): EndpointTarget {
  return { host: e.serverName, port: e.port, protocol: e.protocol, security: e.security };
}

async function benchProbe(
  bed: BedDescription,
  id: string,
  injection: boolean | null,
  runs: number,
): Promise<Row> {
  const e = findEndpoint(bed, id);
  const lookup: LookupFunction = (_name, _options, callback) =>
    callback(null, [{ address: e.host, family: 4 }]);
  const options: ProbeOptions = {
    lookup,
    extraCa: [readFileSync(bed.rootCaFile, 'utf8')],
    // The dialog alone, as issue 4 defined it: the TLS scan has its own benchmark (scan.bench.ts).
    scan: 'off',
    ...(injection !== null ? { injectionTest: injection } : {}),
  };
  const once = async (
    extra: ProbeOptions = {},
  ): Promise<{ ms: number; conns: number; ok: boolean }> => {
    const t0 = performance.now();
    const facts = await probeEndpoint(targetOf(e), { ...options, ...extra });
    const ms = performance.now() - t0;
    const a = facts.addresses[0];
    const ok = a?.status === 'success' && (injection !== true || a.injection?.vulnerable === false);
    return { ms, conns: a?.connections ?? 0, ok };
  };
  for (let i = 0; i < WARMUP; i++) await once();
  const times: number[] = [];
  const conns = new Set<number>();
  let failures = 0;
  for (let i = 0; i < runs; i++) {
    const r = await once();
    times.push(r.ms);
    conns.add(r.conns);
    if (!r.ok) failures++;
  }
  // Cross-check: the same probe through a counting relay (its own runs; not timed).
  const relay = await countingRelay(e.port);
  try {
    for (let i = 0; i < RELAY_RUNS; i++) {
      await once({
        connectTo: [{ host: e.serverName, port: e.port, toHost: '127.0.0.1', toPort: relay.port }],
      });
    }
    // A connection's close can trail the probe's end; the count is taken at accept, so it is exact.
  } finally {
    await relay.close();
  }
  const name = `${e.server} ${e.protocol} ${e.security}`;
  return {
    name,
    endpoint: id,
    injection,
    ...stats(times),
    connectionsFacts: conns.size === 1 ? ([...conns][0] ?? null) : NaN,
    connectionsRelay: relay.count() / RELAY_RUNS,
    failures,
  };
}

/** Runs a command and resolves with its wall time (ms) and exit code. */
function timed(command: string, args: readonly string[]): Promise<{ ms: number; code: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('error', () => resolve({ ms: NaN, code: -1 }));
    child.on('exit', (code) => resolve({ ms: performance.now() - t0, code: code ?? -1 }));
  });
}

async function benchOpenssl(bed: BedDescription, id: string, runs: number): Promise<Row | null> {
  const e = findEndpoint(bed, id);
  const args = [
    's_client',
    '-connect',
    `${e.host}:${e.port}`,
    '-servername',
    e.serverName,
    '-CAfile',
    bed.rootCaFile,
    '-verify_return_error',
    ...(e.security === 'starttls'
      ? ['-starttls', e.protocol === 'submission' ? 'smtp' : e.protocol]
      : []),
  ];
  const probe = await timed('openssl', args);
  if (probe.code === -1) return null;
  for (let i = 0; i < WARMUP; i++) await timed('openssl', args);
  const times: number[] = [];
  let failures = 0;
  for (let i = 0; i < runs; i++) {
    const r = await timed('openssl', args);
    times.push(r.ms);
    if (r.code !== 0) failures++;
  }
  return {
    name: `openssl s_client ${e.security === 'starttls' ? `-starttls ${e.protocol}` : ''}`.trim(),
    endpoint: id,
    injection: null,
    ...stats(times),
    connectionsFacts: null,
    connectionsRelay: null,
    failures,
  };
}

/** node:tls alone: connect, handshake and the first line, in this process (the floor). */
async function benchNodeTls(bed: BedDescription, id: string, runs: number): Promise<Row> {
  const e = findEndpoint(bed, id);
  const ca = readFileSync(bed.rootCaFile, 'utf8');
  const once = (): Promise<{ ms: number; ok: boolean }> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const s = tlsConnect({ host: e.host, port: e.port, servername: e.serverName, ca: [ca] });
      const done = (ok: boolean): void => {
        s.destroy();
        resolve({ ms: performance.now() - t0, ok });
      };
      s.once('data', () => done(true));
      s.once('error', () => done(false));
      setTimeout(() => done(false), 5000).unref();
    });
  for (let i = 0; i < WARMUP; i++) await once();
  const times: number[] = [];
  let failures = 0;
  for (let i = 0; i < runs; i++) {
    const r = await once();
    times.push(r.ms);
    if (!r.ok) failures++;
  }
  return {
    name: 'node:tls handshake + greeting',
    endpoint: id,
    injection: null,
    ...stats(times),
    connectionsFacts: null,
    connectionsRelay: null,
    failures,
  };
}

function fmt(n: number | null, digits = 1): string {
  if (n === null) return '-';
  return Number.isNaN(n) ? '?' : n.toFixed(digits);
}

function table(rows: readonly Row[], runs: number): string {
  const head = [
    'what',
    'endpoint',
    'inject',
    'median ms',
    'p90 ms',
    'conns (facts)',
    'conns (relay)',
    'median / 100 ms',
    'fails',
  ];
  const body = rows.map((r) => [
    r.name,
    r.endpoint,
    r.injection === null ? '-' : r.injection ? 'yes' : 'no',
    fmt(r.medianMs),
    fmt(r.p90Ms),
    fmt(r.connectionsFacts, 0),
    fmt(r.connectionsRelay, 1),
    `${fmt(r.medianMs / TARGET_MS, 2)}x`,
    `${r.failures}/${runs}`,
  ]);
  return formatTable(head, body);
}

export async function runProbeBench(options: BenchOptions): Promise<void> {
  const { bed, stop: stopBed } = await bedForScript();
  try {
    const runs = options.runs;
    const rows: Row[] = [];
    const implicit = 'dovecot-imap-implicit-good';
    const starttls = 'dovecot-imap-starttls-good';
    rows.push(await benchProbe(bed, implicit, null, runs));
    rows.push(await benchProbe(bed, starttls, false, runs));
    rows.push(await benchProbe(bed, starttls, true, runs));
    rows.push(await benchProbe(bed, 'postfix-submission-implicit-good', null, runs));
    rows.push(await benchProbe(bed, 'postfix-submission-starttls-good', false, runs));
    rows.push(await benchProbe(bed, 'postfix-submission-starttls-good', true, runs));
    const refs: Row[] = [];
    for (const id of [implicit, starttls]) {
      const r = await benchOpenssl(bed, id, runs);
      if (r) refs.push(r);
    }
    refs.push(await benchNodeTls(bed, implicit, runs));

    console.log(
      `\nsealcheck probe benchmark: ${runs} runs each after ${WARMUP} warm-up, loopback, Node ${process.version}`,
    );
    console.log(
      `target: median under ${TARGET_MS} ms, ${TARGET_CONNECTIONS} connection for the probe itself (+1 for the injection test)\n`,
    );
    console.log(table([...rows, ...refs], runs));
    console.log(
      "\nratio of sealcheck's median to openssl s_client on the same endpoint (handshake only, process start included):",
    );
    for (const ref of refs.filter((r) => r.name.startsWith('openssl'))) {
      for (const row of rows.filter((r) => r.endpoint === ref.endpoint)) {
        const inj =
          row.injection === null
            ? ''
            : row.injection
              ? ', with injection test'
              : ', without injection test';
        console.log(`  ${row.name}${inj}: ${fmt(row.medianMs / ref.medianMs, 2)}x`);
      }
    }
    const mismatched = rows.filter((r) => r.connectionsFacts !== r.connectionsRelay);
    if (mismatched.length > 0) {
      console.log(
        `\nWARNING: facts and relay disagree on connections: ${mismatched.map((r) => r.name).join(', ')}`,
      );
    }
    if (options.out) {
      await writeFile(
        options.out,
        `${JSON.stringify({ when: new Date().toISOString(), node: process.version, runs, targetMs: TARGET_MS, rows, references: refs }, null, 2)}\n`,
      );
      console.log(`\nresults written to ${options.out}`);
    }
  } finally {
    await stopBed();
  }
}
