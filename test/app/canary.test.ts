/**
 * The secret canary against servers that must never receive it. A unique password goes into the
 * real keychain (npm test's private Secret Service) for accounts whose servers are TLS-terminating
 * fakes (test/hostile): they decrypt and record every byte a client sends. Then every flow the
 * window has runs through the IPC dispatch: add, check, login check, help-desk summary, export in
 * every format, history, settings, and the error paths (STARTTLS stripped, refused, a reset in
 * mid-dialog, a server that hangs).
 *
 * Asserted: no command carrying a credential (LOGIN, AUTHENTICATE, AUTH, PASS, APOP, <auth/>; see
 * credentialLines) and no form
 * of the canary (plain, base64, SASL PLAIN) ever reaches a server whose certificate did not
 * verify, or one that offered no TLS; and the canary is nowhere in the data directory, the saved
 * reports, the messages to the window, or the logs. A control server the test trusts does receive
 * the password, so the recorder is shown to see it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Account, NewAccount } from '../../app/core/accounts/model';
import type { LookupFunction } from '../../app/core/net/resolve';
import { createKeyringStore } from '../../app/core/secrets';
import { createInProcessCore } from '../../app/main/core-in-process';
import { PublicError } from '../../app/main/errors';
import { dispatchInvoke, type Handlers } from '../../app/main/ipc';
import { windowHandlers } from './support/window-handlers';
import {
  resetNow,
  say,
  startDialogServer,
  type DialogScript,
  type HostileServer,
} from '../hostile/servers';
import { HOSTILE_NAME, hostileCert } from '../hostile/tls-servers';

type Protocol = 'imap' | 'pop3' | 'submission' | 'xmpp';
type Role = 'incoming' | 'outgoing' | 'chat';

const canary = `canary-${randomBytes(12).toString('hex')}`;
const USER = 'alice';
const lookup: LookupFunction = (_h, _o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]);

/** The canary as a client could encode it on the wire. */
const FORMS = [
  canary,
  Buffer.from(canary).toString('base64'),
  Buffer.from(`\0${USER}\0${canary}`).toString('base64'),
  Buffer.from(`${USER}\0${USER}\0${canary}`).toString('base64'),
];

/**
 * The lines of one connection's input that carry a credential, in any of the four protocols:
 * IMAP LOGIN with arguments, AUTHENTICATE/AUTH with an initial response, the line after an
 * AUTH(ENTICATE) unless it is the "*" that cancels, POP3 PASS or APOP, an XMPP <auth> or
 * <response> with content, or jabber:iq:auth. The probe's own question "would you take a login
 * before TLS?" (a mechanism named, then cancelled with "*") carries none.
 */
function credentialLines(input: string): string[] {
  const found: string[] = [];
  for (const m of input.matchAll(/<(auth|response)\b[^>]*>([^<]*)<\/\1>|jabber:iq:auth/g)) {
    if (m[0] === 'jabber:iq:auth' || (m[2] ?? '').trim() !== '') found.push(m[0]);
  }
  let afterAuth = false;
  for (const line of input.split(/\r?\n/)) {
    const words = line.trim().split(/\s+/);
    const verbAt =
      words[0] !== undefined && /^(LOGIN|AUTHENTICATE|AUTH|PASS|APOP)$/i.test(words[0]) ? 0 : 1;
    const verb = (words[verbAt] ?? '').toUpperCase();
    if (afterAuth && line.trim() !== '*' && line.trim() !== '') found.push(line);
    afterAuth = false;
    if (verb === 'LOGIN' && words.length > verbAt + 1) found.push(line);
    else if (verb === 'PASS' || verb === 'APOP') found.push(line);
    else if (verb === 'AUTHENTICATE' || verb === 'AUTH') {
      if (words.length > verbAt + 2) found.push(line);
      else afterAuth = words.length === verbAt + 2;
    }
  }
  return found;
}

interface Case {
  readonly name: string;
  readonly protocol: Protocol;
  readonly security: 'implicit' | 'starttls';
  readonly script: DialogScript;
  /** The login check's outcome. */
  readonly outcome: string;
}

const ROLE: Record<Protocol, Role> = {
  imap: 'incoming',
  pop3: 'incoming',
  submission: 'outgoing',
  xmpp: 'chat',
};

const noStarttls: Record<'imap' | 'pop3' | 'submission', DialogScript> = {
  imap: {
    on: {
      capabilities: say((ctx) => `* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${ctx.tag} OK done\r\n`),
    },
  },
  pop3: { on: { capabilities: say('+OK\r\nUSER\r\nSASL PLAIN\r\n.\r\n') } },
  submission: {
    on: { capabilities: say('250-mail.hostile.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n') },
  },
};

