/**
 * The independent reference for the TLS scanner (issue 5): runs Debian's testssl.sh (package
 * `testssl.sh`, binary `testssl`, 3.0.x) against a loopback endpoint and reduces its JSON
 * findings to the same questions the scanner answers: accepted protocol versions, weak suite
 * families, forward secrecy.
 *
 * Offline by construction: `--ip` pins the address (the endpoint must be loopback, checked),
 * `--nodns none` forbids every DNS lookup, PHONE_OUT stays false (no CRL/OCSP fetches), and
 * testssl uses the system openssl (Debian's package ships no bundled binary).
 *
 * Connections are counted by a byte-piping relay (relay.ts) put in front of the endpoint;
 * testssl talks to the relay's port with the endpoint's real name as target (SNI, XMPP `to`).
 *
 * How findings map to answers (testssl 3.0 ids, see `run_cipherlists` in /usr/bin/testssl):
 * - versions: SSLv2, SSLv3, TLS1, TLS1_1, TLS1_2, TLS1_3 ("offered…" / "not offered…").
 * - null: cipherlist_NULL ('NULL:eNULL': complete). anonymous: cipherlist_aNULL ('aNULL:ADH').
 * - export: cipherlist_EXPORT is 'EXPORT:!ADH:!NULL', so "not offered" only proves the absence
 *   of anonymous export suites when cipherlist_aNULL is "not offered" too.
 * - rc4, des: cipherlist_LOW ('LOW:DES:RC2:RC4:!ADH:!EXP…') lumps them together: "not offered"
 *   answers both (given no aNULL/EXPORT), "offered" answers neither.
 * - tripleDes: cipherlist_3DES_IDEA ('3DES:IDEA:!aNULL') lumps 3DES with IDEA.
 * - forward secrecy offered: PFS. testssl 3.0 has no finding for "non-forward-secret key
 *   exchange accepted": only the full cipher list (-e, `cipher_x…` findings; in the default run
 *   and in mode 'psfe') answers it, and it also settles the lumped families above.
 * With -e over sockets (default run, 'psfe') an absent suite is a rejected suite; with --fast
 * testssl lists suites with the local openssl only, so an absent suite proves nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startCountingRelay, type CountingRelay } from './relay';

export type Tri = boolean | 'unknown';
export type VersionName = 'SSLv2' | 'SSLv3' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
export const VERSION_NAMES: readonly VersionName[] = [
  'SSLv2',
  'SSLv3',
  'TLSv1',
  'TLSv1.1',
  'TLSv1.2',
  'TLSv1.3',
];
export type WeakFamily = 'null' | 'anonymous' | 'export' | 'rc4' | 'tripleDes' | 'des';
export const WEAK_FAMILIES: readonly WeakFamily[] = [
  'null',
  'anonymous',
  'export',
  'rc4',
  'tripleDes',
  'des',
];

export type TestsslMode = 'default' | 'fast' | 'psf' | 'psfe';
/** testssl options per mode: its default run, `--fast`, `-p -s -f`, and `-p -s -f -e`. */
export const MODE_ARGS: Readonly<Record<TestsslMode, readonly string[]>> = {
  default: [],
  fast: ['--fast'],
  psf: ['-p', '-s', '-f'],
  psfe: ['-p', '-s', '-f', '-e'],
};

export interface TestsslEndpoint {
  /** A loopback address (anything else is refused: the cross-check never leaves the machine). */
  readonly host: string;
  readonly port: number;
  readonly starttls?: 'imap' | 'pop3' | 'smtp' | 'xmpp';
  /** XMPP stream `to` domain (`--xmpphost`). */
  readonly xmppHost?: string;
  /** The name testssl targets (SNI); resolved to `host` by `--ip`, never by DNS. */
  readonly serverName: string;
}

export interface TestsslOptions {
  readonly mode: TestsslMode;
  readonly timeoutMs: number;
  /** Count connections through a relay (default true). */
  readonly countConnections?: boolean;
}

export interface TestsslFinding {
  readonly id: string;
  readonly severity: string;
  readonly finding: string;
}

export interface TestsslCipher {
  /** e.g. "xc02c". */
  readonly hex: string;
  readonly openssl: string;
  /** IANA name when testssl printed one. */
  readonly iana: string | undefined;
}

export interface TestsslResult {
  readonly versions: Readonly<Record<VersionName, Tri>>;
  readonly weakFamilies: Readonly<Record<WeakFamily, Tri>>;
  readonly forwardSecrecy: { readonly offered: Tri; readonly nonForwardSecretAccepted: Tri };
  /** Suites from -e (default, fast, psfe modes); undefined when -e did not run. */
  readonly ciphers: readonly TestsslCipher[] | undefined;
  readonly wallMs: number;
  /** TCP connections the relay accepted; undefined when not counted. */
  readonly connections: number | undefined;
  /** The argument vector after the binary, with the relay's port as testssl saw it. */
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly findings: readonly TestsslFinding[];
}

