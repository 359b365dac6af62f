import { describe, expect, it } from 'vitest';
import {
  severityRank,
  severityWords,
  verdictLook,
  type DomainVerdictKind,
  type VerdictKind,
} from './verdict';

const KINDS: readonly VerdictKind[] = [
  'encrypted-verified',
  'encrypted-unverified',
  'encryption-removable',
  'not-encrypted',
  'could-not-check',
  'not-served',
];

describe('verdictLook', () => {
  it('only a verified connection looks good; the problem verdicts never do', () => {
    for (const k of KINDS) {
      const look = verdictLook(k);
      expect(look.tone === 'ok', k).toBe(k === 'encrypted-verified');
      expect(look.icon === 'check', k).toBe(k === 'encrypted-verified');
    }
    expect(verdictLook('not-encrypted').tone).toBe('problem');
    expect(verdictLook('encrypted-unverified').tone).toBe('problem');
  });

  it('an unknown result never passes for good or bad', () => {
    expect(verdictLook('could-not-check').tone).toBe('unknown');
    expect(verdictLook(null)).toMatchObject({ tone: 'unknown', short: 'Not checked yet' });
  });
});

describe('verdictLook for mail sent to a domain', () => {
  const DOMAIN_KINDS: readonly DomainVerdictKind[] = [
    'plaintext',
    'delivery-at-risk',
    'could-not-check',
    'downgrade-possible',
    'protected',
    'no-mail',
  ];

  it('only "encrypted and enforced" looks good; plain text looks like no encryption', () => {
    for (const k of DOMAIN_KINDS) {
      expect(verdictLook(k).tone === 'ok', k).toBe(k === 'protected');
      expect(verdictLook(k).icon === 'check', k).toBe(k === 'protected');
    }
    expect(verdictLook('plaintext')).toMatchObject({ icon: 'cross', tone: 'problem' });
    expect(verdictLook('could-not-check').tone).toBe('unknown');
  });

  it('gives each kind its own short words, apart from the endpoint verdicts', () => {
    const all = [...new Set([...KINDS, ...DOMAIN_KINDS])].map((k) => verdictLook(k).short);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('severity', () => {
  it('worst first, in words', () => {
    const sorted = (['info', 'critical', 'warning'] as const)
      .slice()
      .sort((a, b) => severityRank(a) - severityRank(b));
    expect(sorted).toEqual(['critical', 'warning', 'info']);
    expect(severityWords('critical')).toBe('Needs attention now');
  });
});
