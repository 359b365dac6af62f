/**
 * The IMAP and POP3 dialogs against the bed's real Dovecot: each endpoint kind (STARTTLS
 * required, STARTTLS optional, implicit TLS, plaintext only) driven step by step the way the
 * probe drives it, and the facts compared with what Dovecot really does. Logins use the bed
 * user over verified TLS only; the password never appears in any transcript.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findEndpoint, loadBed, type BedDescription, type BedEndpoint } from '../bed/endpoints';
import type { Capabilities, Greeting, LoginBeforeTlsFacts } from '../../app/core/facts/endpoint';
import { ProbeError } from '../../app/core/net/errors';
import { connect, connectTls } from '../../app/core/net/tcp-connection';
import type { Connection, TlsStartOptions, TlsUpgrade } from '../../app/core/net/types';
import type { Dialog, DialogSession, StartTlsReply } from '../../app/core/protocols/dialog';
import { imapDialog } from '../../app/core/protocols/imap';
import { pop3Dialog } from '../../app/core/protocols/pop3';

let bed: BedDescription;
let rootCa: string;
const ep = (id: string): BedEndpoint => findEndpoint(bed, id);

beforeAll(() => {
  bed = loadBed();
  rootCa = readFileSync(bed.rootCaFile, 'utf8');
});

const opened: Connection[] = [];
afterEach(async () => {
  for (const c of opened.splice(0)) await c.close();
});

const dialogOf = (e: BedEndpoint): Dialog => (e.protocol === 'imap' ? imapDialog : pop3Dialog);

function tlsOptions(e: BedEndpoint): TlsStartOptions {
  return { serverName: e.serverName, extraCa: [rootCa], alpn: dialogOf(e).alpn };
}

interface Driven {
  readonly conn: Connection;
  readonly session: DialogSession;
  readonly greeting: Greeting;
  readonly before: Capabilities | null;
  readonly loginBefore: LoginBeforeTlsFacts | null;
  readonly starttls: StartTlsReply | null;
  readonly upgrade: TlsUpgrade | null;
  readonly after: Capabilities | null;
}

/** Opens a connection (implicit TLS when the endpoint says so). */
async function open(e: BedEndpoint): Promise<{ conn: Connection; upgrade: TlsUpgrade | null }> {
  const target = { address: e.host, port: e.port, timeouts: { step: 10_000 } };
  if (e.security === 'implicit') {
    const { connection, upgrade } = await connectTls({ ...target, tls: tlsOptions(e) });
    opened.push(connection);
    return { conn: connection, upgrade };
  }
  const conn = await connect(target);
  opened.push(conn);
  return { conn, upgrade: null };
}

/**
 * The probe's order: greet → capabilities before TLS → login probe (no secret) → STARTTLS →
 * handshake → capabilities after TLS. Implicit TLS starts at the greeting inside TLS.
 */
async function drive(e: BedEndpoint): Promise<Driven> {
  const opening = await open(e);
  const { conn } = opening;
  let upgrade = opening.upgrade;
  const session = dialogOf(e).create(conn, { serverName: e.serverName, localAddress: '' });
  const greeting = await session.greet();
  let before: Capabilities | null = null;
  let loginBefore: LoginBeforeTlsFacts | null = null;
  let starttls: StartTlsReply | null = null;
  if (e.security !== 'implicit') {
    before = await session.capabilities('before-tls');
    loginBefore = await session.probeLoginBeforeTls(before);
    starttls = await session.requestStartTls();
    if (starttls.outcome === 'accepted') upgrade = await conn.startTls(tlsOptions(e));
  }
  const after = conn.isTls ? await session.capabilities('after-tls') : null;
  return { conn, session, greeting, before, loginBefore, starttls, upgrade, after };
}

/** Every transcript text, for "the password is never in it" (plain and in SASL's base64). */
function transcriptText(conn: Connection): string {
  return conn.transcript.map((t) => t.text).join('\n');
}

function expectNoSecret(conn: Connection): void {
  const text = transcriptText(conn);
  const { name, password } = bed.user;
  expect(text).not.toContain(password);
  expect(text).not.toContain(Buffer.from(`\0${name}\0${password}`).toString('base64'));
  expect(JSON.stringify(conn.transcript)).not.toContain(password);
}

async function rejected(p: Promise<unknown>): Promise<ProbeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProbeError) return err;
    throw err;
  }
  throw new Error('expected a ProbeError');
}