const CANDIDATES = ['/usr/bin/testssl', '/usr/local/bin/testssl', '/usr/bin/testssl.sh'];

/** Path of the testssl binary, or null when it is not installed. */
export function findTestssl(): string | null {
  for (const c of CANDIDATES) if (existsSync(c)) return c;
  const which = spawnSync('sh', ['-c', 'command -v testssl || command -v testssl.sh'], {
    encoding: 'utf8',
  });
  const path = which.stdout.trim().split('\n')[0];
  return which.status === 0 && path ? path : null;
}

/** The binary, or a clear error naming the package to install. */
export function requireTestssl(): string {
  const bin = findTestssl();
  if (bin === null) {
    throw new Error(
      'testssl.sh is not installed: run scripts/install-system-deps.sh (Debian package "testssl.sh", binary "testssl")',
    );
  }
  return bin;
}

/** "3.0.8" or similar, from the banner. */
export function testsslVersion(bin = requireTestssl()): string {
  const out = spawnSync(bin, ['--version', '--color', '0'], { encoding: 'utf8', timeout: 30_000 });
  const m = /testssl\s+(\S+)\s+from/.exec(`${out.stdout}${out.stderr}`);
  return m?.[1] ?? 'unknown';
}

function systemOpenssl(): string {
  for (const c of ['/usr/bin/openssl', '/usr/local/bin/openssl']) if (existsSync(c)) return c;
  throw new Error('no openssl binary for testssl (--openssl)');
}

function isLoopback(host: string): boolean {
  const v = isIP(host);
  if (v === 4) return host.startsWith('127.');
  if (v === 6) return host === '::1';
  return false;
}

/** testssl's arguments for one run (exported for the docs and the report). */
export function testsslArgs(
  endpoint: TestsslEndpoint,
  port: number,
  mode: TestsslMode,
  jsonFile: string,
  openssl = systemOpenssl(),
): string[] {
  const args = [
    '--quiet',
    '--warnings',
    'off',
    '--color',
    '0',
    '--nodns',
    'none',
    '--ip',
    endpoint.host,
    '--connect-timeout',
    '10',
    '--openssl-timeout',
    '10',
    '--openssl',
    openssl,
    '--jsonfile',
    jsonFile,
    ...MODE_ARGS[mode],
  ];
  if (endpoint.starttls) args.push('-t', endpoint.starttls);
  if (endpoint.xmppHost !== undefined) args.push('--xmpphost', endpoint.xmppHost);
  args.push(`${endpoint.serverName}:${port}`);
  return args;
}

function triOf(finding: TestsslFinding | undefined): Tri {
  if (!finding || finding.severity === 'WARN') return 'unknown';
  const f = finding.finding.trim().toLowerCase();
  if (f.startsWith('not offered')) return false;
  if (f.startsWith('offered') || f.startsWith('supported')) return true;
  return 'unknown';
}

/** Parses one `cipher_x…` finding: "xc02c   ECDHE-ECDSA-AES256-GCM-SHA384   ECDH 253   AESGCM   256   TLS_ECDHE_…". */
export function parseCipherFinding(text: string): TestsslCipher | null {
  const tokens = text.trim().split(/\s+/);
  const hex = tokens[0];
  const openssl = tokens[1];
  if (hex === undefined || openssl === undefined || !/^x[0-9a-f]+$/i.test(hex)) return null;
  const last = tokens[tokens.length - 1];
  const iana =
    tokens.length > 2 && last !== undefined && /^(TLS|SSL)_/.test(last) ? last : undefined;
  return { hex: hex.toLowerCase(), openssl, iana };
}

