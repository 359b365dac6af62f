/**
 * A TCP relay on loopback that adds a round-trip time between a client and a server, for the
 * benchmarks and tests that must see what 20–200 ms of distance does (this kind of machine's
 * kernel has no delaying queue discipline, so netem is not an option).
 *
 * The model, the same for every tool measured through it:
 *   - TCP set-up costs one round trip: after accepting, the relay holds the connection for one
 *     RTT (reading nothing, connecting to nothing), as a SYN / SYN-ACK exchange would;
 *   - then each byte takes half the RTT in each direction: every chunk read is delivered
 *     RTT/2 later, in order; an end (half-close) travels the same way, after the data.
 * So a client-speaks-first exchange (TLS) sees its first answer two RTTs after connect(), and
 * a server greeting arrives 1.5 RTTs after it.
 *
 * Memory is bounded per direction: a side whose bytes in flight pass HIGH_WATER is paused until
 * they drain. Listens on the given loopback address only.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

const HIGH_WATER = 1024 * 1024;

export interface DelayRelayOptions {
  /** Where to relay to. */
  readonly target: { readonly host: string; readonly port: number };
  /** The round-trip time to add, in milliseconds. */
  readonly rttMs: number;
  /** The loopback address to listen on (default 127.0.0.1). */
  readonly listenHost?: string;
}

export interface DelayRelay {
  readonly host: string;
  readonly port: number;
  readonly rttMs: number;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Pipes `from` into `to`, every chunk and the end `delayMs` late, pausing `from` when full. */
function delayedPipe(from: Socket, to: Socket, delayMs: number): void {
  let inFlight = 0;
  from.on('data', (chunk: Buffer) => {
    inFlight += chunk.length;
    if (inFlight > HIGH_WATER) from.pause();
    setTimeout(() => {
      inFlight -= chunk.length;
      if (!to.destroyed) to.write(chunk);
      if (inFlight <= HIGH_WATER && from.isPaused() && !from.destroyed) from.resume();
    }, delayMs);
  });
  from.on('end', () => {
    setTimeout(() => {
      if (!to.destroyed) to.end();
    }, delayMs);
  });
  // A reset or error on one side reaches the other one trip later, as it would on a wire.
  from.on('close', (hadError) => {
    setTimeout(() => {
      if (hadError) to.destroy();
      else if (!to.destroyed && to.writableEnded === false) to.end();
    }, delayMs);
  });
  from.on('error', () => undefined);
}

export async function startDelayRelay(options: DelayRelayOptions): Promise<DelayRelay> {
  const { rttMs } = options;
  if (!Number.isFinite(rttMs) || rttMs < 0 || rttMs > 10_000) {
    throw new Error(`rttMs must be from 0 to 10000, not ${rttMs}`);
  }
  const listenHost = options.listenHost ?? '127.0.0.1';
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(listenHost) && listenHost !== '::1') {
    throw new Error(`the delay relay listens on loopback only, not ${listenHost}`);
  }
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let connections = 0;
  const server: Server = createServer(
    { pauseOnConnect: true, noDelay: true, allowHalfOpen: true },
    (client) => {
      connections++;
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      client.on('error', () => undefined);
      // One round trip of TCP set-up: nothing is read or relayed before it has passed.
      const hold = setTimeout(() => {
        timers.delete(hold);
        if (client.destroyed) return;
        const upstream = connect({
          host: options.target.host,
          port: options.target.port,
          noDelay: true,
        });
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        upstream.on('error', () => undefined);
        upstream.once('connect', () => {
          delayedPipe(client, upstream, rttMs / 2);
          delayedPipe(upstream, client, rttMs / 2);
          client.resume();
        });
        upstream.once('error', () => client.destroy());
      }, rttMs);
      timers.add(hold);
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, listenHost, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay has no port');
  return {
    host: listenHost,
    port: address.port,
    rttMs,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
