/**
 * The printable HTML report: self-contained (no script, nothing loaded from elsewhere, its own
 * CSP), hostile server text escaped wherever it comes from (host name, certificate subject,
 * transcript, changes), and the verdicts, findings and changes in words. The view comes from a
 * real judgement of a crafted certificate whose subject is hostile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrustStores } from '../cert';
import {
  leafExtensions,
  makeCert,
  makeExampleAuthorities,
  type TestCert,
} from '../cert/test-support';
import { changeText } from '../explain/changes';
import { verdictHeadline } from '../explain/verdicts';
import type { EndpointFacts } from '../facts/endpoint';
import { judgeEndpoint } from '../findings/judge';
import { facts, goodAddress, target, tls } from '../findings/test-fixtures';
import type { DomainView } from '../explain/domain-view';
import { checkReportHtml, html } from './html';
import { checkView, type CheckView } from './view';

const HOSTILE = `<script>alert(1)</script>"'&`;
/** HOSTILE as the report must show it. */
const HOSTILE_ESCAPED = '&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#39;&#38;';
const TRANSCRIPT_CANARY = 'transcript-canary-3f9a';

let dir: string;
let created: number;
let root: TestCert;
let inter: TestCert;
let hostileLeaf: TestCert;
let trust: TrustStores;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sealcheck-html-'));
  created = Date.now();
  ({ root, inter } = makeExampleAuthorities(dir));
  // openssl's -subj takes "\/" for a slash inside a value.
  hostileLeaf = makeCert(dir, 'leaf', {
    subject: `/O=${HOSTILE.replace('/', '\\/')}/CN=mail.example.org`,
    issuer: inter,
    extensions: leafExtensions(['DNS:mail.example.org']),
    days: 90,
  });
  trust = { publicRoots: [], publicRootsLabel: 'test', systemRoots: [], extraRoots: [root.pem] };
}); // prettier-ignore
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An endpoint at `host` presenting the hostile leaf, with hostile text in its transcript. */
function endpointFacts(host: string): EndpointFacts {
  return facts(
    target({ host, port: 993, security: 'implicit' }),
    goodAddress('implicit', {
      tls: tls({ peerChain: [hostileLeaf.b64, inter.b64], chainSource: 'as-sent' }),
      transcript: [
        { at: 1, dir: 'received', text: `* OK ${HOSTILE} ${TRANSCRIPT_CANARY}`, tls: true },
      ],
    }),
  );
}

function viewOf(host: string, title: string, changes: readonly string[] = []): CheckView {
  const j = judgeEndpoint(endpointFacts(host), { trust, now: new Date(created + 3_600_000) });
  return checkView({
    runId: 'run-html',
    title,
    checkedAt: '2026-03-01T10:00:00.000Z',
    accountId: null,
    verdict: j.verdict,
    endpoints: [{ role: 'incoming', judgement: j, changes }],
  });
}

