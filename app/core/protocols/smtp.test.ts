/**
 * SMTP/submission dialog: framing and EHLO parsing as pure functions, the dialog against a
 * server scripted in memory (a fake Connection), then over real loopback TCP to tiny servers
 * scripted here (no test bed needed).
 */
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Capabilities } from '../facts/endpoint';
import { ProbeError, type Step } from '../net/errors';
import { connect, type TcpConnection } from '../net/tcp-connection';
import type { Connection, ReadLimits, TlsUpgrade, TranscriptEntry } from '../net/types';
import {
  capabilitiesFromEhlo,
  formatAddressLiteral,
  MAX_FACT_LINES,
  parseEhloKeywords,
  parseReplyLine,
  ReplyFramer,
  smtpDialog,
  submissionDialog,
  type SmtpReply,
} from './smtp';

function frame(lines: readonly string[], step: Step = 'greeting'): SmtpReply | null {
  const framer = new ReplyFramer(step);
  let reply: SmtpReply | null = null;
  for (const line of lines) {
    if (reply) throw new Error('lines after the final line');
    reply = framer.push(line);
  }
  return reply;
}

function caught(fn: () => unknown): ProbeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProbeError) return err;
    throw err;
  }
  throw new Error('expected a ProbeError');
}

describe('reply framing', () => {
  it('parses continuation, final and bare-code lines', () => {
    expect(parseReplyLine('250-PIPELINING')).toEqual({
      code: 250,
      final: false,
      text: 'PIPELINING',
    });
    expect(parseReplyLine('250 OK')).toEqual({ code: 250, final: true, text: 'OK' });
    expect(parseReplyLine('250')).toEqual({ code: 250, final: true, text: '' });
    expect(parseReplyLine('220 ')).toEqual({ code: 220, final: true, text: '' });
    for (const bad of ['', 'hello', '25 OK', '2500 OK', '250OK', '650 no', 'OK 250', ' 250 OK']) {
      expect(parseReplyLine(bad), bad).toBeNull();
    }
  });

  it('assembles a multi-line reply and returns it only after the final line', () => {
    const framer = new ReplyFramer('greeting');
    expect(framer.push('220-mail.test.example ESMTP')).toBeNull();
    expect(framer.push('220-second line')).toBeNull();
    expect(framer.push('220 last')).toEqual({
      code: 220,
      lines: ['220-mail.test.example ESMTP', '220-second line', '220 last'],
      texts: ['mail.test.example ESMTP', 'second line', 'last'],
    });
    expect(frame(['221'])).toEqual({ code: 221, lines: ['221'], texts: [''] });
  });

  it('refuses a code that changes inside a reply, with the line as evidence', () => {
    const framer = new ReplyFramer('capabilities');
    framer.push('250-first');
    const err = caught(() => framer.push('251 other'));
    expect(err.fact).toMatchObject({
      step: 'capabilities',
      kind: 'protocol',
      evidence: '251 other',
    });
  });

  it('refuses a line that is not a reply, escaping the evidence', () => {
    const err = caught(() => frame(['SSH-2.0-OpenSSH_9.6\u001b[31m\u202e']));
    expect(err.fact.kind).toBe('protocol');
    expect(err.fact.step).toBe('greeting');
    expect(err.fact.evidence).toBe('SSH-2.0-OpenSSH_9.6\\x1b[31m\\u{202e}');
    expect(caught(() => frame(['220-ok', 'garbage'])).fact.evidence).toBe('garbage');
  });

  it('ends an endless multi-line reply with a limit error', () => {
    const framer = new ReplyFramer('greeting');
    const err = caught(() => {
      for (;;) framer.push('220-and more');
    });
    expect(err.fact).toMatchObject({ kind: 'limit', limit: { name: 'smtpReplyLines' } });
  });
});

