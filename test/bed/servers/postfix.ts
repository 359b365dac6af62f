/**
 * Postfix for the test bed: one private instance (its own configuration, queue and data
 * directories under <ctx.dir>/postfix), one master process in the foreground, one smtpd
 * `inet` service per published endpoint on an unprivileged loopback port.
 *
 * Never the system instance: nothing under /etc/postfix or /var/spool/postfix is read or
 * written, no syslog is needed (postlogd writes <dir>/maillog), no chroot, no DNS, and the
 * instance accepts no mail at all (every DATA is rejected), so it can never deliver or relay.
 *
 * The master needs root (it binds its services and runs smtpd as the `postfix` user);
 * CI runs the tests as root. Start-up takes about 0.1 s.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  existsSync,
  mkdirSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { BedEndpoint, CertCase } from '../endpoints';
import { waitForPort } from '../proc';
import type { BedContext, StartedServer } from '../types';

const HOST = '127.0.0.1';

/** One published endpoint = one smtpd service in master.cf. */
interface Variant {
  readonly id: string;
  readonly protocol: 'smtp' | 'submission';
  readonly security: BedEndpoint['security'];
  readonly starttls: BedEndpoint['starttls'];
  readonly certCase: CertCase | null;
  /** SASL AUTH through Dovecot (offered only after TLS). */
  readonly sasl: boolean;
  /** Extra smtpd parameters for this service (values without white space). */
  readonly extra?: Readonly<Record<string, string>>;
  readonly notes?: Readonly<Record<string, string>>;
}

const VARIANTS: readonly Variant[] = [
  // Port 25 style: STARTTLS offered, not required (RFC 3207's norm between mail servers).
  {
    id: 'postfix-smtp-starttls-good',
    protocol: 'smtp',
    security: 'starttls',
    starttls: 'optional',
    certCase: 'good',
    sasl: false,
  },
  // Port 587 style: STARTTLS required before MAIL FROM and before AUTH.
  {
    id: 'postfix-submission-starttls-good',
    protocol: 'submission',
    security: 'starttls',
    starttls: 'required',
    certCase: 'good',
    sasl: true,
  },
  // Port 465 style (RFC 8314): TLS from the first byte.
  {
    id: 'postfix-submission-implicit-good',
    protocol: 'submission',
    security: 'implicit',
    starttls: 'not-offered',
    certCase: 'good',
    sasl: true,
  },
  // No TLS at all.
  {
    id: 'postfix-smtp-none',
    protocol: 'smtp',
    security: 'none',
    starttls: 'not-offered',
    certCase: null,
    sasl: false,
  },
  // Broken certificates.
  {
    id: 'postfix-smtp-starttls-wrong-host',
    protocol: 'smtp',
    security: 'starttls',
    starttls: 'optional',
    certCase: 'wrong-host',
    sasl: false,
  },
  {
    id: 'postfix-smtp-starttls-expired',
    protocol: 'smtp',
    security: 'starttls',
    starttls: 'optional',
    certCase: 'expired',
    sasl: false,
  },
  {
    id: 'postfix-submission-starttls-no-intermediate',
    protocol: 'submission',
    security: 'starttls',
    starttls: 'required',
    certCase: 'no-intermediate',
    sasl: true,
  },
  {
    id: 'postfix-submission-implicit-self-signed',
    protocol: 'submission',
    security: 'implicit',
    starttls: 'not-offered',
    certCase: 'self-signed',
    sasl: true,
  },
  // Old algorithms. Debian 12's Postfix 3.7 serves 1024-bit RSA and SHA-1 certificates and speaks
  // TLS 1.0/1.1 as it is (it lowers OpenSSL's security level itself for opportunistic TLS), so
  // these need no private OpenSSL configuration: a per-service tls_config_file was tried and made
  // no observable difference, so ctx.pki.legacyOpensslConf is not used here.
  {
    id: 'postfix-smtp-starttls-sha1',
    protocol: 'smtp',
    security: 'starttls',
    starttls: 'optional',
    certCase: 'sha1',
    sasl: false,
  },
  {
    id: 'postfix-smtp-starttls-rsa1024',
    protocol: 'smtp',
    security: 'starttls',
    starttls: 'optional',
    certCase: 'rsa1024',
    sasl: false,
  },
  {
    id: 'postfix-smtp-starttls-tls11-only',
    protocol: 'smtp',
    security: 'starttls',
    starttls: 'optional',
    certCase: 'good',
    sasl: false,
    extra: {
      smtpd_tls_protocols: '!TLSv1.2,!TLSv1.3',
      smtpd_tls_mandatory_protocols: '!TLSv1.2,!TLSv1.3',
    },
    notes: { maxTls: 'TLSv1.1', minTls: 'TLSv1' },
  },
];

