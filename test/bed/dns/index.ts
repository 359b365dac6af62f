/**
 * A loopback DNSSEC test bed: a validating resolver whose whole world is our own signed root.
 *
 *   knot     authoritative on 127.0.0.1:PORT for a signed root zone "." it builds here, and for
 *            every test zone: 'signed' zones signed, 'unsigned' ones not, 'bogus' ones signed
 *            but the root holds a wrong DS for them;
 *   unbound  validating resolver on 127.0.0.1:PORT2, the root's DS its only trust anchor, every
 *            question sent to knot (stub zones), so nothing leaves loopback.
 *
 * An unsigned zone is "insecure" the real way: the root's signed NSEC proves it has no DS (no
 * `domain-insecure` short cut), and the root's DNSKEY validates, which is how the checker tells
 * a validating resolver.
 *
 * Keys are made with keymgr before knot starts (policy `manual: on`), so the DS records are known
 * when the root zone is written. Knot never writes back into the zone files (zonefile-sync: -1,
 * journal-content: none), so setRecords can rewrite one and reload it.
 *
 * When the tests run as root, knot and unbound run as their own system users (setpriv), never as
 * root. Startup takes about half a second (knotd itself needs some 150 ms).
 */
import { execFile, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync, rmSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { queryWire, type DnsServer, type WireAnswer } from '../../../app/core/dns/wire';
import { freePort, spawnManaged, waitForPort, type ManagedProcess } from '../proc';

export type Signing = 'signed' | 'unsigned' | 'bogus';

export interface ZoneSpec {
  /** The zone's name, e.g. 'test.example' (no nesting: every test zone hangs off the root). */
  readonly name: string;
  readonly signing: Signing;
  /**
   * Zone-file lines, owners relative to the zone or absolute, e.g. '@ MX 10 mail',
   * 'mail A 127.0.0.1', '_25._tcp.mail TLSA 3 1 1 abcd…'. SOA, NS and the name server's
   * address (bed-ns.<zone>) are added by the bed. Default TTL 60 s.
   */
  readonly records: readonly string[];
}

export interface DnsBed {
  /** '127.0.0.1:PORT': the validating resolver (unbound). */
  readonly resolver: string;
  /** '127.0.0.1:PORT': the authoritative server (knot). */
  readonly authoritative: string;
  /** The bed's directory (configs, keys, logs). */
  readonly dir: string;
  /** Replaces a zone's records (re-signed when the zone is signed) and flushes the resolver's cache for it. */
  setRecords(zone: string, records: readonly string[]): Promise<void>;
  /** Stops both servers and removes the directory (unless it was given, or SEALCHECK_KEEP_BED=1). */
  stop(): Promise<void>;
}

export interface StartDnsBedOptions {
  readonly zones: readonly ZoneSpec[];
  /** Use this directory (created if missing, kept after stop) instead of a fresh temp dir. */
  readonly dir?: string;
}

const HOST = '127.0.0.1';
const DEFAULT_TTL = 60;
/** The name server label of every test zone; unusual, so it does not clash with a test's records. */
const ZONE_NS_LABEL = 'bed-ns';
/** The root's name server: under .invalid, which no test zone should be. */
const ROOT_NS = 'a.root-servers.invalid.';
const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 2_000;
const TOOL_TIMEOUT_MS = 15_000;
const LOG_TAIL_LINES = 30;
/** ECDSA P-256: small signatures, so answers fit the 1232-byte UDP size. */
const KEY_ALGORITHM = 'ecdsap256sha256';

interface Zone {
  /** Lower case, no trailing dot. */
  readonly name: string;
  readonly signing: Signing;
  records: readonly string[];
  serial: number;
  readonly file: string;
}

/** A system user to run a server as; null when we are not root (then it runs as us). */
interface RunAs {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

// ---------------------------------------------------------------------------------------------
// Cleanup when the test process ends without stop(): the servers run in their own process
// groups (spawnManaged), so nothing else would kill them.

interface LiveBed {
  readonly processes: ManagedProcess[];
  readonly dir: string;
  readonly removeDir: boolean;
}

const liveBeds = new Set<LiveBed>();
let exitHandlersInstalled = false;

function killLiveBedsSync(): void {
  for (const bed of liveBeds) {
    for (const p of bed.processes) {
      if (p.child.pid === undefined) continue;
      try {
        process.kill(-p.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (bed.removeDir) rmSync(bed.dir, { recursive: true, force: true });
  }
  liveBeds.clear();
}

function installExitHandlers(): void {
  if (exitHandlersInstalled) return;
  exitHandlersInstalled = true;
  process.once('exit', killLiveBedsSync);
  // A signal skips 'exit' handlers: clean up, then die by the signal if nobody else handles it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killLiveBedsSync();
      if (process.listenerCount(signal) === 1) {
        process.off(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

// ---------------------------------------------------------------------------------------------
// Zones

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

function zoneName(name: string): string {
  const bare = name.trim().replace(/\.$/, '').toLowerCase();
  if (bare === '' || bare.length > 253 || !bare.split('.').every((l) => LABEL.test(l)))
    throw new Error(`dns bed: not a zone name for a test zone: "${name}"`);
  return bare;
}

function checkZones(zones: readonly ZoneSpec[]): void {
  if (zones.length === 0) throw new Error('dns bed: no zones given');
  const names = zones.map((z) => zoneName(z.name));
  for (const [i, a] of names.entries()) {
    for (const b of names.slice(i + 1)) {
      if (a === b) throw new Error(`dns bed: zone ${a} given twice`);
      // Each test zone is delegated straight from the root: a zone inside another would be hidden.
      if (a.endsWith(`.${b}`) || b.endsWith(`.${a}`))
        throw new Error(`dns bed: zones ${a} and ${b} nest; give only one of them`);
    }
  }
  for (const z of zones) {
    for (const line of z.records) {
      // One record per line: a newline would let a record smuggle in a directive.
      if (/[\r\n]/.test(line)) throw new Error(`dns bed: a record with a newline in ${z.name}`);
    }
  }
}

/** What the bed puts before a test zone's own records. */
function zoneHeader(name: string, serial: number): string[] {
  return [
    `$ORIGIN ${name}.`,
    `$TTL ${DEFAULT_TTL}`,
    `@ SOA ${ZONE_NS_LABEL} hostmaster.invalid. ${serial} 3600 600 86400 ${DEFAULT_TTL}`,
    `@ NS ${ZONE_NS_LABEL}`,
    `${ZONE_NS_LABEL} A ${HOST}`,
  ];
}

function testZoneFile(zone: Zone): string {
  return [...zoneHeader(zone.name, zone.serial), ...zone.records, ''].join('\n');
}

/** knot's zone-check; its errors give zone-file line numbers, so say where the records start. */
async function checkZoneFiles(runAs: RunAs | null, conf: string, zone?: string): Promise<void> {
  try {
    await runTool(runAs, 'knotc', ['-c', conf, 'zone-check', ...(zone ? [`${zone}.`] : [])]);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const firstLine = zoneHeader('x', 1).length + 1;
    throw new Error(`${message}\n(a zone's own records start at line ${firstLine})`, {
      cause: err,
    });
  }
}

/** The root: our name server, then per test zone a delegation with glue and its DS (if any). */
function rootZoneFile(zones: readonly Zone[], dsByZone: ReadonlyMap<string, string>): string {
  const lines = [
    `$TTL ${DEFAULT_TTL}`,
    `. SOA ${ROOT_NS} hostmaster.invalid. 1 3600 600 86400 ${DEFAULT_TTL}`,
    `. NS ${ROOT_NS}`,
    `${ROOT_NS} A ${HOST}`,
  ];
  for (const z of zones) {
    lines.push(
      `${z.name}. NS ${ZONE_NS_LABEL}.${z.name}.`,
      `${ZONE_NS_LABEL}.${z.name}. A ${HOST}`,
    );
    const ds = dsByZone.get(z.name);
    if (ds !== undefined) lines.push(`${z.name}. DS ${ds}`);
  }
  return lines.join('\n') + '\n';
}

/** The SHA-256 DS rdata ("tag alg 2 hex") out of `keymgr <zone> ds`, which also prints SHA-384. */
function sha256Ds(keymgrOutput: string, zone: string): string {
  for (const line of keymgrOutput.split('\n')) {
    const m = /\sDS\s+(\d+)\s+(\d+)\s+2\s+([0-9a-fA-F]+)\s*$/.exec(line);
    if (m) return `${m[1]} ${m[2]} 2 ${m[3]?.toLowerCase()}`;
  }
  throw new Error(`dns bed: keymgr printed no SHA-256 DS for ${zone}:\n${keymgrOutput}`);
}

/** The same DS with its digest's last hex digit changed: it matches no key, so the zone is bogus. */
function wrongDs(ds: string): string {
  const last = ds.slice(-1);
  return ds.slice(0, -1) + (last === '0' ? '1' : '0');
}

// ---------------------------------------------------------------------------------------------
// Configs

interface KnotPaths {
  readonly dir: string;
  readonly conf: string;
  readonly rootZone: string;
}

function knotConfig(paths: KnotPaths, port: number, zones: readonly Zone[]): string {
  const zoneEntry = (domain: string, file: string, signed: boolean): string =>
    [
      `  - domain: ${domain}`,
      `    file: "${file}"`,
      ...(signed ? ['    dnssec-signing: on', '    dnssec-policy: bed'] : []),
    ].join('\n');
  const zoneEntries = [
    zoneEntry('.', paths.rootZone, true),
    ...zones.map((z) => zoneEntry(`${z.name}.`, z.file, z.signing !== 'unsigned')),
  ];
  return `server:
  rundir: "${paths.dir}"
  listen: ${HOST}@${port}
  udp-workers: 1
  tcp-workers: 1
  background-workers: 1

control:
  listen: "${join(paths.dir, 'knot.sock')}"

database:
  storage: "${paths.dir}"

log:
  - target: stderr
    any: info

policy:
  - id: bed
    # Keys come from keymgr before start, so the DS is known; knot never rolls them.
    manual: on
    single-type-signing: on
    algorithm: ${KEY_ALGORITHM}

template:
  - id: default
    storage: "${paths.dir}"
    # Never write the signed zone back into our files, nor keep changes in a journal.
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none

zone:
${zoneEntries.join('\n')}
`;
}

interface UnboundPaths {
  readonly dir: string;
  readonly conf: string;
  readonly trustAnchor: string;
  readonly logFile: string;
  readonly controlSocket: string;
}

function unboundConfig(
  paths: UnboundPaths,
  port: number,
  knotPort: number,
  zones: readonly Zone[],
): string {
  // Referral glue says 127.0.0.1 without a port: every zone needs its own stub to reach knot.
  const stub = (name: string): string =>
    `stub-zone:\n  name: "${name}"\n  stub-addr: ${HOST}@${knotPort}\n`;
  return `server:
  interface: ${HOST}
  port: ${port}
  interface-automatic: no
  so-reuseport: no
  do-ip6: no
  outgoing-interface: ${HOST}
  access-control: 127.0.0.0/8 allow
  # Our only name server is on loopback, which unbound skips by default.
  do-not-query-localhost: no
  num-threads: 1
  username: ""
  chroot: ""
  directory: "${paths.dir}"
  pidfile: "${join(paths.dir, 'unbound.pid')}"
  use-syslog: no
  logfile: "${paths.logFile}"
  verbosity: 1
  val-log-level: 2
  module-config: "validator iterator"
  trust-anchor-file: "${paths.trustAnchor}"
  # No root-hints: it would override the "." stub below (unbound keeps the first hints for a zone).
  trust-anchor-signaling: no
  root-key-sentinel: no
  qname-minimisation: no
  aggressive-nsec: no
  val-permissive-mode: no
  prefetch: no
  edns-buffer-size: 1232

remote-control:
  control-enable: yes
  control-interface: "${paths.controlSocket}"
  control-use-cert: no

${[stub('.'), ...zones.map((z) => stub(`${z.name}.`))].join('\n')}`;
}

// ---------------------------------------------------------------------------------------------
// Processes and tools

/** The system user a server runs as when we are root: its own, else nobody. */
function runAsFor(preferred: string): RunAs | null {
  if (process.getuid?.() !== 0) return null;
  for (const name of [preferred, 'nobody']) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0)
      return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error(`dns bed: neither the "${preferred}" nor the "nobody" user exists`);
}

/** Runs a knot or unbound tool (as the server's user, so the files it makes are the server's). */
function runTool(runAs: RunAs | null, command: string, args: readonly string[]): Promise<string> {
  const [cmd, argv] = runAs
    ? [
        'setpriv',
        [`--reuid=${runAs.name}`, `--regid=${runAs.name}`, '--init-groups', '--', command, ...args],
      ]
    : [command, [...args]];
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { timeout: TOOL_TIMEOUT_MS, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const output = `${stdout}\n${stderr}`.trim();
        reject(new Error(`dns bed: ${command} ${args.join(' ')} failed: ${output || err.message}`));
      } else resolve(stdout);
    });
  });
}

async function ownedDir(path: string, runAs: RunAs | null): Promise<void> {
  await mkdir(path, { recursive: true });
  if (runAs) await chown(path, runAs.uid, runAs.gid);
}

function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, HOST, () => socket.close(() => resolve(true)));
  });
}

