/**
 * A tiny TCP relay that prefixes every connection with a HAProxy PROXY protocol v1 header.
 *
 * Dovecot treats clients on loopback as "secure" and then allows plaintext login even where
 * a remote client would be refused. The relay accepts on a published loopback port, connects
 * to the server's internal port (a listener with `haproxy = yes`) and first claims, in the
 * header only, a client address from TEST-NET-3 (203.0.113.0/24): no traffic goes there. The
 * claimed destination address also lets one Dovecot pick per-endpoint settings via
 * `local <ip> { … }` blocks.
 */
import { connect, createServer, isIPv4, type Socket } from 'node:net';

/** The client address written into every PROXY header (RFC 5737 TEST-NET-3). */
export const RELAY_CLAIMED_CLIENT = '203.0.113.7';

export interface ProxyRelayOptions {
  /** Where the relay listens (loopback). */
  readonly listenHost?: string;
  /** 0 (default) lets the kernel pick a free port. */
  readonly listenPort?: number;
  /** The server's internal listener. */
  readonly targetHost: string;
  readonly targetPort: number;
  /** Client address claimed in the header; defaults to RELAY_CLAIMED_CLIENT. */
  readonly claimedSource?: string;
  /** Destination address claimed in the header; defaults to listenHost. */
  readonly claimedDestination?: string;
  /** Give up connecting to the target after this long (ms). */
  readonly connectTimeoutMs?: number;
}

export interface ProxyRelay {
  readonly host: string;
  readonly port: number;
  /** Sockets currently open (two per relayed connection: client side and server side). */
  readonly openSockets: number;
  /** Stops accepting and destroys every open connection. */
  close(): Promise<void>;
}

export function proxyV1Header(src: string, dst: string, srcPort: number, dstPort: number): string {
  if (!isIPv4(src) || !isIPv4(dst))
    throw new Error(`PROXY v1 relay supports IPv4 only: ${src} → ${dst}`);
  return `PROXY TCP4 ${src} ${dst} ${srcPort} ${dstPort}\r\n`;
}

export async function startProxyRelay(options: ProxyRelayOptions): Promise<ProxyRelay> {
  const listenHost = options.listenHost ?? '127.0.0.1';
  const claimedSource = options.claimedSource ?? RELAY_CLAIMED_CLIENT;
  const claimedDestination = options.claimedDestination ?? listenHost;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const sockets = new Set<Socket>();
  let port = 0;

  const track = (s: Socket): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };

  const server = createServer(
    { allowHalfOpen: true, pauseOnConnect: true, noDelay: true },
    (client) => {
      track(client);
      const upstream = connect({
        host: options.targetHost,
        port: options.targetPort,
        allowHalfOpen: true,
        noDelay: true, // a relay must not add Nagle stalls to the dialog it carries
      });
      track(upstream);
      const teardown = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.once('error', teardown);
      upstream.once('error', teardown);
      // Either side fully closed (e.g. reset, or both directions ended): close the other too.
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
      upstream.setTimeout(connectTimeoutMs, teardown);
      upstream.once('connect', () => {
        upstream.setTimeout(0);
        upstream.write(
          proxyV1Header(claimedSource, claimedDestination, client.remotePort ?? 0, port),
        );
        // pipe() forwards data with backpressure and ends the other side on 'end' (half-close).
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    },
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listenPort ?? 0, listenHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('relay: no listening address');
  port = addr.port;
  server.on('error', () => {
    // after listen, server errors (e.g. EMFILE on accept) only affect that accept
  });

  return {
    host: listenHost,
    port,
    get openSockets() {
      return sockets.size;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        sockets.clear();
      });
    },
  };
}
