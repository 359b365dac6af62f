/**
 * IMAP dialog: response, tag, capability, quoting and literal parsing as pure functions; then
 * the dialog over the real Connection against small servers scripted on loopback.
 */
import { describe, expect, it } from 'vitest';
import { ProbeError } from '../net/errors';
import { connect } from '../net/tcp-connection';
import type { Connection } from '../net/types';
import type { DialogSession } from './dialog';
import { pretendVerified, rejected, useScriptedServers, type OnLine } from './testing/line-server';
import {
  capabilityCode,
  capabilityTokens,
  greetingCapabilities,
  imapCapabilities,
  imapDialog,
  imapLoginParts,
  imapString,
  literalAtEnd,
  parseImapLine,
  parseRespText,
  trailingLiteral,
  untaggedKeyword,
} from './imap';

function thrown(fn: () => unknown): ProbeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProbeError) return err;
    throw err;
  }
  throw new Error('expected a ProbeError');
}

describe('IMAP response lines', () => {
  it('classifies untagged, continuation and tagged lines', () => {
    expect(parseImapLine('* OK [CAPABILITY IMAP4rev1] ready')).toEqual({
      type: 'untagged',
      text: 'OK [CAPABILITY IMAP4rev1] ready',
    });
    expect(parseImapLine('+ ')).toEqual({ type: 'continuation', text: '' });
    expect(parseImapLine('+')).toEqual({ type: 'continuation', text: '' });
    expect(parseImapLine('+ Ready for literal')).toEqual({
      type: 'continuation',
      text: 'Ready for literal',
    });
    expect(parseImapLine('A12 OK done')).toEqual({
      type: 'tagged',
      tag: 'A12',
      status: 'OK',
      code: null,
      codeArgs: null,
      text: 'done',
    });
    expect(parseImapLine('a3 no [PRIVACYREQUIRED] Plaintext authentication disallowed')).toEqual({
      type: 'tagged',
      tag: 'a3',
      status: 'NO',
      code: 'PRIVACYREQUIRED',
      codeArgs: null,
      text: 'Plaintext authentication disallowed',
    });
    expect(parseImapLine('A1 BAD')).toMatchObject({ type: 'tagged', status: 'BAD', text: '' });
  });

  it('rejects lines that are not IMAP responses', () => {
    for (const bad of [
      '',
      'SSH-2.0-OpenSSH_9.6',
      'A1OK',
      'A1 PREAUTH hi',
      'A1 FETCH x',
      '220 mail.example ESMTP',
      '+OK POP3 ready',
      ' A1 OK',
      '*OK',
    ]) {
      expect(parseImapLine(bad).type, bad).toBe('invalid');
    }
  });

  it('splits a response code from the text', () => {
    expect(parseRespText('[CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.')).toEqual({
      code: 'CAPABILITY',
      codeArgs: 'IMAP4rev1 STARTTLS',
      text: 'Dovecot ready.',
    });
    expect(parseRespText('[unavailable] later')).toEqual({
      code: 'UNAVAILABLE',
      codeArgs: null,
      text: 'later',
    });
    expect(parseRespText('no code [here]')).toEqual({
      code: null,
      codeArgs: null,
      text: 'no code [here]',
    });
    expect(untaggedKeyword('capability IMAP4rev1')).toBe('CAPABILITY');
    expect(untaggedKeyword('BYE')).toBe('BYE');
  });

  it('finds a literal at the end of a data response, never in status text', () => {
    expect(trailingLiteral('1 FETCH (BODY[] {12}')).toBe(12);
    expect(trailingLiteral('ID ("name" ~{3}')).toBe(3);
    expect(trailingLiteral('LIST () "/" {0}')).toBe(0);
    expect(trailingLiteral('X {5+}')).toBe(5);
    expect(trailingLiteral('OK see {5}')).toBeNull();
    expect(trailingLiteral('BYE going {5}')).toBeNull();
    expect(trailingLiteral('CAPABILITY IMAP4rev1')).toBeNull();
    expect(trailingLiteral('1 FETCH {5} more')).toBeNull();
    expect(literalAtEnd(' "x" {5}')).toBe(5);
    expect(literalAtEnd('')).toBeNull();
  });
});

