/**
 * Import XMPP accounts from Pidgin (libpurple): accounts.xml in ~/.purple (Windows:
 * %APPDATA%\.purple). Only `prpl-jabber` accounts; never the stored password (the <password>
 * element is skipped unread).
 *
 * Settings used: connection_security (require_tls → STARTTLS required, opportunistic_tls →
 * STARTTLS if available, old_ssl → TLS from the first byte), connect_server and port (else the
 * account's domain and the standard port), auth_plain_in_clear (the password may go out
 * unencrypted: a note, and the strongest reason to fix the setting).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import * as v from 'valibot';
import { NewAccountSchema, type AccountSecurity, type NewAccount } from '../model';
import type { Environment, ImportNote, ImportResult } from './thunderbird';

export const MAX_ACCOUNTS_XML_BYTES = 4 * 1024 * 1024;

export function pidginAccountsFile(e: Environment): string {
  if (e.platform === 'win32') {
    const appData = e.env.APPDATA ?? join(e.home, 'AppData', 'Roaming');
    return join(appData, '.purple', 'accounts.xml');
  }
  return join(e.home, '.purple', 'accounts.xml');
}

interface RawAccount {
  protocol: string;
  name: string;
  alias: string;
  settings: Map<string, string>;
}

/** The <account> elements of accounts.xml, without passwords; throws on XML that is not well-formed. */
function readAccounts(xml: string): RawAccount[] {
  const parser = new SaxesParser({ xmlns: false });
  const accounts: RawAccount[] = [];
  const stack: string[] = [];
  let current: RawAccount | null = null;
  let setting: string | null = null;
  let text = '';
  parser.on('doctype', () => {
    throw new Error('a DOCTYPE has no place in accounts.xml');
  });
  parser.on('opentag', (tag) => {
    stack.push(tag.name);
    if (stack.length > 16) throw new Error('accounts.xml is nested too deeply');
    text = '';
    if (tag.name === 'account' && stack.length === 2) {
      current = { protocol: '', name: '', alias: '', settings: new Map() };
    }
    if (tag.name === 'setting' && current) {
      const name = tag.attributes.name;
      setting = typeof name === 'string' ? name : null;
    }
  });
  parser.on('text', (t) => {
    // The password's text is never kept, not even for a moment longer than the parser holds it.
    if (stack.at(-1) === 'password') return;
    if (text.length < 4096) text += t;
  });
  parser.on('closetag', (tag) => {
    stack.pop();
    const c: RawAccount | null = current;
    if (c) {
      if (tag.name === 'protocol' && stack.length === 2) c.protocol = text.trim();
      if (tag.name === 'name' && stack.length === 2) c.name = text.trim();
      if (tag.name === 'alias' && stack.length === 2) c.alias = text.trim();
      if (tag.name === 'setting' && setting !== null && !c.settings.has(setting)) {
        c.settings.set(setting, text.trim());
        setting = null;
      }
      if (tag.name === 'account' && stack.length === 1) {
        accounts.push(c);
        current = null;
      }
    }
    text = '';
  });
  parser.write(xml).close();
  return accounts;
}

const SECURITY: Readonly<Record<string, AccountSecurity>> = {
  require_tls: 'starttls',
  opportunistic_tls: 'starttls-if-available',
  old_ssl: 'implicit',
};

/** Accounts from accounts.xml text (the pure part). */
export function accountsFromPidginXml(xml: string): ImportResult {
  const notes: ImportNote[] = [];
  let raw: RawAccount[];
  try {
    raw = readAccounts(xml);
  } catch (err) {
    return {
      accounts: [],
      notes: [
        {
          level: 'warning',
          text: `accounts.xml could not be read (${err instanceof Error ? err.message.slice(0, 200) : 'not XML'}).`,
        },
      ],
    };
  }
  const accounts: NewAccount[] = [];
  for (const a of raw) {
    if (a.protocol !== 'prpl-jabber') continue;
    const bare = a.name.split('/')[0] ?? '';
    const m = /^([^\s@/]{1,64})@([^\s@/]{1,253})$/u.exec(bare);
    if (!m?.[2]) {
      notes.push({
        level: 'warning',
        text: `An XMPP account without a usable address was skipped.`,
      });
      continue;
    }
    const domain = m[2];
    const securityText = a.settings.get('connection_security') ?? 'require_tls';
    const security = SECURITY[securityText];
    if (security === undefined) {
      notes.push({
        level: 'warning',
        text: `${bare}: unknown connection security "${securityText.slice(0, 40)}", skipped.`,
      });
      continue;
    }
    const server = a.settings.get('connect_server') || domain;
    const portText = a.settings.get('port') ?? '';
    const port =
      /^\d{1,5}$/.test(portText) && Number(portText) > 0 && Number(portText) < 65536
        ? Number(portText)
        : security === 'implicit'
          ? 5223
          : 5222;
    if (a.settings.get('auth_plain_in_clear') === '1') {
      notes.push({
        level: 'warning',
        text: `${bare}: Pidgin is allowed to send the password unencrypted ("Allow plaintext auth over unencrypted streams").`,
      });
    }
    const account: NewAccount = {
      displayName: (a.alias || bare).slice(0, 200),
      address: bare,
      username: bare,
      incoming: null,
      outgoing: null,
      chat: {
        protocol: 'xmpp',
        host: server,
        port,
        security,
        ...(server.toLowerCase() !== domain.toLowerCase() ? { xmppDomain: domain } : {}),
      },
      source: 'pidgin',
      authentication: 'password',
    };
    // What the renderer gets here it hands to accounts:add as it is: only accounts it can store
    // (an address or a server name the model refuses, say).
    const valid = v.safeParse(NewAccountSchema, account);
    if (!valid.success) {
      notes.push({
        level: 'warning',
        text: `${bare.slice(0, 80)}: ${valid.issues[0].message.slice(0, 100)}, skipped.`,
      });
      continue;
    }
    accounts.push(account);
  }
  return { accounts, notes };
}

export async function importPidgin(file: string): Promise<ImportResult> {
  try {
    const s = await stat(file);
    if (!s.isFile() || s.size > MAX_ACCOUNTS_XML_BYTES) {
      return {
        accounts: [],
        notes: [{ level: 'warning', text: `${file} is not a Pidgin account file.` }],
      };
    }
    return accountsFromPidginXml(await readFile(file, 'utf8'));
  } catch {
    return {
      accounts: [],
      notes: [{ level: 'warning', text: `No readable Pidgin account file at ${file}.` }],
    };
  }
}
