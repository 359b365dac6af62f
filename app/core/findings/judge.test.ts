import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CertAnalysis, CertInput, TrustStores } from '../cert';
import { judgeEndpoint, referenceNameOf, sortFindings } from './judge';
import {
  caps,
  endpoint,
  facts,
  goodAddress,
  INTERMEDIATE,
  LEAF,
  target,
  tls,
} from './test-fixtures';
import type { Finding, FindingSubject } from './types';

// The certificate analysis is tested in cert/; here a stub records its inputs and the rule
// answers per chain, so the judge's wiring (reference name, sharing, merging, sorting) is tested.
const calls: CertInput[] = [];
vi.mock('../cert', () => ({
  analyzeChain: (input: CertInput): CertAnalysis => {
    calls.push(input);
    if (input.peerChain[0] === 'GARBAGE') throw new Error('not DER');
    return { marker: input.peerChain[0] } as unknown as CertAnalysis;
  },
}));
vi.mock('./rules-certificate', () => ({
  certificateFindings: (analysis: { marker: string }, subject: FindingSubject): Finding[] => {
    const info: Finding = {
      id: 'cert.revocation-not-checked',
      severity: 'info',
      subject,
      evidence: { reason: 'not-stapled' },
    };
    if (analysis.marker !== 'EXPIRED') return [info];
    const cert = { index: 0, subject: 'CN=mail.example.org', issuer: 'CN=CA', sha256: 'AA' };
    return [
      info,
      {
        id: 'cert.expired',
        severity: 'critical',
        subject,
        evidence: { cert, notAfter: '2025-01-01', daysAgo: 3 },
      },
    ];
  },
}));

const trust: TrustStores = {
  publicRoots: [],
  publicRootsLabel: 'test',
  systemRoots: null,
  extraRoots: [],
};
const now = new Date('2026-01-01T00:00:00Z');

beforeEach(() => {
  calls.length = 0;
});

describe('judgeEndpoint', () => {
  it('a clean STARTTLS endpoint: verified, with the analysis inputs taken from the facts', () => {
    const f = endpoint('starttls');
    const j = judgeEndpoint(f, { trust, now });
    expect(j.facts).toBe(f);
    expect(j.verdict.kind).toBe('encrypted-verified');
    expect(j.findings.map((x) => x.id)).toEqual(['cert.revocation-not-checked']);
    expect(j.findings[0]?.subject.address).toBeUndefined();
    expect(calls).toEqual([
      {
        peerChain: [LEAF, INTERMEDIATE],
        chainSource: 'node-rebuilt',
        referenceName: 'mail.example.org',
        service: 'mail',
        ocspResponse: null,
        now,
        trust,
      },
    ]);
  });

  it('XMPP checks the domain of the address', () => {
    const f = endpoint(
      'starttls',
      {
        capabilitiesBeforeTls: caps({ starttlsRequired: true, passwordLogin: 'unknown' }),
        loginBeforeTls: null,
      },
      {
        protocol: 'xmpp',
        host: 'xmpp.hosting.net',
        xmppDomain: 'example.org',
        port: 5222,
      },
    );
    expect(referenceNameOf(f)).toBe('example.org');
    judgeEndpoint(f, { trust, now });
    expect(calls[0]).toMatchObject({ referenceName: 'example.org', service: 'xmpp' });
  });

  it('addresses presenting the same chain share one analysis; findings merge', () => {
    const f = facts(
      target(),
      goodAddress('starttls'),
      goodAddress('starttls', { address: '192.0.2.2' }),
    );
    const j = judgeEndpoint(f, { trust, now });
    expect(calls).toHaveLength(1);
    expect(j.findings).toHaveLength(1);
    expect(j.findings[0]?.subject.address).toBeUndefined();
  });

  it('a different, expired chain on one address is named with its address; unverified', () => {
    const f = facts(
      target(),
      goodAddress('starttls'),
      goodAddress('starttls', { address: '192.0.2.2', tls: tls({ peerChain: ['EXPIRED'] }) }),
    );
    const j = judgeEndpoint(f, { trust, now });
    expect(calls).toHaveLength(2);
    expect(j.findings.map((x) => [x.id, x.subject.address])).toEqual([
      ['cert.expired', '192.0.2.2'],
      ['cert.revocation-not-checked', undefined],
    ]);
    expect(j.verdict.kind).toBe('encrypted-unverified');
    expect(j.verdict.worst).toBe('critical');
  });

  it('an analysis that throws is check.incomplete: could-not-check', () => {
    const j = judgeEndpoint(endpoint('implicit', { tls: tls({ peerChain: ['GARBAGE'] }) }), {
      trust,
      now,
    });
    expect(j.findings.map((x) => x.id)).toEqual(['check.incomplete']);
    expect(j.verdict.kind).toBe('could-not-check');
  });

  it('plaintext: no certificate analysis without TLS; findings sorted worst first', () => {
    const j = judgeEndpoint(endpoint('none'), { trust, now });
    expect(calls).toHaveLength(0);
    expect(j.findings.map((x) => `${x.severity}:${x.id}`)).toEqual([
      'critical:auth.cleartext-before-tls',
      'critical:tls.none',
    ]);
    expect(j.verdict.kind).toBe('not-encrypted');
  });
});

describe('saved facts of another schema', () => {
  it('are not judged: could-not-check', () => {
    const f = {
      ...endpoint('starttls'),
      schema: 'sealcheck.endpoint-facts/0',
    } as unknown as ReturnType<typeof endpoint>;
    const j = judgeEndpoint(f, { trust, now });
    expect(j.verdict.kind).toBe('could-not-check');
    expect(j.findings.map((x) => x.id)).toEqual(['check.incomplete']);
    expect(calls).toHaveLength(0);
  });
});

describe('plaintext configured', () => {
  it('certificate problems of the STARTTLS the app does not use are at most warnings', () => {
    const f = endpoint('none', {
      capabilitiesBeforeTls: caps(),
      starttls: {
        attempted: true,
        reply: ['OK'],
        outcome: 'accepted',
        plaintextAfterGoAhead: null,
      },
      loginBeforeTls: { command: 'AUTHENTICATE PLAIN', invited: false, reply: ['NO'] },
      tls: tls({ peerChain: ['EXPIRED'] }),
    });
    const j = judgeEndpoint(f, { trust, now });
    expect(j.findings.map((x) => `${x.severity}:${x.id}`)).toEqual([
      'critical:tls.none',
      'warning:cert.expired',
      'info:cert.revocation-not-checked',
    ]);
    expect(j.verdict.kind).toBe('not-encrypted');
  });
});

describe('sortFindings', () => {
  it('severity, then id, then address (endpoint-wide first)', () => {
    const s = (address?: string): FindingSubject => ({
      host: 'h',
      port: 1,
      protocol: 'imap',
      security: 'starttls',
      ...(address ? { address } : {}),
    });
    const info: Finding = {
      id: 'tls.no-tls13',
      severity: 'info',
      subject: s(),
      evidence: { version: 'TLSv1.2' },
    };
    const w1: Finding = {
      id: 'starttls.optional',
      severity: 'warning',
      subject: s('b'),
      evidence: { loginInvitedBeforeTls: true },
    };
    const w2: Finding = { ...w1, subject: s() };
    const w3: Finding = {
      id: 'auth.cleartext-before-tls',
      severity: 'warning',
      subject: s('a'),
      evidence: { command: 'x', reply: [] },
    };
    expect(sortFindings([info, w1, w2, w3])).toEqual([w3, w2, w1, info]);
  });
});
