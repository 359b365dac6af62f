/**
 * POP3 dialog: status lines, multi-line bodies with dot-unstuffing and CAPA parsing as pure
 * functions; then the dialog over the real Connection against servers scripted on loopback.
 */
import { describe, expect, it } from 'vitest';
import { connect } from '../net/tcp-connection';
import type { Connection } from '../net/types';
import type { DialogSession } from './dialog';
import { pretendVerified, rejected, useScriptedServers } from './testing/line-server';
import {
  apopTimestamp,
  parsePop3Line,
  pop3Capabilities,
  pop3Dialog,
  unlistedPop3Capabilities,
  unstuffLine,
} from './pop3';

describe('POP3 lines', () => {
  it('classifies +OK, -ERR (with a response code) and SASL continuations', () => {
    expect(parsePop3Line('+OK Dovecot ready.')).toEqual({ type: 'ok', text: 'Dovecot ready.' });
    expect(parsePop3Line('+OK')).toEqual({ type: 'ok', text: '' });
    expect(parsePop3Line('-ERR [SYS/TEMP] try later')).toEqual({
      type: 'err',
      text: '[SYS/TEMP] try later',
      code: 'SYS/TEMP',
    });
    expect(parsePop3Line('-ERR')).toEqual({ type: 'err', text: '', code: null });
    expect(parsePop3Line('+ ')).toEqual({ type: 'continuation', text: '' });
    expect(parsePop3Line('+')).toEqual({ type: 'continuation', text: '' });
    for (const bad of ['', '* OK IMAP', '+OKAY', '-ERROR', 'OK', '220 smtp']) {
      expect(parsePop3Line(bad).type, bad).toBe('invalid');
    }
  });

  it('ends a multi-line body at "." and removes stuffed dots', () => {
    expect(unstuffLine('.')).toBeNull();
    expect(unstuffLine('..')).toBe('.');
    expect(unstuffLine('..hidden')).toBe('.hidden');
    expect(unstuffLine('TOP')).toBe('TOP');
    expect(unstuffLine('')).toBe('');
  });

  it('finds the APOP timestamp in a greeting', () => {
    expect(apopTimestamp('+OK POP3 ready <1896.697170952@dbc.mtview.ca.us>')).toBe(
      '<1896.697170952@dbc.mtview.ca.us>',
    );
    expect(apopTimestamp('+OK Dovecot ready.')).toBeNull();
  });
});

describe('POP3 capabilities', () => {
  it('derives STLS, SASL mechanisms and USER; keeps the rest as extensions', () => {
    const caps = pop3Capabilities([
      'CAPA',
      'TOP',
      'UIDL',
      'RESP-CODES',
      'PIPELINING',
      'AUTH-RESP-CODE',
      'stls',
      'SASL plain login',
      'USER',
      'IMPLEMENTATION Sealcheck test',
      'EXPIRE 31 USER',
    ]);
    expect(caps).toMatchObject({
      listed: true,
      starttls: true,
      starttlsRequired: 'unknown',
      passwordLogin: true,
      saslMechanisms: ['PLAIN', 'LOGIN'],
    });
    expect(caps.extensions).toMatchObject({
      TOP: true,
      STLS: true,
      SASL: 'plain login',
      IMPLEMENTATION: 'Sealcheck test',
      EXPIRE: '31 USER',
    });
    expect(caps.raw).toContain('SASL plain login');
  });

  it('without USER or STLS: neither offered; empty SASL has no mechanisms', () => {
    const caps = pop3Capabilities(['CAPA', 'TOP', 'SASL', 'STLS2']);
    expect(caps).toMatchObject({ starttls: false, passwordLogin: false, saslMechanisms: [] });
  });

  it('a server without CAPA leaves everything unknown', () => {
    expect(unlistedPop3Capabilities()).toMatchObject({
      listed: false,
      starttls: 'unknown',
      passwordLogin: 'unknown',
      raw: [],
    });
  });

  it('escapes hostile lines in raw', () => {
    expect(pop3Capabilities(['X\u0007\u2066']).raw).toEqual(['X\\x07\\u{2066}']);
  });
});

describe('POP3 dialog description', () => {
  it('has the standard ports and ALPN id', () => {
    expect(pop3Dialog).toMatchObject({
      protocol: 'pop3',
      defaultPorts: { starttls: 110, implicit: 995 },
      alpn: ['pop3'],
    });
  });
});

// ── The dialog against servers scripted on loopback ─────────────────────────

const { serve, track } = useScriptedServers();

async function open(
  port: number,
  options: { step?: number; verified?: boolean } = {},
): Promise<{ conn: Connection; session: DialogSession }> {
  const conn = await connect({
    address: '127.0.0.1',
    port,
    timeouts: { step: options.step ?? 5_000 },
  });
  track(conn);
  const session = pop3Dialog.create(options.verified ? pretendVerified(conn) : conn, {
    serverName: 'mail.test.example',
    localAddress: '',
  });
  return { conn, session };
}

