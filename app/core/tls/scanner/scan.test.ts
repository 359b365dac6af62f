/**
 * The scan's questions and conclusions against servers scripted on loopback (fake-tls-server.ts):
 * servers the bed's OpenSSL 3 cannot be (SSL 3.0, RC4, EXPORT, DES, post-quantum groups), servers
 * that refuse by closing or resetting, and hostile answers. The bed's real servers are in
 * scan.bed.test.ts.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScanFacts } from '../../facts/scan';
import { ProbeError } from '../../net/errors';
import { GROUPS } from './client-hello';
import { scanTls, type ScanOptions } from './scan';
import { suiteByName } from './suites';
import {
  alertRecord,
  serverHelloBody,
  startFakeTlsServer,
  tlsRecord,
  type FakeTlsPolicy,
  type FakeTlsServer,
} from './testing/fake-tls-server';

const servers: FakeTlsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function code(name: string): number {
  const s = suiteByName(name);
  if (!s) throw new Error(`no suite ${name}`);
  return s.code;
}

const TLS13 = ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256'];
const MODERN12 = [
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
];

async function scanFake(
  policy: FakeTlsPolicy,
  options: Partial<ScanOptions> = {},
): Promise<{ facts: ScanFacts; server: FakeTlsServer }> {
  const server = await startFakeTlsServer(policy);
  servers.push(server);
  const facts = await scanTls({
    mode: 'default',
    serverName: 'mail.example.org',
    signal: AbortSignal.timeout(10_000),
    helloTimeoutMs: 1_000,
    open: () => openTcp(server),
    ...options,
  });
  return { facts, server };
}

function openTcp(server: FakeTlsServer): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: server.host, port: server.port });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

function accepted(facts: ScanFacts): string[] {
  return Object.entries(facts.versions)
    .filter(([, v]) => v.accepted === true)
    .map(([k]) => k);
}

const MODERN_SERVER: FakeTlsPolicy = {
  versions: ['TLSv1.2', 'TLSv1.3'],
  suites: [...TLS13, ...MODERN12].map(code),
};

describe('scanTls: a modern server (TLS 1.2 and 1.3, ECDHE with AEAD only)', () => {
  it('answers every question in one wave of 6 connections, at most 5 refused', async () => {
    const { facts, server } = await scanFake(MODERN_SERVER);
    expect(accepted(facts)).toEqual(['TLSv1.2', 'TLSv1.3']);
    expect(facts.versions.SSLv3).toEqual({ accepted: false, basis: 'alert' });
    expect(facts.versions.TLSv1).toEqual({ accepted: false, basis: 'alert' });
    expect(facts.weakFamilies).toEqual({
      null: false,
      anonymous: false,
      export: false,
      des: false,
      rc4: false,
      '3des': false,
    });
    expect(facts.nonForwardSecretAccepted).toBe(false);
    expect(facts.dhe).toEqual({ accepted: false, primeBits: null });
    expect(facts.modernClient).toMatchObject({
      version: 'TLSv1.3',
      suite: 'TLS_AES_256_GCM_SHA384', // the server's order
      forwardSecrecy: true,
      group: 'x25519',
      postQuantum: false,
      failedWithPostQuantumShare: false,
    });
    expect(facts.connections).toBe(6);
    expect(server.connections()).toBe(6);
    expect(facts.refusedHandshakes).toBe(4); // SSL 3, TLS 1.0, TLS 1.1, the weak suites
    expect(facts.downgradeSentinelSeen).toBe(true); // TLS 1.2 from a TLS 1.3 server
    expect(facts.chainAsSent?.version).toBe('TLSv1.2');
    expect(facts.error).toBeNull();
  });

  it('sends well-formed hellos: record version 0x0301, a 32-byte session id, SNI, no 256–511-byte message', async () => {
    const { server } = await scanFake(MODERN_SERVER);
    expect(server.hellos.length).toBe(6);
    for (const h of server.hellos) {
      expect(h.recordVersion === 0x0301 || h.recordVersion === 0x0300).toBe(true);
      if (h.legacyVersion === 0x0300) {
        expect(h.extensions.size).toBe(0); // SSL 3 hellos carry no extensions
        continue;
      }
      expect(h.sessionId.length).toBe(32);
      expect(h.serverName).toBe('mail.example.org');
      expect(h.messageLength < 256 || h.messageLength >= 512).toBe(true);
    }
    // The modern client offers a real-sized X25519MLKEM768 share first, then x25519 and P-256.
    const modern = server.hellos.find((h) => h.keyShares.size > 0);
    expect([...(modern?.keyShares.entries() ?? [])]).toEqual([
      [GROUPS.X25519MLKEM768, 1184 + 32],
      [GROUPS.x25519, 32],
      [GROUPS.secp256r1, 65],
    ]);
    expect(modern?.supportedGroups[0]).toBe(GROUPS.X25519MLKEM768);
  });

  it('a server that prefers X25519MLKEM768: protected against future decryption', async () => {
    const { facts } = await scanFake({
      ...MODERN_SERVER,
      groups: [GROUPS.X25519MLKEM768, GROUPS.x25519],
    });
    expect(facts.modernClient).toMatchObject({ group: 'X25519MLKEM768', postQuantum: true });
  });

  it('a server that wants another group asks by HelloRetryRequest: TLS 1.3 counts as accepted', async () => {
    const { facts } = await scanFake({ ...MODERN_SERVER, groups: [GROUPS.secp384r1] });
    expect(facts.versions['TLSv1.3']).toEqual({ accepted: true, basis: 'server-hello' });
    expect(facts.modernClient).toMatchObject({
      version: 'TLSv1.3',
      group: 'secp384r1',
      postQuantum: false,
    });
    expect(facts.handshakes.some((h) => h.outcome === 'hello-retry-request')).toBe(true);
  });

  it('a server that breaks on the large post-quantum share is asked again without it', async () => {
    const { facts } = await scanFake({
      ...MODERN_SERVER,
      override: (hello, socket) => {
        if (!hello.keyShares.has(GROUPS.X25519MLKEM768)) return null;
        socket.destroy(); // as some middleboxes do with hellos larger than one segment
        return 'handled';
      },
    });
    expect(facts.modernClient).toMatchObject({
      version: 'TLSv1.3',
      postQuantum: false,
      failedWithPostQuantumShare: true,
    });
    expect(facts.connections).toBe(7);
  });
});

describe('scanTls: an old server (SSL 3.0 and TLS 1.0; RC4, EXPORT, DES, 3DES, static RSA)', () => {
  const OLD: FakeTlsPolicy = {
    versions: ['SSLv3', 'TLSv1'],
    serverPreference: false,
    suites: [
      'TLS_RSA_WITH_RC4_128_MD5',
      'TLS_RSA_WITH_RC4_128_SHA',
      'TLS_RSA_EXPORT_WITH_RC4_40_MD5',
      'TLS_RSA_EXPORT_WITH_DES40_CBC_SHA',
      'TLS_RSA_WITH_DES_CBC_SHA',
      'TLS_RSA_WITH_3DES_EDE_CBC_SHA',
      'TLS_DHE_RSA_WITH_AES_128_CBC_SHA',
      'TLS_RSA_WITH_AES_128_CBC_SHA',
    ].map(code),
    dhPrimeBits: 1024,
  };

  it('finds every weak family by elimination, within 15 connections', async () => {
    const { facts } = await scanFake(OLD);
    expect(accepted(facts)).toEqual(['SSLv3', 'TLSv1']);
    expect(facts.versions['TLSv1.1']).toEqual({ accepted: false, basis: 'lower-version' });
    expect(facts.versions['TLSv1.2']).toEqual({ accepted: false, basis: 'lower-version' });
    expect(facts.versions['TLSv1.3']).toMatchObject({ accepted: false });
    expect(facts.weakFamilies).toEqual({
      null: false,
      anonymous: false,
      export: true,
      des: true,
      rc4: true,
      '3des': true,
    });
    expect(facts.nonForwardSecretAccepted).toBe(true);
    expect(facts.dhe).toEqual({ accepted: true, primeBits: 1024 });
    expect(facts.modernClient).toMatchObject({ version: 'TLSv1', forwardSecrecy: false });
    expect(facts.connections).toBeLessThanOrEqual(15);
    expect(facts.refusedHandshakes).toBeLessThanOrEqual(5);
    const names = facts.acceptedSuites.map((s) => s.suite);
    expect(names).toContain('TLS_RSA_EXPORT_WITH_RC4_40_MD5');
  });

  it('EXPORT and DES only at TLS 1.0 on a server that also speaks TLS 1.2: asked at TLS 1.0', async () => {
    const tls10Only = ['TLS_RSA_EXPORT_WITH_DES40_CBC_SHA', 'TLS_RSA_WITH_DES_CBC_SHA'];
    const { facts } = await scanFake({
      versions: ['TLSv1', 'TLSv1.2'],
      // A strong TLS 1.0 suite first, so the version questions do not reveal the weak ones.
      suites: [...MODERN12, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', ...tls10Only].map(code),
      suitesOnlyAt: new Map(tls10Only.map((n) => [code(n), ['TLSv1'] as const])),
    });
    expect(facts.weakFamilies.export).toBe(true);
    expect(facts.weakFamilies.des).toBe(true);
    expect(facts.handshakes.map((h) => h.question)).toContain('weak suites at TLSv1');
  });
});

describe('scanTls: how refusals count', () => {
  it('a server that closes without an alert, and answers other hellos: the closes are refusals', async () => {
    const { facts } = await scanFake({ ...MODERN_SERVER, refuse: 'close' });
    expect(facts.versions.TLSv1).toEqual({ accepted: false, basis: 'closed' });
    expect(facts.weakFamilies.rc4).toBe(false);
    expect(facts.refusedHandshakes).toBe(4);
  });

  it('a server that closes on every hello: nothing is refused, everything is unknown', async () => {
    const { facts } = await scanFake({
      ...MODERN_SERVER,
      override: (_hello, socket) => {
        socket.end();
        return 'handled';
      },
    });
    for (const v of Object.values(facts.versions)) {
      expect(v).toEqual({ accepted: 'unknown', basis: 'unanswered' });
    }
    expect(Object.values(facts.weakFamilies).every((x) => x === 'unknown')).toBe(true);
    expect(facts.nonForwardSecretAccepted).toBe('unknown');
    expect(facts.modernClient).toBeNull();
    expect(facts.refusedHandshakes).toBe(0);
  });

  it('a reset is never a refusal', async () => {
    const { facts } = await scanFake({ ...MODERN_SERVER, refuse: 'reset' });
    expect(accepted(facts)).toEqual(['TLSv1.2', 'TLSv1.3']);
    expect(facts.versions.TLSv1).toEqual({ accepted: 'unknown', basis: 'unanswered' });
    expect(facts.weakFamilies['3des']).toBe('unknown');
    expect(facts.handshakes.filter((h) => h.outcome === 'reset').length).toBeGreaterThan(0);
  });

  it('a server that says nothing: every hello ends at its deadline, the facts say unknown', async () => {
    const started = performance.now();
    const { facts } = await scanFake(
      { ...MODERN_SERVER, refuse: 'silence' },
      { helloTimeoutMs: 300 },
    );
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(facts.versions.TLSv1).toEqual({ accepted: 'unknown', basis: 'unanswered' });
    expect(facts.handshakes.filter((h) => h.outcome === 'timeout').length).toBe(4);
  });
});

describe('scanTls: hostile answers end as facts', () => {
  const hostile = (bytes: (hello: { sessionId: Buffer }) => Buffer): FakeTlsPolicy => ({
    ...MODERN_SERVER,
    override: (hello) => bytes(hello),
  });

  it('a truncated record', async () => {
    const { facts } = await scanFake(hostile(() => Buffer.from([22, 3, 3, 0, 90, 2, 0, 0])));
    expect(facts.handshakes.every((h) => h.outcome === 'invalid')).toBe(true);
    expect(facts.versions['TLSv1.2'].accepted).toBe('unknown');
  });

  it('an oversized record length', async () => {
    const { facts } = await scanFake(hostile(() => Buffer.from([22, 3, 3, 0xff, 0xff, 2])));
    expect(facts.handshakes[0]).toMatchObject({ outcome: 'invalid' });
    expect(facts.handshakes[0]?.detail).toMatch(/oversized record/);
  });

  it('a ServerHello choosing a suite that was not offered', async () => {
    const { facts } = await scanFake(
      hostile((h) =>
        tlsRecord(22, serverHelloBody(0x0303, Buffer.alloc(32, 1), h.sessionId, 0x00ff, null)),
      ),
    );
    expect(facts.handshakes.every((h) => h.outcome === 'invalid')).toBe(true);
    expect(facts.handshakes[0]?.detail).toMatch(/not offered/);
    expect(facts.acceptedSuites).toEqual([]);
  });

  it('an alert in place of every hello: refused everywhere, nothing accepted', async () => {
    const { facts } = await scanFake(hostile(() => alertRecord(40)));
    expect(Object.values(facts.versions).every((v) => v.accepted === false)).toBe(true);
    expect(facts.modernClient).toBeNull();
  });

  it('garbage (an HTTP reply)', async () => {
    const { facts } = await scanFake(
      hostile(() => Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')),
    );
    expect(facts.handshakes.every((h) => h.outcome === 'invalid')).toBe(true);
  });

  it('a ServerHello with a version above the one offered', async () => {
    const { facts } = await scanFake(
      hostile((h) =>
        tlsRecord(
          22,
          serverHelloBody(
            0x0303,
            Buffer.alloc(32, 1),
            h.sessionId,
            code('TLS_RSA_WITH_RC4_128_SHA'),
            null,
          ),
        ),
      ),
    );
    const ssl3 = facts.handshakes.find((h) => h.question === 'version SSLv3');
    expect(ssl3).toMatchObject({ outcome: 'invalid' });
  });
});

describe('scanTls: bounds', () => {
  it('a cancel ends the scan at once with a cancelled error', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const { facts } = await scanFake(
      { ...MODERN_SERVER, refuse: 'silence' },
      { signal: controller.signal, helloTimeoutMs: 5_000 },
    );
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(facts.error).toMatchObject({ kind: 'cancelled' });
  });

  it('connections that cannot be set up: "setup-failed", the error kept, nothing claimed', async () => {
    const server = await startFakeTlsServer(MODERN_SERVER);
    servers.push(server);
    const facts = await scanTls({
      mode: 'default',
      serverName: null,
      signal: AbortSignal.timeout(5_000),
      open: () =>
        Promise.reject(
          new ProbeError({
            step: 'starttls',
            kind: 'refused-by-server',
            message: 'STARTTLS refused',
          }),
        ),
    });
    expect(facts.handshakes.every((h) => h.outcome === 'setup-failed')).toBe(true);
    expect(facts.error).toMatchObject({ step: 'starttls', kind: 'refused-by-server' });
    expect(Object.values(facts.versions).every((v) => v.accepted === 'unknown')).toBe(true);
  });

  it('the connection cap is kept, and what was not asked says so', async () => {
    const { facts, server } = await scanFake(MODERN_SERVER, { maxConnections: 3 });
    expect(server.connections()).toBe(3);
    expect(facts.handshakes.filter((h) => h.outcome === 'skipped').length).toBeGreaterThan(0);
  });

  it('at most maxParallel connections are open at once', async () => {
    let open = 0;
    let most = 0;
    const server = await startFakeTlsServer(MODERN_SERVER);
    servers.push(server);
    await scanTls({
      mode: 'default',
      serverName: null,
      signal: AbortSignal.timeout(5_000),
      maxParallel: 2,
      open: async () => {
        const s = await openTcp(server);
        open++;
        most = Math.max(most, open);
        s.once('close', () => open--);
        return s;
      },
    });
    expect(most).toBeLessThanOrEqual(2);
  });
});

describe('scanTls --detailed', () => {
  it('lists every accepted suite per version in the server’s order, by elimination', async () => {
    const suites12 = [
      'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
      'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
      'TLS_RSA_WITH_AES_128_CBC_SHA',
      'TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256',
    ];
    const { facts } = await scanFake(
      { versions: ['TLSv1.2', 'TLSv1.3'], suites: [...TLS13, ...suites12].map(code) },
      { mode: 'detailed' },
    );
    expect(facts.detailed?.['TLSv1.2']).toEqual({ suites: suites12, complete: true });
    expect(facts.detailed?.['TLSv1.3']).toEqual({ suites: TLS13, complete: true });
    expect(facts.detailed?.TLSv1).toBeUndefined();
  });

  it('a client-order server gives the same set', async () => {
    const suites12 = ['TLS_RSA_WITH_AES_128_CBC_SHA', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'];
    const { facts } = await scanFake(
      { versions: ['TLSv1.2'], suites: suites12.map(code), serverPreference: false },
      { mode: 'detailed' },
    );
    expect([...(facts.detailed?.['TLSv1.2']?.suites ?? [])].sort()).toEqual([...suites12].sort());
  });
});
