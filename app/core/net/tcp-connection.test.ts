/**
 * The plain-TCP half of TcpConnection against tiny loopback servers written here: framing,
 * limits (memory stays bounded), deadlines, error translation, the transcript, unread/drain.
 * TLS and STARTTLS are in tcp-connection.tls.test.ts.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isProbeError, type ProbeErrorFact } from './errors';
import { connect, MAX_TRANSCRIPT_ENTRIES, sniName, type TcpConnection } from './tcp-connection';
import type { ConnectOptions } from './types';

interface Served {
  readonly server: net.Server;
  readonly port: number;
  /** The server side of each accepted connection. */
  readonly sockets: net.Socket[];
}

const servers: Served[] = [];
const connections: TcpConnection[] = [];

function stop(served: Served): Promise<void> {
  served.sockets.forEach((s) => s.destroy());
  return new Promise<void>((resolve) => served.server.close(() => resolve()));
}

afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map(stop));
});

/** Starts a loopback server running `handler` for each client. */
async function serve(handler: (socket: net.Socket) => void, host = '127.0.0.1'): Promise<Served> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    handler(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const served = { server, port: (server.address() as net.AddressInfo).port, sockets };
  servers.push(served);
  return served;
}

async function open(
  port: number,
  extra: Partial<ConnectOptions> = {},
  address = '127.0.0.1',
): Promise<TcpConnection> {
  const c = await connect({ address, port, ...extra });
  connections.push(c);
  return c;
}

/** Awaits a rejection and returns its ProbeError fact. */
async function failure(p: Promise<unknown>): Promise<ProbeErrorFact> {
  try {
    await p;
  } catch (err) {
    if (isProbeError(err)) return err.fact;
    throw err;
  }
  throw new Error('expected a ProbeError, but the operation succeeded');
}

async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await p;
  return { value, ms: performance.now() - start };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describe('connect', () => {
  it('refused: nothing listens', async () => {
    const served = await serve(() => {});
    await stop(served);
    const f = await failure(connect({ address: '127.0.0.1', port: served.port }));
    expect(f).toMatchObject({ step: 'connect', kind: 'refused', code: 'ECONNREFUSED' });
  });

  it('refuses a host name instead of an address', async () => {
    const f = await failure(connect({ address: 'localhost', port: 1 }));
    expect(f).toMatchObject({ step: 'connect', kind: 'unreachable' });
  });

  it('an already aborted signal cancels before connecting', async () => {
    const f = await failure(
      connect({ address: '127.0.0.1', port: 1, signal: AbortSignal.abort() }),
    );
    expect(f).toMatchObject({ step: 'connect', kind: 'cancelled' });
  });

  it('works over IPv6 loopback', async () => {
    const { port } = await serve((s) => s.write('hello six\r\n'), '::1');
    const c = await open(port, {}, '::1');
    expect(c.remoteAddress).toBe('::1');
    expect(c.localAddress).toBe('::1');
    expect(await c.readLine('greeting')).toBe('hello six');
    expect(c.transcript[0]?.text).toBe(`connected to [::1]:${port}`);
  });
});

