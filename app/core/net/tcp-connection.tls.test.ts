/**
 * TLS on TcpConnection against loopback servers written here, with a throwaway PKI from the
 * bed's generator: implicit TLS, STARTTLS (with plaintext after the go-ahead), verification
 * as data, the rule that secrets need a verified identity, alerts and handshake deadlines.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generatePki } from '../../../test/bed/pki';
import type { CertCase } from '../../../test/bed/endpoints';
import { isProbeError, type ProbeErrorFact } from './errors';
import type { TlsFacts } from '../facts/endpoint';
import { connect, connectTls, type TcpConnection } from './tcp-connection';
import { TlsSessionCache } from './tls-sessions';
import type { TlsStartOptions } from './types';

let pkiDir = '';
let rootPem = '';
const certs = {} as Record<CertCase, { key: string; chain: string; cert: string }>;

beforeAll(async () => {
  pkiDir = await mkdtemp(join(tmpdir(), 'sealcheck-net-tls-'));
  const pki = await generatePki(pkiDir);
  rootPem = await readFile(pki.rootCaFile, 'utf8');
  for (const [name, files] of Object.entries(pki.cases)) {
    certs[name as CertCase] = {
      key: await readFile(files.keyFile, 'utf8'),
      chain: await readFile(files.chainFile, 'utf8'),
      cert: await readFile(files.certFile, 'utf8'),
    };
  }
}, 60_000);

afterAll(async () => {
  if (pkiDir) await rm(pkiDir, { recursive: true, force: true });
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(server: net.Server): Promise<number> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  server.on('secureConnection', (s: net.Socket) => s.on('error', () => {}));
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

function track(c: TcpConnection): TcpConnection {
  cleanups.push(() => c.close());
  return c;
}

async function failure(p: Promise<unknown>): Promise<ProbeErrorFact> {
  try {
    await p;
  } catch (err) {
    if (isProbeError(err)) return err.fact;
    throw err;
  }
  throw new Error('expected a ProbeError, but the operation succeeded');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** An implicit-TLS server that greets and collects what it receives. */
async function tlsServer(
  cert: CertCase,
  options: tls.TlsOptions = {},
): Promise<{ port: number; received: () => string; sni: () => string | false | null | undefined }> {
  let received = '';
  let sni: string | false | null | undefined;
  const server = tls.createServer(
    { key: certs[cert].key, cert: certs[cert].chain, ...options },
    (s) => {
      sni = s.servername;
      s.on('error', () => {});
      s.on('data', (d: Buffer) => (received += d.toString()));
      s.write('* OK tls ready\r\n');
    },
  );
  const port = await listen(server);
  return { port, received: () => received, sni: () => sni };
}

/**
 * A STARTTLS server: greets in plaintext, answers "A1 STARTTLS" with `goAhead` (which may carry
 * extra plaintext), optionally sends `late` plaintext after a pause, then speaks TLS as a server.
 */
async function starttlsServer(
  goAhead: string,
  late?: string,
): Promise<{ port: number; inside: () => string }> {
  let inside = '';
  const server = net.createServer((socket) => {
    socket.write('* OK plaintext ready\r\n');
    let pending = '';
    const onData = (d: Buffer): void => {
      pending += d.toString('latin1');
      if (!pending.includes('A1 STARTTLS\r\n')) return;
      socket.off('data', onData);
      socket.write(goAhead);
      void (async () => {
        if (late !== undefined) {
          await sleep(100);
          socket.write(late);
        }
        const secure = new tls.TLSSocket(socket, {
          isServer: true,
          secureContext: tls.createSecureContext({
            key: certs.good.key,
            cert: certs.good.chain,
          }),
        });
        secure.on('error', () => {});
        secure.on('secure', () => secure.write('* inside TLS\r\n'));
        secure.on('data', (x: Buffer) => (inside += x.toString()));
      })();
    };
    socket.on('data', onData);
  });
  const port = await listen(server);
  return { port, inside: () => inside };
}