/** Servers whose certificate the client cannot verify, or that offer no TLS, or that break. */
const UNVERIFIED: readonly Case[] = [
  ...(['imap', 'pop3', 'submission', 'xmpp'] as const).flatMap((protocol): Case[] => [
    {
      name: `${protocol} STARTTLS, untrusted certificate`,
      protocol,
      security: 'starttls',
      script: {},
      outcome: 'not-verified',
    },
    {
      name: `${protocol} implicit TLS, untrusted certificate`,
      protocol,
      security: 'implicit',
      script: { implicit: true },
      outcome: 'not-verified',
    },
  ]),
  ...(['imap', 'pop3', 'submission'] as const).map((protocol): Case => ({
    name: `${protocol}: STARTTLS stripped from the capabilities`,
    protocol,
    security: 'starttls',
    script: noStarttls[protocol],
    outcome: 'no-tls',
  })),
  {
    name: 'imap: STARTTLS refused',
    protocol: 'imap',
    security: 'starttls',
    script: { on: { starttls: say((ctx) => `${ctx.tag} NO not now\r\n`) } },
    outcome: 'no-tls',
  },
  {
    name: 'imap: reset at the capability command inside TLS',
    protocol: 'imap',
    security: 'implicit',
    script: { implicit: true, on: { capabilities: resetNow } },
    outcome: 'not-verified',
  },
];

let dataDirectory = '';
let saveDirectory = '';
let handlers: Handlers;
let trustedHandlers: Handlers;
const sent: unknown[] = [];
const logged: string[] = [];
const servers: HostileServer[] = [];
let saved = 0;

function handlersFor(extraCa: readonly string[] | undefined, service: string): Handlers {
  const core = createInProcessCore({
    credentialStore: createKeyringStore({ service }),
    dataDirectory,
    network: { lookup, ...(extraCa ? { extraCa } : {}) },
  });
  return windowHandlers(core, {
    dialogs: {
      save: async (name, content) => {
        const { writeFile } = await import('node:fs/promises');
        const file = join(saveDirectory, `${saved++}-${name}`);
        await writeFile(file, content);
        return file;
      },
      openCertificate: async () => null,
    },
    events: { progress: (e) => sent.push(e) },
  });
}

beforeAll(async () => {
  if (process.env.SEALCHECK_KEYRING !== '1') {
    throw new Error('these tests need the private keyring session: run them through "npm test"');
  }
  dataDirectory = await mkdtemp(join(tmpdir(), 'sealcheck-canary-'));
  saveDirectory = await mkdtemp(join(tmpdir(), 'sealcheck-canary-saved-'));
  for (const level of ['log', 'error', 'warn', 'info', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(' '));
    });
  }
  const service = `org.sealcheck.Test.canary-${randomBytes(4).toString('hex')}`;
  handlers = handlersFor(undefined, service);
  trustedHandlers = handlersFor([(await hostileCert()).cert], service);
});

afterAll(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.map((s) => s.close()));
  await rm(dataDirectory, { recursive: true, force: true });
  await rm(saveDirectory, { recursive: true, force: true });
});

async function invoke(h: Handlers, channel: string, ...args: unknown[]): Promise<unknown> {
  const result = await dispatchInvoke(h, channel, args).catch((err: unknown) => {
    if (err instanceof PublicError) return { refused: err.code, message: err.message };
    throw err;
  });
  sent.push(result);
  return result;
}

async function accountFor(
  h: Handlers,
  c: Omit<Case, 'name' | 'outcome'>,
  port: number,
  host = HOSTILE_NAME,
) {
  const endpoint = { protocol: c.protocol, host, port, security: c.security };
  const input: NewAccount = {
    displayName: `Canary ${c.protocol} ${c.security}`,
    address: `${USER}@${HOSTILE_NAME}`,
    username: USER,
    incoming: ROLE[c.protocol] === 'incoming' ? endpoint : null,
    outgoing: ROLE[c.protocol] === 'outgoing' ? endpoint : null,
    chat: ROLE[c.protocol] === 'chat' ? endpoint : null,
  } as NewAccount;
  const account = (await invoke(h, 'accounts:add', input)) as Account;
  expect(account.id).toBeTruthy();
  expect(await invoke(h, 'accounts:set-password', account.id, canary)).toBeNull();
  return account;
}

/** Every flow of the window for one account: check, reports, history, login check. */
async function everyFlow(h: Handlers, account: Account, c: Omit<Case, 'name' | 'outcome'>) {
  const runId = `run-${randomBytes(6).toString('hex')}`;
  const view = await invoke(h, 'checks:run-account', runId, account.id);
  expect(view).not.toHaveProperty('refused');
  await invoke(h, 'checks:markdown', runId);
  for (const format of ['markdown', 'html', 'json'] as const) {
    await invoke(h, 'checks:save', runId, format);
  }
  const port = (account.incoming ?? account.outgoing ?? account.chat)?.port ?? 0;
  await invoke(h, 'checks:history', account.id, c.protocol, HOSTILE_NAME, port);
  await invoke(h, 'checks:latest');
  await invoke(h, 'accounts:list');
  return (await invoke(h, 'accounts:login-check', account.id, ROLE[c.protocol])) as {
    outcome: string;
  };
}