describe('EHLO keywords', () => {
  const ehlo = (lines: readonly string[]): SmtpReply => {
    const reply = frame(lines, 'capabilities');
    if (!reply) throw new Error('incomplete reply');
    return reply;
  };

  it('keeps keywords with their parameters, unknown ones too, and skips the greeting line', () => {
    const k = parseEhloKeywords([
      'mail.test.example Hello [127.0.0.1]',
      'PIPELINING',
      'SIZE 10240000',
      'size 1',
      '8BITMIME',
      'x-vendor-thing a b',
      'ENHANCEDSTATUSCODES',
      'not a (keyword',
      '',
    ]);
    expect(k.extensions).toEqual({
      PIPELINING: true,
      SIZE: '10240000',
      '8BITMIME': true,
      'X-VENDOR-THING': 'a b',
      ENHANCEDSTATUSCODES: true,
      NOT: 'a (keyword',
    });
    expect(k.auth).toBe(false);
    expect(k.saslMechanisms).toEqual([]);
  });

  it('reads AUTH and the old AUTH= form into one list of mechanisms', () => {
    const k = parseEhloKeywords(['mx', 'AUTH login PLAIN', 'AUTH=LOGIN PLAIN XOAUTH2']);
    expect(k.saslMechanisms).toEqual(['LOGIN', 'PLAIN', 'XOAUTH2']);
    expect(k.extensions).toEqual({ AUTH: 'login PLAIN', 'AUTH=': 'LOGIN PLAIN XOAUTH2' });
    expect(parseEhloKeywords(['mx', 'AUTH=LOGIN']).saslMechanisms).toEqual(['LOGIN']);
  });

  it('turns EHLO into capabilities: STARTTLS, password login, unknown requirement', () => {
    const before = capabilitiesFromEhlo(
      ehlo(['250-mail.test.example', '250-STARTTLS', '250 SIZE 1000']),
    );
    expect(before).toEqual<Capabilities>({
      raw: ['250-mail.test.example', '250-STARTTLS', '250 SIZE 1000'],
      listed: true,
      starttls: true,
      starttlsRequired: 'unknown',
      saslMechanisms: [],
      passwordLogin: false,
      extensions: { STARTTLS: true, SIZE: '1000' },
    });
    const after = capabilitiesFromEhlo(ehlo(['250-mx', '250 AUTH PLAIN LOGIN']));
    expect(after).toMatchObject({ starttls: false, passwordLogin: true });
    expect(capabilitiesFromEhlo(ehlo(['250-mx', '250 AUTH CRAM-MD5'])).passwordLogin).toBe(false);
  });

  it('keeps bounded facts from a huge EHLO reply', () => {
    const lines = Array.from({ length: 400 }, (_, i) => `250-X-K${i} ${'v'.repeat(100)}`);
    const caps = capabilitiesFromEhlo(ehlo(['250-mx', ...lines, '250 STARTTLS']));
    expect(caps.raw).toHaveLength(MAX_FACT_LINES + 1);
    expect(caps.raw.at(-1)).toBe(`… ${402 - MAX_FACT_LINES} more lines`);
    // At most 100 stored, plus the few keywords the probe acts on, which are never dropped.
    expect(Object.keys(caps.extensions).length).toBeLessThanOrEqual(101);
    expect(caps.starttls).toBe(true);
  });
});