export async function startPostfix(
  ctx: BedContext,
  deps: { dovecotAuthSocket: string },
): Promise<StartedServer> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'Postfix in the test bed needs root: its master process binds the services and runs smtpd as the "postfix" user. Run the tests as root (CI does).',
    );
  }
  if (!deps.dovecotAuthSocket.startsWith('/')) {
    // Postfix would resolve a relative smtpd_sasl_path against its queue directory.
    throw new Error(`dovecotAuthSocket must be an absolute path, got "${deps.dovecotAuthSocket}"`);
  }
  const started = Date.now();
  const daemonDir = postconfDefault('daemon_directory');
  const master = join(daemonDir, 'master');
  accessSync(master, constants.X_OK);
  const owner = systemIds('postfix');
  const postdropGid = groupId('postdrop');

  const base = join(ctx.dir, 'postfix');
  const etc = join(base, 'etc');
  const queue = join(base, 'queue');
  const data = join(base, 'data');
  const logDir = join(base, 'log');
  // smtpd runs as "postfix" and must reach its queue directory; the bed's directory may be 0700.
  makeTraversable(ctx.dir);
  mkdirSync(etc, { recursive: true, mode: 0o755 });
  mkdirSync(logDir, { recursive: true, mode: 0o755 });
  makeQueue(queue, owner, postdropGid);
  mkdirSync(data, { recursive: true, mode: 0o700 });
  chownSync(data, owner.uid, owner.gid);

  const ports = new Map<string, number>();
  for (const v of VARIANTS) ports.set(v.id, await ctx.freePort());

  writeFileSync(
    join(etc, 'main.cf'),
    mainCf({ ctx, queue, data, logDir, daemonDir, saslPath: deps.dovecotAuthSocket }),
    { mode: 0o644 },
  );
  writeFileSync(join(etc, 'master.cf'), masterCf(ctx, ports), { mode: 0o644 });
  // Postfix waits (up to seconds) while a table file is younger than a second; backdate ours.
  const past = new Date(Date.now() - 60_000);
  for (const f of ['main.cf', 'master.cf']) utimesSync(join(etc, f), past, past);
  // Fail early, in Postfix's own words, on a configuration it would not accept; log its warnings
  // (e.g. a misspelt parameter).
  for (const flag of ['-n', '-M']) {
    const check = spawnSync('postconf', ['-c', etc, flag], { encoding: 'utf8' });
    if (check.status !== 0)
      throw new Error(`postconf ${flag} rejects the bed's config: ${check.stderr}`);
    if (check.stderr.trim()) ctx.log(`postfix: postconf ${flag}: ${check.stderr.trim()}`);
  }

  const proc = ctx.spawn('postfix', master, ['-d', '-c', etc], {
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', MAIL_CONFIG: etc, LANG: 'C' },
  });
  try {
    await Promise.all(
      [...ports.values()].map((port) => waitForPort(HOST, port, { proc, timeoutMs: 10_000 })),
    );
  } catch (err) {
    await proc.stop();
    throw new Error(
      `Postfix did not start: ${(err as Error).message}; mail log: ${join(logDir, 'maillog')}`,
    );
  }
  ctx.log(`postfix: ${VARIANTS.length} endpoints up in ${Date.now() - started} ms`);

  const endpoints: BedEndpoint[] = VARIANTS.map((v) => ({
    id: v.id,
    server: 'postfix',
    protocol: v.protocol,
    security: v.security,
    starttls: v.starttls,
    host: HOST,
    port: ports.get(v.id) ?? 0,
    serverName: ctx.serverName,
    certCase: v.certCase,
    ...(v.notes ? { notes: v.notes } : {}),
  }));
  return {
    endpoints,
    async stop() {
      await proc.stop();
    },
  };
}

