/**
 * Opening saved reports (open.ts) as a help desk would: files written to a temporary directory
 * and read back, some honest, most hostile. An honest file is judged again to the same verdict;
 * a lying view is never shown; a file that is not a report, too big, too deep, of the wrong
 * types or shapes gets one sentence that never quotes it; `__proto__` keys change nothing; and
 * hostile server text in the facts comes out escaped in the HTML report and the help-desk
 * Markdown rebuilt from them. The certificates are real (openssl), so judging them is real too.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { DOMAIN_FACTS_SCHEMA, type DomainFacts } from '../domain/facts';
import { helpdeskMarkdown } from '../explain/helpdesk';
import type { EndpointFacts } from '../facts/endpoint';
import { MAX_LIST_ENTRIES } from '../facts/schema';
import { judgeEndpoint } from '../findings/judge';
import { caps, facts, goodAddress, scan, target, tls } from '../findings/test-fixtures';
import { checkReportHtml } from './html';
import { MAX_REPORT_CHARS, openReport, type OpenReportResult } from './open';

/** Terminal escapes, HTML, a bidi override, NUL, quotes: everything an output must neutralise. */
const HOSTILE = '\u001b[31m<script>alert(1)</script>\u202Eevil\u0000"\'&';
const HTML_HOSTILE = `<script>alert(1)</script>"'&`;
/** What only the file's own view says: it must never come out. */
const LIE = 'All is fine, click OK';

let dir: string;
let created: number;
let root: TestCert;
let inter: TestCert;
let leaf: TestCert;
let hostileLeaf: TestCert;
let trust: TrustStores;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sealcheck-open-'));
  created = Date.now();
  ({ root, inter } = makeExampleAuthorities(dir));
  leaf = makeCert(dir, 'leaf', {
    subject: '/CN=mail.example.org',
    issuer: inter,
    extensions: leafExtensions(['DNS:mail.example.org']),
    days: 90,
  });
  hostileLeaf = makeCert(dir, 'hostile', {
    subject: `/O=${HTML_HOSTILE.replace('/', '\\/')}/CN=mail.example.org`,
    issuer: inter,
    extensions: leafExtensions(['DNS:mail.example.org']),
    days: 90,
  });
  trust = { publicRoots: [], publicRootsLabel: 'test', systemRoots: [], extraRoots: [root.pem] };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An hour after the certificates were made: inside their validity. */
const checkDate = (): string => new Date(created + 3_600_000).toISOString();

/** A verified implicit-TLS IMAP endpoint with the real chain, checked at checkDate(). */
function goodFacts(chain: readonly string[] = [leaf.b64, inter.b64]): EndpointFacts {
  return {
    ...facts(
      target({ port: 993, security: 'implicit' }),
      goodAddress('implicit', {
        tls: tls({ peerChain: chain, chainSource: 'as-sent' }),
        scan: scan(),
        timings: { connect: 1, handshake: 4, greeting: 6 },
        transcript: [{ at: 1, dir: 'received', text: '* OK ready', tls: true }],
      }),
    ),
    startedAt: checkDate(),
  };
}

/** A plaintext IMAP endpoint: what a lying view would like to hide. */
function plaintextFacts(): EndpointFacts {
  return { ...facts(target({ security: 'none' }), goodAddress('none')), startedAt: checkDate() };
}

/** A view that says all is well, whatever the facts say. */
const lyingView = {
  runId: 'x',
  title: LIE,
  checkedAt: '2030-01-01T00:00:00.000Z',
  accountId: null,
  mailDomain: null,
  verdict: { kind: 'encrypted-verified', worst: null, headline: LIE, sentence: LIE },
  endpoints: [{ title: LIE, verdict: { headline: LIE }, findings: [{ title: LIE }] }],
};

/** The export's envelope (app/main/core-checks.ts 'checks.export' json). */
function envelope(list: readonly unknown[], extra: Record<string, unknown> = {}) {
  return { schema: 'sealcheck.report/1', version: '9.9.9', view: lyingView, facts: list, ...extra };
}

let fileNumber = 0;
/** Writes `content` to a file of its own and opens it as the CLI would: read back from disk. */
function openFile(content: string | Buffer, now?: Date): OpenReportResult {
  const file = join(dir, `report-${++fileNumber}.sealcheck`);
  writeFileSync(file, content);
  return openReport(readFileSync(file, 'utf8'), { trust, ...(now ? { now } : {}) });
}

