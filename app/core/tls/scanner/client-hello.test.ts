import { createECDH, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildClientHello, EXT, GROUPS, isPostQuantumGroup } from './client-hello';
import type { ClientHelloOptions } from './client-hello';
import { suiteCodesWhere, TLS_EMPTY_RENEGOTIATION_INFO_SCSV } from './suites';

/** A test-side decoder of our own ClientHello, strict about lengths. */
function decode(record: Buffer) {
  expect(record.readUInt8(0)).toBe(22);
  const recordVersion = record.readUInt16BE(1);
  expect(record.readUInt16BE(3)).toBe(record.length - 5);
  const hs = record.subarray(5);
  expect(hs.readUInt8(0)).toBe(1);
  expect(hs.readUIntBE(1, 3)).toBe(hs.length - 4);
  let p = 4;
  const clientVersion = hs.readUInt16BE(p);
  p += 2;
  const random = hs.subarray(p, p + 32);
  p += 32;
  const sidLen = hs.readUInt8(p);
  const sessionId = hs.subarray(p + 1, p + 1 + sidLen);
  p += 1 + sidLen;
  const suitesLen = hs.readUInt16BE(p);
  const suites: number[] = [];
  for (let i = 0; i < suitesLen; i += 2) suites.push(hs.readUInt16BE(p + 2 + i));
  p += 2 + suitesLen;
  const compLen = hs.readUInt8(p);
  const compression = [...hs.subarray(p + 1, p + 1 + compLen)];
  p += 1 + compLen;
  const extensions = new Map<number, Buffer>();
  const order: number[] = [];
  if (p < hs.length) {
    const extLen = hs.readUInt16BE(p);
    p += 2;
    expect(p + extLen).toBe(hs.length);
    while (p < hs.length) {
      const type = hs.readUInt16BE(p);
      const len = hs.readUInt16BE(p + 2);
      expect(extensions.has(type)).toBe(false);
      extensions.set(type, hs.subarray(p + 4, p + 4 + len));
      order.push(type);
      p += 4 + len;
    }
    expect(p).toBe(hs.length);
  }
  return {
    recordVersion,
    clientVersion,
    random,
    sessionId,
    suites,
    compression,
    extensions,
    order,
    messageLength: hs.length,
  };
}

const MODERN = [0x1301, 0x1302, 0x1303];
const TLS12 = [0xc02f, 0xc030, 0x009e];