describe('readLine framing', () => {
  it('joins lines split across chunks, accepts CRLF and bare LF', async () => {
    const { port } = await serve((s) => {
      void (async () => {
        for (const piece of ['* OK he', 'llo\r', '\nsecond\nthi', 'rd\r\n', '\r\n']) {
          s.write(piece);
          await sleep(15);
        }
      })();
    });
    const c = await open(port);
    expect(await c.readLine('greeting')).toBe('* OK hello');
    expect(await c.readLine('greeting')).toBe('second');
    expect(await c.readLine('greeting')).toBe('third');
    expect(await c.readLine('greeting')).toBe('');
    expect(c.transcript.filter((e) => e.dir === 'received').map((e) => e.text)).toEqual([
      '* OK hello',
      'second',
      'third',
      '',
    ]);
  });

  it('a line that is exactly the limit passes, one byte more fails', async () => {
    const { port } = await serve((s) => s.write(`${'a'.repeat(100)}\r\n${'b'.repeat(101)}\r\n`));
    const c = await open(port, { limits: { maxLineBytes: 100 } });
    expect(await c.readLine('greeting')).toHaveLength(100);
    const f = await failure(c.readLine('greeting'));
    expect(f).toMatchObject({ kind: 'limit', limit: { name: 'maxLineBytes', value: 100 } });
  });

  it('a 10 MB line without newline fails fast and memory stays bounded', async () => {
    const tenMb = Buffer.alloc(10 * 1024 * 1024, 0x41);
    const { port } = await serve((s) => s.write(tenMb));
    const c = await open(port, { timeouts: { step: 10_000 } });
    const { value: f, ms } = await timed(failure(c.readLine('greeting')));
    expect(f).toMatchObject({
      step: 'greeting',
      kind: 'limit',
      limit: { name: 'maxLineBytes', value: 8192 },
    });
    expect(f.evidence?.startsWith('AAAA')).toBe(true);
    expect(ms).toBeLessThan(5_000);
    // Let more data arrive: the socket is paused, so the buffer must not grow.
    await sleep(100);
    // One high-water mark (16 KiB) plus at most one socket read (64 KiB).
    expect(c.stats.maxBufferedBytes).toBeLessThanOrEqual(16 * 1024 + 64 * 1024);
  });

  it('too many lines in one step fail; a new step starts counting again', async () => {
    const { port } = await serve((s) => s.write('x\r\n'.repeat(10)));
    const c = await open(port, { limits: { maxLinesPerStep: 5 } });
    for (let i = 0; i < 5; i++) await c.readLine('capabilities');
    const f = await failure(c.readLine('capabilities'));
    expect(f).toMatchObject({
      step: 'capabilities',
      kind: 'limit',
      limit: { name: 'maxLinesPerStep', value: 5 },
    });
    expect(await c.readLine('capabilities-after-tls')).toBe('x');
  });

  it('the per-step byte cap fails the read that would pass it', async () => {
    const line = `${'y'.repeat(28)}\r\n`; // 30 bytes
    const { port } = await serve((s) => s.write(line.repeat(6)));
    const c = await open(port, { limits: { maxBytesPerStep: 100 } });
    for (let i = 0; i < 3; i++) await c.readLine('greeting');
    const f = await failure(c.readLine('greeting'));
    expect(f).toMatchObject({ kind: 'limit', limit: { name: 'maxBytesPerStep', value: 100 } });
    expect(await c.readLine('capabilities')).toHaveLength(28);
  });

  it('the total byte cap holds across steps', async () => {
    const line = `${'z'.repeat(28)}\r\n`;
    const { port } = await serve((s) => s.write(line.repeat(6)));
    const c = await open(port, { limits: { maxBytesTotal: 100 } });
    await c.readLine('greeting');
    await c.readLine('capabilities');
    await c.readLine('starttls');
    const f = await failure(c.readLine('login-probe'));
    expect(f).toMatchObject({
      step: 'login-probe',
      kind: 'limit',
      limit: { name: 'maxBytesTotal', value: 100 },
    });
  });
});

describe('deadlines', () => {
  it('silence hits the step deadline', async () => {
    const { port } = await serve(() => {});
    const c = await open(port, { timeouts: { step: 300 } });
    const { value: f, ms } = await timed(failure(c.readLine('greeting')));
    expect(f).toMatchObject({ step: 'greeting', kind: 'timeout' });
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(5_000);
  });

  it('a one-byte drip cannot stretch the deadline, and the partial line is evidence', async () => {
    const { port } = await serve((s) => {
      const t = setInterval(() => s.write('d'), 50);
      s.on('close', () => clearInterval(t));
    });
    const c = await open(port, { timeouts: { step: 500 } });
    const { value: f, ms } = await timed(failure(c.readLine('greeting')));
    expect(f).toMatchObject({ step: 'greeting', kind: 'timeout' });
    expect(f.evidence).toMatch(/^d+$/);
    expect(ms).toBeLessThan(5_000);
  });

  it('short lines dripped slowly still end at the step deadline', async () => {
    const { port } = await serve((s) => {
      const t = setInterval(() => s.write('250-x\r\n'), 50);
      s.on('close', () => clearInterval(t));
    });
    const c = await open(port, { timeouts: { step: 400 } });
    const start = performance.now();
    const f = await failure(
      (async () => {
        for (;;) await c.readLine('capabilities');
      })(),
    );
    expect(f).toMatchObject({ step: 'capabilities', kind: 'timeout' });
    expect(performance.now() - start).toBeLessThan(5_000);
  });

  it('aborting the signal ends a pending read at once with "cancelled"', async () => {
    const { port } = await serve(() => {});
    const ac = new AbortController();
    const c = await open(port, { signal: ac.signal, timeouts: { step: 20_000 } });
    setTimeout(() => ac.abort(), 100);
    const { value: f, ms } = await timed(failure(c.readLine('greeting')));
    expect(f).toMatchObject({ step: 'greeting', kind: 'cancelled' });
    expect(ms).toBeLessThan(5_000);
    // Everything after fails the same way.
    expect(await failure(c.write('capabilities', 'x\r\n'))).toMatchObject({ kind: 'cancelled' });
  });

  it('the whole-probe deadline (AbortSignal.timeout) reports "timeout"', async () => {
    const { port } = await serve(() => {});
    const c = await open(port, { signal: AbortSignal.timeout(200), timeouts: { step: 20_000 } });
    const { value: f, ms } = await timed(failure(c.readChunk('greeting')));
    expect(f).toMatchObject({ step: 'greeting', kind: 'timeout' });
    expect(ms).toBeLessThan(5_000);
  });
});