/** A port free for both TCP and UDP on 127.0.0.1 (DNS needs both), not one handed out before. */
async function freeDnsPort(handedOut: Set<number>): Promise<number> {
  for (let i = 0; i < 30; i++) {
    const port = await freePort();
    if (!handedOut.has(port) && (await udpPortFree(port))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('dns bed: found no port free for both TCP and UDP');
}

function tail(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
  } catch {
    return null; // not started yet
  }
}

/** The last lines of each server log that exists, for an error message. */
function logTails(files: readonly string[]): string {
  return files
    .map((f) => [f, tail(f)] as const)
    .filter(([, text]) => text !== null)
    .map(([f, text]) => `\n--- ${f}\n${text}`)
    .join('');
}

/** Polls `ready` until it says yes; throws when a process exits or the deadline passes. */
async function waitUntil(
  what: string,
  processes: readonly ManagedProcess[],
  ready: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const exited: string[] = [];
  for (const p of processes)
    void p.exited.then((code) => exited.push(`${p.name} exited (${code})`));
  while (Date.now() < deadline) {
    if (exited.length > 0)
      throw new Error(`dns bed: ${exited.join(', ')} while waiting for ${what}`);
    if (await ready().catch(() => false)) return;
    await sleep(25);
  }
  throw new Error(`dns bed: ${what} not ready within ${READY_TIMEOUT_MS / 1000} s`);
}

function ask(server: DnsServer, name: string, type: 'DNSKEY'): Promise<WireAnswer> {
  return queryWire(server, { name, type }, { timeoutMs: 1_000, tries: 1 });
}

// ---------------------------------------------------------------------------------------------

export async function startDnsBed(opts: StartDnsBedOptions): Promise<DnsBed> {
  checkZones(opts.zones);
  const t0 = Date.now();
  const progress = (step: string): void => {
    if (process.env.SEALCHECK_BED_VERBOSE === '1')
      console.error(`[dns bed +${Date.now() - t0} ms] ${step}`);
  };
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'sealcheck-dns-bed-')));
  await mkdir(dir, { recursive: true });
  const removeDir = opts.dir === undefined && process.env.SEALCHECK_KEEP_BED !== '1';
  const logDir = join(dir, 'logs');
  const knotUser = runAsFor('knot');
  const unboundUser = runAsFor('unbound');
  // The servers' users must pass through it (mkdtemp makes it 0700); they need not list it.
  if (knotUser || unboundUser) await chmod(dir, ((await stat(dir)).mode & 0o7777) | 0o011);

  const knotDir = join(dir, 'knot');
  const unboundDir = join(dir, 'unbound');
  await ownedDir(knotDir, knotUser);
  await ownedDir(unboundDir, unboundUser);
  const knot: KnotPaths = {
    dir: knotDir,
    conf: join(knotDir, 'knot.conf'),
    rootZone: join(knotDir, 'root.zone'),
  };
  const unbound: UnboundPaths = {
    dir: unboundDir,
    conf: join(unboundDir, 'unbound.conf'),
    trustAnchor: join(unboundDir, 'root.ds'),
    logFile: join(unboundDir, 'unbound.log'),
    controlSocket: join(unboundDir, 'control.sock'),
  };
  const zones: Zone[] = opts.zones.map((z) => {
    const name = zoneName(z.name);
    return {
      name,
      signing: z.signing,
      records: [...z.records],
      serial: 1,
      file: join(knotDir, `${name}.zone`),
    };
  });

  const live: LiveBed = { processes: [], dir, removeDir };
  liveBeds.add(live);
  installExitHandlers();
  const logFiles = [join(logDir, 'knotd.log'), join(logDir, 'unbound.log'), unbound.logFile];

  const stopProcesses = async (): Promise<void> => {
    await Promise.all(live.processes.map((p) => p.stop(STOP_GRACE_MS)));
  };
  const removeBedDir = async (): Promise<void> => {
    liveBeds.delete(live);
    if (removeDir) await rm(dir, { recursive: true, force: true });
  };

  try {
    const handedOut = new Set<number>();
    const knotPort = await freeDnsPort(handedOut);
    const unboundPort = await freeDnsPort(handedOut);
    const knotServer: DnsServer = { host: HOST, port: knotPort };
    const unboundServer: DnsServer = { host: HOST, port: unboundPort };

    await writeFile(knot.conf, knotConfig(knot, knotPort, zones), { mode: 0o644 });
    const keymgr = (zone: string, ...args: string[]): Promise<string> =>
      runTool(knotUser, 'keymgr', ['-c', knot.conf, zone, ...args]);
    const signedZones = ['.', ...zones.filter((z) => z.signing !== 'unsigned').map((z) => z.name)];
    // One key per zone (CSK), made before knot starts, so the DS records are known now. The
    // root's first: it creates the key database, which the others then share.
    const generateKey = (zone: string): Promise<string> =>
      keymgr(zone, 'generate', `algorithm=${KEY_ALGORITHM}`, 'ksk=yes', 'zsk=yes');
    await generateKey('.');
    await Promise.all(signedZones.filter((z) => z !== '.').map(generateKey));
    const dsList = await Promise.all(
      signedZones.map(async (z) => [z, sha256Ds(await keymgr(z, 'ds'), z)] as const),
    );
    const dsByZone = new Map<string, string>();
    for (const [name, ds] of dsList) {
      const zone = zones.find((z) => z.name === name);
      if (zone) dsByZone.set(name, zone.signing === 'bogus' ? wrongDs(ds) : ds);
    }
    const rootDs = dsList.find(([name]) => name === '.')?.[1];
    if (rootDs === undefined) throw new Error('dns bed: no DS for the root');
    progress('keys made');

    await writeFile(knot.rootZone, rootZoneFile(zones, dsByZone), { mode: 0o644 });
    for (const z of zones) await writeFile(z.file, testZoneFile(z), { mode: 0o644 });
    await writeFile(unbound.trustAnchor, `. DS ${rootDs}\n`, { mode: 0o644 });
    await writeFile(unbound.conf, unboundConfig(unbound, unboundPort, knotPort, zones), {
      mode: 0o644,
    });
    // Bad records fail here with knot's own words; knotd would only leave the zone unloaded.
    await Promise.all([
      checkZoneFiles(knotUser, knot.conf),
      runTool(unboundUser, 'unbound-checkconf', [unbound.conf]),
    ]);
    progress('configs and zones checked');

    const spawnOptions = (runAs: RunAs | null): { user?: string } =>
      runAs ? { user: runAs.name } : {};
    const knotd = spawnManaged(logDir, 'knotd', 'knotd', ['-c', knot.conf], spawnOptions(knotUser));
    live.processes.push(knotd);
    // TCP first: a refused connection shows at once, a UDP query to a closed port only times out.
    await waitForPort(HOST, knotPort, { timeoutMs: READY_TIMEOUT_MS, proc: knotd });
    // Every zone loaded (and signed) before unbound asks: an early failure would make it back off.
    await waitUntil('knot', [knotd], async () => {
      for (const name of signedZones) {
        const r = await ask(knotServer, name, 'DNSKEY');
        if (r.rcode !== 'NOERROR' || !r.answers.some((a) => a.type === 'DNSKEY')) return false;
      }
      for (const z of zones.filter((zone) => zone.signing === 'unsigned')) {
        if ((await ask(knotServer, z.name, 'DNSKEY')).rcode !== 'NOERROR') return false;
      }
      return true;
    });

    const unboundProc = spawnManaged(
      logDir,
      'unbound',
      'unbound',
      ['-d', '-c', unbound.conf],
      spawnOptions(unboundUser),
    );
    live.processes.push(unboundProc);
    await waitForPort(HOST, unboundPort, { timeoutMs: READY_TIMEOUT_MS, proc: unboundProc });
    progress('knot ready');
    await waitUntil('unbound', [knotd, unboundProc], async () => {
      const r = await ask(unboundServer, '.', 'DNSKEY');
      return r.rcode === 'NOERROR' && r.ad;
    });

    const knotc = (...args: string[]): Promise<string> =>
      runTool(knotUser, 'knotc', ['-c', knot.conf, ...args]);
    const unboundControl = (...args: string[]): Promise<string> =>
      runTool(unboundUser, 'unbound-control', ['-c', unbound.conf, ...args]);

    // One change at a time: two would race on the same zone file.
    let changes: Promise<void> = Promise.resolve();
    const replaceRecords = async (zoneIn: string, records: readonly string[]): Promise<void> => {
      const name = zoneName(zoneIn);
      const zone = zones.find((z) => z.name === name);
      if (!zone) throw new Error(`dns bed: ${zoneIn} is not one of the bed's zones`);
      checkZones([{ name, signing: zone.signing, records }]);
      const previous = { records: zone.records, serial: zone.serial };
      zone.records = [...records];
      zone.serial += 1;
      await writeFile(zone.file, testZoneFile(zone), { mode: 0o644 });
      try {
        await checkZoneFiles(knotUser, knot.conf, name);
      } catch (err) {
        // Keep the zone file matching what knot serves.
        zone.records = previous.records;
        zone.serial = previous.serial;
        await writeFile(zone.file, testZoneFile(zone), { mode: 0o644 });
        throw err;
      }
      // -b: returns once the zone is loaded and signed again.
      await knotc('-b', 'zone-reload', `${name}.`);
      // Drops the zone's answers, its negative answers and keys from the resolver's cache.
      await unboundControl('flush_zone', `${name}.`);
    };

    progress('unbound ready');
    let stopping: Promise<void> | undefined;
    return {
      resolver: `${HOST}:${unboundPort}`,
      authoritative: `${HOST}:${knotPort}`,
      dir,
      setRecords(zone, records) {
        const change = changes.then(() => replaceRecords(zone, records));
        changes = change.catch(() => undefined);
        return change;
      },
      stop() {
        stopping ??= (async () => {
          await changes;
          await stopProcesses();
          await removeBedDir();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await stopProcesses();
    const logs = logTails(logFiles);
    await removeBedDir();
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${message}${logs}`, { cause: err });
  }
}