/** Weak families and forward secrecy of one suite, from its IANA name (OpenSSL name as fallback). */
export function classifyCipher(c: TestsslCipher): Record<WeakFamily | 'forwardSecret', boolean> {
  const n = c.iana ?? '';
  const o = c.openssl.toUpperCase();
  if (n) {
    const tls13 =
      /^TLS_(AES|CHACHA20|SM4|AEGIS|SHA256_SHA256|SHA384_SHA384)/.test(n) && !n.includes('_WITH_');
    return {
      null: /_WITH_NULL_|^TLS_NULL_WITH_NULL_NULL$|^TLS_SHA(256|384)_SHA(256|384)$/.test(n),
      anonymous: /_anon_/i.test(n),
      export: /EXPORT/.test(n),
      rc4: /_RC4_/.test(n),
      tripleDes: /3DES/.test(n),
      des: /_WITH_DES(40)?_CBC_|_DES40_CBC_|_DES_CBC_/.test(n) && !/3DES/.test(n),
      // Ephemeral (EC)DH, TLS 1.3, and anonymous ephemeral DH (unauthenticated, but ephemeral).
      forwardSecret: tls13 || /^TLS_(ECDHE|DHE)_/.test(n) || /^TLS_(DH|ECDH)_anon_/.test(n),
    };
  }
  return {
    null: /NULL/.test(o),
    anonymous: /^(ADH|AECDH)-|-ADH-|ANON/.test(o),
    export: /^EXP/.test(o),
    rc4: /RC4/.test(o),
    tripleDes: /DES-CBC3|3DES/.test(o),
    des: /DES/.test(o) && !/DES-CBC3|3DES/.test(o),
    forwardSecret: /^(ECDHE|DHE|EDH|ADH|AECDH)-|^TLS_|-ADH-/.test(o),
  };
}

/** Reduces testssl's flat JSON findings to versions, weak families and forward secrecy. */
export function interpretFindings(
  findings: readonly TestsslFinding[],
  mode: TestsslMode,
): Pick<TestsslResult, 'versions' | 'weakFamilies' | 'forwardSecrecy' | 'ciphers'> {
  const byId = new Map(findings.map((f) => [f.id, f]));
  const get = (id: string): Tri => triOf(byId.get(id));
  const versions: Record<VersionName, Tri> = {
    SSLv2: get('SSLv2'),
    SSLv3: get('SSLv3'),
    TLSv1: get('TLS1'),
    'TLSv1.1': get('TLS1_1'),
    'TLSv1.2': get('TLS1_2'),
    'TLSv1.3': get('TLS1_3'),
  };
  const nul = get('cipherlist_NULL');
  const anon = get('cipherlist_aNULL');
  const exp = get('cipherlist_EXPORT');
  const low = get('cipherlist_LOW');
  const tdes = get('cipherlist_3DES_IDEA');
  /** A lumped bucket: "not offered" is an answer only if the excluded families are absent too. */
  const lumped = (bucket: Tri, excluded: readonly Tri[]): Tri =>
    bucket === false ? (excluded.every((e) => e === false) ? false : 'unknown') : 'unknown';
  const weakFamilies: Record<WeakFamily, Tri> = {
    null: nul,
    anonymous: anon,
    export: exp === true ? true : lumped(exp, [anon, nul]),
    rc4: lumped(low, [anon, exp]),
    tripleDes: lumped(tdes, [anon]),
    des: lumped(low, [anon, exp]),
  };
  const forwardSecrecy: { offered: Tri; nonForwardSecretAccepted: Tri } = {
    offered: get('PFS'),
    nonForwardSecretAccepted: 'unknown',
  };

  const cipherFindings = findings.filter((f) => /^cipher_x[0-9a-f]+$/i.test(f.id));
  const ranAllCiphers = mode !== 'psf';
  let ciphers: TestsslCipher[] | undefined;
  if (ranAllCiphers) {
    ciphers = cipherFindings.map((f) => parseCipherFinding(f.finding)).filter((c) => c !== null);
    // Over sockets (not --fast) the list is complete: an absent suite was rejected.
    const complete = mode !== 'fast';
    const classes = ciphers.map(classifyCipher);
    for (const fam of WEAK_FAMILIES) {
      const seen = classes.some((k) => k[fam]);
      if (seen) weakFamilies[fam] = true;
      else if (complete && ciphers.length > 0 && weakFamilies[fam] === 'unknown')
        weakFamilies[fam] = false;
    }
    if (classes.some((k) => !k.forwardSecret)) forwardSecrecy.nonForwardSecretAccepted = true;
    else if (complete && ciphers.length > 0) forwardSecrecy.nonForwardSecretAccepted = false;
    if (
      forwardSecrecy.offered === 'unknown' &&
      classes.some((k) => k.forwardSecret && !k.anonymous)
    ) {
      forwardSecrecy.offered = true;
    }
  }
  return { versions, weakFamilies, forwardSecrecy, ciphers };
}

function parseJsonFindings(text: string): TestsslFinding[] {
  const data: unknown = JSON.parse(text);
  const list: unknown[] = Array.isArray(data)
    ? data
    : typeof data === 'object' &&
        data !== null &&
        Array.isArray((data as { scanResult?: unknown }).scanResult)
      ? (data as { scanResult: unknown[] }).scanResult
      : [];
  const out: TestsslFinding[] = [];
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue;
    const r = item as Record<string, unknown>;
    if (typeof r.id === 'string' && typeof r.finding === 'string') {
      out.push({
        id: r.id,
        severity: typeof r.severity === 'string' ? r.severity : '',
        finding: r.finding,
      });
    }
  }
  return out;
}