const openJson = (value: unknown): OpenReportResult => openFile(JSON.stringify(value, null, 2));

function problemOf(r: OpenReportResult): string {
  if (r.ok) throw new Error('the file was accepted');
  return r.problem;
}

function reportOf(r: OpenReportResult) {
  if (!r.ok) throw new Error(`refused: ${r.problem}`);
  return r.report;
}

/** One plain sentence, ours: starts with a capital, ends with a full stop, quotes nothing. */
function expectOneSentence(problem: string): void {
  expect(problem).toMatch(/^[A-Z][^\n]*\.$/);
  expect(problem.length).toBeLessThan(300);
  // eslint-disable-next-line no-control-regex
  expect(problem).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e<>]/);
}

describe('an honest report', () => {
  it('is judged again from its facts to the same verdict and findings, as of its own date', () => {
    const f = goodFacts();
    const r = reportOf(openJson(envelope([f])));
    const expected = judgeEndpoint(f, { trust, now: new Date(f.startedAt) });
    expect(r.judgements).toHaveLength(1);
    expect(r.judgements[0]?.verdict.kind).toBe('encrypted-verified');
    expect(r.judgements[0]?.findings).toEqual(expected.findings);
    expect(r.judgements[0]?.facts).toEqual(f);
    expect(r.claimed).toEqual({ version: '9.9.9', checkedAt: f.startedAt });
    expect(r.notes).toEqual([]);
    expect(r.domain).toBeNull();
    // The view is rebuilt in this Sealcheck's words, with the facts' date, not the file's view.
    expect(r.view.checkedAt).toBe(f.startedAt);
    expect(r.view.title).toBe('mail.example.org');
    expect(r.view.verdict.kind).toBe('encrypted-verified');
    expect(r.view.endpoints[0]?.certificate?.path).toHaveLength(3);
  });

  it('a certificate valid at the check stays valid, though it has expired by now', () => {
    const f = goodFacts();
    const later = judgeEndpoint(f, { trust, now: new Date(created + 200 * 86_400_000) });
    expect(later.findings.map((x) => x.id)).toContain('cert.expired');
    const r = reportOf(openJson(envelope([f])));
    expect(r.judgements[0]?.findings.map((x) => x.id)).not.toContain('cert.expired');
  });

  it('the earliest start is the check date; a date still to come gets a note', () => {
    const a = goodFacts();
    const b = { ...plaintextFacts(), startedAt: new Date(created).toISOString() };
    expect(reportOf(openJson(envelope([a, b]))).claimed.checkedAt).toBe(b.startedAt);
    const future = reportOf(
      openFile(JSON.stringify(envelope([a])), new Date(created - 3 * 86_400_000)),
    );
    expect(future.notes).toEqual([
      'The file says the check ran on a date still to come, so its dates cannot be right.',
    ]);
  });

  it('a byte-order mark and unknown keys (a newer Sealcheck) are fine: unknown facts are dropped', () => {
    const f = { ...goodFacts(), laterFact: { x: 1 } };
    const r = reportOf(openFile(`\uFEFF${JSON.stringify(envelope([f], { extra: true }))}`));
    expect(r.judgements[0]?.facts).not.toHaveProperty('laterFact');
  });
});

describe('facts that pass the schema but make no sense', () => {
  it('certificates that are base64 but not DER: judged closed, never verified, never a throw', () => {
    const f = goodFacts(['AAAA', 'MIIBleaf']);
    const r = reportOf(openJson(envelope([f])));
    expect(r.judgements[0]?.verdict.kind).not.toBe('encrypted-verified');
    expect(r.judgements[0]?.findings.some((x) => x.severity !== 'info')).toBe(true);
  });
});

