/**
 * Dovecot for the bed: IMAP and POP3 with STARTTLS (optional and required), implicit TLS,
 * plaintext only, one implicit-TLS endpoint per broken certificate case and a TLS 1.0/1.1-only
 * endpoint. Two standalone instances (`dovecot -F -c <conf>`), everything inside the bed dir:
 *
 * - "main" hosts every endpoint except the legacy-TLS one. Its internal listeners (imap, imaps,
 *   pop3, pop3s on 127.0.0.1) all speak the HAProxy PROXY protocol; each published endpoint is a
 *   relay (proxy-relay.ts) that claims a remote client address and, as the destination, one
 *   127.0.0.N per "profile". `local 127.0.0.N { … }` blocks then select certificate, `ssl`
 *   (yes / required / no) and `disable_plaintext_auth` per endpoint.
 * - "legacy-tls" serves only TLS 1.0/1.1: Dovecot 2.3 has no ssl_max_protocol, so the cap comes
 *   from a private OpenSSL config (MaxProtocol = TLSv1.1) in OPENSSL_CONF for that instance only.
 *
 * The 1024-bit RSA and SHA-1 cases need OpenSSL's security level 0 to load their certificate:
 * their profiles add `@SECLEVEL=0` to ssl_cipher_list (still TLS 1.2+ only, so the certificate is
 * their only defect).
 *
 * Needs root (Dovecot switches to its users dovecot / dovenull; the test user's mail processes
 * run as nobody).
 */
import { readFileSync } from 'node:fs';
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { BedEndpoint, CertCase, Security } from '../endpoints';
import { startProxyRelay, type ProxyRelay } from '../proxy-relay';
import { waitForPort, type ManagedProcess } from '../proc';
import type { BedContext, StartedServer } from '../types';

/** Dovecot's default cipher list (2.3), for profiles that only lower the security level. */
const DOVECOT_CIPHERS =
  'ALL:!kRSA:!SRP:!kDHd:!DSS:!aNULL:!eNULL:!EXPORT:!DES:!3DES:!MD5:!PSK:!RC4:!ADH:!LOW:@STRENGTH';
const GREETING = 'Sealcheck test bed (Dovecot) ready.';

type MailProtocol = 'imap' | 'pop3';
type Listener = 'imap' | 'imaps' | 'pop3' | 'pop3s';
type InstanceName = 'main' | 'legacy-tls';
/** How the endpoint protects the login: TLS optional, required, absent, or from the first byte. */
type Mode = 'starttls-optional' | 'starttls-required' | 'plaintext' | 'implicit';

interface EndpointPlan {
  readonly id: string;
  readonly protocol: MailProtocol;
  readonly mode: Mode;
  readonly certCase: CertCase | null;
  readonly instance: InstanceName;
  readonly notes?: Readonly<Record<string, string>>;
}

/**
 * Endpoint ids follow the bed's pattern `<server>-<protocol>-<security>[-optional]-<cert case>`:
 * a STARTTLS endpoint requires the upgrade unless its id says "optional".
 */
function plans(): EndpointPlan[] {
  const plan = (
    protocol: MailProtocol,
    mode: Mode,
    certCase: CertCase | null,
    extra: Partial<EndpointPlan> = {},
  ): EndpointPlan => {
    const security = {
      'starttls-optional': 'starttls-optional',
      'starttls-required': 'starttls',
      implicit: 'implicit',
      plaintext: 'none',
    }[mode];
    const id = ['dovecot', protocol, security, certCase].filter(Boolean).join('-');
    return { id, protocol, mode, certCase, instance: 'main', ...extra };
  };
  const out: EndpointPlan[] = [];
  for (const protocol of ['imap', 'pop3'] as const) {
    out.push(
      plan(protocol, 'starttls-required', 'good'),
      plan(protocol, 'starttls-optional', 'good'),
      plan(protocol, 'implicit', 'good'),
      plan(protocol, 'plaintext', null),
    );
  }
  const broken: CertCase[] = [
    'expired',
    'not-yet-valid',
    'self-signed',
    'wrong-host',
    'rsa1024',
    'sha1',
    'no-intermediate',
  ];
  for (const c of broken) {
    const legacy = c === 'rsa1024' || c === 'sha1';
    out.push(plan('imap', 'implicit', c, legacy ? { notes: { opensslSecurityLevel: '0' } } : {}));
  }
  out.push(
    plan('pop3', 'starttls-required', 'expired'),
    plan('pop3', 'implicit', 'self-signed'),
    plan('imap', 'implicit', 'good', {
      id: 'dovecot-imap-implicit-tls11-only',
      instance: 'legacy-tls',
      notes: { minTls: 'TLSv1', maxTls: 'TLSv1.1' },
    }),
  );
  return out;
}

