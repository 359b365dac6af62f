/**
 * A loopback HTTPS server for tests (autoconfig, later MTA-STS): a throwaway self-signed CA
 * certificate for the names given, and a handler per path. Records every request line.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestHttpsServer {
  readonly port: number;
  /** The certificate (PEM) to trust. */
  readonly ca: string;
  /** "Host path?query" of every request. */
  readonly requests: string[];
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A self-signed CA certificate and key for `names` (openssl, a fresh key each time). */
export async function selfSignedCert(
  names: readonly string[],
): Promise<{ key: string; cert: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'sealcheck-https-'));
  try {
    await run(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2',
        '-subj', `/CN=${names[0] ?? 'localhost'}`,
        '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
        '-addext', 'basicConstraints=critical,CA:TRUE',
      ], // prettier-ignore
      { timeout: 20_000 },
    );
    return {
      key: await readFile(join(dir, 'key.pem'), 'utf8'),
      cert: await readFile(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function startHttpsServer(
  names: readonly string[],
  handlers: Readonly<Record<string, Handler>>,
): Promise<TestHttpsServer> {
  const { key, cert } = await selfSignedCert(names);
  const requests: string[] = [];
  const server: Server = createServer({ key, cert }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    requests.push(`${req.headers.host ?? ''} ${url.pathname}${url.search}`);
    const handler = handlers[url.pathname];
    if (handler) handler(req, res);
    else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    ca: cert,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