describe('buildClientHello', () => {
  it('TLS 1.2: record 0x0301, 32-byte session id, null compression, the chosen suites', () => {
    const random = Buffer.alloc(32, 7);
    const h = decode(
      buildClientHello({ version: 'TLSv1.2', suites: TLS12, serverName: 'mail.example', random }),
    );
    expect(h.recordVersion).toBe(0x0301);
    expect(h.clientVersion).toBe(0x0303);
    expect(h.random).toEqual(random);
    expect(h.sessionId.length).toBe(32);
    expect(h.suites).toEqual(TLS12);
    expect(h.compression).toEqual([0]);
    const sni = h.extensions.get(EXT.server_name);
    expect(sni?.subarray(5).toString()).toBe('mail.example');
    expect(h.extensions.get(EXT.renegotiation_info)).toEqual(Buffer.from([0]));
    expect(h.extensions.get(EXT.ec_point_formats)).toEqual(Buffer.from([1, 0]));
    expect(h.extensions.has(EXT.signature_algorithms)).toBe(true);
    expect(h.extensions.has(EXT.supported_versions)).toBe(false);
    expect(h.extensions.has(EXT.key_share)).toBe(false);
  });

  it('TLS 1.0 / 1.1: their version, no signature_algorithms', () => {
    for (const [version, code] of [
      ['TLSv1', 0x0301],
      ['TLSv1.1', 0x0302],
    ] as const) {
      const h = decode(buildClientHello({ version, suites: [0x002f] }));
      expect(h.recordVersion).toBe(0x0301);
      expect(h.clientVersion).toBe(code);
      expect(h.extensions.has(EXT.signature_algorithms)).toBe(false);
      expect(h.extensions.has(EXT.supported_groups)).toBe(true);
    }
  });

  it('SSL 3.0: record 0x0300, no extensions at all, renegotiation by SCSV', () => {
    const bytes = buildClientHello({
      version: 'SSLv3',
      suites: [0x0004, 0x000a],
      serverName: 'x.example',
    });
    const h = decode(bytes);
    expect(h.recordVersion).toBe(0x0300);
    expect(h.clientVersion).toBe(0x0300);
    expect(h.extensions.size).toBe(0);
    expect(h.suites).toEqual([0x0004, 0x000a, TLS_EMPTY_RENEGOTIATION_INFO_SCSV]);
  });

  it('TLS 1.3: supported_versions, psk modes and valid x25519 / secp256r1 key shares', () => {
    const h = decode(
      buildClientHello({ version: 'TLSv1.3', suites: MODERN, serverName: 'a.example' }),
    );
    expect(h.clientVersion).toBe(0x0303);
    expect(h.recordVersion).toBe(0x0301);
    expect(h.extensions.get(EXT.supported_versions)).toEqual(Buffer.from([2, 3, 4]));
    expect(h.extensions.get(EXT.psk_key_exchange_modes)).toEqual(Buffer.from([1, 1]));
    expect(h.extensions.has(EXT.renegotiation_info)).toBe(false);
    const ks = h.extensions.get(EXT.key_share) as Buffer;
    expect(ks.readUInt16BE(0)).toBe(ks.length - 2);
    let p = 2;
    const shares = new Map<number, Buffer>();
    while (p < ks.length) {
      const g = ks.readUInt16BE(p);
      const len = ks.readUInt16BE(p + 2);
      shares.set(g, ks.subarray(p + 4, p + 4 + len));
      p += 4 + len;
    }
    const x = shares.get(GROUPS.x25519) as Buffer;
    expect(x.length).toBe(32);
    // A valid x25519 key: a key agreement with it succeeds.
    const peer = createPublicKey({
      key: { kty: 'OKP', crv: 'X25519', x: x.toString('base64url') },
      format: 'jwk',
    });
    const mine = generateKeyPairSync('x25519');
    expect(diffieHellman({ privateKey: mine.privateKey, publicKey: peer }).length).toBe(32);
    const p256 = shares.get(GROUPS.secp256r1) as Buffer;
    expect(p256.length).toBe(65);
    expect(p256.readUInt8(0)).toBe(4);
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    expect(ecdh.computeSecret(p256).length).toBe(32); // throws for a point off the curve
  });

  it('TLS 1.3 hello that also offers TLS 1.2 keeps renegotiation_info', () => {
    const h = decode(
      buildClientHello({
        version: 'TLSv1.3',
        suites: [...MODERN, ...TLS12],
        supportedVersions: ['TLSv1.3', 'TLSv1.2'],
      }),
    );
    expect(h.extensions.get(EXT.supported_versions)).toEqual(Buffer.from([4, 3, 4, 3, 3]));
    expect(h.extensions.has(EXT.renegotiation_info)).toBe(true);
  });

  it('offers X25519MLKEM768 first when asked, and knows it is post-quantum', () => {
    const h = decode(
      buildClientHello({ version: 'TLSv1.3', suites: MODERN, offerPostQuantum: true }),
    );
    const groups = h.extensions.get(EXT.supported_groups) as Buffer;
    expect(groups.readUInt16BE(2)).toBe(0x11ec);
    expect(isPostQuantumGroup(0x11ec)).toBe(true);
    expect(isPostQuantumGroup(GROUPS.x25519)).toBe(false);
  });

  it('an X25519MLKEM768 key share: 1,184-byte ML-KEM-768 key (every coefficient below q), then X25519', () => {
    const h = decode(
      buildClientHello({
        version: 'TLSv1.3',
        suites: MODERN,
        keyShares: ['X25519MLKEM768', 'x25519'],
      }),
    );
    const ks = h.extensions.get(EXT.key_share) as Buffer;
    expect(ks.readUInt16BE(2)).toBe(GROUPS.X25519MLKEM768);
    const len = ks.readUInt16BE(4);
    expect(len).toBe(1184 + 32);
    const share = ks.subarray(6, 6 + len);
    // ByteEncode12 of 768 coefficients: each must be below 3329 (FIPS 203's modulus check).
    for (let i = 0; i < 1152; i += 3) {
      const a = (share[i] ?? 0) | (((share[i + 1] ?? 0) & 0x0f) << 8);
      const b = ((share[i + 1] ?? 0) >> 4) | ((share[i + 2] ?? 0) << 4);
      expect(a).toBeLessThan(3329);
      expect(b).toBeLessThan(3329);
    }
    // supported_groups lists every group with a key share, the hybrid first.
    const groups = h.extensions.get(EXT.supported_groups) as Buffer;
    expect(groups.readUInt16BE(2)).toBe(GROUPS.X25519MLKEM768);
  });

  it('offers ALPN ids when given (XMPP direct TLS: xmpp-client)', () => {
    const h = decode(
      buildClientHello({ version: 'TLSv1.2', suites: TLS12, alpn: ['xmpp-client'] }),
    );
    const alpn = h.extensions.get(EXT.alpn) as Buffer;
    expect(alpn.readUInt16BE(0)).toBe(12);
    expect(alpn.subarray(3).toString('ascii')).toBe('xmpp-client');
    expect(
      decode(buildClientHello({ version: 'TLSv1.2', suites: TLS12 })).extensions.has(EXT.alpn),
    ).toBe(false);
  });

  it('omits SNI for IP literals', () => {
    for (const serverName of ['127.0.0.1', '::1', '[2001:db8::1]']) {
      const h = decode(buildClientHello({ version: 'TLSv1.2', suites: TLS12, serverName }));
      expect(h.extensions.has(EXT.server_name)).toBe(false);
    }
  });

  it('never produces a handshake message of 256–511 bytes (RFC 7685 padding)', () => {
    const all = suiteCodesWhere((s) => !s.tls13);
    for (let n = 1; n <= 200; n++) {
      for (const version of ['TLSv1', 'TLSv1.2', 'TLSv1.3'] as const) {
        const opts: ClientHelloOptions = {
          version,
          suites: version === 'TLSv1.3' ? [...MODERN, ...all.slice(0, n)] : all.slice(0, n),
          serverName: 'mail.test.example',
        };
        const h = decode(buildClientHello(opts));
        expect(h.messageLength < 256 || h.messageLength >= 512, `${version} ${n}`).toBe(true);
        if (h.extensions.has(EXT.padding)) {
          expect(h.order[h.order.length - 1]).toBe(EXT.padding);
          expect(h.messageLength).toBeLessThanOrEqual(517);
        }
      }
    }
  });

  it('adds TLS_FALLBACK_SCSV on request and rejects an empty offer', () => {
    const h = decode(
      buildClientHello({ version: 'TLSv1.1', suites: [0x002f], fallbackScsv: true }),
    );
    expect(h.suites).toEqual([0x002f, 0x5600]);
    expect(() => buildClientHello({ version: 'TLSv1.2', suites: [] })).toThrow(RangeError);
  });
});
