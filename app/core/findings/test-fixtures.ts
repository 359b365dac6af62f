/**
 * Test fixtures: small hand-built EndpointFacts. Only tests import this file.
 *
 * `goodAddress(security)` is a clean, completed, verified TLS 1.3 session for the mode;
 * `facts(target, ...addresses)` wraps addresses into an endpoint; tests override what they need.
 */
import {
  FACTS_SCHEMA,
  type AddressFacts,
  type Capabilities,
  type EndpointFacts,
  type EndpointTarget,
  type Security,
  type TlsFacts,
} from '../facts/endpoint';
import type { ScanFacts } from '../facts/scan';

export const LEAF = 'MIIBleaf';
export const INTERMEDIATE = 'MIIBintermediate';

export function caps(overrides: Partial<Capabilities> = {}): Capabilities {
  return {
    raw: ['IMAP4rev1', 'STARTTLS', 'LOGINDISABLED'],
    listed: true,
    starttls: true,
    starttlsRequired: 'unknown',
    saslMechanisms: [],
    passwordLogin: false,
    extensions: {},
    ...overrides,
  };
}

export function tls(overrides: Partial<TlsFacts> = {}): TlsFacts {
  return {
    version: 'TLSv1.3',
    cipher: { name: 'TLS_AES_256_GCM_SHA384', standardName: 'TLS_AES_256_GCM_SHA384' },
    keyExchange: { type: 'ECDH', name: 'X25519', size: 253 },
    alpn: null,
    sniSent: 'mail.example.org',
    resumed: false,
    peerChain: [LEAF, INTERMEDIATE],
    chainSource: 'node-rebuilt',
    ocsp: { requested: true, response: null },
    verification: {
      chainTrusted: true,
      chainError: null,
      nameChecked: 'mail.example.org',
      nameMatches: true,
    },
    handshakeMs: 5,
    ...overrides,
  };
}

/** A clean scan: TLS 1.2 and 1.3, nothing weak, every question answered (by alerts). */
export function scan(overrides: Partial<ScanFacts> = {}): ScanFacts {
  const no = { accepted: false, basis: 'alert' } as const;
  const yes = { accepted: true, basis: 'server-hello' } as const;
  return {
    mode: 'default',
    versions: { SSLv3: no, TLSv1: no, 'TLSv1.1': no, 'TLSv1.2': yes, 'TLSv1.3': yes },
    modernClient: {
      version: 'TLSv1.3',
      suite: 'TLS_AES_128_GCM_SHA256',
      forwardSecrecy: true,
      group: 'X25519MLKEM768',
      postQuantum: true,
      failedWithPostQuantumShare: false,
    },
    weakFamilies: {
      null: false,
      anonymous: false,
      export: false,
      des: false,
      rc4: false,
      '3des': false,
    },
    nonForwardSecretAccepted: false,
    dhe: { accepted: false, primeBits: null },
    acceptedSuites: [
      { version: 'TLSv1.2', suite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' },
      { version: 'TLSv1.3', suite: 'TLS_AES_128_GCM_SHA256' },
    ],
    detailed: null,
    chainAsSent: { version: 'TLSv1.2', certificates: [LEAF, INTERMEDIATE] },
    downgradeSentinelSeen: true,
    handshakes: [],
    connections: 6,
    refusedHandshakes: 4,
    durationMs: 30,
    error: null,
    ...overrides,
  };
}

export function goodAddress(
  security: Security,
  overrides: Partial<AddressFacts> = {},
): AddressFacts {
  const base: AddressFacts = {
    address: '192.0.2.1',
    family: 4,
    status: 'success',
    error: null,
    greeting: { lines: ['* OK ready'], kind: 'ok' },
    capabilitiesBeforeTls: null,
    starttls: null,
    tls: tls(),
    capabilitiesAfterTls: caps({
      raw: ['IMAP4rev1', 'AUTH=PLAIN'],
      starttls: false,
      saslMechanisms: ['PLAIN'],
      passwordLogin: true,
    }),
    loginBeforeTls: null,
    injection: null,
    scan: null,
    timings: {},
    connections: 1,
    transcript: [],
  };
  if (security === 'starttls') {
    return {
      ...base,
      capabilitiesBeforeTls: caps(),
      starttls: {
        attempted: true,
        reply: ['A2 OK Begin TLS'],
        outcome: 'accepted',
        plaintextAfterGoAhead: null,
      },
      loginBeforeTls: {
        command: 'AUTHENTICATE PLAIN',
        invited: false,
        reply: ['A1 NO Plaintext authentication disallowed'],
      },
      injection: { tested: true, command: 'NOOP', vulnerable: false, evidence: [] },
      connections: 2,
      ...overrides,
    };
  }
  if (security === 'none') {
    return {
      ...base,
      capabilitiesBeforeTls: caps({
        raw: ['IMAP4rev1', 'AUTH=PLAIN'],
        starttls: false,
        saslMechanisms: ['PLAIN'],
        passwordLogin: true,
      }),
      starttls: {
        attempted: false,
        reply: [],
        outcome: 'not-attempted',
        plaintextAfterGoAhead: null,
      },
      tls: null,
      capabilitiesAfterTls: null,
      loginBeforeTls: {
        command: 'AUTHENTICATE PLAIN',
        invited: true,
        reply: ['+', 'A1 BAD cancelled'],
      },
      ...overrides,
    };
  }
  return { ...base, ...overrides };
}

export function target(overrides: Partial<EndpointTarget> = {}): EndpointTarget {
  return {
    host: 'mail.example.org',
    port: 143,
    protocol: 'imap',
    security: 'starttls',
    ...overrides,
  };
}

export function facts(t: EndpointTarget, ...addresses: AddressFacts[]): EndpointFacts {
  return {
    schema: FACTS_SCHEMA,
    target: t,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 10,
    resolved: addresses.map((a) => a.address),
    resolveError: null,
    addresses,
    sealcheckVersion: '0.0.0-test',
  };
}

/** One endpoint with one address in the given mode, overrides applied to the address. */
export function endpoint(
  security: Security,
  address: Partial<AddressFacts> = {},
  t: Partial<EndpointTarget> = {},
): EndpointFacts {
  return facts(target({ security, ...t }), goodAddress(security, address));
}