const CAPA = '+OK\r\nTOP\r\nUIDL\r\nSTLS\r\n..DOTTED\r\nSASL PLAIN\r\nUSER\r\n.\r\n';
const APOP_GREETING = '+OK POP3 ready <1896.697170952@dbc.mtview.ca.us>';

describe('POP3 greeting', () => {
  it('+OK: ready, the APOP timestamp kept in the lines', async () => {
    const s = await serve(APOP_GREETING, () => undefined);
    const { session } = await open(s.port);
    expect(await session.greet()).toEqual({ lines: [APOP_GREETING], kind: 'ok' });
  });

  it('-ERR: service refused', async () => {
    const s = await serve('-ERR [SYS/TEMP] too busy', () => undefined);
    const { session } = await open(s.port);
    expect(await session.greet()).toMatchObject({ kind: 'reject' });
  });

  it('garbage: a protocol error with the escaped line as evidence', async () => {
    const s = await serve('* OK IMAP4rev1 \u202eready', () => undefined);
    const { session } = await open(s.port);
    const err = await rejected(session.greet());
    expect(err.fact).toMatchObject({
      step: 'greeting',
      kind: 'protocol',
      evidence: '* OK IMAP4rev1 \\u{202e}ready',
    });
  });
});

describe('POP3 CAPA and STLS', () => {
  it('reads a multi-line CAPA with dot-unstuffing', async () => {
    const s = await serve(APOP_GREETING, (line, send) =>
      line === 'CAPA' ? send(CAPA) : undefined,
    );
    const { session } = await open(s.port);
    await session.greet();
    const caps = await session.capabilities('before-tls');
    expect(caps).toMatchObject({
      listed: true,
      starttls: true,
      passwordLogin: true,
      saslMechanisms: ['PLAIN'],
    });
    expect(caps.raw).toEqual(['TOP', 'UIDL', 'STLS', '.DOTTED', 'SASL PLAIN', 'USER']);
  });

  it('CAPA refused (RFC 1939 server): unknown; STLS is tried anyway and works', async () => {
    const s = await serve(APOP_GREETING, (line, send) => {
      if (line === 'CAPA') send('-ERR unknown command\r\n');
      if (line === 'STLS') send('+OK Begin TLS negotiation\r\n');
    });
    const { session } = await open(s.port);
    await session.greet();
    expect(await session.capabilities('before-tls')).toMatchObject({
      listed: false,
      starttls: 'unknown',
      passwordLogin: 'unknown',
    });
    expect(await session.requestStartTls()).toEqual({
      outcome: 'accepted',
      reply: ['+OK Begin TLS negotiation'],
    });
  });

  it('STLS -ERR is refused; -ERR [SYS/TEMP] is temporary; anything else a protocol error', async () => {
    for (const [answer, outcome] of [
      ['-ERR not supported', 'refused'],
      ['-ERR [SYS/TEMP] TLS unavailable', 'temporarily-unavailable'],
    ] as const) {
      const s = await serve(APOP_GREETING, (_line, send) => send(`${answer}\r\n`));
      const { session } = await open(s.port);
      await session.greet();
      expect((await session.requestStartTls()).outcome, answer).toBe(outcome);
    }
    const s = await serve(APOP_GREETING, (_line, send) => send('220 go ahead\r\n'));
    const { session } = await open(s.port);
    await session.greet();
    expect((await rejected(session.requestStartTls())).fact).toMatchObject({
      step: 'starttls',
      kind: 'protocol',
      evidence: '220 go ahead',
    });
  });

  it('injection: STLS then NOOP; only the STLS reply is read', async () => {
    const s = await serve(APOP_GREETING, (line, send) => {
      if (line === 'STLS') send('+OK go\r\n');
    });
    const { conn, session } = await open(s.port);
    await session.greet();
    const injected = session.injectionCommand();
    expect(injected).toEqual({ data: 'NOOP\r\n', name: 'NOOP' });
    await conn.write('injection-probe', session.startTlsCommand() + injected.data);
    expect(await session.readStartTlsReply()).toMatchObject({ outcome: 'accepted' });
    // CAPA was never answered on this connection: no fence (the test waits instead).
    expect(session.injectionFence?.()).toBeNull();
  });

  it('injection fence: CAPA, only when CAPA was answered before TLS', async () => {
    const s = await serve(APOP_GREETING, (line, send) => {
      if (line === 'CAPA') send('+OK\r\nSTLS\r\n.\r\n');
    });
    const { session } = await open(s.port);
    await session.greet();
    await session.capabilities('before-tls');
    session.injectionCommand();
    expect(session.injectionFence?.()).toMatchObject({ data: 'CAPA\r\n', name: 'CAPA' });
    const refused = await serve(APOP_GREETING, (_line, send) => send('-ERR no CAPA\r\n'));
    const other = await open(refused.port);
    await other.session.greet();
    await other.session.capabilities('before-tls');
    expect(other.session.injectionFence?.()).toBeNull();
  });

  it('a CAPA list that never ends stops at the step deadline', async () => {
    const s = await serve(APOP_GREETING, (_line, send, socket) => {
      send('+OK\r\n');
      const timer = setInterval(() => send('X-MORE\r\n'), 20);
      socket.once('close', () => clearInterval(timer));
    });
    const { session } = await open(s.port, { step: 300 });
    await session.greet();
    const started = Date.now();
    expect((await rejected(session.capabilities('before-tls'))).fact.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('POP3 login before TLS (no secret)', () => {
  it('AUTH PLAIN invited: cancels with "*", sends no credential', async () => {
    const s = await serve(APOP_GREETING, (line, send) => {
      if (line === 'AUTH PLAIN') send('+ \r\n');
      if (line === '*') send('-ERR Authentication aborted\r\n');
    });
    const { session } = await open(s.port);
    await session.greet();
    expect(await session.probeLoginBeforeTls(pop3Capabilities(['SASL PLAIN']))).toEqual({
      command: 'AUTH PLAIN',
      invited: true,
      reply: ['+ ', '-ERR Authentication aborted'],
    });
    expect(s.received()).toBe('AUTH PLAIN\r\n*\r\n');
  });

  it('AUTH PLAIN refused at once: not invited', async () => {
    const s = await serve(APOP_GREETING, (_line, send) =>
      send(
        '-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.\r\n',
      ),
    );
    const { session } = await open(s.port);
    await session.greet();
    expect(await session.probeLoginBeforeTls(pop3Capabilities(['STLS']))).toMatchObject({
      command: 'AUTH PLAIN',
      invited: false,
    });
    expect(s.received()).toBe('AUTH PLAIN\r\n');
  });
});

describe('POP3 login', () => {
  const user = 'alice';
  const password = 'Sup3rSecretpw';

  it('refuses to send anything of a login over a connection without TLS (unsafe)', async () => {
    const s = await serve(APOP_GREETING, (line, send) =>
      line === 'CAPA' ? send(CAPA) : undefined,
    );
    const { conn, session } = await open(s.port);
    await session.greet();
    await session.capabilities('before-tls');
    expect((await rejected(session.login({ user, password }))).fact).toMatchObject({
      step: 'login',
      kind: 'unsafe',
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(s.received()).toBe('CAPA\r\n');
    expect(JSON.stringify(conn.transcript)).not.toContain('Secret');
  });

  it('USER and PASS when SASL PLAIN is not offered; PASS redacted', async () => {
    const s = await serve(APOP_GREETING, (line, send) => {
      if (line === 'CAPA') send('+OK\r\nUSER\r\n.\r\n');
      if (line.startsWith('USER ')) send('+OK\r\n');
      if (line.startsWith('PASS ')) send('+OK Logged in.\r\n');
    });
    const { conn, session } = await open(s.port, { verified: true });
    await session.greet();
    await session.capabilities('after-tls');
    expect(await session.login({ user, password })).toEqual({
      ok: true,
      reply: ['+OK', '+OK Logged in.'],
    });
    expect(s.received()).toContain(`USER alice\r\nPASS ${password}\r\n`);
    const texts = conn.transcript.map((e) => e.text);
    expect(texts).toContain('PASS <password removed>');
    expect(JSON.stringify(conn.transcript)).not.toContain('Secret');
  });

  it('AUTH PLAIN with an initial response when SASL PLAIN is offered', async () => {
    const b64 = Buffer.from(`\0${user}\0${password}`).toString('base64');
    const s = await serve(APOP_GREETING, (line, send) => {
      if (line === 'CAPA') send(CAPA);
      if (line === `AUTH PLAIN ${b64}`) send('-ERR [AUTH] Authentication failed.\r\n');
    });
    const { conn, session } = await open(s.port, { verified: true });
    await session.greet();
    await session.capabilities('after-tls');
    expect(await session.login({ user, password })).toEqual({
      ok: false,
      reply: ['-ERR [AUTH] Authentication failed.'],
    });
    expect(conn.transcript.map((e) => e.text)).toContain('AUTH PLAIN <credentials removed>');
    expect(JSON.stringify(conn.transcript)).not.toContain(b64);
  });

  it('QUIT ends quietly even when the server just closes', async () => {
    const s = await serve(APOP_GREETING, (_line, _send, socket) => socket.destroy());
    const { session } = await open(s.port);
    await session.greet();
    await expect(session.quit()).resolves.toBeUndefined();
  });
});