function listenerFor(plan: EndpointPlan): Listener {
  const tls = plan.mode === 'implicit';
  return plan.protocol === 'imap' ? (tls ? 'imaps' : 'imap') : tls ? 'pop3s' : 'pop3';
}

function securityOf(mode: Mode): Security {
  return mode === 'implicit' ? 'implicit' : mode === 'plaintext' ? 'none' : 'starttls';
}

function starttlsOf(mode: Mode): BedEndpoint['starttls'] {
  if (mode === 'starttls-optional') return 'optional';
  if (mode === 'starttls-required') return 'required';
  return 'not-offered';
}

/** The per-connection settings of a profile (one `local` block). */
function profileSettings(ctx: BedContext, mode: Mode, certCase: CertCase | null): string[] {
  const lines: string[] = [];
  if (mode === 'plaintext') {
    lines.push('ssl = no', 'disable_plaintext_auth = no');
    return lines;
  }
  lines.push(mode === 'starttls-required' ? 'ssl = required' : 'ssl = yes');
  lines.push(`disable_plaintext_auth = ${mode === 'starttls-optional' ? 'no' : 'yes'}`);
  if (certCase && certCase !== 'good') {
    const files = ctx.pki.cases[certCase];
    lines.push(`ssl_cert = <${files.chainFile}`, `ssl_key = <${files.keyFile}`);
  }
  if (certCase === 'rsa1024' || certCase === 'sha1') {
    lines.push(`ssl_cipher_list = ${DOVECOT_CIPHERS}:@SECLEVEL=0`);
  }
  return lines;
}

interface PasswdEntry {
  readonly uid: number;
  readonly gid: number;
}

function lookupUser(name: string): PasswdEntry | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f[2] !== undefined && f[3] !== undefined)
      return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

function requireUser(name: string): PasswdEntry {
  const u = lookupUser(name);
  if (!u)
    throw new Error(`Dovecot bed: system user "${name}" is missing (is dovecot-core installed?)`);
  return u;
}

interface InstanceConfig {
  readonly name: InstanceName;
  readonly dir: string;
  readonly ports: Partial<Record<Listener, number>>;
  readonly locals: ReadonlyMap<string, readonly string[]>;
  readonly passwdFile: string;
  readonly authSocketName?: string;
  readonly opensslConf?: string;
  readonly global: readonly string[];
}

function dovecotConf(ctx: BedContext, c: InstanceConfig): string {
  const good = ctx.pki.cases.good;
  // Every listener Dovecot knows by default (143, 993, 110, 995) is either given a bed port or
  // disabled with port 0: nothing may bind a privileged port.
  const listener = (name: Listener): string[] => {
    const port = c.ports[name];
    if (port === undefined) return [`  inet_listener ${name} {`, '    port = 0', '  }'];
    const ssl = name === 'imaps' || name === 'pop3s';
    return [
      `  inet_listener ${name} {`,
      `    port = ${port}`,
      `    haproxy = yes`,
      ...(ssl ? ['    ssl = yes'] : []),
      '  }',
    ];
  };
  const loginService = (svc: string, listeners: Listener[]): string[] => {
    const used = listeners.some((l) => c.ports[l] !== undefined);
    return [
      `service ${svc} {`,
      ...listeners.flatMap(listener),
      // Performance mode: one long-lived login process per protocol, already connected to auth.
      '  service_count = 0',
      `  process_min_avail = ${used ? 1 : 0}`,
      // No chroot: OpenSSL must be able to read OPENSSL_CONF, and the bed dir is private anyway.
      '  chroot =',
      '}',
    ];
  };
  const authListener = c.authSocketName
    ? (() => {
        const postfix = lookupUser('postfix');
        return [
          `  unix_listener ${c.authSocketName} {`,
          ...(postfix
            ? ['    mode = 0660', '    user = postfix', '    group = postfix']
            : ['    mode = 0666']),
          '  }',
        ];
      })()
    : [];
  const env = ['TZ', 'CORE_OUTOFMEM', 'CORE_ERROR'];
  if (c.opensslConf) env.push(`OPENSSL_CONF=${c.opensslConf}`);
  const lines = [
    `# Generated by test/bed/servers/dovecot.ts for one bed run (instance "${c.name}").`,
    `instance_name = sealcheck-${c.name}`,
    `base_dir = ${join(c.dir, 'run')}`,
    `state_dir = ${join(c.dir, 'state')}`,
    'log_path = /dev/stderr',
    'protocols = imap pop3',
    'listen = 127.0.0.1',
    `import_environment = ${env.join(' ')}`,
    'default_internal_user = dovecot',
    'default_internal_group = dovecot',
    'default_login_user = dovenull',
    'haproxy_trusted_networks = 127.0.0.0/8',
    `login_greeting = ${GREETING}`,
    'auth_mechanisms = plain login',
    'auth_verbose = yes',
    // Fail fast: no 2 s delay after a wrong password (tests try wrong ones on purpose).
    'auth_failure_delay = 0',
    'passdb {',
    '  driver = passwd-file',
    `  args = ${c.passwdFile}`,
    '}',
    'userdb {',
    '  driver = passwd-file',
    `  args = ${c.passwdFile}`,
    '}',
    'mail_location = maildir:~/Maildir',
    'ssl = yes',
    `ssl_cert = <${good.chainFile}`,
    `ssl_key = <${good.keyFile}`,
    `ssl_dh = <${ctx.pki.dhParamsFile}`,
    'disable_plaintext_auth = yes',
    ...c.global,
    ...loginService('imap-login', ['imap', 'imaps']),
    ...loginService('pop3-login', ['pop3', 'pop3s']),
    // Not in `protocols`, so never started; disabled anyway so no default port can ever be bound.
    'service submission-login {',
    '  inet_listener submission {',
    '    port = 0',
    '  }',
    '}',
    'service auth {',
    ...authListener,
    '}',
    // No authentication penalty: every relayed client claims the same address, so one test's
    // wrong password would otherwise slow down every later login (by up to 15 s).
    'service anvil {',
    '  chroot =',
    '  unix_listener anvil-auth-penalty {',
    '    mode = 0',
    '  }',
    '}',
  ];
  for (const [ip, settings] of c.locals) {
    lines.push(`local ${ip} {`, ...settings.map((s) => `  ${s}`), '}');
  }
  return lines.join('\n') + '\n';
}

