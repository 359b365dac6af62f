/** The help-desk Markdown and markdownSafe: content, escaping of hostile text, masking. */
import { describe, expect, test } from 'vitest';
import { FACTS_SCHEMA, type EndpointFacts } from '../facts/endpoint';
import type { Judgement } from '../findings/judge';
import type { Finding } from '../findings/types';
import { explain } from './catalog';
import { fixtureFindings } from './fixtures';
import { helpdeskMarkdown } from './helpdesk';
import { markdownSafe } from './markdown';
import { verdictSentence } from './verdicts';

const RAW_CONTROL =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

const HOSTILE =
  'evil.example <img src=x onerror=alert(1)> [click](https://evil.example) *bold* \u202e\u001b[31m\nline2';

function endpoint(greeting: string): EndpointFacts {
  return {
    schema: FACTS_SCHEMA,
    target: { host: 'mail.example.org', port: 993, protocol: 'imap', security: 'implicit' },
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 10,
    resolved: ['192.0.2.7'],
    resolveError: null,
    addresses: [
      {
        address: '192.0.2.7',
        family: 4,
        status: 'success',
        error: null,
        greeting: { lines: [greeting], kind: 'ok' },
        capabilitiesBeforeTls: null,
        starttls: null,
        tls: null,
        capabilitiesAfterTls: null,
        loginBeforeTls: null,
        injection: null,
        scan: null,
        timings: {},
        connections: 1,
        transcript: [],
      },
    ],
    sealcheckVersion: 'test',
  };
}

const mismatch: Finding = {
  id: 'cert.name-mismatch',
  severity: 'critical',
  subject: { host: 'mail.example.org', port: 993, protocol: 'imap', security: 'implicit' },
  evidence: { expected: 'mail.example.org', validFor: [HOSTILE], commonNameOnly: null },
};

function judgement(findings: Finding[], greeting = '* OK ready'): Judgement {
  return {
    certificates: [],
    facts: endpoint(greeting),
    findings,
    verdict: { kind: 'encrypted-unverified', worst: 'critical', findings },
  };
}

describe('markdownSafe', () => {
  test('escapes metacharacters and makes controls and bidi visible', () => {
    expect(markdownSafe('*a* _b_ [c](d) <e> `f` #g |h| ~i~ !j & k')).toBe(
      '\\*a\\* \\_b\\_ \\[c\\]\\(d\\) \\<e\\> \\`f\\` \\#g \\|h\\| \\~i\\~ !j \\& k',
    );
    const out = markdownSafe('a\u001b[31mb\u202ec\nd');
    expect(out).not.toMatch(RAW_CONTROL);
    expect(out).not.toContain('\n');
    expect(out).toContain('U+001B');
    expect(out).toContain('U+202E');
  });

  test('breaks autolinks', () => {
    expect(markdownSafe('https://evil.example')).toBe('https\\://evil.example');
    expect(markdownSafe('see www.evil.example')).toBe('see www\\.evil.example');
    expect(markdownSafe('me@evil.example')).toBe('me\\@evil.example');
  });
});

describe('helpdeskMarkdown', () => {
  test('verdict, finding, who can fix it, action, term and evidence for each endpoint', () => {
    const f = fixtureFindings().find((x) => x.finding.id === 'cert.expired')?.finding;
    if (!f) throw new Error('no fixture');
    const md = helpdeskMarkdown([judgement([f])], {
      generatedAt: '2026-11-25T17:00:00.000Z',
      version: '0.1.0',
    });
    const e = explain(f);
    expect(md).toContain('## imap mail.example.org port 993 (SSL/TLS)');
    expect(md).toContain(verdictSentence('encrypted-unverified', 'imap'));
    expect(md).toContain(markdownSafe(e.title));
    expect(md).toContain('**Who can fix it:** your mail provider');
    expect(md).toContain(`**What to do:** ${markdownSafe(e.action)}`);
    expect(md).toContain('expired certificate');
    expect(md).toContain(markdownSafe('14 March 2025'));
    expect(md).toContain(markdownSafe('2025-03-14T12:00:00.000Z'));
    expect(md).toContain('SHA-256: 3A:7F');
  });

  test('hostile names are escaped and no raw control character gets through', () => {
    const md = helpdeskMarkdown([judgement([mismatch], `* OK ${HOSTILE}`)], {
      generatedAt: '2026-11-25T17:00:00.000Z',
      version: '0.1.0',
    });
    expect(md).not.toMatch(RAW_CONTROL);
    // Only escaped forms appear: no "<" or "[" without a backslash before it.
    expect(md).not.toMatch(/(^|[^\\])<img/m);
    expect(md).not.toMatch(/(^|[^\\])\[click/m);
    expect(md).toContain('\\<img src=x onerror=alert\\(1\\)\\>');
    expect(md).toContain('\\[click\\]\\(https\\://evil.example\\)');
    // Every line is ours: a heading, a list item, bold, or plain text we wrote; none starts with hostile text.
    for (const line of md.split('\n')) expect(line).not.toMatch(/^(line2|\[click)/);
  });

  test('masks the given addresses wherever they appear', () => {
    const md = helpdeskMarkdown([judgement([], '* OK hello 198.51.100.23, ready')], {
      generatedAt: '2026-11-25T17:00:00.000Z',
      version: '0.1.0',
      maskAddresses: ['198.51.100.23'],
    });
    expect(md).not.toContain('198');
    expect(md).toContain('\\[your address\\]');
    expect(md).toContain('No findings.');
  });

  test('every fixture renders (no entry throws)', () => {
    const findings = fixtureFindings().map((x) => x.finding);
    const md = helpdeskMarkdown([judgement(findings)], {
      generatedAt: '2026-11-25T17:00:00.000Z',
      version: '0.1.0',
    });
    expect(md.match(/^### /gm)?.length).toBe(findings.length);
    expect(md).not.toMatch(RAW_CONTROL);
  });
});

describe('"Your app" in the ticket', () => {
  test('after the findings when given; absent when null', () => {
    const f = fixtureFindings()[0]?.finding;
    if (!f) throw new Error('no fixture');
    const options = { generatedAt: '2026-01-01T00:00:00.000Z', version: '0.0.0-test' };
    const md = helpdeskMarkdown([judgement([f])], {
      ...options,
      clients: [
        [
          { client: 'thunderbird', reaction: 'warns', because: 'missing-intermediate-not-fetched' },
          {
            client: 'outlook-windows',
            reaction: 'unknown',
            because: 'missing-intermediate-fetched',
          },
        ],
      ],
    });
    expect(md).toContain(
      '### Your app\n\n- Thunderbird will likely warn. It does not fetch the missing certificate',
    );
    expect(md.indexOf('### Your app')).toBeGreaterThan(md.indexOf('### 1\\.'));
    expect(md).toContain('- Sealcheck cannot tell if Outlook on Windows will warn.');
    expect(helpdeskMarkdown([judgement([f])], { ...options, clients: [null] })).not.toContain(
      'Your app',
    );
  });
});
