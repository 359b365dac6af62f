/**
 * Prosody (XMPP) for the test bed: several small instances of Debian's prosody, each with its
 * own config, data directory, certificate and loopback ports, run in the foreground as the
 * `prosody` user (Prosody refuses to run as root, and design.md says it must not).
 *
 * One instance serves one certificate for the account's domain, so each certificate case and
 * each c2s_require_encryption setting for the same domain needs its own instance. They start
 * in parallel in well under a second each.
 */
import { spawnSync } from 'node:child_process';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type { BedEndpoint, CertCase } from '../endpoints';
import { waitForPort } from '../proc';
import type { BedContext, StartedServer } from '../types';

const HOST = '127.0.0.1';
const PROSODY_USER = 'prosody';
/** SCRAM iteration count for the stored test account: low, so logins in tests stay fast. */
const SCRAM_ITERATIONS = 4096;

interface InstanceSpec {
  /** Part of the instance's directory name and of its endpoint ids. */
  readonly name: string;
  readonly certCase: CertCase;
  /** c2s_require_encryption: no login (and no SASL offered) before STARTTLS. */
  readonly requireEncryption: boolean;
  /** Also listen for direct TLS (XEP-0368) with ALPN "xmpp-client". */
  readonly directTls: boolean;
}

const INSTANCES: readonly InstanceSpec[] = [
  { name: 'good', certCase: 'good', requireEncryption: true, directTls: true },
  { name: 'optional', certCase: 'good', requireEncryption: false, directTls: false },
  { name: 'expired', certCase: 'expired', requireEncryption: true, directTls: true },
  { name: 'self-signed', certCase: 'self-signed', requireEncryption: true, directTls: true },
  { name: 'wrong-host', certCase: 'wrong-host', requireEncryption: true, directTls: false },
];

export async function startProsody(ctx: BedContext): Promise<StartedServer> {
  const started = Date.now();
  const base = join(ctx.dir, 'prosody');
  mkdirSync(base, { recursive: true });
  const owner = prosodyOwner();
  if (owner) makeTraversable(ctx.dir);

  const ports = await distinctPorts(ctx, INSTANCES.length * 2);
  const instances = INSTANCES.map((spec, i) =>
    prepareInstance(ctx, base, spec, ports[2 * i] ?? 0, ports[2 * i + 1] ?? 0),
  );
  if (owner) chownTree(base, owner);
  if (owner) assertReadableByProsody(instances[0]?.configFile ?? base);

  const procs = instances.map((inst) =>
    ctx.spawn(`prosody-${inst.spec.name}`, 'prosody', ['--config', inst.configFile, '-F'], {
      user: PROSODY_USER,
      cwd: inst.dir,
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', HOME: inst.dir },
    }),
  );
  const stop = async (): Promise<void> => {
    await Promise.all(procs.map((p) => p.stop()));
  };
  try {
    await Promise.all(
      instances.flatMap((inst, i) =>
        inst.ports.map((port) => waitForPort(HOST, port, { timeoutMs: 10_000, proc: procs[i] })),
      ),
    );
    // A port lost to a race, or a certificate Prosody could not load, is logged, not fatal to it.
    for (const inst of instances) assertCleanLog(join(inst.dir, 'prosody.log'));
  } catch (err) {
    await stop();
    throw err;
  }
  ctx.log(`prosody: ${instances.length} instances ready in ${Date.now() - started} ms`);
  return { endpoints: instances.flatMap((inst) => inst.endpoints), stop };
}

interface PreparedInstance {
  readonly spec: InstanceSpec;
  readonly dir: string;
  readonly configFile: string;
  readonly ports: readonly number[];
  readonly endpoints: readonly BedEndpoint[];
}

