/**
 * Property tests (fast-check): whatever the facts and findings, a verdict never claims
 * "encrypted-verified" when any validation step failed or did not run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FACTS_SCHEMA,
  type AddressFacts,
  type Capabilities,
  type EndpointFacts,
  type ProbeStatus,
  type TlsFacts,
  type Tristate,
} from '../facts/endpoint';
import { transportFindings } from './rules-transport';
import type { Finding, FindingSubject, Severity } from './types';
import { endpointVerdict } from './verdict';
import { propertyRuns } from '../../../test/support/properties';

const statuses: ProbeStatus[] = [
  'success',
  'dns-error',
  'connection-refused',
  'connection-timeout',
  'connection-error',
  'protocol-error',
  'starttls-refused',
  'tls-error',
  'io-timeout',
  'limit-exceeded',
  'cancelled',
];
const tristate: fc.Arbitrary<Tristate> = fc.constantFrom(true, false, 'unknown' as const);
const severity: fc.Arbitrary<Severity> = fc.constantFrom('critical', 'warning', 'info');

const capabilities: fc.Arbitrary<Capabilities> = fc.record({
  raw: fc.array(fc.constantFrom('STARTTLS', 'LOGINDISABLED', 'AUTH=PLAIN', 'IMAP4rev1'), {
    maxLength: 3,
  }),
  listed: tristate,
  starttls: tristate,
  starttlsRequired: tristate,
  saslMechanisms: fc.array(fc.constantFrom('PLAIN', 'LOGIN', 'SCRAM-SHA-256'), { maxLength: 2 }),
  passwordLogin: tristate,
  extensions: fc.constant({}),
});

const tlsFacts: fc.Arbitrary<TlsFacts> = fc.record({
  version: fc.constantFrom('TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1', 'SSLv3'),
  cipher: fc.constantFrom(
    { name: 'TLS_AES_256_GCM_SHA384', standardName: 'TLS_AES_256_GCM_SHA384' },
    { name: 'ECDHE-RSA-AES128-GCM-SHA256', standardName: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' },
    { name: 'DES-CBC3-SHA', standardName: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA' },
    { name: 'NULL-SHA', standardName: 'TLS_RSA_WITH_NULL_SHA' },
    { name: 'ADH-AES128-SHA', standardName: 'TLS_DH_anon_WITH_AES_128_CBC_SHA' },
  ),
  keyExchange: fc.option(
    fc.record({
      type: fc.constantFrom('ECDH', 'DH'),
      name: fc.constant(null),
      size: fc.option(fc.constantFrom(512, 1024, 2048, 253)),
    }),
  ),
  alpn: fc.constant(null),
  sniSent: fc.constant('mail.example.org'),
  resumed: fc.boolean(),
  peerChain: fc.array(fc.constantFrom('MIIBa', 'MIIBb'), { maxLength: 2 }),
  chainSource: fc.constantFrom('node-rebuilt' as const, 'as-sent' as const),
  ocsp: fc.record({ requested: fc.boolean(), response: fc.constant(null) }),
  verification: fc.record({
    chainTrusted: fc.boolean(),
    chainError: fc.constant(null),
    nameChecked: fc.constant('mail.example.org'),
    nameMatches: fc.boolean(),
  }),
  handshakeMs: fc.nat(100),
});

const address: fc.Arbitrary<AddressFacts> = fc.record({
  address: fc.constantFrom('192.0.2.1', '192.0.2.2', '2001:db8::1'),
  family: fc.constantFrom(4 as const, 6 as const),
  status: fc.constantFrom(...statuses),
  error: fc.option(
    fc.record({
      step: fc.constantFrom(
        'connect' as const,
        'starttls' as const,
        'handshake' as const,
        'greeting' as const,
      ),
      kind: fc.constantFrom(
        'tls' as const,
        'timeout' as const,
        'refused' as const,
        'refused-by-server' as const,
      ),
      message: fc.constant('error'),
    }),
  ),
  greeting: fc.option(
    fc.record({
      lines: fc.constant(['hello']),
      kind: fc.constantFrom('ok' as const, 'preauth' as const, 'reject' as const, 'other' as const),
    }),
  ),
  capabilitiesBeforeTls: fc.option(capabilities),
  starttls: fc.option(
    fc.record({
      attempted: fc.boolean(),
      reply: fc.constant([]),
      outcome: fc.constantFrom(
        'accepted' as const,
        'refused' as const,
        'temporarily-unavailable' as const,
        'not-attempted' as const,
      ),
      plaintextAfterGoAhead: fc.option(fc.record({ bytes: fc.nat(10), preview: fc.constant('x') })),
    }),
  ),
  tls: fc.option(tlsFacts),
  capabilitiesAfterTls: fc.option(capabilities),
  loginBeforeTls: fc.option(
    fc.record({
      command: fc.constantFrom('AUTHENTICATE PLAIN', 'AUTH PLAIN', 'MAIL FROM:<> (then RSET)'),
      invited: tristate,
      reply: fc.constant([]),
    }),
  ),
  injection: fc.option(
    fc.record({
      tested: fc.boolean(),
      command: fc.constant('NOOP'),
      vulnerable: tristate,
      evidence: fc.constant([]),
    }),
  ),
  scan: fc.constant(null),
  timings: fc.constant({}),
  connections: fc.nat(3),
  transcript: fc.constant([]),
});

const endpointFacts: fc.Arbitrary<EndpointFacts> = fc
  .record({
    host: fc.constant('mail.example.org'),
    port: fc.constantFrom(25, 143, 587, 993, 5222),
    protocol: fc.constantFrom(
      'imap' as const,
      'pop3' as const,
      'smtp' as const,
      'submission' as const,
      'xmpp' as const,
    ),
    security: fc.constantFrom('implicit' as const, 'starttls' as const, 'none' as const),
    addresses: fc.array(address, { maxLength: 3 }),
  })
  .map(({ addresses, ...target }) => ({
    schema: FACTS_SCHEMA,
    target,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1,
    resolved: addresses.map((a) => a.address),
    resolveError: null,
    addresses,
    sealcheckVersion: 'test',
  }));

/** Findings a certificate analysis might add, with any severity. */
function certFinding(s: Severity, subject: FindingSubject, which: number): Finding {
  const cert = { index: 0, subject: 'CN=x', issuer: 'CN=y', sha256: 'AA' };
  switch (which) {
    case 0:
      return { id: 'cert.self-signed', severity: s, subject, evidence: { cert } };
    case 1:
      return {
        id: 'cert.revocation-not-checked',
        severity: s,
        subject,
        evidence: { reason: 'not-stapled' },
      };
    case 2:
      return {
        id: 'cert.name-mismatch',
        severity: s,
        subject,
        evidence: { expected: 'a', validFor: ['b'], commonNameOnly: null },
      };
    default:
      return {
        id: 'cert.expiring-soon',
        severity: s,
        subject,
        evidence: { cert, notAfter: 'x', daysLeft: 3 },
      };
  }
}