describe('IMAP capabilities', () => {
  it('reads the tokens of an untagged CAPABILITY and of a response code', () => {
    expect(capabilityTokens('CAPABILITY IMAP4rev1  STARTTLS AUTH=PLAIN')).toEqual([
      'IMAP4rev1',
      'STARTTLS',
      'AUTH=PLAIN',
    ]);
    expect(capabilityTokens('OK fine')).toEqual([]);
    expect(capabilityCode('[CAPABILITY IMAP4rev1 IDLE] hi')).toEqual(['IMAP4rev1', 'IDLE']);
    expect(capabilityCode('[ALERT] hi')).toBeNull();
    expect(
      greetingCapabilities('* OK [CAPABILITY IMAP4rev1 SASL-IR STARTTLS LOGINDISABLED] ready.'),
    ).toEqual(['IMAP4rev1', 'SASL-IR', 'STARTTLS', 'LOGINDISABLED']);
    expect(greetingCapabilities('* PREAUTH [CAPABILITY IMAP4rev2] hi')).toEqual(['IMAP4rev2']);
    expect(greetingCapabilities('* OK ready')).toBeNull();
    expect(greetingCapabilities('* BYE [CAPABILITY X] no')).toBeNull();
  });

  it('derives STARTTLS, LOGINDISABLED and SASL mechanisms, case-insensitively', () => {
    const caps = imapCapabilities([
      'IMAP4rev1',
      'sasl-ir',
      'starttls',
      'LOGINDISABLED',
      'AUTH=plain',
      'AUTH=SCRAM-SHA-256',
      'AUTH=PLAIN',
      'IDLE',
      'SORT=DISPLAY',
      'THREAD=REFERENCES',
      'THREAD=REFS',
      'APPENDLIMIT=35651584',
    ]);
    expect(caps).toMatchObject({
      listed: true,
      starttls: true,
      starttlsRequired: 'unknown',
      // LOGINDISABLED disables LOGIN only; AUTH=PLAIN stays listed.
      passwordLogin: false,
      saslMechanisms: ['PLAIN', 'SCRAM-SHA-256'],
    });
    expect(caps.raw).toContain('sasl-ir');
    expect(caps.extensions).toEqual({
      IMAP4REV1: true,
      'SASL-IR': true,
      STARTTLS: true,
      LOGINDISABLED: true,
      IDLE: true,
      SORT: 'DISPLAY',
      THREAD: 'REFERENCES REFS',
      APPENDLIMIT: '35651584',
    });
  });

  it('without LOGINDISABLED, LOGIN is available; without STARTTLS, none is offered', () => {
    const caps = imapCapabilities(['IMAP4rev2', 'AUTH=PLAIN', 'AUTH=LOGIN']);
    expect(caps).toMatchObject({
      starttls: false,
      passwordLogin: true,
      saslMechanisms: ['PLAIN', 'LOGIN'],
    });
  });

  it('escapes hostile tokens in raw', () => {
    const caps = imapCapabilities(['X\u001b[31m', 'Y\u202e']);
    expect(caps.raw).toEqual(['X\\x1b[31m', 'Y\\u{202e}']);
  });
});