function postconfDefault(name: string): string {
  return execFileSync('postconf', ['-d', '-h', name], { encoding: 'utf8' }).trim();
}

function systemIds(user: string): { uid: number; gid: number } {
  const id = (flag: string): number =>
    Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function groupId(group: string): number {
  const line = execFileSync('getent', ['group', group], { encoding: 'utf8' }).trim();
  const gid = Number(line.split(':')[2]);
  if (!Number.isInteger(gid)) throw new Error(`cannot read the gid of group "${group}"`);
  return gid;
}

/** Adds search (x) permission for others on dir if it lacks it, and checks its ancestors have it. */
function makeTraversable(dir: string): void {
  const mode = statSync(dir).mode & 0o7777;
  if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o011);
  for (let d = dirname(dir); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) {
      throw new Error(
        `Postfix's smtpd (user "postfix") cannot pass through ${d}: put the bed directory elsewhere`,
      );
    }
    if (d === dirname(d)) break;
  }
}

/** The queue layout Postfix's post-install would create, with the owners and modes it expects. */
function makeQueue(queue: string, owner: { uid: number; gid: number }, postdropGid: number): void {
  mkdirSync(queue, { recursive: true, mode: 0o755 });
  chmodSync(queue, 0o755); // owned by root
  const dirs: readonly [string, number, number, number][] = [
    ['pid', 0, 0, 0o755],
    ['maildrop', owner.uid, postdropGid, 0o1730],
    ['public', owner.uid, postdropGid, 0o2710],
    ...[
      'active',
      'bounce',
      'corrupt',
      'defer',
      'deferred',
      'flush',
      'hold',
      'incoming',
      'private',
      'saved',
      'trace',
    ].map((d): [string, number, number, number] => [d, owner.uid, 0, 0o700]),
  ];
  for (const [name, uid, gid, mode] of dirs) {
    const p = join(queue, name);
    if (!existsSync(p)) mkdirSync(p);
    chownSync(p, uid, gid);
    chmodSync(p, mode);
  }
}

