/**
 * Import from Thunderbird: find its profiles, read each profile's prefs.js into accounts as the
 * app is set up, and the certificate exceptions the user already accepted (cert_override.txt).
 * Stored passwords (logins.json, key4.db) are never read.
 *
 * Where profiles live (each root holds profiles.ini, and since Thunderbird 68 installs.ini,
 * whose per-install Default= names the profile that install opens):
 *   Linux    ~/.thunderbird, Flatpak ~/.var/app/org.mozilla.Thunderbird/.thunderbird,
 *            Snap ~/snap/thunderbird/common/.thunderbird
 *   macOS    ~/Library/Thunderbird
 *   Windows  %APPDATA%\Thunderbird
 *
 * The prefs read (mailnews' names): mail.accountmanager.accounts → mail.account.<a>.server and
 * .identities; mail.server.<s>.type (imap, pop3; others skipped), .hostname, .port, .socketType
 * (0 none, 1 STARTTLS if available, 2 STARTTLS, 3 SSL/TLS), .userName, .name, .authMethod
 * (10 = OAuth2); mail.identity.<i>.useremail, .fullName, .smtpServer; mail.smtpserver.<m>.*
 * (newer releases: mail.outgoingserver.<m>.*) with .try_ssl or .socketType, and
 * mail.smtp.defaultserver.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, isAbsolute, resolve } from 'node:path';
import * as v from 'valibot';
import {
  HostName,
  NewAccountSchema,
  type AccountSecurity,
  type CertificateException,
  type NewAccount,
} from '../model';
import {
  MAX_PREFS_BYTES,
  parsePrefs,
  prefList,
  prefNumber,
  prefString,
  type PrefValue,
} from './prefs';

export interface ThunderbirdProfile {
  readonly name: string;
  readonly path: string;
  /** The profile an install opens by default (installs.ini), or profiles.ini's Default=1. */
  readonly isDefault: boolean;
  /** Which root it came from, e.g. "Flatpak". */
  readonly root: string;
}

export interface ImportNote {
  readonly level: 'info' | 'warning';
  /** Plain words for the person importing, e.g. "server3 is a news server: skipped". */
  readonly text: string;
}

export interface ImportResult {
  readonly accounts: NewAccount[];
  readonly notes: ImportNote[];
}

export interface Environment {
  readonly platform: NodeJS.Platform;
  readonly home: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The roots where Thunderbird keeps profiles on this platform, with a label each. */
export function thunderbirdRoots(e: Environment): { label: string; path: string }[] {
  switch (e.platform) {
    case 'darwin':
      return [{ label: 'Thunderbird', path: join(e.home, 'Library', 'Thunderbird') }];
    case 'win32': {
      const appData = e.env.APPDATA ?? join(e.home, 'AppData', 'Roaming');
      return [{ label: 'Thunderbird', path: join(appData, 'Thunderbird') }];
    }
    default:
      return [
        { label: 'Thunderbird', path: join(e.home, '.thunderbird') },
        {
          label: 'Thunderbird (Flatpak)',
          path: join(e.home, '.var', 'app', 'org.mozilla.Thunderbird', '.thunderbird'),
        },
        {
          label: 'Thunderbird (Snap)',
          path: join(e.home, 'snap', 'thunderbird', 'common', '.thunderbird'),
        },
      ];
  }
}

/** A minimal INI reader: [sections] and key=value lines; comments and junk skipped. */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section?.[1] !== undefined) {
      current = new Map();
      sections.set(section[1], current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0 && current) current.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return sections;
}