describe('IMAP against Dovecot', () => {
  it('STARTTLS required: LOGINDISABLED and no plaintext AUTHENTICATE before TLS; login after', async () => {
    const e = ep('dovecot-imap-starttls-good');
    const d = await drive(e);
    expect(d.greeting.kind).toBe('ok');
    expect(d.before).toMatchObject({
      listed: true,
      starttls: true,
      starttlsRequired: 'unknown',
      passwordLogin: false,
      extensions: { LOGINDISABLED: true },
    });
    expect(d.before?.saslMechanisms).not.toContain('PLAIN');
    expect(d.loginBefore).toMatchObject({ command: 'AUTHENTICATE PLAIN', invited: false });
    expect(d.starttls?.outcome).toBe('accepted');
    expect(d.upgrade?.plaintextAfterGoAhead.length).toBe(0);
    expect(d.conn.identityVerified).toBe(true);
    expect(d.after).toMatchObject({ listed: true, passwordLogin: true, starttls: false });
    expect(d.after?.saslMechanisms).toContain('PLAIN');
    expect(d.after?.extensions).not.toHaveProperty('LOGINDISABLED');

    const login = await d.session.login({ user: bed.user.name, password: bed.user.password });
    expect(login.ok).toBe(true);
    await d.session.quit();
    expectNoSecret(d.conn);
    // Dovecot offers SASL-IR: the login went as AUTHENTICATE PLAIN with the credentials removed.
    expect(transcriptText(d.conn)).toMatch(/AUTHENTICATE PLAIN <credentials removed>/);
  });

  it('STARTTLS optional: a password would be invited in clear (probed without one)', async () => {
    const e = ep('dovecot-imap-starttls-optional-good');
    const d = await drive(e);
    expect(d.before).toMatchObject({ starttls: true, passwordLogin: true });
    expect(d.before?.saslMechanisms).toContain('PLAIN');
    expect(d.loginBefore).toMatchObject({ command: 'AUTHENTICATE PLAIN', invited: true });
    // Cancelled with "*" at once: the reply ends with the tagged BAD/NO for the cancel.
    expect(d.loginBefore?.reply.at(-1)).toMatch(/^A\d+ (BAD|NO) /);
    expect(transcriptText(d.conn)).toMatch(/^\*$/m);
    expect(d.starttls?.outcome).toBe('accepted');
    expect(d.conn.identityVerified).toBe(true);
    expect(d.after?.saslMechanisms).toContain('PLAIN');
    expectNoSecret(d.conn);
  });

  it('implicit TLS: greeting and capabilities inside verified TLS; LOGIN with a literal', async () => {
    const e = ep('dovecot-imap-implicit-good');
    const d = await drive(e);
    expect(d.greeting.kind).toBe('ok');
    expect(d.upgrade?.tls.alpn ?? null).toBeNull(); // Dovecot 2.3 does not negotiate ALPN
    expect(d.conn.identityVerified).toBe(true);
    expect(d.after).toMatchObject({ listed: true, passwordLogin: true });
    expect(d.after?.saslMechanisms).toContain('PLAIN');

    // A fresh session that never listed capabilities inside TLS logs in with LOGIN; a password
    // with CR/LF and 8-bit characters goes as a synchronizing literal (and is simply wrong).
    const { conn } = await open(e);
    const session = imapDialog.create(conn, { serverName: e.serverName, localAddress: '' });
    await session.greet();
    const wrong = await session.login({ user: bed.user.name, password: 'wrong\r\npässword' });
    expect(wrong.ok).toBe(false);
    const right = await session.login({ user: bed.user.name, password: bed.user.password });
    expect(right).toMatchObject({ ok: true });
    expect(transcriptText(conn)).toContain(`LOGIN "${bed.user.name}" <password removed>`);
    expect(transcriptText(conn)).not.toContain('pässword');
    await session.quit();
    expectNoSecret(conn);
  });

  it('plaintext only: no STARTTLS offered; asking for it is refused', async () => {
    const e = ep('dovecot-imap-none');
    const d = await drive(e);
    expect(d.greeting.kind).toBe('ok');
    expect(d.before).toMatchObject({ listed: true, starttls: false, passwordLogin: true });
    expect(d.loginBefore).toMatchObject({ invited: true });
    expect(d.starttls?.outcome).toBe('refused');
    expect(d.conn.isTls).toBe(false);
    const err = await rejected(
      d.session.login({ user: bed.user.name, password: bed.user.password }),
    );
    expect(err.fact).toMatchObject({ step: 'login', kind: 'unsafe' });
    expectNoSecret(d.conn);
  });

  it('expired certificate: the handshake completes, but no login is sent (unsafe)', async () => {
    const e = ep('dovecot-imap-implicit-expired');
    const d = await drive(e);
    expect(d.conn.isTls).toBe(true);
    expect(d.conn.identityVerified).toBe(false);
    expect(d.upgrade?.tls.verification.chainError).toBe('CERT_HAS_EXPIRED');
    const before = d.conn.transcript.length;
    const err = await rejected(
      d.session.login({ user: bed.user.name, password: bed.user.password }),
    );
    expect(err.fact).toMatchObject({ step: 'login', kind: 'unsafe' });
    expect(d.conn.transcript.slice(before).filter((t) => t.dir === 'sent')).toEqual([]);
    expectNoSecret(d.conn);
  });
});