function mainCf(o: {
  ctx: BedContext;
  queue: string;
  data: string;
  logDir: string;
  daemonDir: string;
  saslPath: string;
}): string {
  const { ctx } = o;
  const lines: Record<string, string> = {
    compatibility_level: '3.6',
    queue_directory: o.queue,
    data_directory: o.data,
    daemon_directory: o.daemonDir,
    mail_owner: 'postfix',
    setgid_group: 'postdrop',
    // Logging without syslog: master and every daemon send to postlogd, which writes this file.
    maillog_file: join(o.logDir, 'maillog'),
    maillog_file_prefixes: o.logDir,
    // Names and addresses: loopback only, no DNS.
    myhostname: ctx.serverName,
    mydomain: ctx.serverName.replace(/^[^.]+\./, ''),
    myorigin: '$myhostname',
    mydestination: '',
    inet_interfaces: HOST,
    inet_protocols: 'ipv4',
    mynetworks: '127.0.0.1/32',
    relayhost: '',
    smtp_dns_support_level: 'disabled',
    lmtp_dns_support_level: 'disabled',
    smtpd_peername_lookup: 'no',
    alias_maps: '',
    alias_database: '',
    local_recipient_maps: '',
    biff: 'no',
    // Never deliver, never relay, never accept mail: tests only look at the dialog and TLS.
    default_transport: 'error:the Sealcheck test bed delivers no mail',
    relay_transport: 'error:the Sealcheck test bed delivers no mail',
    local_transport: 'error:the Sealcheck test bed delivers no mail',
    smtpd_relay_restrictions: 'permit_sasl_authenticated, reject_unauth_destination',
    smtpd_data_restrictions: 'reject',
    smtpd_banner: '$myhostname ESMTP Sealcheck test bed',
    // TLS defaults; each service picks its level and certificate with -o in master.cf.
    smtpd_tls_security_level: 'none',
    smtpd_tls_dh1024_param_file: ctx.pki.dhParamsFile,
    smtpd_tls_loglevel: '1',
    smtpd_tls_session_cache_database: '',
    tls_random_source: 'dev:/dev/urandom',
    // SASL through Dovecot's auth socket (absolute path: not relative to queue_directory).
    smtpd_sasl_type: 'dovecot',
    smtpd_sasl_path: o.saslPath,
    smtpd_sasl_auth_enable: 'no',
    smtpd_sasl_security_options: 'noanonymous',
  };
  return (
    '# Generated by test/bed/servers/postfix.ts for one bed run.\n' +
    Object.entries(lines)
      .map(([k, v]) => `${k} = ${v}`.trimEnd())
      .join('\n') +
    '\n'
  );
}

function masterCf(ctx: BedContext, ports: ReadonlyMap<string, number>): string {
  // service type private unpriv chroot wakeup maxproc command
  const out: string[] = [
    '# Generated by test/bed/servers/postfix.ts for one bed run. No chroot anywhere.',
  ];
  for (const v of VARIANTS) {
    const opts: Record<string, string> = { syslog_name: `postfix/${v.id}` };
    if (v.security === 'none') {
      opts.smtpd_tls_security_level = 'none';
    } else {
      if (!v.certCase) throw new Error(`${v.id}: a TLS endpoint needs a certificate case`);
      const cert = ctx.pki.cases[v.certCase];
      opts.smtpd_tls_cert_file = cert.chainFile;
      opts.smtpd_tls_key_file = cert.keyFile;
      opts.smtpd_tls_security_level = v.starttls === 'optional' ? 'may' : 'encrypt';
      if (v.security === 'implicit') opts.smtpd_tls_wrappermode = 'yes';
    }
    Object.assign(opts, v.extra);
    if (v.sasl) {
      opts.smtpd_sasl_auth_enable = 'yes';
      opts.smtpd_tls_auth_only = 'yes';
    }
    out.push(`# ${v.id}`, `${HOST}:${ports.get(v.id)} inet n - n - - smtpd`);
    for (const [k, val] of Object.entries(opts)) {
      if (/\s/.test(val)) throw new Error(`${v.id}: ${k} must not contain white space: ${val}`);
      out.push(`  -o ${k}=${val}`);
    }
  }
  out.push(
    'cleanup unix n - n - 0 cleanup',
    'qmgr unix n - n 300 1 qmgr',
    'tlsmgr unix - - n 1000? 1 tlsmgr',
    'rewrite unix - - n - - trivial-rewrite',
    'bounce unix - - n - 0 bounce',
    'defer unix - - n - 0 bounce',
    'trace unix - - n - 0 bounce',
    'verify unix - - n - 1 verify',
    'flush unix n - n 1000? 0 flush',
    'proxymap unix - - n - - proxymap',
    'proxywrite unix - - n - 1 proxymap',
    'showq unix n - n - - showq',
    'error unix - - n - - error',
    'retry unix - - n - - error',
    'discard unix - - n - - discard',
    'anvil unix - - n - 1 anvil',
    'scache unix - - n - 1 scache',
    'postlog unix-dgram n - n - 1 postlogd',
  );
  return out.join('\n') + '\n';
}