describe('credentialLines', () => {
  it('finds each way a credential goes out, and not the probe’s cancelled question', () => {
    expect(credentialLines('A2 AUTHENTICATE PLAIN\r\n*\r\nA3 LOGOUT\r\n')).toEqual([]);
    expect(credentialLines('EHLO x\r\nAUTH PLAIN\r\n*\r\nQUIT\r\n')).toEqual([]);
    expect(credentialLines('CAPA\r\nUSER alice\r\nQUIT\r\n')).toEqual([]);
    expect(credentialLines('A1 LOGIN alice secret\r\n')).toHaveLength(1);
    expect(credentialLines('A1 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n')).toHaveLength(1);
    expect(credentialLines('AUTH LOGIN\r\nYWxpY2U=\r\nc2VjcmV0\r\n')).toHaveLength(1);
    expect(credentialLines('USER alice\r\nPASS secret\r\n')).toHaveLength(1);
    expect(credentialLines('APOP alice c4c9334bac560ecc979e58001b3e22fb\r\n')).toHaveLength(1);
    expect(
      credentialLines(
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGE=</auth>",
      ),
    ).toHaveLength(1);
    expect(credentialLines("<auth mechanism='EXTERNAL'></auth>")).toEqual([]);
  });
});

describe('the canary never reaches a server that was not verified', () => {
  it.each(UNVERIFIED)('$name: login check "$outcome", nothing sent', async (c) => {
    const server = await startDialogServer(c.protocol, c.script);
    servers.push(server);
    const account = await accountFor(handlers, c, server.port);
    const login = await everyFlow(handlers, account, c);
    expect(login.outcome).toBe(c.outcome);
    const connections = server.received().map((b) => b.toString('latin1'));
    expect(connections.length).toBeGreaterThan(0);
    for (const input of connections) {
      expect(credentialLines(input)).toEqual([]);
      for (const form of FORMS) expect(input).not.toContain(form);
    }
  });

  it('a trusted certificate for another name: not verified, nothing sent', async () => {
    const c = { protocol: 'imap', security: 'implicit', script: { implicit: true } } as const;
    const server = await startDialogServer('imap', { implicit: true });
    servers.push(server);
    const account = await accountFor(trustedHandlers, c, server.port, 'mail.elsewhere.test');
    const login = await everyFlow(trustedHandlers, account, c);
    expect(login.outcome).toBe('not-verified');
    for (const input of server.received().map((b) => b.toString('latin1'))) {
      expect(credentialLines(input)).toEqual([]);
      for (const form of FORMS) expect(input).not.toContain(form);
    }
  });

  it('control: a server the test trusts receives the password (the recorder sees it)', async () => {
    const c = { protocol: 'imap', security: 'implicit', script: { implicit: true } } as const;
    const server = await startDialogServer('imap', {
      implicit: true,
      on: {
        capabilities: say(
          (ctx) => `* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR\r\n${ctx.tag} OK done\r\n`,
        ),
        auth: say((ctx) => `${ctx.tag} OK logged in\r\n`),
      },
    });
    servers.push(server);
    const account = await accountFor(trustedHandlers, c, server.port);
    const login = await everyFlow(trustedHandlers, account, c);
    expect(login.outcome).toBe('success');
    const received = server.received().map((b) => b.toString('latin1'));
    expect(received.flatMap(credentialLines)).toHaveLength(1);
    expect(FORMS.some((f) => received.some((input) => input.includes(f)))).toBe(true);
  });
});

describe('the canary is nowhere on this side either', () => {
  it('not in the data directory, the saved reports, the messages to the window or the logs', async () => {
    expect(saved).toBeGreaterThan(0);
    const files = [
      ...(await readdir(dataDirectory, { recursive: true })).map((f) => join(dataDirectory, f)),
      ...(await readdir(saveDirectory)).map((f) => join(saveDirectory, f)),
    ];
    let read = 0;
    for (const file of files) {
      const text = await readFile(file, 'latin1').catch(() => null);
      if (text === null) continue; // a directory
      read += 1;
      for (const form of FORMS) expect(text, file).not.toContain(form);
    }
    expect(read).toBeGreaterThan(3);
    const everything = JSON.stringify(sent) + logged.join('\n');
    expect(sent.length).toBeGreaterThan(50);
    for (const form of FORMS) expect(everything).not.toContain(form);
  });
});