async function readSmall(path: string, max: number): Promise<string | null> {
  try {
    const s = await stat(path);
    if (!s.isFile() || s.size > max) return null;
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/** Every profile of every root that exists. */
export async function findThunderbirdProfiles(e: Environment): Promise<ThunderbirdProfile[]> {
  const out: ThunderbirdProfile[] = [];
  for (const root of thunderbirdRoots(e)) {
    const profilesIni = await readSmall(join(root.path, 'profiles.ini'), 1024 * 1024);
    if (profilesIni === null) continue;
    const installs = parseIni(
      (await readSmall(join(root.path, 'installs.ini'), 1024 * 1024)) ?? '',
    );
    const installDefaults = new Set(
      [...installs.values()]
        .map((s) => s.get('Default'))
        .filter((d): d is string => d !== undefined),
    );
    for (const [name, section] of parseIni(profilesIni)) {
      // [InstallXXXX] sections in profiles.ini repeat installs.ini.
      if (name.startsWith('Install')) {
        const d = section.get('Default');
        if (d !== undefined) installDefaults.add(d);
        continue;
      }
      if (!name.startsWith('Profile')) continue;
      const rel = section.get('Path');
      if (rel === undefined || rel === '') continue;
      const relative = section.get('IsRelative') !== '0';
      const normalised = rel.replace(/[\\/]/g, e.platform === 'win32' ? '\\' : '/');
      const path =
        relative || !isAbsolute(normalised) ? resolve(root.path, normalised) : normalised;
      out.push({
        name: section.get('Name') ?? name,
        path,
        isDefault: installDefaults.has(rel) || section.get('Default') === '1',
        root: root.label,
      });
    }
  }
  return out;
}

const SOCKET: Readonly<Record<number, AccountSecurity>> = {
  0: 'none',
  1: 'starttls-if-available',
  2: 'starttls',
  3: 'implicit',
};

const DEFAULT_PORTS: Readonly<
  Record<'imap' | 'pop3' | 'submission', { plain: number; tls: number }>
> = {
  imap: { plain: 143, tls: 993 },
  pop3: { plain: 110, tls: 995 },
  submission: { plain: 587, tls: 465 },
};

const OAUTH2 = 10;

function securityOf(socketType: number | null): AccountSecurity | null {
  return SOCKET[socketType ?? 0] ?? null;
}

function portOf(
  kind: keyof typeof DEFAULT_PORTS,
  port: number | null,
  security: AccountSecurity,
): number {
  if (port !== null && port > 0 && port < 65536) return port;
  return security === 'implicit' ? DEFAULT_PORTS[kind].tls : DEFAULT_PORTS[kind].plain;
}

/** A server name for a note: raw prefs text, kept short. */
function shown(host: string): string {
  return host.length > 60 ? `${host.slice(0, 60)}…` : host;
}

function looksLikeAddress(s: string): boolean {
  return /^[^\s@<>"]{1,64}@[^\s@<>"]{1,253}$/u.test(s);
}

interface Smtp {
  readonly key: string;
  readonly host: string;
  readonly port: number;
  readonly security: AccountSecurity;
  readonly username: string;
  readonly oauth: boolean;
}

function outgoingServers(
  prefs: ReadonlyMap<string, PrefValue>,
  notes: ImportNote[],
): Map<string, Smtp> {
  const out = new Map<string, Smtp>();
  for (const prefix of ['mail.smtpserver.', 'mail.outgoingserver.']) {
    const keys = new Set<string>();
    for (const name of prefs.keys()) {
      if (name.startsWith(prefix)) keys.add(name.slice(prefix.length).split('.')[0] ?? '');
    }
    for (const key of keys) {
      if (key === '' || out.has(key)) continue;
      const p = (f: string): string => `${prefix}${key}.${f}`;
      const host = prefString(prefs, p('hostname'));
      if (host === '') continue;
      if (!v.is(HostName, host)) {
        notes.push({
          level: 'warning',
          text: `Outgoing server "${shown(host)}" is not a server name, skipped.`,
        });
        continue;
      }
      const socketType = prefNumber(prefs, p('socketType')) ?? prefNumber(prefs, p('try_ssl'));
      const security = securityOf(socketType);
      if (security === null) {
        notes.push({
          level: 'warning',
          text: `Outgoing server ${host}: unknown security setting ${String(socketType)}, skipped.`,
        });
        continue;
      }
      out.set(key, {
        key,
        host,
        port: portOf('submission', prefNumber(prefs, p('port')), security),
        security,
        username: prefString(prefs, p('username')),
        oauth: prefNumber(prefs, p('authMethod')) === OAUTH2,
      });
    }
  }
  return out;
}

/** Accounts from one profile's prefs.js text (the pure part of the import). */
export function accountsFromPrefs(
  text: string,
  exceptions: readonly CertificateException[] = [],
): ImportResult {
  const { prefs, skipped } = parsePrefs(text);
  const notes: ImportNote[] = [];
  if (skipped > 0)
    notes.push({ level: 'info', text: `${skipped} unreadable line(s) in prefs.js were skipped.` });
  const smtp = outgoingServers(prefs, notes);
  const defaultSmtp = prefString(prefs, 'mail.smtp.defaultserver');
  const accounts: NewAccount[] = [];

  for (const acct of prefList(prefs, 'mail.accountmanager.accounts')) {
    const server = prefString(prefs, `mail.account.${acct}.server`);
    if (server === '') continue;
    const s = (f: string): string => `mail.server.${server}.${f}`;
    const type = prefString(prefs, s('type'));
    const host = prefString(prefs, s('hostname'));
    if (type !== 'imap' && type !== 'pop3') {
      if (type !== 'none') {
        notes.push({
          level: 'info',
          text: `${host || server} is a ${type || 'unknown'} account, not mail: skipped.`,
        });
      }
      continue;
    }
    if (host === '') continue;
    if (!v.is(HostName, host)) {
      notes.push({ level: 'warning', text: `"${shown(host)}" is not a server name, skipped.` });
      continue;
    }
    const security = securityOf(prefNumber(prefs, s('socketType')));
    if (security === null) {
      notes.push({ level: 'warning', text: `${host}: unknown security setting, skipped.` });
      continue;
    }
    const identities = prefList(prefs, `mail.account.${acct}.identities`);
    const identity = identities[0];
    const id = (f: string): string =>
      identity ? prefString(prefs, `mail.identity.${identity}.${f}`) : '';
    const userName = prefString(prefs, s('userName'));
    const email = id('useremail');
    const address = looksLikeAddress(email)
      ? email
      : looksLikeAddress(userName)
        ? userName
        : `${userName || 'user'}@${host}`;
    if (!looksLikeAddress(address)) {
      notes.push({ level: 'warning', text: `${host}: no usable address, skipped.` });
      continue;
    }
    const out = smtp.get(id('smtpServer')) ?? smtp.get(defaultSmtp) ?? null;
    const oauth = prefNumber(prefs, s('authMethod')) === OAUTH2 || (out?.oauth ?? false);
    const incoming = {
      protocol: type,
      host,
      port: portOf(type, prefNumber(prefs, s('port')), security),
      security,
    } as const;
    const outgoing = out
      ? { protocol: 'submission' as const, host: out.host, port: out.port, security: out.security }
      : null;
    const endpoints = [incoming, ...(outgoing ? [outgoing] : [])];
    const matching = exceptions.filter((x) =>
      endpoints.some((e) => e.host.toLowerCase() === x.host.toLowerCase() && e.port === x.port),
    );
    if (oauth) {
      notes.push({
        level: 'info',
        text: `${address} signs in with OAuth2 (a browser sign-in): Sealcheck checks its encryption, but its login check does not apply.`,
      });
    }
    const account: NewAccount = {
      displayName: (prefString(prefs, s('name')) || id('fullName') || address).slice(0, 200),
      address,
      username: userName || address,
      incoming,
      outgoing,
      chat: null,
      certificateExceptions: matching,
      source: 'thunderbird',
      authentication: oauth ? 'oauth2' : 'password',
    };
    // What the renderer gets here it hands to accounts:add as it is: only accounts it can store.
    const valid = v.safeParse(NewAccountSchema, account);
    if (!valid.success) {
      notes.push({
        level: 'warning',
        text: `${address}: ${valid.issues[0].message.slice(0, 100)}, skipped.`,
      });
      continue;
    }
    accounts.push(account);
  }
  return { accounts, notes };
}

/** SHA-256 in cert_override.txt: OID 2.16.840.1.101.3.4.2.1. */
const SHA256_OID = 'OID.2.16.840.1.101.3.4.2.1';

/**
 * The exceptions in cert_override.txt: `host:port[:originAttributes]<TAB>OID<TAB>fingerprint
 * [<TAB>flags]<TAB>dbKey` (the flags column appears in older files). Only SHA-256 entries; IPv6
 * hosts come in brackets.
 */
export function parseCertOverrides(text: string, acceptedAt: string): CertificateException[] {
  const out: CertificateException[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.startsWith('#') || raw.trim() === '') continue;
    const fields = raw.split('\t');
    const [where, oid, fingerprint] = fields;
    if (where === undefined || oid !== SHA256_OID || fingerprint === undefined) continue;
    const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})(?::.*)?$/.exec(where);
    if (!m?.[1] || !m[2]) continue;
    const port = Number(m[2]);
    const sha256 = fingerprint.toUpperCase();
    if (port < 1 || port > 65535 || !/^[0-9A-F]{2}(?::[0-9A-F]{2}){31}$/.test(sha256)) continue;
    if (!v.is(HostName, m[1])) continue;
    out.push({ sha256, host: m[1], port, acceptedAt, origin: 'thunderbird' });
  }
  return out;
}

/** Reads one profile: prefs.js and cert_override.txt (never logins.json or key4.db). */
export async function importThunderbirdProfile(profileDir: string): Promise<ImportResult> {
  const prefs = await readSmall(join(profileDir, 'prefs.js'), MAX_PREFS_BYTES);
  if (prefs === null) {
    return {
      accounts: [],
      notes: [{ level: 'warning', text: `No readable prefs.js in ${profileDir}.` }],
    };
  }
  const overridesPath = join(profileDir, 'cert_override.txt');
  const overrides = await readSmall(overridesPath, 4 * 1024 * 1024);
  let acceptedAt = new Date().toISOString();
  if (overrides !== null) {
    try {
      acceptedAt = (await stat(overridesPath)).mtime.toISOString();
    } catch {
      // keep now
    }
  }
  return accountsFromPrefs(
    prefs,
    overrides === null ? [] : parseCertOverrides(overrides, acceptedAt),
  );
}