function prepareInstance(
  ctx: BedContext,
  base: string,
  spec: InstanceSpec,
  starttlsPort: number,
  tlsPort: number,
): PreparedInstance {
  const dir = join(base, spec.name);
  const dataDir = join(dir, 'data');
  const certsDir = join(dir, 'certs'); // Prosody indexes this directory; it stays empty
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(certsDir, { recursive: true });

  // Prosody reads these as the prosody user: copy them into its own directory.
  const files = ctx.pki.cases[spec.certCase];
  const certFile = join(dir, 'tls-chain.pem');
  const keyFile = join(dir, 'tls-key.pem');
  const dhFile = join(dir, 'dhparams.pem');
  copyFileSync(files.chainFile, certFile);
  copyFileSync(files.keyFile, keyFile);
  copyFileSync(ctx.pki.dhParamsFile, dhFile);
  chmodSync(keyFile, 0o600);

  writeAccount(
    dataDir,
    ctx.xmppDomain,
    xmppLocalPart(ctx.user.xmppAddress, ctx.user.name),
    ctx.user.password,
  );

  const directTlsPort = spec.directTls ? tlsPort : undefined;
  const configFile = join(dir, 'prosody.cfg.lua');
  writeFileSync(
    configFile,
    renderConfig({
      dir,
      dataDir,
      certsDir,
      certFile,
      keyFile,
      dhFile,
      spec,
      starttlsPort,
      directTlsPort,
      domain: ctx.xmppDomain,
    }),
  );

  const common = {
    server: 'prosody',
    protocol: 'xmpp',
    host: HOST,
    serverName: ctx.xmppDomain,
    xmppDomain: ctx.xmppDomain,
    certCase: spec.certCase,
  } as const;
  const endpoints: BedEndpoint[] = [
    {
      ...common,
      id: `prosody-xmpp-starttls-${spec.requireEncryption ? '' : 'optional-'}${spec.certCase}`,
      security: 'starttls',
      starttls: spec.requireEncryption ? 'required' : 'optional',
      port: starttlsPort,
      notes: spec.requireEncryption
        ? { saslBeforeTls: 'none', saslAfterTls: 'PLAIN SCRAM-SHA-1' }
        : {
            // Prosody never offers PLAIN on an unencrypted stream (allow_unencrypted_plain_auth
            // defaults to false), but SCRAM-SHA-1 works there: a client can log in without TLS.
            saslBeforeTls: 'SCRAM-SHA-1',
            saslAfterTls: 'PLAIN SCRAM-SHA-1',
          },
    },
  ];
  if (directTlsPort !== undefined) {
    endpoints.push({
      ...common,
      id: `prosody-xmpp-implicit-${spec.certCase}`,
      security: 'implicit',
      starttls: 'not-offered',
      port: directTlsPort,
      notes: { alpn: 'xmpp-client', sni: 'selects the VirtualHost certificate' },
    });
  }
  return {
    spec,
    dir,
    configFile,
    ports: [starttlsPort, ...(directTlsPort === undefined ? [] : [directTlsPort])],
    endpoints,
  };
}

/** `count` free ports, no two alike (freePort alone may hand out a port twice). */
async function distinctPorts(ctx: BedContext, count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let tries = 0; ports.size < count; tries++) {
    if (tries > count * 10) throw new Error('could not find enough free ports for Prosody');
    ports.add(await ctx.freePort());
  }
  return [...ports];
}

/** Throws with Prosody's own words if its log has an error line (e.g. a port it could not bind). */
function assertCleanLog(file: string): void {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return; // nothing logged yet: nothing went wrong
  }
  const errors = text.split('\n').filter((line) => /\terror\t/.test(line));
  if (errors.length > 0)
    throw new Error(`prosody reported errors in ${file}:\n${errors.join('\n')}`);
}

interface ConfigInput {
  readonly dir: string;
  readonly dataDir: string;
  readonly certsDir: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly dhFile: string;
  readonly spec: InstanceSpec;
  readonly starttlsPort: number;
  readonly directTlsPort: number | undefined;
  readonly domain: string;
}

/** Prosody 0.12 configuration (Lua). Every value from outside goes through luaString. */
export function renderConfig(c: ConfigInput): string {
  const ssl = `{ certificate = ${luaString(c.certFile)}; key = ${luaString(c.keyFile)}; dhparam = ${luaString(c.dhFile)}; }`;
  return [
    '-- Generated by the Sealcheck test bed (test/bed/servers/prosody.ts). Started with: prosody --config <this file> -F',
    `pidfile = ${luaString(join(c.dir, 'prosody.pid'))}`,
    `data_path = ${luaString(c.dataDir)}`,
    `log = { info = ${luaString(join(c.dir, 'prosody.log'))} }`,
    'plugin_paths = {}',
    // Only what a client login needs; no s2s, no HTTP, no DNS.
    'modules_enabled = { "posix"; "tls"; "saslauth"; "disco"; "roster"; "ping"; "version" }',
    'modules_disabled = { "s2s"; "dialback"; "http"; "bosh"; "websocket" }',
    'interfaces = { "127.0.0.1" }',
    `c2s_ports = { ${c.starttlsPort} }`,
    `c2s_direct_tls_ports = { ${c.directTlsPort ?? ''} }`,
    // XEP-0368: answer ALPN "xmpp-client" on the direct TLS port (0.12 does not by default).
    'c2s_direct_tls_ssl = { alpn = { "xmpp-client" } }',
    'legacy_ssl_ports = {}',
    's2s_ports = {}',
    's2s_direct_tls_ports = {}',
    'http_ports = {}',
    'https_ports = {}',
    'component_ports = {}',
    'allow_registration = false',
    'authentication = "internal_hashed"',
    'storage = "internal"',
    `c2s_require_encryption = ${c.spec.requireEncryption ? 'true' : 'false'}`,
    'allow_unencrypted_plain_auth = false',
    // Certificates come only from `ssl`; the indexed directory stays empty.
    `certificates = ${luaString(c.certsDir)}`,
    `ssl = ${ssl}`,
    '',
    `VirtualHost ${luaString(c.domain)}`,
    `  ssl = ${ssl}`,
    '',
  ].join('\n');
}