describe('address literal for EHLO', () => {
  it('formats IPv4, IPv6 and IPv4-mapped IPv6 addresses', () => {
    expect(formatAddressLiteral('192.0.2.1')).toBe('[192.0.2.1]');
    expect(formatAddressLiteral('127.0.0.1')).toBe('[127.0.0.1]');
    expect(formatAddressLiteral('2001:DB8::1')).toBe('[IPv6:2001:db8::1]');
    expect(formatAddressLiteral('::1')).toBe('[IPv6:::1]');
    expect(formatAddressLiteral('fe80::1%eth0')).toBe('[IPv6:fe80::1]');
    expect(formatAddressLiteral('::ffff:127.0.0.1')).toBe('[127.0.0.1]');
    expect(formatAddressLiteral('::FFFF:c000:0201')).toBe('[192.0.2.1]');
    expect(formatAddressLiteral('0:0:0:0:0:ffff:192.0.2.7')).toBe('[192.0.2.7]');
    expect(formatAddressLiteral('::ffff:0:1')).toBe('[0.0.0.1]');
    expect(formatAddressLiteral('64:ff9b::192.0.2.1')).toBe('[IPv6:64:ff9b::192.0.2.1]');
  });

  it('refuses anything that is not an address (never an invented host name)', () => {
    for (const bad of ['', 'localhost', 'mail.example.org', '300.1.1.1', '1.2.3']) {
      expect(() => formatAddressLiteral(bad), bad).toThrow(TypeError);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The dialog against a server scripted in memory.
// ---------------------------------------------------------------------------------------------

interface Sent {
  readonly step: Step;
  readonly data: string;
  readonly shown?: string;
  readonly secret: boolean;
}

/**
 * A Connection whose peer is a function: each command line we send gets the lines it returns.
 * `verified` stands for a TLS connection with a verified identity (writeSecret allowed).
 */
class ScriptedConnection implements Connection {
  readonly remoteAddress = '192.0.2.25';
  readonly remotePort = 25;
  readonly sent: Sent[] = [];
  readonly notes: string[] = [];
  readonly transcript: readonly TranscriptEntry[] = [];
  #incoming: string[];

  constructor(
    greeting: readonly string[],
    private readonly peer: (command: string) => readonly string[],
    private readonly verified = false,
  ) {
    this.#incoming = [...greeting];
  }

  get isTls(): boolean {
    return this.verified;
  }
  get identityVerified(): boolean {
    return this.verified;
  }
  get identityBasis(): 'authority' | null {
    return this.verified ? 'authority' : null;
  }

  async readLine(step: Step): Promise<string> {
    const line = this.#incoming.shift();
    if (line === undefined) {
      throw new ProbeError({ step, kind: 'closed', message: 'script ended' });
    }
    return line;
  }
  async readChunk(): Promise<Buffer> {
    throw new Error('not used by SMTP');
  }
  unread(): void {
    throw new Error('not used by SMTP');
  }
  async drain(): Promise<Buffer> {
    return Buffer.alloc(0);
  }
  async write(step: Step, data: string | Buffer, shown?: string): Promise<void> {
    this.#deliver({
      step,
      data: data.toString(),
      ...(shown !== undefined ? { shown } : {}),
      secret: false,
    });
  }
  async writeSecret(step: Step, data: string | Buffer, shown: string): Promise<void> {
    if (!this.verified) throw new ProbeError({ step, kind: 'unsafe', message: 'not verified' });
    this.#deliver({ step, data: data.toString(), shown, secret: true });
  }
  note(text: string): void {
    this.notes.push(text);
  }
  async startTls(): Promise<TlsUpgrade> {
    throw new Error('not used here');
  }
  async close(): Promise<void> {}

  #deliver(sent: Sent): void {
    this.sent.push(sent);
    for (const line of sent.data.split('\r\n').filter((l) => l !== '')) {
      this.#incoming.push(...this.peer(line));
    }
  }
}

const CONTEXT = { serverName: 'mail.test.example', localAddress: '198.51.100.7' };
const GREETING = ['220 mail.test.example ESMTP'];

describe('SMTP dialog (scripted in memory)', () => {
  it('registers SMTP and submission with their standard ports', () => {
    expect(smtpDialog).toMatchObject({
      protocol: 'smtp',
      defaultPorts: { starttls: 25, implicit: null },
      alpn: [],
    });
    expect(submissionDialog).toMatchObject({
      protocol: 'submission',
      defaultPorts: { starttls: 587, implicit: 465 },
    });
  });

  it('greets, sends EHLO with our address literal, and classifies greetings', async () => {
    const conn = new ScriptedConnection(
      ['220-mail.test.example ESMTP', '220 second line'],
      (cmd) => (cmd.startsWith('EHLO ') ? ['250-mail.test.example', '250 STARTTLS'] : []),
    );
    const session = smtpDialog.create(conn, CONTEXT);
    expect(await session.greet()).toEqual({
      lines: ['220-mail.test.example ESMTP', '220 second line'],
      kind: 'ok',
      code: 220,
    });
    expect((await session.capabilities('before-tls')).starttls).toBe(true);
    expect(conn.sent).toEqual([
      { step: 'capabilities', data: 'EHLO [198.51.100.7]\r\n', secret: false },
    ]);

    const reject = smtpDialog.create(new ScriptedConnection(['554 go away'], () => []), CONTEXT);
    expect(await reject.greet()).toMatchObject({ kind: 'reject', code: 554 });
    const busy = smtpDialog.create(new ScriptedConnection(['421 busy'], () => []), CONTEXT);
    expect(await busy.greet()).toMatchObject({ kind: 'reject', code: 421 });
    const garbage = smtpDialog.create(
      new ScriptedConnection(['* OK IMAP4rev1'], () => []),
      CONTEXT,
    );
    await expect(garbage.greet()).rejects.toMatchObject({
      fact: { step: 'greeting', kind: 'protocol', evidence: '* OK IMAP4rev1' },
    });
  });

  it('falls back to HELO with the same literal when EHLO is refused', async () => {
    const conn = new ScriptedConnection(GREETING, (cmd) =>
      cmd.startsWith('EHLO') ? ['502 5.5.2 Command not recognized'] : ['250 mail.test.example'],
    );
    const session = smtpDialog.create(conn, { ...CONTEXT, localAddress: '2001:db8::25' });
    await session.greet();
    const caps = await session.capabilities('before-tls');
    expect(conn.sent.map((s) => s.data)).toEqual([
      'EHLO [IPv6:2001:db8::25]\r\n',
      'HELO [IPv6:2001:db8::25]\r\n',
    ]);
    expect(caps).toMatchObject({
      listed: false,
      starttls: false,
      passwordLogin: false,
      extensions: {},
    });
    expect(caps.raw).toEqual(['502 5.5.2 Command not recognized', '250 mail.test.example']);
  });

  it('reports a server that refuses EHLO with 4xx, or EHLO and HELO, as refused', async () => {
    const busy = smtpDialog.create(
      new ScriptedConnection(GREETING, () => ['421 4.3.2 shutting down']),
      CONTEXT,
    );
    await busy.greet();
    await expect(busy.capabilities('before-tls')).rejects.toMatchObject({
      fact: { step: 'capabilities', kind: 'refused-by-server' },
    });
    const neither = smtpDialog.create(new ScriptedConnection(GREETING, () => ['500 no']), CONTEXT);
    await neither.greet();
    await expect(neither.capabilities('after-tls')).rejects.toMatchObject({
      fact: { step: 'capabilities-after-tls', kind: 'refused-by-server' },
    });
  });

  it('maps STARTTLS replies: 220 accepted, 454 temporarily unavailable, others refused', async () => {
    for (const [reply, outcome] of [
      ['220 2.0.0 Ready to start TLS', 'accepted'],
      ['454 4.7.0 TLS not available due to local problem', 'temporarily-unavailable'],
      ['502 5.5.1 Error: command not implemented', 'refused'],
      ['500 unrecognised', 'refused'],
    ] as const) {
      const conn = new ScriptedConnection(GREETING, () => [reply]);
      const session = smtpDialog.create(conn, CONTEXT);
      await session.greet();
      expect(await session.requestStartTls()).toEqual({ outcome, reply: [reply] });
      expect(conn.sent).toEqual([{ step: 'starttls', data: 'STARTTLS\r\n', secret: false }]);
    }
  });

  it('offers STARTTLS and NOOP as the pipelined pair for the injection test', () => {
    const session = smtpDialog.create(new ScriptedConnection([], () => []), CONTEXT);
    expect(session.startTlsCommand()).toBe('STARTTLS\r\n');
    expect(session.injectionCommand()).toEqual({ data: 'NOOP\r\n', name: 'NOOP' });
    // The fence: HELP, never answered 250, valid in any state (RFC 5321 §4.1.4).
    expect(session.injectionFence?.()).toMatchObject({ data: 'HELP\r\n', name: 'HELP' });
  });

  it('starts AUTH PLAIN without credentials, sees the invitation, and cancels with *', async () => {
    const conn = new ScriptedConnection(GREETING, (cmd) => {
      if (cmd.startsWith('EHLO')) return ['250-mx', '250 AUTH PLAIN LOGIN'];
      if (cmd === 'AUTH PLAIN') return ['334 '];
      if (cmd === '*') return ['501 5.7.0 Authentication aborted'];
      return ['500 unexpected'];
    });
    const session = submissionDialog.create(conn, CONTEXT);
    await session.greet();
    const before = await session.capabilities('before-tls');
    expect(await session.probeLoginBeforeTls(before)).toEqual({
      command: 'AUTH PLAIN',
      invited: true,
      reply: ['334 ', '501 5.7.0 Authentication aborted'],
    });
    expect(conn.sent.slice(1).map((s) => [s.step, s.data])).toEqual([
      ['login-probe', 'AUTH PLAIN\r\n'],
      ['login-probe', '*\r\n'],
    ]);
  });

  it('uses AUTH LOGIN when only LOGIN is listed, and records a refusal as not invited', async () => {
    const conn = new ScriptedConnection(GREETING, (cmd) => {
      if (cmd.startsWith('EHLO')) return ['250-mx', '250 AUTH=LOGIN'];
      return ['538 5.7.11 Encryption required for requested authentication mechanism'];
    });
    const session = smtpDialog.create(conn, CONTEXT);
    await session.greet();
    expect(await session.probeLoginBeforeTls(await session.capabilities('before-tls'))).toEqual({
      command: 'AUTH LOGIN',
      invited: false,
      reply: ['538 5.7.11 Encryption required for requested authentication mechanism'],
    });
  });

  it('submission without AUTH: MAIL FROM:<> then RSET reveals "STARTTLS first" (530)', async () => {
    const conn = new ScriptedConnection(GREETING, (cmd) => {
      if (cmd.startsWith('EHLO')) return ['250-mx', '250 STARTTLS'];
      if (cmd === 'MAIL FROM:<>') return ['530 5.7.0 Must issue a STARTTLS command first'];
      if (cmd === 'RSET') return ['250 2.0.0 Ok'];
      return ['500 unexpected'];
    });
    const session = submissionDialog.create(conn, CONTEXT);
    await session.greet();
    expect(await session.probeLoginBeforeTls(await session.capabilities('before-tls'))).toEqual({
      command: 'MAIL FROM:<> (then RSET)',
      invited: false,
      reply: ['530 5.7.0 Must issue a STARTTLS command first', '250 2.0.0 Ok'],
    });
    expect(conn.sent.slice(1).map((s) => s.data)).toEqual(['MAIL FROM:<>\r\n', 'RSET\r\n']);
  });

  it('submission that takes mail before TLS is recorded as invited', async () => {
    const conn = new ScriptedConnection(GREETING, (cmd) =>
      cmd.startsWith('EHLO') ? ['250 mx'] : ['250 2.1.0 Ok'],
    );
    const session = submissionDialog.create(conn, CONTEXT);
    await session.greet();
    const facts = await session.probeLoginBeforeTls(await session.capabilities('before-tls'));
    expect(facts?.invited).toBe(true);
  });

  it('SMTP on port 25 without AUTH tries nothing', async () => {
    const conn = new ScriptedConnection(GREETING, () => ['250-mx', '250 STARTTLS']);
    const session = smtpDialog.create(conn, CONTEXT);
    await session.greet();
    expect(await session.probeLoginBeforeTls(await session.capabilities('before-tls'))).toBeNull();
    expect(conn.sent).toHaveLength(1);
  });

  it('refuses to log in without verified TLS and sends nothing', async () => {
    const conn = new ScriptedConnection(GREETING, () => ['250-mx', '250 AUTH PLAIN']);
    const session = submissionDialog.create(conn, CONTEXT);
    await session.greet();
    await session.capabilities('before-tls');
    await expect(session.login({ user: 'alice', password: 's3cret' })).rejects.toMatchObject({
      fact: { step: 'login', kind: 'unsafe' },
    });
    expect(conn.sent).toHaveLength(1);
  });

  it('logs in with AUTH PLAIN through writeSecret, showing no secret', async () => {
    const conn = new ScriptedConnection(
      GREETING,
      (cmd) => {
        if (cmd.startsWith('EHLO')) return ['250-mx', '250 AUTH PLAIN LOGIN'];
        if (cmd.startsWith('AUTH PLAIN ')) return ['235 2.7.0 Authentication successful'];
        return ['500 unexpected'];
      },
      true,
    );
    const session = submissionDialog.create(conn, CONTEXT);
    await session.greet();
    await session.capabilities('after-tls');
    expect(await session.login({ user: 'alice', password: 's3cret' })).toEqual({
      ok: true,
      reply: ['235 2.7.0 Authentication successful'],
    });
    const auth = conn.sent[1];
    expect(auth).toEqual({
      step: 'login',
      data: `AUTH PLAIN ${Buffer.from('\0alice\0s3cret').toString('base64')}\r\n`,
      shown: 'AUTH PLAIN <credentials removed>',
      secret: true,
    });
  });

  it("logs in with AUTH LOGIN's two lines, each through writeSecret with a stand-in", async () => {
    const conn = new ScriptedConnection(
      GREETING,
      (cmd) => {
        if (cmd.startsWith('EHLO')) return ['250-mx', '250 AUTH LOGIN'];
        if (cmd === 'AUTH LOGIN') return ['334 VXNlcm5hbWU6'];
        if (cmd === Buffer.from('alice').toString('base64')) return ['334 UGFzc3dvcmQ6'];
        if (cmd === Buffer.from('s3cret').toString('base64')) return ['535 5.7.8 bad'];
        return ['500 unexpected'];
      },
      true,
    );
    const session = submissionDialog.create(conn, CONTEXT);
    await session.greet();
    await session.capabilities('after-tls');
    expect(await session.login({ user: 'alice', password: 's3cret' })).toEqual({
      ok: false,
      reply: ['535 5.7.8 bad'],
    });
    expect(conn.sent.slice(1).map((s) => [s.secret, s.shown])).toEqual([
      [false, undefined],
      [true, '<user name>'],
      [true, '<password removed>'],
    ]);
  });

  it('says goodbye with QUIT and ignores a dead connection', async () => {
    const conn = new ScriptedConnection(GREETING, () => ['221 2.0.0 Bye']);
    const session = smtpDialog.create(conn, CONTEXT);
    await session.greet();
    await session.quit();
    expect(conn.sent).toEqual([{ step: 'close', data: 'QUIT\r\n', secret: false }]);
    const dead = smtpDialog.create(new ScriptedConnection([], () => []), CONTEXT);
    await expect(dead.quit()).resolves.toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// The dialog over a real TCP connection to tiny servers scripted in the test (loopback).
// ---------------------------------------------------------------------------------------------

/** The server side of one scripted connection: bounded reads of the client's lines. */
class Peer {
  /** Every line the client sent, in order. */
  readonly received: string[] = [];
  #buffer = '';
  #wake: (() => void) | null = null;
  #ended = false;

  constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      if (this.#buffer.length > 64 * 1024) socket.destroy();
      this.#wake?.();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#wake?.();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.#ended = true;
      this.#wake?.();
    });
  }

  /** Bytes received but not yet taken as a line. */
  get pending(): string {
    return this.#buffer;
  }

  /** The client's next line, or null when it went away (or sent nothing within 5 s). */
  async nextLine(): Promise<string | null> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const lf = this.#buffer.indexOf('\n');
      if (lf >= 0) {
        const line = this.#buffer.slice(0, lf).replace(/\r$/, '');
        this.#buffer = this.#buffer.slice(lf + 1);
        this.received.push(line);
        return line;
      }
      if (this.#ended || Date.now() > deadline) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Writes, waiting for the socket to drain (a server streaming forever stays bounded too). */
  async send(text: string): Promise<boolean> {
    if (this.socket.destroyed) return false;
    if (!this.socket.write(text)) {
      // once() rejects on 'error' (EPIPE when the client has gone): that just ends the stream.
      await Promise.race([once(this.socket, 'drain'), once(this.socket, 'close')]).catch(
        () => undefined,
      );
    }
    return !this.socket.destroyed;
  }

  /** Answers each client line with `answer(line)` until the client leaves or answer is null. */
  async serve(answer: (line: string) => string | null): Promise<void> {
    for (let line = await this.nextLine(); line !== null; line = await this.nextLine()) {
      const reply = answer(line);
      if (reply === null) break;
      await this.send(reply);
    }
  }
}

/** A multi-line reply of about `bytes` bytes with `code`, ending with a final line. */
function bigReply(code: number, bytes: number, last = 'end of a long reply'): string {
  const line = `${code}-${'x'.repeat(60)}\r\n`;
  return line.repeat(Math.ceil(bytes / line.length)) + `${code} ${last}\r\n`;
}

interface Scripted {
  readonly conn: TcpConnection;
  readonly peer: Promise<Peer>;
  readonly done: Promise<void>;
}

const servers: Server[] = [];
const serverSockets = new Set<Socket>();
afterEach(() => {
  for (const socket of serverSockets) socket.destroy();
  serverSockets.clear();
  for (const s of servers.splice(0)) s.close();
});

/**
 * Starts a one-connection server on 127.0.0.1 running `script`, and connects to it.
 * `done` settles when the script ends (a failing script fails the test through it).
 */
async function scripted(
  script: (peer: Peer) => Promise<void>,
  options: { limits?: Partial<ReadLimits>; step?: number } = {},
): Promise<Scripted> {
  let run: Promise<void> = Promise.resolve();
  let resolvePeer: (p: Peer) => void = () => undefined;
  const peer = new Promise<Peer>((resolve) => (resolvePeer = resolve));
  const server = createServer((socket) => {
    serverSockets.add(socket);
    const p = new Peer(socket);
    run = script(p).finally(() => socket.end());
    resolvePeer(p);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const conn = await connect({
    address: '127.0.0.1',
    port,
    timeouts: { connect: 5_000, step: options.step ?? 5_000, handshake: 5_000 },
    ...(options.limits ? { limits: options.limits } : {}),
  });
  return { conn, peer, done: peer.then(() => run) };
}

function loopbackContext(conn: TcpConnection): { serverName: string; localAddress: string } {
  return { serverName: 'mail.test.example', localAddress: conn.localAddress };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('SMTP dialog over loopback TCP (scripted servers)', () => {
  it('waits for the final 220 line of a slow, split greeting before sending EHLO', async () => {
    let early = '';
    const s = await scripted(async (peer) => {
      for (const piece of [
        '22',
        '0-mail.test.example ESMTP\r\n220-pie',
        'ces in',
        ' pieces\r\n',
        '220',
      ]) {
        await peer.send(piece);
        await sleep(60);
      }
      early = peer.pending;
      await peer.send(' ready\r\n');
      await peer.serve((line) =>
        line.startsWith('EHLO') ? '250-mail.test.example\r\n250 STARTTLS\r\n' : '221 bye\r\n',
      );
    });
    const session = smtpDialog.create(s.conn, loopbackContext(s.conn));
    expect(await session.greet()).toEqual({
      lines: ['220-mail.test.example ESMTP', '220-pieces in pieces', '220 ready'],
      kind: 'ok',
      code: 220,
    });
    expect((await session.capabilities('before-tls')).starttls).toBe(true);
    await session.quit();
    await s.conn.close();
    await s.done;
    expect(early).toBe('');
    expect((await s.peer).received).toEqual(['EHLO [127.0.0.1]', 'QUIT']);
  });

  it('uses HELO when EHLO is refused', async () => {
    const s = await scripted((peer) =>
      peer
        .send('220 old.example\r\n')
        .then(() =>
          peer.serve((line) =>
            line.startsWith('EHLO')
              ? '500 5.5.1 Command unrecognized\r\n'
              : line.startsWith('HELO')
                ? '250 old.example\r\n'
                : '221 bye\r\n',
          ),
        ),
    );
    const session = smtpDialog.create(s.conn, loopbackContext(s.conn));
    await session.greet();
    const caps = await session.capabilities('before-tls');
    expect(caps).toMatchObject({ listed: false, starttls: false });
    await session.quit();
    await s.conn.close();
    await s.done;
    expect((await s.peer).received).toEqual(['EHLO [127.0.0.1]', 'HELO [127.0.0.1]', 'QUIT']);
  });

  it('reads 454 to STARTTLS as temporarily unavailable', async () => {
    const s = await scripted((peer) =>
      peer
        .send('220 mx\r\n')
        .then(() =>
          peer.serve((line) =>
            line === 'STARTTLS'
              ? '454 4.7.0 TLS not available due to local problem\r\n'
              : line.startsWith('EHLO')
                ? '250-mx\r\n250 STARTTLS\r\n'
                : '221 bye\r\n',
          ),
        ),
    );
    const session = smtpDialog.create(s.conn, loopbackContext(s.conn));
    await session.greet();
    await session.capabilities('before-tls');
    expect(await session.requestStartTls()).toEqual({
      outcome: 'temporarily-unavailable',
      reply: ['454 4.7.0 TLS not available due to local problem'],
    });
    await s.conn.close();
  });

  it('ends cleanly when every reply is a 10 KB multi-line reply (within default limits)', async () => {
    const s = await scripted(async (peer) => {
      await peer.send(bigReply(220, 10_240, 'mx ready'));
      await peer.serve((line) => {
        if (line.startsWith('EHLO')) return bigReply(250, 10_240, 'STARTTLS');
        if (line === 'MAIL FROM:<>')
          return bigReply(530, 10_240, 'Must issue a STARTTLS command first');
        if (line === 'RSET') return bigReply(250, 10_240);
        if (line === 'STARTTLS') return bigReply(454, 10_240);
        if (line === 'QUIT') return bigReply(221, 10_240);
        return '500 unexpected\r\n';
      });
    });
    const session = submissionDialog.create(s.conn, loopbackContext(s.conn));
    const greeting = await session.greet();
    expect(greeting).toMatchObject({ kind: 'ok', code: 220 });
    expect(greeting.lines).toHaveLength(MAX_FACT_LINES + 1);
    const before = await session.capabilities('before-tls');
    expect(before).toMatchObject({ listed: true, starttls: true, passwordLogin: false });
    expect(await session.probeLoginBeforeTls(before)).toMatchObject({
      command: 'MAIL FROM:<> (then RSET)',
      invited: false,
    });
    expect((await session.requestStartTls()).outcome).toBe('temporarily-unavailable');
    await session.quit();
    await s.conn.close();
    await s.done;
    expect((await s.peer).received).toEqual([
      'EHLO [127.0.0.1]',
      'MAIL FROM:<>',
      'RSET',
      'STARTTLS',
      'QUIT',
    ]);
  });

  it('ends with a limit error when a reply is larger than the connection allows', async () => {
    const s = await scripted((peer) => peer.send(bigReply(220, 10_240)).then(() => undefined), {
      limits: { maxBytesPerStep: 4_096 },
    });
    const session = smtpDialog.create(s.conn, loopbackContext(s.conn));
    await expect(session.greet()).rejects.toMatchObject({
      fact: { step: 'greeting', kind: 'limit', limit: { name: 'maxBytesPerStep', value: 4_096 } },
    });
    await s.conn.close();
  });

  it('ends an endless multi-line greeting within the limits, without hanging', async () => {
    const s = await scripted(async (peer) => {
      while (await peer.send('220-and more, and more, and more\r\n'));
    });
    const session = smtpDialog.create(s.conn, loopbackContext(s.conn));
    const err = await session.greet().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProbeError);
    expect((err as ProbeError).fact).toMatchObject({ step: 'greeting', kind: 'limit' });
    await s.conn.close();
    await s.done;
  });

  it('reports garbage instead of a greeting as a protocol error with evidence', async () => {
    const s = await scripted((peer) =>
      peer.send('HTTP/1.1 400 Bad Request\r\n').then(() => undefined),
    );
    const session = smtpDialog.create(s.conn, loopbackContext(s.conn));
    await expect(session.greet()).rejects.toMatchObject({
      fact: { step: 'greeting', kind: 'protocol', evidence: 'HTTP/1.1 400 Bad Request' },
    });
    await s.conn.close();
  });

  it('cancels an invited AUTH PLAIN with * and never sends a secret in the clear', async () => {
    const s = await scripted((peer) =>
      peer.send('220 mx\r\n').then(() =>
        peer.serve((line) => {
          if (line.startsWith('EHLO')) return '250-mx\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n';
          if (line === 'AUTH PLAIN') return '334 \r\n';
          if (line === '*') return '501 5.7.0 Authentication aborted\r\n';
          if (line === 'QUIT') return '221 bye\r\n';
          return '235 2.7.0 Authentication successful\r\n';
        }),
      ),
    );
    const session = submissionDialog.create(s.conn, loopbackContext(s.conn));
    await session.greet();
    const before = await session.capabilities('before-tls');
    expect(before.passwordLogin).toBe(true);
    expect(await session.probeLoginBeforeTls(before)).toEqual({
      command: 'AUTH PLAIN',
      invited: true,
      reply: ['334 ', '501 5.7.0 Authentication aborted'],
    });
    await expect(
      session.login({ user: 'alice', password: 'hunter2-secret' }),
    ).rejects.toMatchObject({
      fact: { step: 'login', kind: 'unsafe' },
    });
    await session.quit();
    await s.conn.close();
    await s.done;
    expect((await s.peer).received).toEqual(['EHLO [127.0.0.1]', 'AUTH PLAIN', '*', 'QUIT']);
    const transcript = JSON.stringify(s.conn.transcript);
    expect(transcript).not.toContain('hunter2');
    expect(transcript).not.toContain(Buffer.from('\0alice\0hunter2-secret').toString('base64'));
  });
});