describe('the file’s own words are never shown', () => {
  it('a view that says "verified" over plaintext facts: the report says what the facts say', () => {
    const r = reportOf(openJson(envelope([plaintextFacts()])));
    expect(r.judgements[0]?.verdict.kind).toBe('not-encrypted');
    expect(r.view.verdict.kind).toBe('not-encrypted');
    expect(r.view.verdict.headline).not.toBe(LIE);
    expect(JSON.stringify(r)).not.toContain(LIE);
    expect(checkReportHtml(r.view, '1.0.0')).not.toContain(LIE);
  });

  it('the domain part’s view and findings are dropped too; its facts are judged again', () => {
    const d = domainFacts();
    const r = reportOf(
      openJson(
        envelope([goodFacts()], {
          domain: { view: { headline: LIE }, findings: [{ id: 'x', title: LIE }], facts: d },
        }),
      ),
    );
    expect(r.domain?.view.domain).toBe('example.org');
    expect(r.domain?.judgement.facts).toEqual(d);
    expect(r.view.mailDomain).toBe('example.org');
    expect(JSON.stringify(r)).not.toContain(LIE);
  });
});

/** A domain with one MX host on port 25 that speaks STARTTLS, no MTA-STS, no TLS-RPT. */
function domainFacts(over: Partial<DomainFacts> = {}): DomainFacts {
  const summary = (name: string) =>
    ({ name, outcome: 'no-data', dnssec: 'insecure', error: null }) as const;
  const mx = facts(
    target({ host: 'mx.example.org', port: 25, protocol: 'smtp', security: 'starttls' }),
    goodAddress('starttls', { capabilitiesBeforeTls: caps({ raw: ['PIPELINING', 'STARTTLS'] }) }),
  );
  return {
    schema: DOMAIN_FACTS_SCHEMA,
    domain: 'example.org',
    startedAt: checkDate(),
    durationMs: 100,
    sealcheckVersion: '0.0.0-test',
    resolver: { servers: ['127.0.0.1:53'], origin: 'chosen', adTrusted: true, validates: true },
    mx: {
      ...summary('example.org'),
      outcome: 'answer',
      records: [{ preference: 10, exchange: 'mx.example.org' }],
      nullMx: false,
      implicit: false,
    },
    hosts: [
      {
        host: 'mx.example.org',
        preference: 10,
        a: { ...summary('mx.example.org'), outcome: 'answer' },
        aaaa: summary('mx.example.org'),
        addresses: ['192.0.2.1'],
        tlsa: { ...summary('_25._tcp.mx.example.org'), records: [] },
        canonicalName: 'mx.example.org',
        probe: { ...mx, startedAt: checkDate() },
      },
    ],
    hostsNotChecked: 0,
    mtaSts: {
      record: { ...summary('_mta-sts.example.org'), result: { kind: 'none' } },
      fetch: null,
      policy: null,
    },
    tlsRpt: { ...summary('_smtp._tls.example.org'), result: { kind: 'none' } },
    ...over,
  };
}