/** A Lua string literal for any JavaScript string (decimal escapes for everything unusual). */
export function luaString(s: string): string {
  let out = '"';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out +=
      byte >= 0x20 && byte < 0x7f && ch !== '"' && ch !== '\\'
        ? ch
        : `\\${byte.toString().padStart(3, '0')}`;
  }
  return `${out}"`;
}

/** Prosody's datamanager file-name encoding: every non-alphanumeric byte becomes %xx. */
export function prosodyPathEncode(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /^[A-Za-z0-9]$/.test(ch) ? ch : `%${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

function xmppLocalPart(address: string, fallback: string): string {
  const at = address.lastIndexOf('@');
  return at > 0 ? address.slice(0, at) : fallback;
}

/**
 * Writes the account as mod_auth_internal_hashed stores it (SCRAM-SHA-1 keys, never the
 * password), the same record `prosodyctl register` would write, without a second process.
 * The password must already be in SASLprep form (ASCII test passwords are).
 */
function writeAccount(dataDir: string, domain: string, localPart: string, password: string): void {
  const salt = randomBytes(16).toString('hex');
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 20, 'sha1');
  const clientKey = createHmac('sha1', salted).update('Client Key').digest();
  const storedKey = createHash('sha1').update(clientKey).digest('hex');
  const serverKey = createHmac('sha1', salted).update('Server Key').digest('hex');
  const file = join(
    dataDir,
    prosodyPathEncode(domain),
    'accounts',
    `${prosodyPathEncode(localPart.toLowerCase())}.dat`,
  );
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    [
      'return {',
      `  ["salt"] = ${luaString(salt)};`,
      `  ["iteration_count"] = ${SCRAM_ITERATIONS};`,
      `  ["stored_key"] = ${luaString(storedKey)};`,
      `  ["server_key"] = ${luaString(serverKey)};`,
      '};',
      '',
    ].join('\n'),
  );
}

interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/** When we run as root, the uid/gid Prosody will run as; otherwise null (it runs as us). */
function prosodyOwner(): Owner | null {
  if (process.getuid?.() !== 0) return null;
  const r = spawnSync('id', ['-u', PROSODY_USER], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', PROSODY_USER], { encoding: 'utf8' });
  const uid = Number(r.stdout.trim());
  const gid = Number(g.stdout.trim());
  if (r.status !== 0 || g.status !== 0 || !Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new Error(
      `the "${PROSODY_USER}" system user is missing: install Debian's prosody package`,
    );
  }
  return { uid, gid };
}

function chownTree(dir: string, owner: Owner): void {
  const r = spawnSync('chown', ['-R', `${owner.uid}:${owner.gid}`, dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`chown -R ${dir} failed: ${r.stderr}`);
}

/** The bed's private directory may be 0700 (mkdtemp): let the prosody user pass through it, not list it. */
function makeTraversable(dir: string): void {
  const st = statSync(dir);
  if ((st.mode & 0o001) === 0 && st.uid === userInfo().uid)
    chmodSync(dir, (st.mode & 0o7777) | 0o001);
}

/** Fails early with a clear message if a parent directory keeps the prosody user out. */
function assertReadableByProsody(file: string): void {
  accessSync(file, constants.R_OK);
  const r = spawnSync('setpriv', [
    `--reuid=${PROSODY_USER}`,
    `--regid=${PROSODY_USER}`,
    '--init-groups',
    '--',
    'test',
    '-r',
    file,
  ]);
  if (r.status !== 0) {
    throw new Error(
      `the "${PROSODY_USER}" user cannot read ${file}: every directory above the bed directory must be searchable (o+x) by it`,
    );
  }
}