describe('implicit TLS', () => {
  it('a chain to an extra root with the right name verifies; secrets may pass, redacted', async () => {
    const srv = await tlsServer('good');
    const { connection, upgrade } = await connectTls({
      address: '127.0.0.1',
      port: srv.port,
      tls: { serverName: 'mail.test.example', extraCa: [rootPem] },
    });
    track(connection);
    expect(connection.isTls).toBe(true);
    expect(connection.identityVerified).toBe(true);
    const t = upgrade.tls;
    expect(t.version).toBe('TLSv1.3');
    expect(t.cipher.standardName).toMatch(/^TLS_/);
    // Node 24 with OpenSSL 3.5 negotiates X25519MLKEM768 and reports it as a "TLSGroup".
    expect(t.keyExchange?.name).toBeTruthy();
    expect(t.sniSent).toBe('mail.test.example');
    expect(t.chainSource).toBe('node-rebuilt');
    expect(t.ocsp).toEqual({ requested: false, response: null });
    expect(t.verification).toEqual({
      chainTrusted: true,
      chainError: null,
      nameChecked: 'mail.test.example',
      nameMatches: true,
    });
    // Leaf first, as DER; Node's rebuilt chain reaches the root.
    expect(t.peerChain[0]).toBe(new X509Certificate(certs.good.cert).raw.toString('base64'));
    expect(t.peerChain.length).toBe(3);
    expect(JSON.parse(JSON.stringify(t))).toEqual(t);

    expect(await connection.readLine('greeting')).toBe('* OK tls ready');
    expect(srv.sni()).toBe('mail.test.example');
    await connection.writeSecret('login', 'A1 LOGIN user hunter2\r\n', 'A1 LOGIN user <password>');
    await sleep(50);
    expect(srv.received()).toBe('A1 LOGIN user hunter2\r\n');
    const text = JSON.stringify(connection.transcript);
    expect(text).not.toContain('hunter2');
    expect(connection.transcript.at(-1)).toEqual(
      expect.objectContaining({
        dir: 'sent',
        text: 'A1 LOGIN user <password>',
        tls: true,
        redacted: true,
      }),
    );
  });

  it('a self-signed certificate still completes the handshake, unverified; secrets refused', async () => {
    const srv = await tlsServer('self-signed');
    const { connection, upgrade } = await connectTls({
      address: '127.0.0.1',
      port: srv.port,
      tls: { serverName: 'mail.test.example', extraCa: [rootPem] },
    });
    track(connection);
    expect(upgrade.tls.verification.chainTrusted).toBe(false);
    expect(upgrade.tls.verification.chainError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(connection.identityVerified).toBe(false);
    const f = await failure(
      connection.writeSecret('login', 'A1 LOGIN user hunter2\r\n', 'A1 LOGIN user <password>'),
    );
    expect(f).toMatchObject({ step: 'login', kind: 'unsafe' });
    await sleep(50);
    expect(srv.received()).toBe('');
  });

  it('a trusted chain for another name is not verified (no Common Name fallback either)', async () => {
    const srv = await tlsServer('wrong-host');
    const { connection, upgrade } = await connectTls({
      address: '127.0.0.1',
      port: srv.port,
      tls: { serverName: 'mail.test.example', extraCa: [rootPem] },
    });
    track(connection);
    expect(upgrade.tls.verification).toMatchObject({ chainTrusted: true, nameMatches: false });
    expect(connection.identityVerified).toBe(false);
  });

  it('an IP literal as the name sends no SNI and matches only iPAddress entries', async () => {
    const srv = await tlsServer('good');
    const { connection, upgrade } = await connectTls({
      address: '127.0.0.1',
      port: srv.port,
      tls: { serverName: '127.0.0.1', extraCa: [rootPem] },
    });
    track(connection);
    expect(await connection.readLine('greeting')).toBe('* OK tls ready');
    expect(srv.sni()).toBeFalsy();
    expect(upgrade.tls.sniSent).toBeNull();
    expect(upgrade.tls.verification).toMatchObject({
      nameChecked: '127.0.0.1',
      nameMatches: false,
    });
  });

  it('records ALPN, a stapled OCSP response and a TLS 1.2 key exchange', async () => {
    const staple = Buffer.from('not really DER, but stapled');
    const server = tls.createServer({
      key: certs.good.key,
      cert: certs.good.chain,
      ALPNProtocols: ['xmpp-client'],
      maxVersion: 'TLSv1.2',
    });
    server.on('OCSPRequest', (_c: Buffer, _i: Buffer, cb: (e: Error | null, r?: Buffer) => void) =>
      cb(null, staple),
    );
    server.on('secureConnection', (s: tls.TLSSocket) => s.write('hi\r\n'));
    const port = await listen(server);
    const { connection, upgrade } = await connectTls({
      address: '127.0.0.1',
      port,
      tls: {
        serverName: 'mail.test.example',
        extraCa: [rootPem],
        alpn: ['xmpp-client'],
        requestOcsp: true,
      },
    });
    track(connection);
    expect(upgrade.tls.version).toBe('TLSv1.2');
    expect(upgrade.tls.alpn).toBe('xmpp-client');
    expect(upgrade.tls.ocsp).toEqual({ requested: true, response: staple.toString('base64') });
    expect(upgrade.tls.keyExchange?.type).toBe('ECDH');
    expect(upgrade.tls.keyExchange?.name).toBeTruthy();
  });

  it('a server that accepts only TLS 1.3 answers a TLS 1.2 client with protocol_version', async () => {
    const srv = await tlsServer('good', { minVersion: 'TLSv1.3' });
    const f = await failure(
      connectTls({
        address: '127.0.0.1',
        port: srv.port,
        tls: { serverName: 'mail.test.example', maxVersion: 'TLSv1.2' },
      }),
    );
    expect(f).toMatchObject({ step: 'handshake', kind: 'tls', alert: 'protocol_version' });
  });

  it('a server that never answers the ClientHello hits the handshake deadline', async () => {
    const port = await listen(net.createServer(() => {}));
    const start = performance.now();
    const f = await failure(
      connectTls({
        address: '127.0.0.1',
        port,
        timeouts: { handshake: 300 },
        tls: { serverName: 'mail.test.example' },
      }),
    );
    expect(f).toMatchObject({ step: 'handshake', kind: 'timeout' });
    expect(performance.now() - start).toBeLessThan(5_000);
  });

  it('a reset in mid-handshake is "reset"', async () => {
    const port = await listen(net.createServer((s) => s.once('data', () => s.resetAndDestroy())));
    const f = await failure(
      connectTls({ address: '127.0.0.1', port, tls: { serverName: 'mail.test.example' } }),
    );
    expect(f).toMatchObject({ step: 'handshake', kind: 'reset' });
  });

  it('a plaintext server is a "tls" failure, not a hang', async () => {
    const port = await listen(net.createServer((s) => s.write('* OK plaintext IMAP\r\n')));
    const f = await failure(
      connectTls({ address: '127.0.0.1', port, tls: { serverName: 'mail.test.example' } }),
    );
    expect(f).toMatchObject({ step: 'handshake', kind: 'tls' });
  });

  it('aborting during the handshake is "cancelled"', async () => {
    const port = await listen(net.createServer(() => {}));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const f = await failure(
      connectTls({
        address: '127.0.0.1',
        port,
        signal: ac.signal,
        tls: { serverName: 'mail.test.example' },
      }),
    );
    expect(f).toMatchObject({ step: 'handshake', kind: 'cancelled' });
  });
});

describe('STARTTLS', () => {
  async function goAhead(conn: TcpConnection): Promise<void> {
    expect(await conn.readLine('greeting')).toBe('* OK plaintext ready');
    await conn.write('starttls', 'A1 STARTTLS\r\n');
    expect(await conn.readLine('starttls')).toBe('A1 OK go ahead');
  }

  it('upgrades the same connection; reads and writes continue inside TLS', async () => {
    const srv = await starttlsServer('A1 OK go ahead\r\n');
    const conn = track(await connect({ address: '127.0.0.1', port: srv.port }));
    await goAhead(conn);
    const up = await conn.startTls({ serverName: 'mail.test.example', extraCa: [rootPem] });
    expect(up.plaintextAfterGoAhead.length).toBe(0);
    expect(conn.isTls).toBe(true);
    expect(conn.identityVerified).toBe(true);
    expect(await conn.readLine('capabilities-after-tls')).toBe('* inside TLS');
    await conn.write('capabilities-after-tls', 'A2 CAPABILITY\r\n');
    await sleep(50);
    expect(srv.inside()).toBe('A2 CAPABILITY\r\n');
    const tlsEntries = conn.transcript.filter((e) => e.tls && e.dir !== 'note');
    expect(tlsEntries.map((e) => e.text)).toEqual(['* inside TLS', 'A2 CAPABILITY']);
    expect(await failure(conn.startTls({ serverName: 'mail.test.example' }))).toMatchObject({
      kind: 'protocol',
    });
  });

  it('plaintext sent with the go-ahead is captured, never fed to TLS', async () => {
    const srv = await starttlsServer('A1 OK go ahead\r\n* INJECTED plaintext\r\n');
    const conn = track(await connect({ address: '127.0.0.1', port: srv.port }));
    await goAhead(conn);
    const up = await conn.startTls({ serverName: 'mail.test.example', extraCa: [rootPem] });
    expect(up.plaintextAfterGoAhead.toString()).toBe('* INJECTED plaintext\r\n');
    expect(conn.transcript.some((e) => e.dir === 'note' && e.text.includes('INJECTED'))).toBe(true);
    expect(await conn.readLine('capabilities-after-tls')).toBe('* inside TLS');
  });

  it('plaintext arriving after the client started TLS fails cleanly within the deadline', async () => {
    const srv = await starttlsServer('A1 OK go ahead\r\n', '* LATE plaintext\r\n');
    const conn = track(await connect({ address: '127.0.0.1', port: srv.port }));
    await goAhead(conn);
    const start = performance.now();
    try {
      await conn.startTls({ serverName: 'mail.test.example', extraCa: [rootPem] });
    } catch (err) {
      expect(isProbeError(err)).toBe(true);
      if (isProbeError(err)) expect(['tls', 'reset', 'closed']).toContain(err.fact.kind);
    }
    expect(performance.now() - start).toBeLessThan(16_000);
  });

  it('a drain after the go-ahead collects late plaintext; the handshake then succeeds', async () => {
    const srv = await starttlsServer('A1 OK go ahead\r\n', '* LATE plaintext\r\n');
    const conn = track(await connect({ address: '127.0.0.1', port: srv.port }));
    await goAhead(conn);
    const late = await conn.drain('starttls', 2_000);
    expect(late.toString()).toBe('* LATE plaintext\r\n');
    const up = await conn.startTls({ serverName: 'mail.test.example', extraCa: [rootPem] });
    expect(up.plaintextAfterGoAhead.length).toBe(0);
    expect(await conn.readLine('capabilities-after-tls')).toBe('* inside TLS');
  });

  it('a server that closes instead of starting TLS is reported, not hung', async () => {
    const server = net.createServer((s) => {
      s.write('* OK plaintext ready\r\n');
      s.once('data', () => s.end('A1 OK go ahead\r\n'));
    });
    const port = await listen(server);
    const conn = track(await connect({ address: '127.0.0.1', port }));
    await goAhead(conn);
    await sleep(50);
    const f = await failure(conn.startTls({ serverName: 'mail.test.example' }));
    expect(f.step).toBe('handshake');
    expect(['closed', 'reset']).toContain(f.kind);
  });
});

describe('TLS session resumption (tls-sessions.ts)', () => {
  /** A TLS 1.2 (or other) server that records whether each handshake resumed a session. */
  async function sessionServer(
    cert: CertCase,
    maxVersion: tls.SecureVersion = 'TLSv1.2',
  ): Promise<{ port: number; server: tls.Server; resumed: boolean[]; received: () => string }> {
    const resumed: boolean[] = [];
    let received = '';
    const server = tls.createServer(
      { key: certs[cert].key, cert: certs[cert].chain, maxVersion },
      (s) => {
        resumed.push(s.isSessionReused());
        s.on('error', () => {});
        s.on('data', (d: Buffer) => (received += d.toString()));
        s.write('* OK tls ready\r\n');
      },
    );
    const port = await listen(server);
    return { port, server, resumed, received: () => received };
  }

  async function handshake(
    port: number,
    options: Partial<TlsStartOptions> & { sessions: TlsSessionCache },
  ): Promise<{ connection: TcpConnection; facts: TlsFacts }> {
    const { connection, upgrade } = await connectTls({
      address: '127.0.0.1',
      port,
      tls: { serverName: 'mail.test.example', extraCa: [rootPem], ...options },
    });
    track(connection);
    expect(await connection.readLine('greeting')).toBe('* OK tls ready');
    return { connection, facts: upgrade.tls };
  }

  it('a verified TLS 1.2 session is resumed with the full handshake’s chain; secrets may pass', async () => {
    const srv = await sessionServer('good');
    const sessions = new TlsSessionCache();
    const first = await handshake(srv.port, { sessions });
    expect(first.facts.resumed).toBe(false);
    await expect.poll(() => sessions.size).toBe(1);

    const second = await handshake(srv.port, { sessions, resume: true });
    expect(srv.resumed).toEqual([false, true]);
    expect(second.facts).toMatchObject({ resumed: true, version: 'TLSv1.2' });
    expect(second.facts.peerChain).toEqual(first.facts.peerChain);
    expect(second.facts.peerChain.length).toBe(3);
    expect(second.facts.verification).toEqual(first.facts.verification);
    expect(second.connection.identityVerified).toBe(true);
    expect(second.connection.transcript.map((e) => e.text).join('\n')).toContain(
      'resumed a session of an earlier full handshake',
    );
    await second.connection.writeSecret('login', 'A1 LOGIN u hunter2\r\n', 'A1 LOGIN u <password>');
    await expect.poll(() => srv.received()).toBe('A1 LOGIN u hunter2\r\n');
  });

  it('a session whose full handshake did not verify never carries a credential', async () => {
    const srv = await sessionServer('self-signed');
    const sessions = new TlsSessionCache();
    const first = await handshake(srv.port, { sessions });
    expect(first.connection.identityVerified).toBe(false);
    await expect.poll(() => sessions.size).toBe(1);

    const second = await handshake(srv.port, { sessions, resume: true });
    expect(srv.resumed).toEqual([false, true]);
    expect(second.facts.resumed).toBe(true);
    expect(second.facts.verification.chainError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(second.connection.identityVerified).toBe(false);
    const f = await failure(
      second.connection.writeSecret('login', 'A1 LOGIN u hunter2\r\n', 'A1 LOGIN u <password>'),
    );
    expect(f.kind).toBe('unsafe');

    // The user's exception is matched against the full handshake's leaf.
    const leaf = new X509Certificate(certs['self-signed'].cert).fingerprint256;
    const third = await handshake(srv.port, { sessions, resume: true, pinnedSha256: [leaf] });
    expect(third.facts.resumed).toBe(true);
    expect(third.connection.identityVerified).toBe(true);
    await sleep(50);
    expect(srv.received()).toBe('');
  });

  it('another name, other trust anchors or no resume flag: a full handshake', async () => {
    const srv = await sessionServer('good');
    const sessions = new TlsSessionCache();
    await handshake(srv.port, { sessions });
    await expect.poll(() => sessions.size).toBe(1);
    const otherName = await handshake(srv.port, {
      sessions,
      resume: true,
      serverName: 'other.test.example',
    });
    expect(otherName.facts.resumed).toBe(false);
    expect(otherName.connection.identityVerified).toBe(false);
    const otherTrust = await handshake(srv.port, { sessions, resume: true, extraCa: [] });
    expect(otherTrust.facts.resumed).toBe(false);
    expect(otherTrust.facts.verification.chainTrusted).toBe(false);
    const noResume = await handshake(srv.port, { sessions });
    expect(noResume.facts.resumed).toBe(false);
    expect(srv.resumed).toEqual([false, false, false, false]);
  });

  it('a server that forgot the session gives a full handshake, read off the socket', async () => {
    const srv = await sessionServer('good');
    const sessions = new TlsSessionCache();
    await handshake(srv.port, { sessions });
    await expect.poll(() => sessions.size).toBe(1);
    srv.server.setTicketKeys(randomBytes(48));
    const second = await handshake(srv.port, { sessions, resume: true });
    expect(srv.resumed).toEqual([false, false]);
    expect(second.facts.resumed).toBe(false);
    expect(second.facts.peerChain.length).toBe(3);
    expect(second.connection.identityVerified).toBe(true);
  });

  it('TLS 1.3 sessions are not kept: resuming them would save no round trip', async () => {
    const srv = await sessionServer('good', 'TLSv1.3');
    const sessions = new TlsSessionCache();
    const first = await handshake(srv.port, { sessions });
    expect(first.facts.version).toBe('TLSv1.3');
    await sleep(100);
    expect(sessions.size).toBe(0);
    const second = await handshake(srv.port, { sessions, resume: true });
    expect(second.facts.resumed).toBe(false);
    expect(srv.resumed).toEqual([false, false]);
  });
});