/** Runs testssl once against the endpoint (through a counting relay) and interprets its JSON. */
export async function runTestssl(
  endpoint: TestsslEndpoint,
  options: TestsslOptions,
): Promise<TestsslResult> {
  if (!isLoopback(endpoint.host)) {
    throw new Error(
      `runTestssl: ${endpoint.host} is not a loopback address; the cross-check stays on this machine`,
    );
  }
  const bin = requireTestssl();
  const dir = await mkdtemp(join(tmpdir(), 'sealcheck-testssl-'));
  const jsonFile = join(dir, 'out.json');
  let relay: CountingRelay | undefined;
  try {
    if (options.countConnections !== false)
      relay = await startCountingRelay(endpoint.host, endpoint.port);
    const port = relay?.port ?? endpoint.port;
    // The relay listens on 127.0.0.1 whatever loopback address the endpoint uses.
    const target = relay ? { ...endpoint, host: '127.0.0.1' } : endpoint;
    const args = testsslArgs(target, port, options.mode, jsonFile);
    const started = performance.now();
    const { exitCode, output } = await runProcess(bin, args, options.timeoutMs, dir);
    const wallMs = performance.now() - started;
    const connections = relay?.count();
    let text: string;
    try {
      text = await readFile(jsonFile, 'utf8');
    } catch {
      throw new Error(
        `testssl wrote no JSON (exit ${String(exitCode)}); output:\n${output.slice(-4000)}`,
      );
    }
    const findings = parseJsonFindings(text);
    if (findings.length === 0) {
      throw new Error(
        `testssl's JSON has no findings (exit ${String(exitCode)}); output:\n${output.slice(-4000)}`,
      );
    }
    return {
      ...interpretFindings(findings, options.mode),
      wallMs,
      connections,
      args,
      exitCode,
      findings,
    };
  } finally {
    await relay?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function runProcess(
  bin: string,
  args: readonly string[],
  timeoutMs: number,
  cwd: string,
): Promise<{ exitCode: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // Own process group, so a timeout ends testssl and the openssl processes it started.
    const child = spawn(bin, args, {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PHONE_OUT: 'false', TERM: 'dumb', COLUMNS: '200' },
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      killGroup(); // stragglers (openssl children) of our own group
      if (timedOut)
        reject(
          new Error(
            `testssl timed out after ${String(timeoutMs)} ms; output:\n${output.slice(-4000)}`,
          ),
        );
      else resolve({ exitCode: code, output });
    });
  });
}

/** The bed's STARTTLS protocol name for testssl's -t, from a bed endpoint's protocol. */
export function starttlsOf(protocol: string, security: string): TestsslEndpoint['starttls'] {
  if (security !== 'starttls') return undefined;
  if (protocol === 'imap' || protocol === 'pop3' || protocol === 'xmpp') return protocol;
  if (protocol === 'smtp' || protocol === 'submission') return 'smtp';
  return undefined;
}

/** A bed endpoint as testssl's target. */
export function testsslEndpointOf(ep: {
  host: string;
  port: number;
  protocol: string;
  security: string;
  serverName: string;
  xmppDomain?: string;
}): TestsslEndpoint {
  const starttls = starttlsOf(ep.protocol, ep.security);
  return {
    host: ep.host,
    port: ep.port,
    serverName: ep.serverName,
    ...(starttls ? { starttls } : {}),
    ...(ep.protocol === 'xmpp' && ep.xmppDomain !== undefined ? { xmppHost: ep.xmppDomain } : {}),
  };
}

/** One line per verdict, for tables and reports. */
export function summarize(
  r: Pick<TestsslResult, 'versions' | 'weakFamilies' | 'forwardSecrecy'>,
): string {
  const t = (v: Tri): string => (v === 'unknown' ? '?' : v ? 'yes' : 'no');
  const versions = VERSION_NAMES.filter((v) => r.versions[v] === true).join(' ') || '(none)';
  const unknownVersions = VERSION_NAMES.filter((v) => r.versions[v] === 'unknown');
  const weak = WEAK_FAMILIES.map((f) => `${f}=${t(r.weakFamilies[f])}`).join(' ');
  return `versions: ${versions}${unknownVersions.length ? ` (unknown: ${unknownVersions.join(' ')})` : ''}; ${weak}; fs=${t(r.forwardSecrecy.offered)} nonFs=${t(r.forwardSecrecy.nonForwardSecretAccepted)}`;
}
