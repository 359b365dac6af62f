import { describe, expect, it } from 'vitest';
import { transportFindings } from './rules-transport';
import { caps, endpoint, facts, goodAddress, target, tls } from './test-fixtures';
import type { EndpointVerdict, Finding, FindingSubject, VerdictKind } from './types';
import {
  accountVerdict,
  endpointVerdict,
  severityRank,
  verdictRank,
  worstSeverity,
} from './verdict';

const subject: FindingSubject = {
  host: 'mail.example.org',
  port: 143,
  protocol: 'imap',
  security: 'starttls',
};
const expired: Finding = {
  id: 'cert.expired',
  severity: 'critical',
  subject,
  evidence: {
    cert: { index: 0, subject: 'CN=mail.example.org', issuer: 'CN=CA', sha256: 'AA' },
    notAfter: '2025-01-01T00:00:00Z',
    daysAgo: 30,
  },
};
const revocationInfo: Finding = {
  id: 'cert.revocation-not-checked',
  severity: 'info',
  subject,
  evidence: { reason: 'not-stapled' },
};

/** The verdict from the transport rules plus any extra findings. */
function kindOf(f: ReturnType<typeof endpoint>, extra: readonly Finding[] = []): VerdictKind {
  return endpointVerdict(f, [...transportFindings(f), ...extra]).kind;
}

describe('endpointVerdict', () => {
  it('a clean, completed, verified STARTTLS endpoint is encrypted-verified', () => {
    const f = endpoint('starttls');
    const v = endpointVerdict(f, [revocationInfo]);
    expect(v).toEqual({ kind: 'encrypted-verified', worst: 'info', findings: [revocationInfo] });
  });
  it('plaintext configured is not-encrypted', () => {
    expect(kindOf(endpoint('none'))).toBe('not-encrypted');
  });
  it('STARTTLS not offered or failed where the app relies on it is not-encrypted (even though the probe stopped)', () => {
    expect(
      kindOf(
        endpoint('starttls', {
          status: 'tls-error',
          error: { step: 'handshake', kind: 'tls', message: 'alert' },
          tls: null,
          capabilitiesAfterTls: null,
        }),
      ),
    ).toBe('not-encrypted');
    expect(
      kindOf(
        endpoint('starttls', {
          capabilitiesBeforeTls: caps({ starttls: false }),
          starttls: {
            attempted: false,
            reply: [],
            outcome: 'not-attempted',
            plaintextAfterGoAhead: null,
          },
          tls: null,
        }),
      ),
    ).toBe('not-encrypted');
  });
  it('optional STARTTLS is encryption-removable, but not on SMTP between servers', () => {
    const optional = { capabilitiesBeforeTls: caps({ passwordLogin: true }) };
    expect(kindOf(endpoint('starttls', optional))).toBe('encryption-removable');
    expect(kindOf(endpoint('starttls', optional, { protocol: 'smtp', port: 25 }))).toBe(
      'encrypted-verified',
    );
  });
  it('an unverified chain or name, or a critical certificate finding, is encrypted-unverified', () => {
    const bad = (chainTrusted: boolean, nameMatches: boolean): VerdictKind =>
      kindOf(
        endpoint('implicit', {
          tls: tls({
            verification: { chainTrusted, chainError: null, nameChecked: 'x', nameMatches },
          }),
        }),
      );
    expect(bad(false, true)).toBe('encrypted-unverified');
    expect(bad(true, false)).toBe('encrypted-unverified');
    expect(kindOf(endpoint('implicit'), [expired])).toBe('encrypted-unverified');
  });
  it('fails closed: no address, a failed address, no chain, or check.incomplete', () => {
    expect(kindOf(facts(target()))).toBe('could-not-check');
    const refused = {
      ...goodAddress('starttls'),
      address: '192.0.2.2',
      status: 'connection-refused' as const,
      error: { step: 'connect' as const, kind: 'refused' as const, message: 'refused' },
      greeting: null,
      tls: null,
    };
    expect(kindOf(facts(target(), goodAddress('starttls'), refused))).toBe('could-not-check');
    expect(kindOf(endpoint('implicit', { tls: tls({ peerChain: [] }) }))).toBe('could-not-check');
    const incomplete: Finding = {
      id: 'check.incomplete',
      severity: 'warning',
      subject,
      evidence: { status: 'certificate-analysis-error', error: null },
    };
    expect(kindOf(endpoint('implicit'), [incomplete])).toBe('could-not-check');
  });
  it('a NULL cipher is not encryption', () => {
    expect(
      kindOf(
        endpoint('implicit', {
          tls: tls({
            version: 'TLSv1.2',
            cipher: { name: 'NULL-SHA256', standardName: 'TLS_RSA_WITH_NULL_SHA256' },
          }),
        }),
      ),
    ).toBe('not-encrypted');
  });
});

describe('severity helpers', () => {
  it('ranks critical before warning before info', () => {
    expect(['info', 'critical', 'warning'].map((s) => severityRank(s as 'info')).sort()).toEqual([
      0, 1, 2,
    ]);
    expect(worstSeverity([])).toBeNull();
    expect(worstSeverity([revocationInfo, expired])).toBe('critical');
  });
});

describe('accountVerdict', () => {
  const v = (kind: VerdictKind, findings: Finding[] = []): EndpointVerdict => ({
    kind,
    worst: worstSeverity(findings),
    findings,
  });
  it('is the worst endpoint verdict, with all findings', () => {
    expect(
      accountVerdict([
        v('encrypted-verified', [revocationInfo]),
        v('encrypted-unverified', [expired]),
      ]),
    ).toEqual({
      kind: 'encrypted-unverified',
      worst: 'critical',
      findings: [revocationInfo, expired],
    });
    expect(accountVerdict([v('could-not-check'), v('encryption-removable')]).kind).toBe(
      'encryption-removable',
    );
    expect(accountVerdict([v('could-not-check'), v('encrypted-verified')]).kind).toBe(
      'could-not-check',
    );
  });
  it('ignores not-served ports unless nothing is served; nothing at all is could-not-check', () => {
    expect(accountVerdict([v('not-served'), v('encrypted-verified')]).kind).toBe(
      'encrypted-verified',
    );
    expect(accountVerdict([v('not-served')]).kind).toBe('not-served');
    expect(accountVerdict([]).kind).toBe('could-not-check');
  });
  it('orders verdicts worst first', () => {
    const kinds: VerdictKind[] = [
      'encrypted-verified',
      'not-served',
      'could-not-check',
      'not-encrypted',
      'encrypted-unverified',
      'encryption-removable',
    ];
    expect([...kinds].sort((a, b) => verdictRank(a) - verdictRank(b))).toEqual([
      'not-encrypted',
      'encryption-removable',
      'encrypted-unverified',
      'could-not-check',
      'encrypted-verified',
      'not-served',
    ]);
  });
});
