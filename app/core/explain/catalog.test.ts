/** The catalog's words name the real things from the evidence, per protocol. */
import { describe, expect, test } from 'vitest';
import type { Finding } from '../findings/types';
import { explain, whoCanFixText } from './catalog';
import { fixtureFindings } from './fixtures';

function fixture(id: Finding['id'], variant = 0): Finding {
  const f = fixtureFindings().find((x) => x.finding.id === id && x.variant === variant)?.finding;
  if (!f) throw new Error(`no fixture ${id}#${variant}`);
  return f;
}

describe('real names', () => {
  test('name mismatch: the names the certificate is for, and the name configured', () => {
    expect(explain(fixture('cert.name-mismatch')).meaning).toBe(
      'The certificate is for *.hostingco.net and hostingco.net, not for mail.example.org.',
    );
    expect(explain(fixture('cert.name-mismatch', 1)).meaning).toContain(
      'a.hostingco.net, b.hostingco.net, c.hostingco.net, d.hostingco.net and 1 more',
    );
    const cnOnly = explain(fixture('cert.name-mismatch', 2));
    expect(cnOnly.meaning).toContain('names no server at all');
    expect(cnOnly.meaning).toContain('Only an old name field says mail.example.org');
  });

  test('XMPP: the domain of the address, and the chat provider', () => {
    const f = fixture('cert.name-mismatch', 3);
    const e = explain(f);
    expect(e.action).toContain('must be for example.org, the domain of your address');
    expect(whoCanFixText(e.whoCanFix, f.subject.protocol)).toBe('your chat provider');
  });

  test('dates, days, fingerprints and issuers come from the evidence', () => {
    expect(explain(fixture('cert.expired')).meaning).toBe(
      "The server's certificate ran out on 14 March 2025, 12 days ago.",
    );
    expect(explain(fixture('cert.expired', 1)).meaning).toMatch(
      /^A certificate that vouches for the server \(Example Issuing CA 2\) ran out on 1 January 2024, 1 day ago\.$/,
    );
    expect(explain(fixture('cert.self-signed')).action).toContain('3A:7F:10:C2');
    expect(explain(fixture('cert.missing-intermediate')).meaning).toContain(
      'the certificate from Example Issuing CA 2.',
    );
    expect(explain(fixture('clock.suspect')).meaning).toContain('about 2 hours');
    expect(explain(fixture('clock.suspect')).meaning).toContain('behind');
  });

  test('who can fix it follows the evidence', () => {
    expect(explain(fixture('cert.intercepted', 0)).whoCanFix).toBe('security-software');
    expect(explain(fixture('cert.intercepted', 1)).whoCanFix).toBe('network');
    expect(explain(fixture('starttls.optional', 2)).whoCanFix).toBe('nobody');
    expect(explain(fixture('clock.suspect')).whoCanFix).toBe('clock');
    expect(explain(fixture('tls.none', 0)).whoCanFix).toBe('you');
    expect(explain(fixture('tls.none', 1)).whoCanFix).toBe('mail-provider');
  });

  test('the catalog returns server text as it is: escaping is each output’s job', () => {
    const f: Finding = {
      ...fixture('cert.name-mismatch'),
      evidence: {
        expected: 'mail.example.org',
        validFor: ['a\u001b[31m.evil'],
        commonNameOnly: null,
      },
    } as Finding;
    expect(explain(f).meaning).toContain('a\u001b[31m.evil');
  });
});