/** Everything that would make the page load, run or send something. */
function activeContent(page: string): string[] {
  const patterns = [
    /<script\b/i,
    /<(link|img|iframe|frame|object|embed|base|form|svg|video|audio|source|meta http-equiv="refresh")\b/i,
    /\s(src|href|srcset|action|formaction|poster|background|ping)\s*=/i,
    /\son[a-z]+\s*=/i,
    /url\s*\(/i,
    /@import/i,
    /javascript:/i,
  ];
  return patterns.filter((p) => p.test(page)).map(String);
}

describe('html()', () => {
  it('escapes the five HTML characters as numeric references', () => {
    expect(html(HOSTILE)).toBe(HOSTILE_ESCAPED);
    expect(html('plain text')).toBe('plain text');
  });

  it('makes control and bidi characters visible instead of acting on the page', () => {
    expect(html('a\u202Eb\u0007c\nd')).toBe('a\\u{202e}b\\x07c\\nd');
  });
});

describe('checkReportHtml', () => {
  it('a whole document with its own CSP; no script, nothing loaded from elsewhere', () => {
    const page = checkReportHtml(viewOf('mail.example.org', 'Alice'), '1.2.3');
    expect(page.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(page.trimEnd().endsWith('</body></html>')).toBe(true);
    expect(page).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    );
    expect(page).toContain('<title>Sealcheck report: Alice</title>');
    expect(page).toContain('Checked 2026-03-01T10:00:00.000Z with Sealcheck 1.2.3.');
    expect(activeContent(page)).toEqual([]);
    expect(page.match(/<section>/g)).toHaveLength(1);
  });

  it('hostile text in the host, title, certificate subject and changes appears escaped only', () => {
    const host = `${HOSTILE}.example.org`;
    const view = viewOf(host, `Title ${HOSTILE}`, [`Changed: ${HOSTILE}`]);
    // The hostile text really is in the view, raw: in the host, the title and the subject.
    const endpoint = view.endpoints[0];
    expect(endpoint?.host).toBe(host);
    expect(endpoint?.title).toContain(HOSTILE);
    expect(endpoint?.certificate?.path[0]?.subject).toContain(HOSTILE);
    expect(endpoint?.transcript[0]?.text).toContain(HOSTILE);
    expect(endpoint?.certificate?.referenceName).toBe(host);

    const page = checkReportHtml(view, `0.1.0${HOSTILE}`);
    expect(page).not.toContain(HOSTILE);
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('</script>');
    expect(activeContent(page)).toEqual([]);
    // Every hostile string shows, escaped: title (twice: <title> and <h1>), section heading,
    // checked-against name, certificate subject, the change, and the version.
    expect(page).toContain(`<title>Sealcheck report: Title ${HOSTILE_ESCAPED}</title>`);
    expect(page).toContain(`<h1>Sealcheck report: Title ${HOSTILE_ESCAPED}</h1>`);
    expect(page).toContain(`<h2>IMAP ${HOSTILE_ESCAPED}.example.org:993 (TLS from the first byte)</h2>`);
    expect(page).toContain(`<dd>${HOSTILE_ESCAPED}.example.org (does not match)</dd>`);
    expect(page).toContain(html(endpoint?.certificate?.path[0]?.subject ?? '?'));
    expect(page).toContain(`<p>Changed: ${HOSTILE_ESCAPED}</p>`);
    expect(page).toContain(`Sealcheck 0.1.0${HOSTILE_ESCAPED}.`);
    // alert(1) appears only right after an escaped "<script>".
    const alerts = [...page.matchAll(/alert\(1\)/g)].map((m) => page.slice(m.index - 16, m.index));
    expect(alerts.length).toBeGreaterThanOrEqual(5);
    expect(alerts.every((before) => before === '&#60;script&#62;')).toBe(true);
    // The transcript is not part of the printed report at all.
    expect(page).not.toContain(TRANSCRIPT_CANARY);
  }); // prettier-ignore

  it('hostile text in findings (a name mismatch names the host) is escaped too', () => {
    const view = viewOf(`${HOSTILE}.example.org`, 'x');
    const findings = view.endpoints[0]?.findings ?? [];
    expect(findings.map((f) => f.id)).toContain('cert.name-mismatch');
    const page = checkReportHtml(view, '1');
    for (const f of findings) {
      expect(page).toContain(`<strong>${html(f.title)}</strong> (${f.severity})`);
      expect(page).toContain(`<p>${html(f.meaning)}</p>`);
      expect(page).toContain(`<p>What to do: ${html(f.action)}</p>`);
    }
    expect(page).not.toContain(HOSTILE);
  });

  it('verdict words for the check and each endpoint; findings worst first; details; certificate', () => {
    const view = viewOf('mail.example.org', 'Alice');
    const e = view.endpoints[0];
    expect(e?.verdict.kind).toBe('encrypted-verified');
    const page = checkReportHtml(view, '1');
    expect(page).toContain(`<p class="verdict">${html(verdictHeadline('encrypted-verified'))}.</p>`);
    expect(page.split(`<p class="verdict">Encrypted and verified.</p>`)).toHaveLength(3);
    expect(page).toContain(`<p>${html(e?.verdict.sentence ?? '?')}</p>`);
    expect(page).toContain('<dt>Connection</dt><dd>TLS 1.3, TLS_AES_256_GCM_SHA384, X25519</dd>');
    expect(page).toContain('<dt>Valid for</dt><dd>mail.example.org</dd>');
    expect(page).toContain('<dd>mail.example.org (matches)</dd>');
    expect(page).toContain(`SHA-256 <code>${e?.certificate?.path[0]?.sha256 ?? '?'}</code>`);
    expect(page).toContain('<dt>Link 3</dt>');
    expect(page).not.toContain('Broken link');
    expect(page).not.toContain('Changed since the last check');
    for (const f of e?.findings ?? []) expect(page).toContain(`class="finding ${f.severity}"`);
  }); // prettier-ignore

  it('changes since the last check get their own block, before the findings', () => {
    const change = changeText({
      kind: 'certificate-changed',
      since: '2026-02-01T00:00:00.000Z',
      from: 'AA',
      to: 'BB',
      assessment: 'unknown',
      reasons: [],
    });
    const view = viewOf('mail.example.org', 'Alice', [change, 'Second change']);
    const page = checkReportHtml(view, '1');
    const block = page.indexOf('<strong>Changed since the last check</strong>');
    expect(block).toBeGreaterThan(0);
    expect(page).toContain(`<p>${html(change)}</p><p>Second change</p>`);
    expect(change).toContain("provider's"); // an apostrophe, escaped in the page
    expect(page).toContain('provider&#39;s');
    const firstFinding = page.indexOf('<div class="finding', block + 1);
    if (firstFinding !== -1) expect(firstFinding).toBeGreaterThan(block);
  });

  it('a broken path and a link’s problems are shown', () => {
    const j = judgeEndpoint(
      facts(
        target({ port: 993, security: 'implicit' }),
        goodAddress('implicit', {
          tls: tls({ peerChain: [hostileLeaf.b64], chainSource: 'as-sent' }),
        }),
      ),
      { trust, now: new Date(created + 3_600_000) },
    );
    const view = checkView({
      runId: 'r',
      title: 't',
      checkedAt: '2026-03-01T10:00:00.000Z',
      accountId: null,
      verdict: j.verdict,
      endpoints: [{ role: null, judgement: j }],
    });
    const page = checkReportHtml(view, '1');
    expect(page).toContain(
      '<dt>Broken link</dt><dd>The issuer of the last certificate was neither sent nor found in a trusted store.</dd>',
    );
    expect(page).toContain(
      '<strong>the certificate linking it to a trusted authority was not sent</strong>',
    );
    expect(page).toContain(`<p class="verdict">${html(verdictHeadline(j.verdict.kind))}.</p>`);
  });
});

describe('checkReportHtml with the domain check', () => {
  /** A domain view whose every DNS- or server-given text is hostile. */
  const domain: DomainView = {
    schema: 'sealcheck.domain-view/1',
    domain: `example.org${HOSTILE}`,
    checkedAt: '2026-03-01T10:05:00.000Z',
    durationMs: 42,
    verdict: 'plaintext',
    headline: 'Mail can arrive unencrypted',
    sentence: `Mail to example.org${HOSTILE} can reach its server as plain text.`,
    attention: [
      {
        id: 'mx.no-starttls',
        severity: 'critical',
        host: `mx.example.org${HOSTILE}`,
        title: 'This mail server does not encrypt',
        meaning: `The server said ${HOSTILE}.`,
        risk: 'Anyone on the way can read mail.',
        action: 'Ask the provider.',
        whoCanFix: 'mail-provider',
        whoCanFixText: 'your mail provider',
        technicalTerm: 'no STARTTLS',
        details: [{ label: 'capabilities', value: HOSTILE }],
      },
    ],
    info: [
      {
        id: 'tls-rpt.missing',
        severity: 'info',
        host: null,
        title: 'No reports about failed encryption',
        meaning: 'Nobody is told.',
        risk: 'None.',
        action: 'Nothing.',
        whoCanFix: 'nobody',
        whoCanFixText: 'nobody needs to',
        technicalTerm: 'TLS-RPT missing',
        details: [],
      },
    ],
    hosts: [
      {
        host: `mx.example.org${HOSTILE}`,
        preference: 10,
        addresses: ['192.0.2.1'],
        transport: 'not encrypted (no STARTTLS)',
        dane: 'none',
        policy: null,
        notReached: [],
      },
    ],
    details: [{ label: 'MTA-STS', value: `policy not fetched (${HOSTILE})` }],
  };

  it('adds the domain section after the servers, every value escaped, nothing active', () => {
    const page = checkReportHtml(viewOf('mail.example.org', 'Alice'), '1.2.3', domain);
    expect(page).not.toContain(HOSTILE);
    expect(activeContent(page)).toEqual([]);
    expect(page).toContain(`<h2>Mail sent to example.org${HOSTILE_ESCAPED}</h2>`);
    expect(page).toContain('<p class="verdict">Mail can arrive unencrypted.</p>');
    expect(page).toContain(`(critical) on mx.example.org${HOSTILE_ESCAPED}</p>`);
    expect(page).toContain('Who can fix it: your mail provider.');
    expect(page).toContain('<h3>Worth knowing</h3>');
    expect(page).toContain(
      `<tr><td>10</td><td>mx.example.org${HOSTILE_ESCAPED}</td><td>192.0.2.1</td><td>not encrypted (no STARTTLS)</td><td>none</td><td>no policy</td></tr>`,
    );
    expect(page.indexOf('Mail sent to')).toBeGreaterThan(page.indexOf('IMAP mail.example.org'));
  });

  it('has no domain section without a domain check', () => {
    expect(checkReportHtml(viewOf('mail.example.org', 'Alice'), '1.2.3')).not.toContain(
      'Mail sent to',
    );
  });
});