describe('files that are not reports get one sentence', () => {
  it('not JSON, truncated JSON, an empty file, UTF-16', () => {
    const whole = JSON.stringify(envelope([goodFacts()]));
    const cases = [
      'hello, this is not a report',
      whole.slice(0, Math.floor(whole.length / 2)),
      '',
      '{"schema": "sealcheck.report/1",',
    ];
    for (const text of cases) {
      const p = problemOf(openFile(text));
      expect(p).toBe(
        'The file is not a Sealcheck report: its text is not valid JSON (it may be damaged or cut short).',
      );
    }
    expectOneSentence(problemOf(openFile(Buffer.from(whole, 'utf16le'))));
  });

  it('more than 16 MB is refused before it is parsed', () => {
    const big = `{"schema":"sealcheck.report/1","pad":"${'x'.repeat(20 * 1024 * 1024)}"}`;
    expect(big.length).toBeGreaterThan(MAX_REPORT_CHARS);
    const p = problemOf(openReport(big, { trust }));
    expect(p).toBe(
      'The file is not a Sealcheck report: it is larger than 16 MB, far more than any report.',
    );
  });

  it('100,000 levels of nesting: a sentence, no stack overflow', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expectOneSentence(problemOf(openFile(deep)));
    // Deep inside a report: the schema never walks past the shapes it knows.
    const inside = `{"schema":"sealcheck.report/1","version":"1","facts":[${'['.repeat(100_000)}${']'.repeat(100_000)}]}`;
    expect(problemOf(openFile(inside))).toBe(
      // (An array is an object to the schema: its first missing key is named.)
      'The file is not a Sealcheck report this version can read: facts[0].schema is missing.',
    );
    // Unclosed: whatever JSON.parse throws (SyntaxError, or RangeError on another engine).
    expectOneSentence(problemOf(openFile('['.repeat(100_000))));
    expectOneSentence(
      problemOf(openFile(`{"a":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_001)}`)),
    );
  });

  it('another schema, no schema, a list, a single value', () => {
    expect(problemOf(openJson({ ...envelope([]), schema: 'sealcheck.report/2' }))).toBe(
      'The file is a Sealcheck report of another format (sealcheck.report/2) that this version cannot read; a newer Sealcheck may.',
    );
    const notOurs =
      'The file is not a Sealcheck report: it does not say "sealcheck.report/1" where a report does.';
    expect(problemOf(openJson({ ...envelope([]), schema: `x${HOSTILE}` }))).toBe(notOurs);
    expect(problemOf(openJson({ facts: [goodFacts()] }))).toBe(notOurs);
    expect(problemOf(openJson({ schema: { toString: 'x' } }))).toBe(notOurs);
    expect(problemOf(openJson([envelope([])]))).toBe(
      'The file is not a Sealcheck report: it holds no report, only a list.',
    );
    expect(problemOf(openJson('sealcheck.report/1'))).toBe(
      'The file is not a Sealcheck report: it holds no report, only a single value.',
    );
    expect(problemOf(openJson(envelope([])))).toBe(
      'The report holds no checked server, so there is nothing to show.',
    );
  });

  it('facts of the wrong types or values: the sentence names where, never what', () => {
    const f = goodFacts();
    const a = f.addresses[0] ?? goodAddress('implicit');
    const bad = (over: Record<string, unknown>, where: unknown = {}) => ({ ...f, ...over, ...(where as object) });
    const cases: [unknown, string][] = [
      [bad({ target: { ...f.target, port: '993' } }), 'facts[0].target.port has the wrong type'],
      [bad({ target: { ...f.target, port: 70_000 } }), 'facts[0].target.port is out of range'],
      [bad({ target: { ...f.target, port: 993.5 } }), 'facts[0].target.port is not a whole number'],
      [bad({ target: { ...f.target, protocol: HOSTILE } }), 'facts[0].target.protocol is not one of the values a report holds'],
      [bad({ target: { ...f.target, host: `mail${HOSTILE}` } }), 'facts[0].target.host is not a host name'],
      [bad({ target: { ...f.target, host: 'a\u202Eb' } }), 'facts[0].target.host is not a host name'],
      [bad({ schema: 'sealcheck.endpoint-facts/9' }), 'facts[0].schema is not "sealcheck.endpoint-facts/1"'],
      [bad({ startedAt: 'yesterday' }), 'facts[0].startedAt is not a date and time'],
      [bad({ addresses: [{ ...a, family: 5 }] }), 'facts[0].addresses[0].family is not one of the values a report holds'],
      [bad({ addresses: [{ ...a, address: HOSTILE }] }), 'facts[0].addresses[0].address is not an IP address'],
      [bad({ addresses: [{ ...a, tls: { ...a.tls, version: 42 } }] }), 'facts[0].addresses[0].tls.version has the wrong type'],
      [bad({ addresses: [{ ...a, tls: { ...a.tls, peerChain: [`${HOSTILE}`] } }] }), 'facts[0].addresses[0].tls.peerChain[0] is not base64'],
      [bad({ addresses: [{ ...a, greeting: null, status: undefined }] }), 'facts[0].addresses[0].status is missing'],
      [bad({ addresses: [{ ...a, transcript: [{ at: -1, dir: 'note', text: '', tls: false }] }] }), 'facts[0].addresses[0].transcript[0].at is out of range'],
      [bad({ durationMs: 'a lot' }), 'facts[0].durationMs has the wrong type'],
      [{ ...envelope([f]), version: HOSTILE }, 'version is not a version'],
    ];
    for (const [value, where] of cases) {
      const p = problemOf(openJson(Array.isArray((value as { facts?: unknown }).facts) ? value : envelope([value])));
      expect(p).toBe(`The file is not a Sealcheck report this version can read: ${where}.`);
      expectOneSentence(p);
    }
    // JSON's 1e400 is Infinity once parsed: not a measure.
    const text = JSON.stringify(envelope([f])).replace('"durationMs":10', '"durationMs":1e400');
    expect(problemOf(openFile(text))).toBe(
      'The file is not a Sealcheck report this version can read: facts[0].durationMs is not a finite number.',
    );
  }); // prettier-ignore

  it('a key of the file is named only when it looks like one of ours', () => {
    const f = goodFacts();
    const a = f.addresses[0] ?? goodAddress('implicit');
    const extensions = { [HOSTILE]: 42 };
    const value = { ...f, addresses: [{ ...a, capabilitiesAfterTls: caps({ extensions: extensions as never }) }] };
    const p = problemOf(openJson(envelope([value])));
    expect(p).toBe(
      'The file is not a Sealcheck report this version can read: facts[0].addresses[0].capabilitiesAfterTls.extensions[…] has the wrong type.',
    );
  }); // prettier-ignore
});