const scenario = fc
  .tuple(endpointFacts, fc.array(fc.tuple(severity, fc.nat(3)), { maxLength: 3 }))
  .map(([facts, extra]) => {
    const { host, port, protocol, security } = facts.target;
    const subject: FindingSubject = { host, port, protocol, security };
    const findings = [
      ...transportFindings(facts),
      ...extra.map(([s, w]) => certFinding(s, subject, w)),
    ];
    return { facts, findings, verdict: endpointVerdict(facts, findings) };
  });

/** Findings that legitimately prove "not encrypted" even when the probe stopped early. */
const provesNotEncrypted = (findings: readonly Finding[]): boolean =>
  findings.some(
    (f) =>
      f.id === 'tls.none' ||
      ((f.id === 'starttls.failed' || f.id === 'starttls.not-offered') &&
        f.severity === 'critical') ||
      (f.id === 'tls.cipher.weak' && f.evidence.families.includes('null')),
  );

const runs = propertyRuns(2000);

describe('verdicts fail closed', () => {
  it('never verified unless every address completed with a trusted, matching chain and no critical finding', () => {
    fc.assert(
      fc.property(scenario, ({ facts, findings, verdict }) => {
        if (verdict.kind !== 'encrypted-verified') return;
        expect(facts.addresses.length).toBeGreaterThan(0);
        for (const a of facts.addresses) {
          expect(a.status).toBe('success');
          expect(a.tls).not.toBeNull();
          expect(a.tls?.peerChain.length).toBeGreaterThan(0);
          expect(a.tls?.verification.chainTrusted).toBe(true);
          expect(a.tls?.verification.nameMatches).toBe(true);
        }
        expect(findings.some((f) => f.severity === 'critical')).toBe(false);
        expect(findings.some((f) => f.id === 'check.incomplete')).toBe(false);
        expect(facts.target.security).not.toBe('none');
      }),
      runs,
    );
  });

  it('could-not-check whenever an address failed or none was reached, unless "not encrypted" was proven', () => {
    fc.assert(
      fc.property(scenario, ({ facts, findings, verdict }) => {
        const failed =
          facts.addresses.length === 0 || facts.addresses.some((a) => a.status !== 'success');
        if (!failed) return;
        if (provesNotEncrypted(findings)) expect(verdict.kind).toBe('not-encrypted');
        else expect(verdict.kind).toBe('could-not-check');
      }),
      runs,
    );
  });

  it('plaintext configured is never encrypted', () => {
    fc.assert(
      fc.property(scenario, ({ facts, verdict }) => {
        if (facts.target.security !== 'none') return;
        expect(['not-encrypted', 'could-not-check']).toContain(verdict.kind);
      }),
      runs,
    );
  });

  it('rules are deterministic and name only addresses that were probed', () => {
    fc.assert(
      fc.property(endpointFacts, (facts) => {
        const a = transportFindings(facts);
        expect(transportFindings(facts)).toEqual(a);
        const probed = new Set(facts.addresses.map((x) => x.address));
        for (const f of a)
          if (f.subject.address !== undefined) expect(probed.has(f.subject.address)).toBe(true);
        const v = endpointVerdict(facts, a);
        expect(v.worst === null).toBe(a.length === 0);
      }),
      runs,
    );
  });
});

