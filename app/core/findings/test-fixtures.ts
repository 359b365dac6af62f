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
    sessionReused: false,
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
