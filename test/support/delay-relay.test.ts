/**
 * The delay relay itself: the round trips it adds are there (never fewer: lower bounds only,
 * the upper bounds are loose guards against a stall), bytes arrive whole and in order, ends
 * and resets travel through, and it counts the connections it accepted.
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startDelayRelay, type DelayRelay } from './delay-relay';

const RTT = 80;
const open: { close(): unknown }[] = [];

afterEach(async () => {
  for (const x of open.splice(0)) await x.close();
});

async function serve(onConnection: (s: Socket) => void): Promise<{ port: number }> {
  const server: Server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push({ close: () => new Promise<void>((r) => server.close(() => r())) });
  const a = server.address();
  if (a === null || typeof a === 'string') throw new Error('no port');
  return { port: a.port };
}

async function relayTo(port: number, rttMs = RTT): Promise<DelayRelay> {
  const relay = await startDelayRelay({ target: { host: '127.0.0.1', port }, rttMs });
  open.push(relay);
  return relay;
}

function firstData(socket: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    socket.once('data', resolve);
    socket.once('error', reject);
  });
}

describe('the delay relay', () => {
  it('a client-first exchange gets its answer two round trips after connect', async () => {
    const { port } = await serve((s) => s.on('data', (d) => s.write(d)));
    const relay = await relayTo(port);
    const t0 = performance.now();
    const c = connect(relay.port, relay.host);
    c.write('ping');
    expect((await firstData(c)).toString()).toBe('ping');
    const ms = performance.now() - t0;
    c.destroy();
    expect(ms).toBeGreaterThanOrEqual(2 * RTT - 2);
    expect(ms).toBeLessThan(2 * RTT + 1000);
  });

  it('a server greeting arrives one and a half round trips after connect', async () => {
    const { port } = await serve((s) => s.write('220 hello\r\n'));
    const relay = await relayTo(port);
    const t0 = performance.now();
    const c = connect(relay.port, relay.host);
    expect((await firstData(c)).toString()).toBe('220 hello\r\n');
    const ms = performance.now() - t0;
    c.destroy();
    expect(ms).toBeGreaterThanOrEqual(1.5 * RTT - 2);
  });

  it('each further exchange costs one round trip', async () => {
    const { port } = await serve((s) => s.on('data', (d) => s.write(d)));
    const relay = await relayTo(port);
    const c = connect(relay.port, relay.host);
    c.write('a');
    await firstData(c);
    const t0 = performance.now();
    c.write('b');
    expect((await firstData(c)).toString()).toBe('b');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(RTT - 2);
    c.destroy();
  });

  it('relays 4 MB whole and in order, both ways, and an end after the data', async () => {
    const { port } = await serve((s) => {
      s.pipe(s); // echo, and end when the client ends
    });
    const relay = await relayTo(port, 10);
    const payload = randomBytes(4 * 1024 * 1024);
    const c = connect(relay.port, relay.host);
    const chunks: Buffer[] = [];
    const ended = new Promise<void>((resolve) => c.on('end', resolve));
    c.on('data', (d: Buffer) => chunks.push(d));
    c.end(payload);
    await ended;
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
    expect(relay.connections).toBe(1);
  });

  it('a reset by the server reaches the client', async () => {
    const { port } = await serve((s) => s.resetAndDestroy());
    const relay = await relayTo(port, 10);
    const c = connect(relay.port, relay.host);
    const closed = await new Promise<boolean>((resolve) => {
      c.on('error', () => undefined);
      c.on('close', () => resolve(true));
      c.write('x');
    });
    expect(closed).toBe(true);
  });

  it('counts connections, and a server that is gone closes the client', async () => {
    const { port } = await serve(() => undefined);
    const relay = await relayTo(port, 10);
    for (let i = 0; i < 3; i++) {
      const s = connect(relay.port, relay.host);
      s.on('error', () => undefined);
      await new Promise<void>((resolve) => s.once('connect', () => resolve()));
      s.destroy();
    }
    const gone = await relayTo(1, 10); // nothing listens on port 1
    const c = connect(gone.port, gone.host);
    c.on('error', () => undefined);
    await new Promise<void>((resolve) => c.on('close', () => resolve()));
    await new Promise((r) => setTimeout(r, 50));
    expect(relay.connections).toBe(3);
  });

  it('listens on loopback only', async () => {
    await expect(
      startDelayRelay({ target: { host: '127.0.0.1', port: 1 }, rttMs: 1, listenHost: '0.0.0.0' }),
    ).rejects.toThrow('loopback only');
  });
});