describe('peer failures', () => {
  it('a reset is "reset"', async () => {
    const { port } = await serve((s) => {
      s.write('* OK ');
      setTimeout(() => s.resetAndDestroy(), 50);
    });
    const c = await open(port);
    const f = await failure(c.readLine('greeting'));
    expect(f).toMatchObject({ step: 'greeting', kind: 'reset', code: 'ECONNRESET' });
  });

  it('a clean close mid-line is "closed" with the partial line as evidence', async () => {
    const { port } = await serve((s) => s.end('complete\r\npartial\x1b'));
    const c = await open(port);
    expect(await c.readLine('greeting')).toBe('complete');
    const f = await failure(c.readLine('greeting'));
    expect(f).toMatchObject({ step: 'greeting', kind: 'closed', evidence: 'partial\\x1b' });
  });

  it('write after the peer reset fails with a ProbeError', async () => {
    const { port } = await serve((s) => setTimeout(() => s.resetAndDestroy(), 20));
    const c = await open(port);
    await sleep(150);
    const f = await failure(c.write('capabilities', 'A1 CAPABILITY\r\n'));
    expect(['reset', 'closed']).toContain(f.kind);
  });
});

describe('readChunk, unread, drain', () => {
  it('readChunk returns what is there; unread puts bytes back without recording them twice', async () => {
    const { port } = await serve((s) => s.write('<stream><features/>'));
    const c = await open(port);
    await sleep(50);
    const chunk = await c.readChunk('greeting');
    expect(chunk.toString()).toBe('<stream><features/>');
    c.unread(chunk.subarray(8));
    expect((await c.readChunk('greeting')).toString()).toBe('<features/>');
    const received = c.transcript.filter((e) => e.dir === 'received');
    expect(received.map((e) => e.text)).toEqual(['<stream><features/>']);
  });

  it('readLine reads bytes put back by unread', async () => {
    const { port } = await serve((s) => s.write('tail\r\n'));
    const c = await open(port);
    c.unread(Buffer.from('head-'));
    expect(await c.readLine('greeting')).toBe('head-tail');
  });

  it('drain returns unasked bytes, or nothing after its wait, never throwing on timeout', async () => {
    const { port, sockets } = await serve(() => {});
    const c = await open(port);
    const { value: nothing, ms } = await timed(c.drain('injection-probe', 150));
    expect(nothing.length).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(100);
    setTimeout(() => sockets[0]?.write('A2 OK NOOP\r\n'), 50);
    const got = await c.drain('injection-probe', 2_000);
    expect(got.toString()).toBe('A2 OK NOOP\r\n');
    expect(c.transcript.at(-1)).toMatchObject({ dir: 'received', text: 'A2 OK NOOP\\r\\n' });
  });

  it('drain after the peer closed returns nothing', async () => {
    const { port } = await serve((s) => s.end());
    const c = await open(port);
    await sleep(50);
    expect((await c.drain('injection-probe', 1_000)).length).toBe(0);
  });
});