describe('POP3 against Dovecot', () => {
  it('STARTTLS required: STLS listed, AUTH PLAIN not invited before TLS; login after', async () => {
    const e = ep('dovecot-pop3-starttls-good');
    const d = await drive(e);
    expect(d.greeting.kind).toBe('ok');
    expect(d.before).toMatchObject({ listed: true, starttls: true });
    expect(d.before?.saslMechanisms).not.toContain('PLAIN');
    expect(d.loginBefore).toMatchObject({ command: 'AUTH PLAIN', invited: false });
    expect(d.starttls?.outcome).toBe('accepted');
    expect(d.conn.identityVerified).toBe(true);
    expect(d.after).toMatchObject({ listed: true, passwordLogin: true, starttls: false });
    expect(d.after?.saslMechanisms).toContain('PLAIN');

    const login = await d.session.login({ user: bed.user.name, password: bed.user.password });
    expect(login.ok).toBe(true);
    await d.session.quit();
    expectNoSecret(d.conn);
    expect(transcriptText(d.conn)).toContain('AUTH PLAIN <credentials removed>');
  });

  it('STARTTLS optional: USER offered and AUTH PLAIN invited in clear (probed without a secret)', async () => {
    const e = ep('dovecot-pop3-starttls-optional-good');
    const d = await drive(e);
    expect(d.before).toMatchObject({ starttls: true, passwordLogin: true });
    expect(d.loginBefore).toMatchObject({ command: 'AUTH PLAIN', invited: true });
    expect(d.loginBefore?.reply.at(-1)).toMatch(/^-ERR/);
    expect(d.starttls?.outcome).toBe('accepted');
    expect(d.conn.identityVerified).toBe(true);
    expectNoSecret(d.conn);
  });

  it('implicit TLS: capabilities inside verified TLS; USER/PASS login when SASL is not listed yet', async () => {
    const e = ep('dovecot-pop3-implicit-good');
    const d = await drive(e);
    expect(d.greeting.kind).toBe('ok');
    expect(d.conn.identityVerified).toBe(true);
    expect(d.after).toMatchObject({ listed: true, passwordLogin: true });
    expect(d.after?.saslMechanisms).toContain('PLAIN');

    const { conn } = await open(e);
    const session = pop3Dialog.create(conn, { serverName: e.serverName, localAddress: '' });
    await session.greet();
    const login = await session.login({ user: bed.user.name, password: bed.user.password });
    expect(login.ok).toBe(true);
    expect(transcriptText(conn)).toContain('PASS <password removed>');
    await session.quit();
    expectNoSecret(conn);
  });

  it('plaintext only: no STLS offered; asking for it is refused', async () => {
    const e = ep('dovecot-pop3-none');
    const d = await drive(e);
    expect(d.before).toMatchObject({ listed: true, starttls: false, passwordLogin: true });
    expect(d.starttls?.outcome).toBe('refused');
    expect(d.conn.isTls).toBe(false);
  });

  it('expired certificate after STLS: the handshake completes, but no login is sent (unsafe)', async () => {
    const e = ep('dovecot-pop3-starttls-expired');
    const d = await drive(e);
    expect(d.starttls?.outcome).toBe('accepted');
    expect(d.conn.isTls).toBe(true);
    expect(d.conn.identityVerified).toBe(false);
    const err = await rejected(
      d.session.login({ user: bed.user.name, password: bed.user.password }),
    );
    expect(err.fact).toMatchObject({ step: 'login', kind: 'unsafe' });
    expectNoSecret(d.conn);
  });
});

describe('STARTTLS pipelined with a second command (injection test, as the probe runs it)', () => {
  for (const id of ['dovecot-imap-starttls-good', 'dovecot-pop3-starttls-good']) {
    it(`${id}: only the STARTTLS reply is read; Dovecot then fails the handshake`, async () => {
      const e = ep(id);
      const { conn } = await open(e);
      const session = dialogOf(e).create(conn, { serverName: e.serverName, localAddress: '' });
      expect((await session.greet()).kind).toBe('ok');
      await session.capabilities('before-tls');
      const injected = session.injectionCommand();
      await conn.write('injection-probe', session.startTlsCommand() + injected.data);
      const reply = await session.readStartTlsReply();
      expect(reply.outcome).toBe('accepted');
      expect(reply.reply).toHaveLength(1);
      // Dovecot feeds the pipelined command into its TLS layer as if it were a ClientHello, so
      // the handshake breaks: it never executes plaintext injected before the upgrade.
      const err = await rejected(conn.startTls(tlsOptions(e)));
      expect(err.fact.step).toBe('handshake');
      expect(['reset', 'closed', 'tls']).toContain(err.fact.kind);
    });
  }
});
