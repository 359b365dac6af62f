/**
 * Recorded answers from a real OpenSSL: each test starts `openssl s_server` on loopback with
 * chosen options, sends our ClientHello over a raw socket, records the server's first flight and
 * parses it. The certificates are made fresh in a temporary directory with the openssl CLI.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClientHello, GROUPS } from './client-hello';
import type { ClientHelloOptions } from './client-hello';
import { exchangeHello } from './exchange';
import type { ExchangeOutcome } from './exchange';
import { wasOffered } from './server-hello';
import { suiteCodesWhere } from './suites';

let dir = '';
const pem = (name: string): string => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sealcheck-scanner-'));
  const ossl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  ossl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=Scanner Test Root',
    '-keyout',
    'root.key',
    '-out',
    'root.pem',
    '-days',
    '2',
  );
  ossl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=scanner.test',
    '-keyout',
    'leaf.key',
    '-out',
    'leaf.csr',
  );
  ossl(
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'root.pem',
    '-CAkey',
    'root.key',
    '-CAcreateserial',
    '-out',
    'leaf.pem',
    '-days',
    '2',
  );
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts s_server with `args`, sends one hello, returns the outcome and stops the server. */
async function against(
  args: readonly string[],
  hello: ClientHelloOptions,
  wantCertificates = true,
): Promise<ExchangeOutcome> {
  const server: ChildProcess = spawn(
    'openssl',
    [
      's_server',
      '-accept',
      '127.0.0.1:0',
      '-naccept',
      '1',
      '-cert',
      pem('leaf.pem'),
      '-key',
      pem('leaf.key'),
      ...args,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`s_server did not start: ${out}`)), 10_000);
      server.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      server.once('exit', () => reject(new Error(`s_server exited: ${out}`)));
    });
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    try {
      return await exchangeHello(socket, buildClientHello(hello), {
        timeoutMs: 5_000,
        wantCertificates,
      });
    } finally {
      socket.destroy();
    }
  } finally {
    server.kill();
  }
}

function flightOf(o: ExchangeOutcome) {
  if (o.kind !== 'flight') throw new Error(`no answer: ${JSON.stringify(o)}`);
  return o.flight;
}

const TLS13 = [0x1301, 0x1302, 0x1303];
const TLS12 = [0xc02f, 0xc030, 0x009e, 0x009f];

describe('recorded ServerHellos from OpenSSL s_server', () => {
  it('TLS 1.3: the negotiated version, a suite from the offer and the x25519 share', async () => {
    const f = flightOf(
      await against([], { version: 'TLSv1.3', suites: TLS13, serverName: 'scanner.test' }),
    );
    expect(f).toMatchObject({
      kind: 'server-hello',
      version: 0x0304,
      selectedGroup: GROUPS.x25519,
      complete: true,
    });
    if (f.kind === 'server-hello') {
      expect(wasOffered(TLS13, f.cipherSuite)).toBe(true);
      expect(f.certificates).toBeUndefined(); // encrypted in TLS 1.3
    }
  });

  it('accepts a padded hello offering X25519MLKEM768 and every registry suite', async () => {
    const all = suiteCodesWhere(() => true);
    for (const suites of [TLS13, all]) {
      const f = flightOf(
        await against([], {
          version: 'TLSv1.3',
          suites,
          offerPostQuantum: true,
          serverName: 'scanner.test',
        }),
      );
      // OpenSSL 3.0 knows no ML-KEM: it ignores the group and uses the x25519 share.
      expect(f).toMatchObject({
        kind: 'server-hello',
        version: 0x0304,
        selectedGroup: GROUPS.x25519,
      });
    }
  });

  it('TLS 1.3 with secp256r1 only as key share', async () => {
    const f = flightOf(
      await against([], { version: 'TLSv1.3', suites: TLS13, keyShares: ['secp256r1'] }),
    );
    expect(f).toMatchObject({
      kind: 'server-hello',
      version: 0x0304,
      selectedGroup: GROUPS.secp256r1,
    });
  });

  it('a HelloRetryRequest when the server wants a group we sent no share for', async () => {
    const f = flightOf(await against(['-groups', 'P-384'], { version: 'TLSv1.3', suites: TLS13 }));
    expect(f).toMatchObject({
      kind: 'hello-retry-request',
      selectedGroup: GROUPS.secp384r1,
      version: 0x0304,
    });
  });

  it('TLS 1.2 to a TLS 1.3 server: downgrade sentinel, chain as sent, ECDHE curve', async () => {
    const f = flightOf(
      await against(['-cert_chain', pem('root.pem')], {
        version: 'TLSv1.2',
        suites: TLS12,
        serverName: 'scanner.test',
      }),
    );
    expect(f).toMatchObject({
      kind: 'server-hello',
      version: 0x0303,
      downgradeSentinel: 'tls12',
      complete: true,
      cipherSuite: 0xc02f, // OpenSSL follows the client's order by default
    });
    if (f.kind !== 'server-hello') return;
    const subjects = (f.certificates ?? []).map((der) => new X509Certificate(der).subject);
    expect(subjects).toEqual(['CN=scanner.test', 'CN=Scanner Test Root']);
    expect(f.certificates?.[0]).toEqual(new X509Certificate(readFileSync(pem('leaf.pem'))).raw);
    expect(f.serverKeyExchange?.curveName).toBe('x25519');
    expect(f.selectedGroup).toBe(GROUPS.x25519);
  });

  it('TLS 1.2 DHE: the size of the server prime', async () => {
    const f = flightOf(await against([], { version: 'TLSv1.2', suites: [0x009e, 0x009f] }));
    expect(f).toMatchObject({ kind: 'server-hello', serverKeyExchange: { dhPrimeBits: 2048 } });
  });

  it('TLS 1.0 at security level 0: a TLS 1.0 ServerHello with the ≤ 1.1 sentinel', async () => {
    const f = flightOf(
      await against(['-cipher', 'DEFAULT@SECLEVEL=0'], {
        version: 'TLSv1',
        suites: [0xc013, 0x002f],
      }),
    );
    expect(f).toMatchObject({
      kind: 'server-hello',
      versionName: 'TLSv1',
      downgradeSentinel: 'tls11',
      cipherSuite: 0xc013,
    });
  });

  it('anonymous ECDH when the server allows aNULL', async () => {
    const f = flightOf(
      await against(['-cipher', 'aNULL@SECLEVEL=0', '-no_tls1_3'], {
        version: 'TLSv1.2',
        suites: [0xc018, 0x00a6],
      }),
    );
    expect(f).toMatchObject({ kind: 'server-hello', cipherSuite: 0xc018, complete: true });
    if (f.kind === 'server-hello') expect(f.certificates).toBeUndefined();
  });

  it('an alert when no offered suite is acceptable', async () => {
    const f = flightOf(await against([], { version: 'TLSv1.2', suites: [0x0005, 0x0004] }));
    expect(f).toMatchObject({ kind: 'alert', level: 2, name: 'handshake_failure' });
  });

  // OpenSSL 3.0 has no SSL 3 and answers an SSL 3 hello with handshake_failure, not
  // protocol_version: the scan must treat any fatal alert to such a hello as "not accepted".
  it('an alert for SSL 3.0 (OpenSSL 3 has no SSL 3)', async () => {
    const f = flightOf(await against([], { version: 'SSLv3', suites: [0x002f, 0x000a] }));
    expect(f).toMatchObject({ kind: 'alert', level: 2, name: 'handshake_failure' });
  });
});