describe('IMAP strings and LOGIN', () => {
  it('quotes with \\ and " escaped', () => {
    expect(imapString('alice')).toEqual({ form: 'quoted', text: '"alice"' });
    expect(imapString('p"a\\ss')).toEqual({ form: 'quoted', text: '"p\\"a\\\\ss"' });
    expect(imapString('')).toEqual({ form: 'quoted', text: '""' });
  });

  it('uses a literal for CR, LF, 8-bit and long values; refuses NUL', () => {
    for (const v of ['a\r\nb', 'päss', 'x'.repeat(1001), '日本']) {
      const s = imapString(v);
      expect(s.form, v).toBe('literal');
      if (s.form === 'literal') expect(s.bytes.equals(Buffer.from(v, 'utf8'))).toBe(true);
    }
    expect(thrown(() => imapString('a\0b')).fact).toMatchObject({ kind: 'protocol' });
  });

  it('sends LOGIN in one write when both values can be quoted', () => {
    const parts = imapLoginParts('A3', 'alice', 'se"cret', false);
    expect(parts).toHaveLength(1);
    expect(parts[0]?.data.toString()).toBe('A3 LOGIN "alice" "se\\"cret"\r\n');
    expect(parts[0]?.shown).toBe('A3 LOGIN "alice" <password removed>');
    expect(parts[0]?.waitsForContinuation).toBe(false);
  });

  it('splits at a synchronizing literal and never shows the password or its length', () => {
    const password = 'pä\r\nss';
    const parts = imapLoginParts('A4', 'alice', password, false);
    expect(parts.map((p) => p.data.toString())).toEqual([
      `A4 LOGIN "alice" {${Buffer.byteLength(password)}}\r\n`,
      `${password}\r\n`,
    ]);
    expect(parts.map((p) => p.waitsForContinuation)).toEqual([true, false]);
    expect(parts.map((p) => p.shown)).toEqual([
      'A4 LOGIN "alice" <password removed>',
      '<password removed>',
    ]);
    for (const p of parts) expect(p.shown).not.toMatch(/\{\d+/);
  });

  it('handles a literal user name and LITERAL+', () => {
    const parts = imapLoginParts('A5', 'jörg', 'pw', true);
    expect(parts.map((p) => p.data.toString())).toEqual(['A5 LOGIN {5+}\r\n', 'jörg "pw"\r\n']);
    expect(parts.map((p) => p.waitsForContinuation)).toEqual([false, false]);
    expect(parts.map((p) => p.shown)).toEqual(['A5 LOGIN {5+}', 'jörg <password removed>']);
  });
});

describe('IMAP dialog description', () => {
  it('has the standard ports and ALPN id', () => {
    expect(imapDialog).toMatchObject({
      protocol: 'imap',
      defaultPorts: { starttls: 143, implicit: 993 },
      alpn: ['imap'],
    });
  });
});

// ── The dialog against servers scripted on loopback ─────────────────────────

const { serve, track } = useScriptedServers();

async function open(
  port: number,
  options: { step?: number } = {},
): Promise<{ conn: Connection; session: DialogSession }> {
  const conn = await connect({
    address: '127.0.0.1',
    port,
    timeouts: { step: options.step ?? 5_000 },
  });
  track(conn);
  const session = imapDialog.create(conn, { serverName: 'mail.test.example', localAddress: '' });
  return { conn, session };
}

const tagOf = (line: string): string => line.split(' ')[0] ?? '';

/** Answers CAPABILITY with `caps` and everything else with `answer(line)`. */
function imapServer(caps: string, answer: (line: string, tag: string) => string | null): OnLine {
  return (line, send) => {
    const tag = tagOf(line);
    if (/^\S+ CAPABILITY$/i.test(line)) {
      send(`* CAPABILITY ${caps}\r\n${tag} OK done\r\n`);
      return;
    }
    const a = answer(line, tag);
    if (a !== null) send(a);
  };
}

const GREETING = '* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready';

describe('IMAP greeting', () => {
  it('reads OK, keeping the capability code in the greeting lines', async () => {
    const s = await serve(GREETING, () => undefined);
    const { session } = await open(s.port);
    expect(await session.greet()).toEqual({ lines: [GREETING], kind: 'ok' });
  });

  it('PREAUTH: a fact, not an error; no AUTHENTICATE is tried afterwards', async () => {
    const s = await serve('* PREAUTH [CAPABILITY IMAP4rev1] logged in as you', () => undefined);
    const { session } = await open(s.port);
    expect(await session.greet()).toMatchObject({ kind: 'preauth' });
    expect(await session.probeLoginBeforeTls(imapCapabilities(['IMAP4rev1']))).toBeNull();
    expect(s.received()).toBe('');
  });

  it('BYE: the server refused service', async () => {
    const s = await serve('* BYE Too many connections', () => undefined);
    const { session } = await open(s.port);
    expect(await session.greet()).toEqual({
      lines: ['* BYE Too many connections'],
      kind: 'reject',
    });
  });

  it('garbage: a protocol error with the escaped line as evidence', async () => {
    const s = await serve('SSH-2.0-OpenSSH_9.6\u001b[2J', () => undefined);
    const { session } = await open(s.port);
    const err = await rejected(session.greet());
    expect(err.fact).toMatchObject({
      step: 'greeting',
      kind: 'protocol',
      evidence: 'SSH-2.0-OpenSSH_9.6\\x1b[2J',
    });
  });
});

describe('IMAP capabilities and STARTTLS', () => {
  it('lists capabilities before TLS: STARTTLS, LOGINDISABLED, AUTH= mechanisms', async () => {
    const s = await serve(
      GREETING,
      imapServer('IMAP4rev1 SASL-IR STARTTLS LOGINDISABLED AUTH=SCRAM-SHA-256', () => null),
    );
    const { session } = await open(s.port);
    await session.greet();
    const caps = await session.capabilities('before-tls');
    expect(caps).toMatchObject({
      listed: true,
      starttls: true,
      passwordLogin: false,
      saslMechanisms: ['SCRAM-SHA-256'],
      extensions: { LOGINDISABLED: true },
    });
    expect(s.received()).toBe('A1 CAPABILITY\r\n');
  });

  it('skips a literal in an untagged response, even one holding CRLF and split in pieces', async () => {
    const s = await serve(GREETING, (line, send, socket) => {
      const tag = tagOf(line);
      // Two literals in one response; the first one's bytes end in something like a literal.
      send('* ID ("name" {9}\r\nDove');
      setTimeout(() => {
        socket.write('\r\n* A " {5}\r\nx{99}\r\n* CAPABILITY IMAP4rev1 STARTTLS\r\n');
        socket.write(`${tag} OK done\r\n`);
      }, 30);
    });
    const { session } = await open(s.port);
    await session.greet();
    const caps = await session.capabilities('before-tls');
    expect(caps.raw).toEqual(['IMAP4rev1', 'STARTTLS']);
  });

  it('refuses a literal larger than the limit', async () => {
    const s = await serve(GREETING, (_line, send) => send('* 1 FETCH (BODY[] {99999999}\r\n'));
    const { session } = await open(s.port);
    await session.greet();
    const err = await rejected(session.capabilities('before-tls'));
    expect(err.fact).toMatchObject({ step: 'capabilities', kind: 'limit' });
  });

  it('CAPABILITY refused: not listed, everything unknown', async () => {
    const s = await serve(GREETING, (line, send) => send(`${tagOf(line)} BAD unknown command\r\n`));
    const { session } = await open(s.port);
    await session.greet();
    expect(await session.capabilities('before-tls')).toMatchObject({
      listed: false,
      starttls: 'unknown',
      passwordLogin: 'unknown',
    });
  });

  it('keeps untagged data between STARTTLS and its tagged OK in the reply', async () => {
    const s = await serve(
      GREETING,
      imapServer('IMAP4rev1 STARTTLS', (line, tag) =>
        /STARTTLS$/.test(line)
          ? `* OK [ALERT] buffered\r\n* 3 EXISTS\r\n${tag} OK Begin TLS negotiation now\r\n`
          : null,
      ),
    );
    const { session } = await open(s.port);
    await session.greet();
    await session.capabilities('before-tls');
    expect(await session.requestStartTls()).toEqual({
      outcome: 'accepted',
      reply: ['* OK [ALERT] buffered', '* 3 EXISTS', 'A2 OK Begin TLS negotiation now'],
    });
  });

  it('STARTTLS NO is refused; NO [UNAVAILABLE] is temporary', async () => {
    for (const [answer, outcome] of [
      ['NO not now', 'refused'],
      ['BAD unknown command', 'refused'],
      ['NO [UNAVAILABLE] TLS subsystem down', 'temporarily-unavailable'],
    ] as const) {
      const s = await serve(GREETING, (line, send) => send(`${tagOf(line)} ${answer}\r\n`));
      const { session } = await open(s.port);
      await session.greet();
      expect((await session.requestStartTls()).outcome, answer).toBe(outcome);
    }
  });

  it('injection: STARTTLS and NOOP pipelined; only the STARTTLS reply is read', async () => {
    const chunks: string[] = [];
    const s = await serve(GREETING, (line, send, socket) => {
      if (chunks.length === 0) socket.on('data', (c: Buffer) => chunks.push(c.toString()));
      // A sloppy server answers the NOOP first: a completion of a tag we sent, kept as evidence.
      if (/ NOOP$/.test(line)) send(`${tagOf(line)} OK NOOP done\r\n`);
      if (/ STARTTLS$/.test(line)) setTimeout(() => send(`${tagOf(line)} OK go\r\n`), 20);
    });
    const { conn, session } = await open(s.port);
    await session.greet();
    const injected = session.injectionCommand();
    const payload = session.startTlsCommand() + injected.data;
    expect(injected.name).toBe('NOOP');
    expect(payload).toMatch(/^(A\d+) STARTTLS\r\n(?!\1 )A\d+ NOOP\r\n$/);
    await conn.write('injection-probe', payload);
    const reply = await session.readStartTlsReply();
    expect(reply.outcome).toBe('accepted');
    expect(reply.reply).toEqual([
      `${tagOf(injected.data)} OK NOOP done`,
      `${tagOf(payload)} OK go`,
    ]);
    expect(s.received()).toBe(payload);
    // The fence: another NOOP with a fresh tag, so its completion is told apart from the injected one.
    const fence = session.injectionFence?.();
    expect(fence?.data).toMatch(/^A\d+ NOOP\r\n$/);
    expect([tagOf(payload), tagOf(injected.data)]).not.toContain(tagOf(fence?.data ?? ''));
    expect(fence?.name).toBe(`${tagOf(fence?.data ?? '')} NOOP`);
  });

  it('injection fence: none before the injected command was made', () => {
    const session = imapDialog.create({} as Connection, {
      serverName: 'mail.test.example',
      localAddress: '',
    });
    expect(session.injectionFence?.()).toBeNull();
  });

  it('a tagged response with a tag we never sent is a protocol error', async () => {
    const s = await serve(GREETING, (_line, send) => send('Z99 OK what\r\n'));
    const { session } = await open(s.port);
    await session.greet();
    const err = await rejected(session.capabilities('before-tls'));
    expect(err.fact).toMatchObject({ kind: 'protocol', evidence: 'Z99 OK what' });
  });

  it('* BYE in the middle of a command ends the step as closed', async () => {
    const s = await serve(GREETING, (_line, send) => send('* BYE shutting down\r\n'));
    const { session } = await open(s.port);
    await session.greet();
    const err = await rejected(session.capabilities('before-tls'));
    expect(err.fact).toMatchObject({ kind: 'closed', evidence: '* BYE shutting down' });
  });

  it('a server that never completes the command ends at the step deadline', async () => {
    const s = await serve(GREETING, (_line, send, socket) => {
      const timer = setInterval(() => send('* OK still thinking\r\n'), 20);
      socket.once('close', () => clearInterval(timer));
    });
    const { session } = await open(s.port, { step: 300 });
    await session.greet();
    const started = Date.now();
    const err = await rejected(session.capabilities('before-tls'));
    expect(err.fact.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('IMAP login before TLS (no secret)', () => {
  it('AUTHENTICATE PLAIN invited: cancels with "*", sends no credential', async () => {
    const s = await serve(
      GREETING,
      imapServer('IMAP4rev1 STARTTLS AUTH=PLAIN', (line) => {
        if (/ AUTHENTICATE PLAIN$/.test(line)) return '+ \r\n';
        if (line === '*') return 'A2 BAD Authentication aborted\r\n';
        return null;
      }),
    );
    const { session } = await open(s.port);
    await session.greet();
    const caps = await session.capabilities('before-tls');
    expect(await session.probeLoginBeforeTls(caps)).toEqual({
      command: 'AUTHENTICATE PLAIN',
      invited: true,
      reply: ['+ ', 'A2 BAD Authentication aborted'],
    });
    expect(s.received()).toBe('A1 CAPABILITY\r\nA2 AUTHENTICATE PLAIN\r\n*\r\n');
  });

  it('AUTHENTICATE PLAIN refused at once: not invited (even with SASL-IR, no initial response)', async () => {
    const s = await serve(
      GREETING,
      imapServer(
        'IMAP4rev1 SASL-IR STARTTLS LOGINDISABLED',
        (_line, tag) =>
          `${tag} NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.\r\n`,
      ),
    );
    const { session } = await open(s.port);
    await session.greet();
    const caps = await session.capabilities('before-tls');
    const facts = await session.probeLoginBeforeTls(caps);
    expect(facts).toMatchObject({ command: 'AUTHENTICATE PLAIN', invited: false });
    expect(facts?.reply[0]).toMatch(/^A2 NO \[PRIVACYREQUIRED\]/);
    expect(s.received()).toBe('A1 CAPABILITY\r\nA2 AUTHENTICATE PLAIN\r\n');
  });
});

describe('IMAP login', () => {
  const user = 'alice';
  const password = 'Sup3r"Secret\\pw';

  it('refuses to send anything of a login over a connection without TLS (unsafe)', async () => {
    const s = await serve(
      GREETING,
      imapServer('IMAP4rev1 AUTH=PLAIN', () => null),
    );
    const { conn, session } = await open(s.port);
    await session.greet();
    await session.capabilities('before-tls');
    const err = await rejected(session.login({ user, password }));
    expect(err.fact).toMatchObject({ step: 'login', kind: 'unsafe' });
    await new Promise((r) => setTimeout(r, 50));
    expect(s.received()).toBe('A1 CAPABILITY\r\n');
    expect(JSON.stringify(conn.transcript)).not.toContain('Secret');
  });

  it('AUTHENTICATE PLAIN with an initial response when SASL-IR is offered', async () => {
    const s = await serve(
      GREETING,
      imapServer('IMAP4rev1 SASL-IR AUTH=PLAIN', (line, tag) =>
        line.startsWith(`${tag} AUTHENTICATE PLAIN `) ? `${tag} OK Logged in\r\n` : null,
      ),
    );
    const { conn, session } = await open(s.port).then((o) => ({
      ...o,
      session: imapDialog.create(pretendVerified(o.conn), {
        serverName: 'mail.test.example',
        localAddress: '',
      }),
    }));
    await session.greet();
    await session.capabilities('after-tls');
    expect(await session.login({ user, password })).toEqual({
      ok: true,
      reply: ['A2 OK Logged in'],
    });
    const b64 = Buffer.from(`\0${user}\0${password}`).toString('base64');
    expect(s.received()).toContain(`A2 AUTHENTICATE PLAIN ${b64}\r\n`);
    const shown = conn.transcript.map((e) => e.text);
    expect(shown).toContain('A2 AUTHENTICATE PLAIN <credentials removed>');
    expect(JSON.stringify(conn.transcript)).not.toContain(b64);
  });

  it('LOGIN with a literal waits for "+" before sending the password', async () => {
    const literalPassword = 'pä\r\nss';
    let plusSent = false;
    let early = '';
    const s = await serve(GREETING, (line, send, socket) => {
      const tag = tagOf(line);
      if (/^\S+ CAPABILITY$/.test(line)) {
        send(`* CAPABILITY IMAP4rev1\r\n${tag} OK done\r\n`);
      } else if (/ LOGIN "alice" \{\d+\}$/.test(line)) {
        socket.once('data', (c: Buffer) => {
          if (!plusSent) early += c.toString();
        });
        setTimeout(() => {
          plusSent = true;
          send('+ go ahead\r\n');
        }, 50);
      } else if (line === 'ss') {
        send('A2 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n');
      }
    });
    const { conn } = await open(s.port);
    const session = imapDialog.create(pretendVerified(conn), {
      serverName: 'mail.test.example',
      localAddress: '',
    });
    await session.greet();
    await session.capabilities('after-tls');
    const result = await session.login({ user, password: literalPassword });
    expect(result).toEqual({
      ok: false,
      reply: ['+ go ahead', 'A2 NO [AUTHENTICATIONFAILED] Authentication failed.'],
    });
    expect(early).toBe('');
    expect(s.received()).toContain(
      `A2 LOGIN "alice" {${Buffer.byteLength(literalPassword)}}\r\n${literalPassword}\r\n`,
    );
    const texts = conn.transcript.map((e) => e.text).join('\n');
    expect(texts).not.toContain('pä');
    expect(texts).toContain('A2 LOGIN "alice" <password removed>');
  });

  it('LOGOUT: quit ends quietly even when the server just closes', async () => {
    const s = await serve(GREETING, (_line, _send, socket) => socket.end('* BYE bye\r\n'));
    const { session } = await open(s.port);
    await session.greet();
    await expect(session.quit()).resolves.toBeUndefined();
  });
});