describe('caps on sizes', () => {
  it('a 1 MB string where a line goes', () => {
    const f = goodFacts();
    const a = f.addresses[0] ?? goodAddress('implicit');
    const value = { ...f, addresses: [{ ...a, greeting: { lines: ['x'.repeat(1024 * 1024)], kind: 'ok' } }] };
    expect(problemOf(openJson(envelope([value])))).toBe(
      'The file is not a Sealcheck report this version can read: facts[0].addresses[0].greeting.lines[0] is too long.',
    );
  }); // prettier-ignore

  it('100,000 entries in a list: refused by its length, quickly', () => {
    const f = goodFacts();
    const a = f.addresses[0] ?? goodAddress('implicit');
    const entry = { at: 1, dir: 'received', text: 'x', tls: true };
    const lists: [Record<string, unknown>, string][] = [
      [{ transcript: Array.from({ length: 100_000 }, () => entry) }, 'transcript'],
      [{ greeting: { lines: Array.from({ length: 100_000 }, () => 'x'), kind: 'ok' } }, 'greeting.lines'],
      [{ tls: { ...a.tls, peerChain: Array.from({ length: 100_000 }, () => 'AAAA') } }, 'tls.peerChain'],
    ];
    for (const [over, where] of lists) {
      const started = performance.now();
      const p = problemOf(openJson(envelope([{ ...f, addresses: [{ ...a, ...over }] }])));
      expect(p).toBe(`The file is not a Sealcheck report this version can read: facts[0].addresses[0].${where} has too many entries.`);
      expect(performance.now() - started).toBeLessThan(5_000);
    }
    const many = Array.from({ length: 100_000 }, () => ({}));
    expect(problemOf(openJson(envelope(many)))).toBe(
      'The file is not a Sealcheck report this version can read: facts has too many entries.',
    );
    // At the cap itself a list is still fine.
    const full = { ...a, transcript: Array.from({ length: MAX_LIST_ENTRIES }, () => entry) };
    expect(reportOf(openJson(envelope([{ ...f, addresses: [full] }]))).judgements).toHaveLength(1);
  }); // prettier-ignore
});