/** An OpenSSL config that caps TLS at 1.1 and allows the old algorithms TLS 1.0/1.1 need. */
const TLS11_OPENSSL_CONF = `# Sealcheck test bed: TLS 1.0/1.1 only (Dovecot 2.3 has no ssl_max_protocol).
openssl_conf = openssl_init

[openssl_init]
ssl_conf = ssl_sect

[ssl_sect]
system_default = system_default_sect

[system_default_sect]
CipherString = DEFAULT:@SECLEVEL=0
MinProtocol = TLSv1
MaxProtocol = TLSv1.1
`;

export async function startDovecot(
  ctx: BedContext,
): Promise<StartedServer & { authSocket: string }> {
  if (process.getuid?.() !== 0)
    throw new Error('Dovecot bed: must run as root (it switches to dovecot/dovenull)');
  const started = Date.now();
  const root = join(ctx.dir, 'dovecot');
  await mkdir(root, { recursive: true });
  await chmod(root, 0o755);
  const dovecotUser = requireUser('dovecot');
  requireUser('dovenull');
  const mailUser = requireUser('nobody');

  // The test user: passwd-file readable only by Dovecot's auth process (runs as "dovecot").
  const home = join(root, 'home', ctx.user.name);
  await mkdir(home, { recursive: true });
  await chown(home, mailUser.uid, mailUser.gid);
  const passwdFile = join(root, 'passwd');
  await writeFile(
    passwdFile,
    `${ctx.user.name}:{PLAIN}${ctx.user.password}:${mailUser.uid}:${mailUser.gid}::${home}::\n`,
    { mode: 0o600 },
  );
  await chown(passwdFile, dovecotUser.uid, dovecotUser.gid);

  const all = plans();
  // Profiles: one 127.0.0.N per distinct (mode, certificate) on the main instance.
  const profileIp = new Map<string, string>();
  const locals = new Map<string, readonly string[]>();
  let next = 10;
  const keyOf = (p: EndpointPlan): string => `${p.mode}/${p.certCase ?? 'none'}`;
  for (const p of all) {
    if (p.instance !== 'main' || profileIp.has(keyOf(p))) continue;
    const ip = `127.0.0.${next++}`;
    profileIp.set(keyOf(p), ip);
    locals.set(ip, profileSettings(ctx, p.mode, p.certCase));
  }

  const mainDir = join(root, 'main');
  const legacyDir = join(root, 'legacy-tls');
  const [imap, imaps, pop3, pop3s, legacyImaps] = await Promise.all([
    ctx.freePort(),
    ctx.freePort(),
    ctx.freePort(),
    ctx.freePort(),
    ctx.freePort(),
  ]);
  const authSocketName = 'auth-sealcheck';
  const tls11Conf = join(legacyDir, 'openssl-tls11.cnf');
  const instances: InstanceConfig[] = [
    {
      name: 'main',
      dir: mainDir,
      ports: { imap, imaps, pop3, pop3s },
      locals,
      passwdFile,
      authSocketName,
      global: [],
    },
    {
      name: 'legacy-tls',
      dir: legacyDir,
      ports: { imaps: legacyImaps },
      locals: new Map(),
      passwdFile,
      opensslConf: tls11Conf,
      global: ['ssl_min_protocol = TLSv1', `ssl_cipher_list = ${DOVECOT_CIPHERS}:@SECLEVEL=0`],
    },
  ];
  for (const inst of instances) {
    await mkdir(join(inst.dir, 'state'), { recursive: true });
    await mkdir(join(inst.dir, 'run'), { recursive: true });
    await chmod(inst.dir, 0o755);
  }
  await writeFile(tls11Conf, TLS11_OPENSSL_CONF, { mode: 0o644 });

  const procs: ManagedProcess[] = [];
  const relays: ProxyRelay[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(relays.map((r) => r.close()));
    await Promise.all(procs.map((p) => p.stop()));
  };
  try {
    await Promise.all(
      instances.map(async (inst) => {
        const confFile = join(inst.dir, 'dovecot.conf');
        await writeFile(confFile, dovecotConf(ctx, inst), { mode: 0o644 });
        const env: NodeJS.ProcessEnv = {
          PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
        };
        if (inst.opensslConf) env.OPENSSL_CONF = inst.opensslConf;
        // --pdeathsig: if the bed's Node process dies without cleaning up, the master dies too
        // (its children follow it).
        const proc = ctx.spawn(
          `dovecot-${inst.name}`,
          'setpriv',
          ['--pdeathsig', 'KILL', '--', 'dovecot', '-F', '-c', confFile],
          { env },
        );
        procs.push(proc);
        await Promise.all(
          Object.values(inst.ports).map((port) =>
            waitForPort('127.0.0.1', port, { proc, timeoutMs: 10_000 }),
          ),
        );
      }),
    );

    const internal = (p: EndpointPlan): number => {
      const port = p.instance === 'main' ? instances[0]?.ports[listenerFor(p)] : legacyImaps;
      if (port === undefined) throw new Error(`no internal port for ${p.id}`);
      return port;
    };
    const endpoints: BedEndpoint[] = await Promise.all(
      all.map(async (p) => {
        const relay = await startProxyRelay({
          listenHost: '127.0.0.1',
          targetHost: '127.0.0.1',
          targetPort: internal(p),
          claimedDestination: p.instance === 'main' ? profileIp.get(keyOf(p)) : '127.0.0.1',
        });
        relays.push(relay);
        const ep: BedEndpoint = {
          id: p.id,
          server: 'dovecot',
          protocol: p.protocol,
          security: securityOf(p.mode),
          starttls: starttlsOf(p.mode),
          host: relay.host,
          port: relay.port,
          serverName: ctx.serverName,
          certCase: p.certCase,
          ...(p.notes ? { notes: p.notes } : {}),
        };
        return ep;
      }),
    );

    // Warm up: the first connection to a fresh Dovecot may be greeted with "Waiting for
    // authentication process to respond.."; wait until each login process greets normally.
    const byId = (id: string): BedEndpoint => {
      const ep = endpoints.find((e) => e.id === id);
      if (!ep) throw new Error(`missing ${id}`);
      return ep;
    };
    await Promise.all([
      warmUp(byId('dovecot-imap-none'), false),
      warmUp(byId('dovecot-pop3-none'), false),
      warmUp(byId('dovecot-imap-implicit-tls11-only'), true),
    ]);
    ctx.log(`dovecot: ${endpoints.length} endpoints in ${Date.now() - started} ms`);
    return { endpoints, stop, authSocket: join(mainDir, 'run', authSocketName) };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Reads greetings until one is the normal greeting (auth ready), for up to 10 s. */
async function warmUp(ep: BedEndpoint, tls: boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  let last = '';
  while (Date.now() < deadline) {
    last = await firstGreeting(ep, tls).catch((err: unknown) => String(err));
    if (last.includes(GREETING)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Dovecot endpoint ${ep.id} not ready: last greeting ${JSON.stringify(last)}`);
}

function firstGreeting(ep: BedEndpoint, tls: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = tls
      ? tlsConnect({
          host: ep.host,
          port: ep.port,
          servername: ep.serverName,
          rejectUnauthorized: false,
          minVersion: 'TLSv1',
          ciphers: 'DEFAULT:@SECLEVEL=0',
        })
      : netConnect({ host: ep.host, port: ep.port });
    let buf = '';
    const done = (value: string | Error): void => {
      socket.destroy();
      if (value instanceof Error) reject(value);
      else resolve(value);
    };
    socket.setTimeout(3000, () => done(new Error('timeout')));
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.slice(0, nl));
      else if (buf.length > 4096) done(new Error('greeting too long'));
    });
    socket.once('error', (e) => done(e));
    socket.once('end', () => done(new Error(`closed after ${JSON.stringify(buf)}`)));
  });
}
