/** The interim exit-code rules of `sealcheck check`, on hand-made facts (no network). */
import { describe, expect, test } from 'vitest';
import {
  FACTS_SCHEMA,
  type AddressFacts,
  type EndpointFacts,
  type EndpointTarget,
  type TlsFacts,
} from '../core/facts/endpoint';
import { classifyEndpoint, exitCodeFor } from './check-exit';

const TLS: TlsFacts = {
  version: 'TLSv1.3',
  cipher: { name: 'TLS_AES_256_GCM_SHA384', standardName: 'TLS_AES_256_GCM_SHA384' },
  keyExchange: { type: 'ECDH', name: 'X25519', size: 253 },
  alpn: null,
  sniSent: 'mail.example.org',
  sessionReused: false,
  peerChain: [],
  chainSource: 'node-rebuilt',
  ocsp: { requested: true, response: null },
  verification: {
    chainTrusted: true,
    chainError: null,
    nameChecked: 'mail.example.org',
    nameMatches: true,
  },
  handshakeMs: 3,
};

function address(over: Partial<AddressFacts> = {}): AddressFacts {
  return {
    address: '192.0.2.1',
    family: 4,
    status: 'success',
    error: null,
    greeting: { lines: ['* OK'], kind: 'ok' },
    capabilitiesBeforeTls: null,
    starttls: null,
    tls: TLS,
    capabilitiesAfterTls: null,
    loginBeforeTls: null,
    injection: null,
    timings: {},
    connections: 1,
    transcript: [],
    ...over,
  };
}

function endpoint(addresses: AddressFacts[], target: Partial<EndpointTarget> = {}): EndpointFacts {
  return {
    schema: FACTS_SCHEMA,
    target: {
      host: 'mail.example.org',
      port: 993,
      protocol: 'imap',
      security: 'implicit',
      ...target,
    },
    startedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 10,
    resolved: addresses.map((a) => a.address),
    resolveError: null,
    addresses,
    sealcheckVersion: 'test',
  };
}

const one = { standardPorts: false };
const std = { standardPorts: true };

describe('interim classifier', () => {
  test('verified modern TLS is ok', () => {
    expect(classifyEndpoint(endpoint([address()]), one)).toEqual({ verdict: 'ok', reasons: [] });
    expect(exitCodeFor([endpoint([address()])], one)).toBe(0);
  });

  test.each([
    [
      'untrusted chain',
      {
        tls: {
          ...TLS,
          verification: {
            ...TLS.verification,
            chainTrusted: false,
            chainError: 'CERT_HAS_EXPIRED',
          },
        },
      },
      'certificate not trusted (CERT_HAS_EXPIRED)',
    ],
    [
      'name mismatch',
      { tls: { ...TLS, verification: { ...TLS.verification, nameMatches: false } } },
      'certificate not valid for mail.example.org',
    ],
    ['TLS 1.1', { tls: { ...TLS, version: 'TLSv1.1' } }, 'TLSv1.1 negotiated'],
    [
      'login before TLS',
      { loginBeforeTls: { command: 'AUTHENTICATE PLAIN', invited: true, reply: ['+'] } },
      'password login invited before TLS',
    ],
    [
      'injection',
      { injection: { tested: true, command: 'NOOP', vulnerable: true, evidence: [] } },
      'STARTTLS command injection',
    ],
  ] as const)('%s is a problem (exit 1)', (_name, over, reason) => {
    const f = endpoint([address(over as Partial<AddressFacts>)]);
    expect(classifyEndpoint(f, one)).toEqual({ verdict: 'problems', reasons: [reason] });
    expect(exitCodeFor([f], one)).toBe(1);
  });

  test('STARTTLS not offered or refused where TLS was asked: problems; plaintext asked: problems', () => {
    const notOffered = endpoint(
      [
        address({
          tls: null,
          capabilitiesBeforeTls: {
            raw: [],
            listed: true,
            starttls: false,
            starttlsRequired: 'unknown',
            saslMechanisms: [],
            passwordLogin: true,
            extensions: {},
          },
        }),
      ],
      { security: 'starttls', port: 143 },
    );
    expect(classifyEndpoint(notOffered, one).reasons).toEqual(['STARTTLS not offered']);
    const refused = endpoint([address({ tls: null, status: 'starttls-refused' })], {
      security: 'starttls',
    });
    expect(classifyEndpoint(refused, one).verdict).toBe('problems');
    const plain = endpoint([address({ tls: null })], { security: 'none' });
    expect(classifyEndpoint(plain, one).reasons).toEqual(['plaintext connection']);
  });

  test('anything but success could not be checked; refused is "not served" only for standard ports', () => {
    const refused = endpoint([address({ status: 'connection-refused', tls: null })]);
    expect(classifyEndpoint(refused, one).verdict).toBe('could-not-check');
    expect(classifyEndpoint(refused, std).verdict).toBe('not-served');
    const timeout = endpoint([address({ status: 'io-timeout', tls: null })]);
    expect(classifyEndpoint(timeout, std).verdict).toBe('could-not-check');
    const unresolved: EndpointFacts = {
      ...endpoint([]),
      resolveError: { step: 'resolve', kind: 'dns', message: 'ENOTFOUND' },
    };
    expect(classifyEndpoint(unresolved, one).verdict).toBe('could-not-check');
  });

  test('one stale address spoils the endpoint; worst wins: 2 over 1 over 0', () => {
    const bad = address({
      address: '192.0.2.2',
      tls: { ...TLS, verification: { ...TLS.verification, nameMatches: false } },
    });
    const mixed = endpoint([address(), bad]);
    expect(classifyEndpoint(mixed, one).verdict).toBe('problems');
    const broken = endpoint([address({ status: 'tls-error', tls: null })]);
    expect(exitCodeFor([endpoint([address()]), mixed], one)).toBe(1);
    expect(exitCodeFor([mixed, broken], one)).toBe(2);
    expect(exitCodeFor([], one)).toBe(2);
  });

  test('standard ports: a host with nothing served could not be checked; some served is fine', () => {
    const refused = endpoint([address({ status: 'connection-refused', tls: null })]);
    expect(exitCodeFor([refused, refused], std)).toBe(2);
    expect(exitCodeFor([refused, endpoint([address()])], std)).toBe(0);
  });
});