describe('prototype keys', () => {
  it('__proto__ and constructor keys change nothing and are not copied', () => {
    const text = JSON.stringify(envelope([goodFacts()]))
      .replace('{"schema":"sealcheck.report/1"', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"schema":"sealcheck.report/1"')
      .replace('{"schema":"sealcheck.endpoint-facts/1"', '{"__proto__":{"schema":"other","polluted":true},"schema":"sealcheck.endpoint-facts/1"')
      .replace('"extensions":{}', '"extensions":{"__proto__":{"polluted":true},"constructor":"x","prototype":"y","SIZE":"1000"}'); // prettier-ignore
    expect(text.match(/__proto__/g)).toHaveLength(3);
    const r = reportOf(openFile(text));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    const facts = r.judgements[0]?.facts;
    expect(Object.getPrototypeOf(facts)).toBe(Object.prototype);
    expect(facts?.schema).toBe('sealcheck.endpoint-facts/1');
    expect(Object.hasOwn(facts ?? {}, '__proto__')).toBe(false);
    const extensions = facts?.addresses[0]?.capabilitiesAfterTls?.extensions ?? {};
    expect(Object.getPrototypeOf(extensions)).toBe(Object.prototype);
    expect(Object.keys(extensions)).toEqual(['SIZE']);
    expect((extensions as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('hostile server text in honest-looking facts', () => {
  function hostileFacts(): EndpointFacts {
    const base = goodFacts([hostileLeaf.b64, inter.b64]);
    const a = base.addresses[0] ?? goodAddress('implicit');
    return {
      ...base,
      target: { ...base.target, host: `${HTML_HOSTILE}.example.org` },
      addresses: [
        {
          ...a,
          greeting: { lines: [HOSTILE], kind: 'ok' },
          capabilitiesAfterTls: caps({ raw: [HOSTILE], extensions: { [`X${HTML_HOSTILE}`]: HOSTILE } }),
          transcript: [{ at: 1, dir: 'received', text: HOSTILE, tls: true }],
        },
        {
          ...goodAddress('implicit'),
          address: '192.0.2.2',
          status: 'protocol-error',
          tls: null,
          error: { step: 'greeting', kind: 'protocol', message: HOSTILE, evidence: HOSTILE },
          greeting: { lines: [HOSTILE], kind: 'other' },
        },
      ],
      resolved: ['192.0.2.1', '192.0.2.2'],
    };
  } // prettier-ignore

  /** Nothing in `out` acts: no raw control, bidi or NUL character, no markup of the file's. */
  function expectInert(out: string, markdown = false): void {
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    // In Markdown a "<" is inert once escaped ("\<"); in HTML it must not be there at all.
    expect(out).not.toMatch(markdown ? /(^|[^\\])<\/?script/ : /<\/?script/);
  }

  it('is accepted (every output escapes it) and comes out inert in the HTML report', () => {
    const r = reportOf(openJson(envelope([hostileFacts()])));
    const endpoint = r.view.endpoints[0];
    // The hostile text really is in the rebuilt view, raw: the renderers must escape it.
    expect(endpoint?.host).toBe(`${HTML_HOSTILE}.example.org`);
    expect(endpoint?.certificate?.path[0]?.subject).toContain(HTML_HOSTILE);
    expect(endpoint?.transcript[0]?.text).toBe(HOSTILE);
    const page = checkReportHtml(r.view, '1.0.0');
    expectInert(page);
    expect(page).toContain('&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#39;&#38;.example.org');
    expect(page).not.toMatch(/\s(src|href|on[a-z]+)\s*=/i);
  });

  it('comes out inert in the help-desk Markdown', () => {
    const r = reportOf(openJson(envelope([hostileFacts()])));
    const md = helpdeskMarkdown(r.judgements, { generatedAt: r.claimed.checkedAt, version: r.claimed.version });
    expectInert(md, true);
    expect(md).toContain('U+001B');
    expect(md).toContain('U+202E');
    expect(md).toContain('U+0000');
    expect(md).toContain('\\<script\\>');
  }); // prettier-ignore

  it('domain text (a TXT record, the policy) comes out inert in the HTML report', () => {
    const d = domainFacts({
      mtaSts: {
        record: {
          name: '_mta-sts.example.org',
          outcome: 'answer',
          dnssec: 'insecure',
          error: HOSTILE,
          result: { kind: 'invalid', text: `v=STSv1; ${HOSTILE}`, problem: HOSTILE },
        },
        fetch: null,
        policy: null,
      },
    });
    const r = reportOf(openJson(envelope([goodFacts()], { domain: { facts: d } })));
    expect(r.domain?.view.attention.map((f) => f.id)).toContain('mta-sts.record-invalid');
    const page = checkReportHtml(r.view, '1.0.0', r.domain?.view ?? null);
    expectInert(page);
    expect(page).toContain('<h2>Mail sent to example.org</h2>');
  });

  it('wrong types inside the domain facts: refused, with where', () => {
    const d = domainFacts();
    const bad = { ...d, mx: { ...d.mx, records: [{ preference: 'ten', exchange: 'mx' }] } };
    expect(problemOf(openJson(envelope([], { domain: { facts: bad } })))).toBe(
      'The file is not a Sealcheck report this version can read: domain.facts.mx.records[0].preference has the wrong type.',
    );
    const deep = { ...d, hosts: [{ ...d.hosts[0], probe: { ...d.hosts[0]?.probe, durationMs: -1 } }] };
    expect(problemOf(openJson(envelope([], { domain: { facts: deep } })))).toBe(
      'The file is not a Sealcheck report this version can read: domain.facts.hosts[0].probe.durationMs is out of range.',
    );
    // A domain alone is a report.
    expect(reportOf(openJson(envelope([], { domain: { facts: d } }))).view.title).toBe('example.org');
  }); // prettier-ignore
});
