/**
 * The PROXY-protocol relay in front of Dovecot (test/bed/proxy-relay.ts), against a local
 * stand-in server: the header, both directions, half-close, errors and stop.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RELAY_CLAIMED_CLIENT, startProxyRelay, type ProxyRelay } from '../bed/proxy-relay';
import { freePort } from '../bed/proc';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A backend that hands each accepted socket to the test. */
async function backend(): Promise<{ port: number; next: () => Promise<Socket> }> {
  const queue: Socket[] = [];
  const waiters: ((s: Socket) => void)[] = [];
  const server: Server = createServer({ allowHalfOpen: true }, (s) => {
    const w = waiters.shift();
    if (w) w(s);
    else queue.push(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sockets = new Set<Socket>();
  server.on('connection', (s) => sockets.add(s));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('no address');
  return {
    port: addr.port,
    next: () => {
      const s = queue.shift();
      return s ? Promise.resolve(s) : new Promise((r) => waiters.push(r));
    },
  };
}

async function relayTo(port: number, claimedDestination = '127.0.0.9'): Promise<ProxyRelay> {
  const relay = await startProxyRelay({
    targetHost: '127.0.0.1',
    targetPort: port,
    claimedDestination,
  });
  cleanups.push(() => relay.close());
  return relay;
}

async function dial(relay: ProxyRelay, allowHalfOpen = false): Promise<Socket> {
  const s = connect({ host: relay.host, port: relay.port, allowHalfOpen });
  cleanups.push(() => void s.destroy());
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve);
    s.once('error', reject);
  });
  return s;
}

/** Collects everything until the peer ends (or closes). */
function readAll(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    s.on('data', (d: Buffer) => (data += d.toString('latin1')));
    s.once('end', () => resolve(data));
    s.once('close', () => resolve(data));
  });
}

/** Reads until `n` bytes arrived. */
function readBytes(s: Socket, n: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    const onData = (d: Buffer): void => {
      data += d.toString('latin1');
      if (data.length >= n) {
        s.off('data', onData);
        resolve(data);
      }
    };
    s.on('data', onData);
    s.once('close', () => reject(new Error(`closed after ${JSON.stringify(data)}`)));
  });
}

/** Resolves when the socket is closed; reads (and drops) data meanwhile, or EOF goes unnoticed. */
const closed = (s: Socket): Promise<void> =>
  new Promise((resolve) => {
    if (s.destroyed) return resolve();
    s.once('close', () => resolve());
    s.resume();
  });

describe('PROXY relay', () => {
  it('sends a PROXY v1 header with the claimed addresses, then relays both directions', async () => {
    const b = await backend();
    const relay = await relayTo(b.port);
    const client = await dial(relay);
    const server = await b.next();
    const expectedHeader = `PROXY TCP4 ${RELAY_CLAIMED_CLIENT} 127.0.0.9 ${client.localPort} ${relay.port}\r\n`;
    client.write('hello');
    expect(await readBytes(server, expectedHeader.length + 5)).toBe(`${expectedHeader}hello`);
    server.write('world');
    expect(await readBytes(client, 5)).toBe('world');
  });

  it('passes a half-close on: the client ends, the server still answers', async () => {
    const b = await backend();
    const relay = await relayTo(b.port);
    const client = await dial(relay, true);
    const server = await b.next();
    const fromServer = readAll(client);
    const fromClient = readAll(server);
    client.end('last words');
    expect(await fromClient).toMatch(/\r\nlast words$/);
    server.end('reply after half-close');
    expect(await fromServer).toBe('reply after half-close');
    await closed(client);
  });

  it('closes the client when the server resets', async () => {
    const b = await backend();
    const relay = await relayTo(b.port);
    const client = await dial(relay);
    client.on('error', () => {});
    const server = await b.next();
    server.resetAndDestroy();
    await closed(client);
    expect(client.destroyed).toBe(true);
  });

  it('closes the client when the server cannot be reached', async () => {
    const relay = await relayTo(await freePort()); // nothing listens there
    const client = await dial(relay);
    client.on('error', () => {});
    await closed(client);
  });

  it('close() stops listening and drops open connections', async () => {
    const b = await backend();
    const relay = await relayTo(b.port);
    const client = await dial(relay);
    client.on('error', () => {});
    await b.next();
    expect(relay.openSockets).toBe(2);
    await relay.close();
    await closed(client);
    await expect(dial(relay)).rejects.toThrow();
  });
});