describe('addresses', () => {
  it('the same facts on two addresses give the one-address findings, without an address', () => {
    fc.assert(
      fc.property(endpointFacts, address, (base, a) => {
        const one = { ...base, addresses: [{ ...a, address: '192.0.2.1' }] };
        const two = { ...base, addresses: [...one.addresses, { ...a, address: '192.0.2.2' }] };
        const strip = (fs: readonly Finding[]): Finding[] =>
          fs.map((f) => {
            const { address: _address, ...subject } = f.subject;
            return { ...f, subject } as Finding;
          });
        const fromTwo = transportFindings(two);
        expect(fromTwo.every((f) => f.subject.address === undefined)).toBe(true);
        expect(fromTwo).toEqual(strip(transportFindings(one)));
        expect(endpointVerdict(two, fromTwo).kind).toBe(
          endpointVerdict(one, transportFindings(one)).kind,
        );
      }),
      runs,
    );
  });
});

describe('the generators reach every verdict (the properties are not vacuous)', () => {
  it('samples include each endpoint verdict kind', () => {
    const kinds = new Set(
      fc.sample(scenario, { numRuns: 2000, seed: 42 }).map((s) => s.verdict.kind),
    );
    for (const k of [
      'encrypted-verified',
      'encrypted-unverified',
      'encryption-removable',
      'not-encrypted',
      'could-not-check',
    ]) {
      expect(kinds).toContain(k);
    }
  });
});
