/**
 * A loopback TCP relay that counts the connections it accepts: put in front of a bed endpoint
 * so the connections an external scanner (testssl.sh) makes can be counted. It only pipes
 * bytes, so implicit TLS and STARTTLS dialogs pass through unchanged.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface CountingRelay {
  /** The relay's port on 127.0.0.1. */
  readonly port: number;
  /** Connections accepted so far. */
  count(): number;
  close(): Promise<void>;
}

export async function startCountingRelay(
  targetHost: string,
  targetPort: number,
): Promise<CountingRelay> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server: Server = createServer({ noDelay: true }, (client) => {
    accepted++;
    track(client);
    const upstream = connect({ host: targetHost, port: targetPort, noDelay: true });
    track(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay: no TCP address');
  return {
    port: address.port,
    count: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
