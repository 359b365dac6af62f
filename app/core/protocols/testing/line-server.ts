/**
 * Test support for the line-based dialogs (IMAP, POP3): one-connection servers scripted on
 * loopback, a stand-in for a verified connection, and a helper to catch ProbeErrors.
 * Not a test itself; imported by the dialogs' tests only.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach } from 'vitest';
import { ProbeError, type Step } from '../../net/errors';
import type { Connection } from '../../net/types';

export type OnLine = (line: string, send: (text: string) => void, socket: Socket) => void;

export interface Scripted {
  readonly port: number;
  /** Every byte the server received, as text. */
  received(): string;
}

/**
 * Registers cleanup for the calling test file and returns `serve` (a one-connection server:
 * sends `greeting` unless null, then calls `onLine` for each line received) and `track`
 * (closes a client connection after each test).
 */
export function useScriptedServers(): {
  serve(greeting: string | null, onLine: OnLine): Promise<Scripted>;
  track(connection: Connection): Connection;
} {
  const servers: Server[] = [];
  const connections: Connection[] = [];
  afterEach(async () => {
    for (const c of connections.splice(0)) await c.close();
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
  });
  return {
    async serve(greeting, onLine) {
      let data = '';
      const server = createServer((socket) => {
        socket.on('error', () => undefined);
        let pending = '';
        if (greeting !== null) socket.write(`${greeting}\r\n`);
        socket.on('data', (chunk: Buffer) => {
          data += chunk.toString('utf8');
          pending += chunk.toString('utf8');
          for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
            const line = pending.slice(0, nl).replace(/\r$/, '');
            pending = pending.slice(nl + 1);
            onLine(line, (text) => socket.write(text), socket);
          }
        });
      });
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const addr = server.address();
      if (!addr || typeof addr !== 'object') throw new Error('no address');
      return { port: addr.port, received: () => data };
    },
    track(connection) {
      connections.push(connection);
      return connection;
    },
  };
}

/**
 * A stand-in for a connection whose TLS identity was verified, over a plain loopback socket: only
 * for testing how login frames its commands (the real rule is tested with a plain connection).
 */
export function pretendVerified(conn: Connection): Connection {
  return new Proxy(conn, {
    get(target, prop) {
      if (prop === 'identityVerified' || prop === 'isTls') return true;
      if (prop === 'identityBasis') return 'authority';
      if (prop === 'writeSecret') {
        return (step: Step, data: string | Buffer, shown: string) =>
          target.write(step, data, shown);
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

/** The ProbeError a promise rejects with; fails the test if it resolves or throws anything else. */
export async function rejected(p: Promise<unknown>): Promise<ProbeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProbeError) return err;
    throw err;
  }
  throw new Error('expected a ProbeError');
}
