/** tlsFactsFrom over a scripted socket: chain walking with loops and caps, empty values as null. */
import type { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { MAX_CHAIN_CERTS, peerChainFrom, tlsFactsFrom } from './handshake';

interface FakeCert {
  raw: Buffer;
  subjectaltname?: string;
  issuerCertificate?: FakeCert;
}

function cert(name: string, san?: string): FakeCert {
  return { raw: Buffer.from(name), ...(san !== undefined ? { subjectaltname: san } : {}) };
}

function fakeSocket(
  leaf: FakeCert | Record<string, never>,
  extra: Partial<Record<string, unknown>> = {},
): TLSSocket {
  const s = {
    getPeerCertificate: () => leaf,
    getProtocol: () => 'TLSv1.3',
    getCipher: () => ({
      name: 'TLS_AES_128_GCM_SHA256',
      standardName: 'TLS_AES_128_GCM_SHA256',
      version: 'TLSv1.3',
    }),
    getEphemeralKeyInfo: () => ({}),
    isSessionReused: () => true,
    alpnProtocol: false,
    authorized: false,
    authorizationError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    ...extra,
  };
  return s as unknown as TLSSocket;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('peerChainFrom', () => {
  it('walks to a self-issued root, leaf first', () => {
    const leaf = cert('leaf');
    const inter = cert('inter');
    const root = cert('root');
    leaf.issuerCertificate = inter;
    inter.issuerCertificate = root;
    root.issuerCertificate = root;
    expect(peerChainFrom(fakeSocket(leaf))).toEqual([b64('leaf'), b64('inter'), b64('root')]);
  });

  it('stops at a loop between different objects with the same DER', () => {
    const a = cert('a');
    const b = cert('b');
    const a2 = cert('a');
    a.issuerCertificate = b;
    b.issuerCertificate = a2;
    a2.issuerCertificate = b;
    expect(peerChainFrom(fakeSocket(a))).toEqual([b64('a'), b64('b')]);
  });

  it('caps a very long chain', () => {
    const certs = Array.from({ length: 40 }, (_, i) => cert(`c${i}`));
    certs.forEach((c, i) => {
      const next = certs[i + 1];
      if (next) c.issuerCertificate = next;
    });
    const first = certs[0];
    if (!first) throw new Error('no certs');
    expect(peerChainFrom(fakeSocket(first))).toHaveLength(MAX_CHAIN_CERTS);
  });

  it('is empty when the peer sent no certificate', () => {
    expect(peerChainFrom(fakeSocket({}))).toEqual([]);
  });
});

describe('tlsFactsFrom', () => {
  it('reports unknowns as null and checks the name with identity.ts', () => {
    const leaf = cert('leaf', 'DNS:mail.example.org');
    leaf.issuerCertificate = leaf;
    const facts = tlsFactsFrom(fakeSocket(leaf), {
      sniSent: 'mail.example.org',
      nameChecked: 'MAIL.example.org',
      requestedOcsp: true,
      ocspResponse: null,
      handshakeMs: 12.345,
    });
    expect(facts).toEqual({
      version: 'TLSv1.3',
      cipher: { name: 'TLS_AES_128_GCM_SHA256', standardName: 'TLS_AES_128_GCM_SHA256' },
      keyExchange: null,
      alpn: null,
      sniSent: 'mail.example.org',
      resumed: true,
      peerChain: [b64('leaf')],
      chainSource: 'node-rebuilt',
      ocsp: { requested: true, response: null },
      verification: {
        chainTrusted: false,
        chainError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
        nameChecked: 'MAIL.example.org',
        nameMatches: true,
      },
      handshakeMs: 12.3,
    });
  });

  it('keeps a DH key exchange without a group name, and no name check without a reference', () => {
    const leaf = cert('leaf', 'DNS:mail.example.org');
    const facts = tlsFactsFrom(
      fakeSocket(leaf, {
        getEphemeralKeyInfo: () => ({ type: 'DH', size: 2048 }),
        authorized: true,
        authorizationError: undefined,
        alpnProtocol: 'imap',
      }),
      {
        sniSent: null,
        nameChecked: null,
        requestedOcsp: false,
        ocspResponse: Buffer.from([1, 2]),
        handshakeMs: 1,
      },
    );
    expect(facts.keyExchange).toEqual({ type: 'DH', name: null, size: 2048 });
    expect(facts.alpn).toBe('imap');
    expect(facts.ocsp).toEqual({ requested: false, response: 'AQI=' });
    expect(facts.verification).toEqual({
      chainTrusted: true,
      chainError: null,
      nameChecked: null,
      nameMatches: false,
    });
  });
});