describe('transcript', () => {
  it('escapes control and bidi characters in what is received', async () => {
    const { port } = await serve((s) => s.write('hi\x1b[31m\u202Eevil\u2066\x00\\\r\n'));
    const c = await open(port);
    expect(await c.readLine('greeting')).toBe('hi\x1b[31m\u202Eevil\u2066\x00\\');
    expect(c.transcript.at(-1)?.text).toBe('hi\\x1b[31m\\u{202e}evil\\u{2066}\\x00\\\\');
  });

  it('truncates long entries and records their original length', async () => {
    const { port } = await serve((s) => s.write(`${'L'.repeat(2000)}\r\n`));
    const c = await open(port);
    await c.readLine('greeting');
    const e = c.transcript.at(-1);
    expect(e?.text.length).toBeLessThanOrEqual(512);
    expect(e?.truncatedFrom).toBe(2000);
  });

  it('is bounded: after the cap one note says it was truncated', async () => {
    const { port } = await serve((s) => s.write('n\r\n'.repeat(MAX_TRANSCRIPT_ENTRIES + 50)));
    const c = await open(port, { limits: { maxLinesPerStep: 10_000 } });
    for (let i = 0; i < MAX_TRANSCRIPT_ENTRIES + 50; i++) await c.readLine('capabilities');
    expect(c.transcript).toHaveLength(MAX_TRANSCRIPT_ENTRIES + 1);
    expect(c.transcript.at(-1)).toMatchObject({ dir: 'note', text: 'transcript truncated' });
  });

  it('records what is sent, or `shown` instead, with times from the injected clock', async () => {
    let received = '';
    const { port } = await serve((s) => s.on('data', (d) => (received += d.toString())));
    let t = 1000;
    const c = await open(port, { now: () => t, startedAt: 900 });
    t = 1250;
    await c.write('capabilities', 'A1 CAPABILITY\r\n');
    await c.write(
      'login-probe',
      'A2 AUTHENTICATE PLAIN\r\n',
      'A2 AUTHENTICATE PLAIN (no initial response)',
    );
    c.note('a note');
    await sleep(50);
    expect(received).toBe('A1 CAPABILITY\r\nA2 AUTHENTICATE PLAIN\r\n');
    expect(c.transcript.slice(1)).toEqual([
      { at: 350, dir: 'sent', text: 'A1 CAPABILITY', tls: false },
      { at: 350, dir: 'sent', text: 'A2 AUTHENTICATE PLAIN (no initial response)', tls: false },
      { at: 350, dir: 'note', text: 'a note', tls: false },
    ]);
  });

  it('shows pipelined commands with their inner line ending', async () => {
    const { port } = await serve(() => {});
    const c = await open(port);
    await c.write('injection-probe', 'A3 STARTTLS\r\nA4 NOOP\r\n');
    expect(c.transcript.at(-1)?.text).toBe('A3 STARTTLS\\r\\nA4 NOOP');
  });
});

describe('secrets and closing', () => {
  it('writeSecret is refused without TLS, and nothing is sent or recorded', async () => {
    let received = '';
    const { port } = await serve((s) => s.on('data', (d) => (received += d.toString())));
    const c = await open(port);
    const f = await failure(c.writeSecret('login', 'A1 LOGIN u hunter2\r\n', 'A1 LOGIN u <pw>'));
    expect(f).toMatchObject({ step: 'login', kind: 'unsafe' });
    await sleep(50);
    expect(received).toBe('');
    expect(JSON.stringify(c.transcript)).not.toContain('hunter2');
    expect(JSON.stringify(c.transcript)).not.toContain('<pw>');
  });

  it('close is idempotent, never throws, and later reads fail as "closed"', async () => {
    const { port } = await serve(() => {});
    const c = await open(port);
    const pending = failure(c.readLine('greeting'));
    await c.close();
    await c.close();
    expect(await pending).toMatchObject({ kind: 'closed' });
    expect(await failure(c.readLine('greeting'))).toMatchObject({ kind: 'closed' });
    expect(await failure(c.write('close', 'QUIT\r\n'))).toMatchObject({ kind: 'closed' });
  });
});

describe('sniName', () => {
  it('sends host names in ASCII without the trailing dot, and never an IP literal', () => {
    expect(sniName('Mail.Example.org.')).toBe('mail.example.org');
    expect(sniName('bücher.example')).toBe('xn--bcher-kva.example');
    for (const ip of ['192.0.2.1', '192.0.2.1.', '::1', '[::1]', '[2001:db8::1]']) {
      expect(sniName(ip), ip).toBeUndefined();
    }
    expect(sniName(null)).toBeUndefined();
    expect(sniName('')).toBeUndefined();
  });
});
