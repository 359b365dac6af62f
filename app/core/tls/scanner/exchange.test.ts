import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildClientHello } from './client-hello';
import { exchangeHello } from './exchange';
import type { ExchangeOptions, ExchangeOutcome } from './exchange';

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

/** A loopback server that handles the first received chunk with `onHello`. */
async function run(
  onHello: (socket: Socket, hello: Buffer) => void,
  options: ExchangeOptions = { timeoutMs: 2_000 },
): Promise<{ outcome: ExchangeOutcome; received: Buffer[] }> {
  const received: Buffer[] = [];
  server = createServer((s) => {
    s.on('error', () => undefined);
    s.once('data', (d: Buffer) => {
      received.push(d);
      onHello(s, d);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const socket = connect({ host: '127.0.0.1', port: address.port });
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  try {
    const hello = buildClientHello({ version: 'TLSv1.2', suites: [0xc02f] });
    return { outcome: await exchangeHello(socket, hello, options), received };
  } finally {
    socket.destroy();
  }
}

const alert = Buffer.from([21, 3, 3, 0, 2, 2, 40]);

describe('exchangeHello', () => {
  it('sends the hello in one write and returns the parsed answer', async () => {
    const { outcome, received } = await run((s) => s.write(alert));
    expect(outcome).toEqual({
      kind: 'flight',
      flight: { kind: 'alert', level: 2, description: 40, name: 'handshake_failure' },
    });
    expect(received[0]?.readUInt8(0)).toBe(22);
  });

  it('an answer split over several writes', async () => {
    const { outcome } = await run((s) => {
      s.write(alert.subarray(0, 3));
      setTimeout(() => s.write(alert.subarray(3)), 20);
    });
    expect(outcome).toMatchObject({ kind: 'flight', flight: { kind: 'alert' } });
  });

  it('a close without an answer is "closed" with nothing received (the scan decides what it means)', async () => {
    const { outcome } = await run((s) => s.end());
    expect(outcome).toEqual({ kind: 'closed', partial: { kind: 'need-more' }, received: 0 });
  });

  it('half a record, then a close: "closed" with the bytes counted', async () => {
    const { outcome } = await run((s) => s.end(Buffer.from([22, 3, 3, 0, 80, 2, 0])));
    expect(outcome).toEqual({ kind: 'closed', partial: { kind: 'need-more' }, received: 7 });
  });

  it('a reset is "reset"', async () => {
    const { outcome } = await run((s) => s.resetAndDestroy());
    expect(['reset', 'closed']).toContain(outcome.kind);
  });

  it('silence is "timeout"', async () => {
    const { outcome } = await run(() => undefined, { timeoutMs: 150 });
    expect(outcome).toEqual({ kind: 'timeout', partial: { kind: 'need-more' } });
  });

  it('an abort signal cancels', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const { outcome } = await run(() => undefined, { timeoutMs: 5_000, signal: controller.signal });
    expect(outcome.kind).toBe('cancelled');
  });

  it('garbage is an invalid flight, at once', async () => {
    const { outcome } = await run((s) => s.write('220 smtp.example ESMTP\r\n'));
    expect(outcome).toMatchObject({ kind: 'flight', flight: { kind: 'invalid' } });
  });
});
