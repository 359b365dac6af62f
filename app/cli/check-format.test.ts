/** The human output of `sealcheck check`: verdict first, explanations, hostile text inert. */
import { expect, test } from 'vitest';
import { FACTS_SCHEMA, type EndpointFacts } from '../core/facts/endpoint';
import type { Judgement } from '../core/findings/judge';
import type { Finding } from '../core/findings/types';
import { formatEndpoint, formatSharedInfo, formatSummary, infoText } from './check-format';

const facts: EndpointFacts = {
  schema: FACTS_SCHEMA,
  target: { host: 'mail.example.org', port: 993, protocol: 'imap', security: 'implicit' },
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 10,
  resolved: ['192.0.2.1'],
  resolveError: null,
  addresses: [],
  sealcheckVersion: 'test',
};

const mismatch: Finding = {
  id: 'cert.name-mismatch',
  severity: 'critical',
  subject: { host: 'mail.example.org', port: 993, protocol: 'imap', security: 'implicit' },
  evidence: {
    expected: 'mail.example.org',
    validFor: ['evil\u001b]0;pwned\u0007\u202e.example\nFAKE LINE'],
    commonNameOnly: null,
  },
};

const info: Finding = {
  id: 'cert.revocation-not-checked',
  severity: 'info',
  subject: mismatch.subject,
  evidence: { reason: 'not-stapled' },
};

test('verdict first, then the finding with what to do and who; info in one short list', () => {
  const j: Judgement = {
    facts,
    certificates: [],
    findings: [mismatch, info],
    verdict: { kind: 'encrypted-unverified', worst: 'critical', findings: [mismatch, info] },
  };
  const out = formatEndpoint(j, 'problems');
  const lines = out.split('\n');
  expect(lines[0]).toBe('imap mail.example.org:993 (implicit TLS)');
  expect(lines[1]).toMatch(/^ {2}Encrypted, but the server's identity is not proven\. Your mail/);
  expect(out).toContain('! The certificate is for a different name [critical]');
  expect(out).toContain('Who can fix it: your mail provider.');
  expect(out).toContain('Help-desk term: name mismatch');
  expect(out).toContain('Worth knowing:');
  // eslint-disable-next-line no-control-regex
  expect(out).not.toMatch(/[\u001b\u0007\u202e]/);
  expect(out).toContain('evil\\x1b]0;pwned\\x07\\u202E.example\\nFAKE');
  expect(lines.some((l) => l.startsWith('FAKE'))).toBe(false);
});

test('summary counts', () => {
  expect(formatSummary(['ok', 'problems', 'not-served'])).toBe(
    '3 endpoints: 1 ok, 1 with problems, 0 could not be checked, 1 not served.\n',
  );
});

test('shared info notes: left out of the endpoint, printed once at the end, escaped', () => {
  const j: Judgement = {
    facts,
    certificates: [],
    findings: [info],
    verdict: { kind: 'encrypted-verified', worst: 'info', findings: [info] },
  };
  const text = infoText(info);
  const out = formatEndpoint(j, 'ok', { sharedInfo: new Set([text]) });
  expect(out).not.toContain('Worth knowing');
  expect(formatEndpoint(j, 'ok')).toContain('Worth knowing:');
  const shared = formatSharedInfo([text, 'evil\u001b[31m\nFAKE']);
  expect(shared).toMatch(/^Worth knowing for every endpoint above:\n {2}- No one checked/);
  expect(shared).toContain('evil\\x1b[31m\\nFAKE');
  expect(formatSharedInfo([])).toBe('');
});
