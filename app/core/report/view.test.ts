/**
 * Judgements → views, on crafted certificates (openssl, per run) analysed and judged for real:
 * titles, findings in the catalog's words, the certificate path with its broken link and each
 * link's problems, the validity timeline, the connection and scan lines, the transcript, and
 * what history adds (changes, earlier checks).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeChain, type CertAnalysis, type CertInput, type TrustStores } from '../cert';
import {
  leafExtensions,
  makeCert,
  makeExampleAuthorities,
  type TestCert,
} from '../cert/test-support';
import { explain, whoCanFixText } from '../explain/catalog';
import { verdictHeadline, verdictSentence } from '../explain/verdicts';
import type { AddressFacts, EndpointFacts } from '../facts/endpoint';
import { judgeEndpoint, type Judgement } from '../findings/judge';
import { facts, goodAddress, scan, target, tls } from '../findings/test-fixtures';
import type { HistoryRecord } from '../history/store';
import { certificateView, checkView, endpointTitle, endpointView } from './view';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let dir: string;
let created: number;
let root: TestCert;
let inter: TestCert;
let leaf: TestCert;
let selfSigned: TestCert;
let weak: TestCert;
let rsaLeaf: TestCert;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sealcheck-view-'));
  created = Date.now();
  ({ root, inter } = makeExampleAuthorities(dir));
  leaf = makeCert(dir, 'leaf', {
    subject: '/CN=mail.example.org',
    issuer: inter,
    extensions: leafExtensions(['DNS:mail.example.org', 'DNS:imap.example.org']),
    days: 90,
  });
  selfSigned = makeCert(dir, 'self', {
    subject: '/CN=mail.example.org',
    extensions: leafExtensions(['DNS:mail.example.org']).filter((l) => !l.startsWith('authorityKeyIdentifier')),
    days: 90,
  });
  weak = makeCert(dir, 'weak', {
    subject: '/CN=mail.example.org',
    issuer: inter,
    key: 'rsa1024',
    md: 'sha1',
    extensions: leafExtensions(['DNS:mail.example.org']),
    days: 90,
  });
  rsaLeaf = makeCert(dir, 'rsa', {
    subject: '/CN=mail.example.org',
    issuer: inter,
    key: 'rsa1024',
    extensions: leafExtensions(['DNS:mail.example.org']),
    days: 90,
  });
}); // prettier-ignore
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const trust = (): TrustStores => ({
  publicRoots: [],
  publicRootsLabel: 'test bundle',
  systemRoots: [],
  extraRoots: [root.pem],
});
const soon = (): Date => new Date(created + HOUR);

function analyze(chain: readonly TestCert[], o: Partial<CertInput> = {}): CertAnalysis {
  return analyzeChain({
    peerChain: chain.map((c) => c.b64),
    chainSource: 'as-sent',
    referenceName: 'mail.example.org',
    service: 'mail',
    ocspResponse: null,
    now: soon(),
    trust: trust(),
    ...o,
  });
}

function presenting(chain: readonly TestCert[]): Partial<AddressFacts> {
  return { tls: tls({ peerChain: chain.map((c) => c.b64), chainSource: 'as-sent' }) };
}

function judge(f: EndpointFacts, now = soon()): Judgement {
  return judgeEndpoint(f, { trust: trust(), now });
}

/** A clean IMAP endpoint with TLS from the first byte, presenting leaf + intermediate. */
function implicitGood(address: Partial<AddressFacts> = {}): Judgement {
  return judge(
    facts(
      target({ security: 'implicit', port: 993 }),
      goodAddress('implicit', { ...presenting([leaf, inter]), ...address }),
    ),
  );
}

describe('certificateView', () => {
  it('a good chain: leaf to anchor, where each link came from, nothing broken', () => {
    const a = analyze([leaf, inter]);
    const v = certificateView(a);
    expect(v).not.toBeNull();
    if (!v) return;
    expect(v.broken).toBeNull();
    expect(v.path.map((l) => l.subject)).toEqual([
      'CN=mail.example.org',
      'O=Example, CN=Example Intermediate',
      'O=Example, CN=Example Root',
    ]);
    expect(v.path.map((l) => l.issuer)).toEqual([
      'O=Example, CN=Example Intermediate',
      'O=Example, CN=Example Root',
      'O=Example, CN=Example Root',
    ]);
    expect(v.path.map((l) => l.origin)).toEqual([
      'sent by the server (its own)',
      'sent by the server (#2)',
      'from the extra store',
    ]);
    expect(v.path.map((l) => l.problems)).toEqual([[], [], []]);
    const l0 = v.path[0];
    expect(l0?.key).toBe('EC prime256v1');
    expect(l0?.sha256).toBe(a.presented[0]?.sha256);
    expect(l0?.sha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(l0?.sha1).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    expect(l0?.signature).toBe(a.presented[0]?.signatureAlgorithm);
    expect(l0?.notAfter).toBe(a.presented[0]?.notAfter);
    expect(v.referenceName).toBe('mail.example.org');
    expect(v.validFor).toEqual(['mail.example.org', 'imap.example.org']);
    expect(v.nameMatches).toBe(true);
  });

  it('the timeline: the leaf’s dates against now, in whole days left', () => {
    const a = analyze([leaf, inter]);
    const t = certificateView(a)?.timeline;
    expect(t).toEqual({
      notBefore: a.presented[0]?.notBefore,
      notAfter: a.presented[0]?.notAfter,
      now: soon().toISOString(),
      daysLeft: 89, // valid 90 days from creation; an hour has passed
    });
    // Whole days, rounded down: 10½ days after the end is day -11, 2½ days before it day 2.
    const end = Date.parse(a.presented[0]?.notAfter ?? '');
    const late = analyze([leaf, inter], { now: new Date(end + 10.5 * DAY) });
    const v = certificateView(late);
    expect(v?.timeline?.daysLeft).toBe(-11);
    expect(v?.timeline?.now).toBe(new Date(end + 10.5 * DAY).toISOString());
    expect(v?.path[0]?.problems).toEqual(['expired']);
    const nearly = certificateView(analyze([leaf, inter], { now: new Date(end - 2.5 * DAY) }));
    expect(nearly?.timeline?.daysLeft).toBe(2);
    expect(nearly?.path[0]?.problems).toEqual(['expires soon']);
  });

  it('a self-signed leaf no store knows: one link, broken, "signed by itself"', () => {
    const v = certificateView(analyze([selfSigned]));
    expect(v?.path).toHaveLength(1);
    expect(v?.path[0]?.origin).toBe('sent by the server (its own)');
    expect(v?.path[0]?.problems).toContain('signed by itself');
    expect(v?.broken).toBe('The last certificate signed itself, and no trusted store knows it.');
  });

  it('the intermediate not sent: the path stops at the leaf, the missing link is named', () => {
    const v = certificateView(analyze([leaf]));
    expect(v?.path.map((l) => l.subject)).toEqual(['CN=mail.example.org']);
    expect(v?.path[0]?.problems).toContain(
      'the certificate linking it to a trusted authority was not sent',
    );
    expect(v?.broken).toBe(
      'The issuer of the last certificate was neither sent nor found in a trusted store.',
    );
  });

  it('problems sit on the link they are about: a weak key and signature on the leaf', () => {
    const v = certificateView(analyze([weak, inter]));
    expect(v?.broken).toBeNull();
    expect(v?.path[0]?.key).toBe('RSA 1024 bits');
    expect(v?.path[0]?.problems).toEqual(
      expect.arrayContaining(['key too short', 'weak signature (SHA-1 or older)']),
    );
    expect(v?.path[1]?.problems).toEqual([]);
    expect(v?.path[2]?.problems).toEqual([]);
    expect(certificateView(analyze([rsaLeaf, inter]))?.path[0]?.problems).toEqual([
      'key too short',
    ]);
  });

  it('a root trusted only by this computer: the anchor says so', () => {
    const a = analyze([leaf, inter], {
      trust: { ...trust(), extraRoots: [], systemRoots: [root.pem] },
    });
    const v = certificateView(a);
    expect(v?.path.at(-1)?.origin).toBe('from the system store');
    expect(v?.path.at(-1)?.problems).toEqual(['trusted only by this computer']);
  });

  it('another name: the names it is valid for, no match', () => {
    const v = certificateView(analyze([leaf, inter], { referenceName: 'other.example.net' }));
    expect(v?.referenceName).toBe('other.example.net');
    expect(v?.nameMatches).toBe(false);
    expect(v?.validFor).toEqual(['mail.example.org', 'imap.example.org']);
  });

  it('no parsable leaf: no view', () => {
    const a = analyzeChain({
      peerChain: [Buffer.from('not a certificate').toString('base64')],
      chainSource: 'as-sent',
      referenceName: 'mail.example.org',
      service: 'mail',
      ocspResponse: null,
      now: soon(),
      trust: trust(),
    });
    expect(a.path).toBeNull();
    expect(certificateView(a)).toBeNull();
  });
});

describe('endpointTitle', () => {
  it('protocol in capitals, host:port and the mode in words', () => {
    expect(endpointTitle(target({ security: 'implicit', port: 993 }))).toBe(
      'IMAP mail.example.org:993 (TLS from the first byte)',
    );
    expect(endpointTitle(target())).toBe('IMAP mail.example.org:143 (STARTTLS)');
    expect(
      endpointTitle(target({ protocol: 'submission', host: 'smtp.example.org', port: 587, security: 'none' })),
    ).toBe('SUBMISSION smtp.example.org:587 (no encryption)');
  }); // prettier-ignore
});

describe('endpointView', () => {
  it('a verified endpoint: title, verdict in words, connection, certificate, no history', () => {
    const j = implicitGood();
    expect(j.verdict.kind).toBe('encrypted-verified');
    const v = endpointView({ role: 'incoming', judgement: j });
    expect(v).toMatchObject({
      role: 'incoming',
      title: 'IMAP mail.example.org:993 (TLS from the first byte)',
      protocol: 'imap',
      host: 'mail.example.org',
      port: 993,
      security: 'implicit',
      connection: 'TLS 1.3, TLS_AES_256_GCM_SHA384, X25519',
      scan: [],
      transcript: [],
      changes: [],
      earlier: [],
    });
    expect(v.verdict).toEqual({
      kind: 'encrypted-verified',
      worst: j.verdict.worst,
      headline: verdictHeadline('encrypted-verified'),
      sentence: verdictSentence('encrypted-verified', 'imap'),
    });
    expect(v.verdict.sentence).toContain('mail');
    expect(v.certificate).toEqual(certificateView(j.certificates[0] as CertAnalysis));
    expect(v.certificate?.path).toHaveLength(3);
  });

  it('findings carry the catalog’s words, worst first, with the address when only one', () => {
    // Two addresses; the second presents a leaf expired by then, the first a good chain.
    const late = new Date(created + 100 * DAY);
    const fresh = makeCert(dir, 'fresh', {
      subject: '/CN=mail.example.org',
      issuer: inter,
      extensions: leafExtensions(['DNS:mail.example.org']),
      days: 365,
    });
    const j = judge(
      facts(
        target({ security: 'implicit', port: 993 }),
        goodAddress('implicit', { address: '192.0.2.1', ...presenting([fresh, inter]) }),
        goodAddress('implicit', { address: '192.0.2.2', ...presenting([leaf, inter]) }),
      ),
      late,
    );
    const v = endpointView({ role: null, judgement: j });
    expect(v.findings.map((f) => f.id)).toEqual(j.findings.map((f) => f.id));
    expect(v.findings.length).toBeGreaterThan(0);
    for (const [i, f] of j.findings.entries()) {
      const e = explain(f);
      expect(v.findings[i]).toEqual({
        id: f.id,
        severity: f.severity,
        title: e.title,
        meaning: e.meaning,
        risk: e.risk,
        action: e.action,
        whoCanFix: whoCanFixText(e.whoCanFix, 'imap'),
        technicalTerm: e.technicalTerm,
        details: e.details,
        address: f.subject.address ?? null,
      });
      expect(v.findings[i]?.title.length).toBeGreaterThan(0);
    }
    const expired = v.findings.find((f) => f.id === 'cert.expired');
    expect(expired).toMatchObject({ severity: 'critical', address: '192.0.2.2' });
    expect(v.findings[0]?.severity).toBe('critical');
    // An endpoint-wide finding has no address.
    expect(v.findings.some((f) => f.address === null)).toBe(true);
    expect(v.verdict.kind).toBe('encrypted-unverified');
    // The certificate shown is the first address's (the first analysis).
    expect(v.certificate?.path[0]?.sha256).toBe(j.certificates[0]?.presented[0]?.sha256);
  });

  it('no TLS: no certificate, no connection line; the transcript of every address', () => {
    const j = judge(
      facts(
        target({ security: 'none' }),
        goodAddress('none', {
          address: '192.0.2.1',
          transcript: [{ at: 1, dir: 'received', text: '* OK one', tls: false }],
        }),
        goodAddress('none', {
          address: '192.0.2.2',
          transcript: [
            { at: 2, dir: 'received', text: '* OK two', tls: false },
            { at: 3, dir: 'sent', text: 'A1 CAPABILITY', tls: false },
          ],
        }),
      ),
    );
    const v = endpointView({ role: 'outgoing', judgement: j });
    expect(v.certificate).toBeNull();
    expect(v.connection).toBeNull();
    expect(v.verdict.kind).toBe('not-encrypted');
    expect(v.title).toBe('IMAP mail.example.org:143 (no encryption)');
    expect(v.transcript.map((t) => t.text)).toEqual(['* OK one', '* OK two', 'A1 CAPABILITY']);
  });

  it('the connection line without a key exchange has two parts', () => {
    const j = implicitGood({
      tls: tls({
        peerChain: [leaf.b64, inter.b64],
        chainSource: 'as-sent',
        version: 'TLSv1.2',
        cipher: { name: 'ECDHE-RSA-AES128-GCM-SHA256', standardName: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' },
        keyExchange: null,
      }),
    });
    expect(endpointView({ role: null, judgement: j }).connection).toBe(
      'TLS 1.2, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    );
  }); // prettier-ignore

  it('scan lines: versions, weak kinds, what a current app gets, future decryption', () => {
    const clean = endpointView({ role: null, judgement: implicitGood({ scan: scan() }) });
    expect(clean.scan).toEqual([
      { label: 'Versions the server accepts', value: 'TLS 1.2, TLS 1.3' },
      { label: 'Weak kinds of encryption', value: 'none accepted' },
      { label: 'What a current app gets', value: 'TLS 1.3, TLS_AES_128_GCM_SHA256, X25519MLKEM768' },
      { label: 'Protected against future decryption', value: 'yes' },
    ]);
    const s = scan();
    const old = endpointView({
      role: null,
      judgement: implicitGood({
        scan: scan({
          versions: { ...s.versions, TLSv1: { accepted: true, basis: 'server-hello' }, 'TLSv1.3': { accepted: false, basis: 'alert' } },
          weakFamilies: { ...s.weakFamilies, rc4: true, '3des': true },
          modernClient: s.modernClient && { ...s.modernClient, version: 'TLSv1.2', suite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', group: null, postQuantum: false },
        }),
      }),
    });
    expect(old.scan).toEqual([
      { label: 'Versions the server accepts', value: 'TLS 1.0, TLS 1.2' },
      { label: 'Weak kinds of encryption', value: 'RC4, 3DES' },
      { label: 'What a current app gets', value: 'TLS 1.2, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' },
      { label: 'Protected against future decryption', value: 'no' },
    ]);
    const none = endpointView({
      role: null,
      judgement: implicitGood({
        scan: scan({
          versions: Object.fromEntries(Object.keys(s.versions).map((k) => [k, { accepted: false, basis: 'alert' }])) as typeof s.versions,
          modernClient: null,
        }),
      }),
    });
    expect(none.scan.map((l) => l.value)).toEqual(['none seen', 'none accepted', 'no answer', 'unknown']);
  }); // prettier-ignore

  it('changes are passed through; earlier checks get their headline', () => {
    const earlier: HistoryRecord[] = [
      {
        checkedAt: '2026-02-01T00:00:00.000Z',
        verdict: 'encryption-removable',
        findingIds: ['transport.starttls-optional'],
        leafSha256: 'AA:BB',
        starttlsOffered: true,
      },
      {
        checkedAt: '2026-01-01T00:00:00.000Z',
        verdict: 'not-served',
        findingIds: [],
        leafSha256: null,
        starttlsOffered: null,
      },
    ];
    const v = endpointView({
      role: 'chat',
      judgement: implicitGood(),
      changes: ['The server shows a different certificate.'],
      earlier,
    });
    expect(v.changes).toEqual(['The server shows a different certificate.']);
    expect(v.earlier).toEqual([
      {
        checkedAt: '2026-02-01T00:00:00.000Z',
        verdict: 'encryption-removable',
        headline: 'Encrypted, but an attacker could remove the encryption',
        leafSha256: 'AA:BB',
      },
      {
        checkedAt: '2026-01-01T00:00:00.000Z',
        verdict: 'not-served',
        headline: 'Not served',
        leafSha256: null,
      },
    ]);
  });
});

describe('checkView', () => {
  it('carries the run, title, account and every endpoint; the verdict speaks of the first’s protocol', () => {
    const mail = implicitGood();
    const chat = judge(
      facts(
        target({ protocol: 'xmpp', host: 'xmpp.example.org', port: 5223, security: 'implicit', xmppDomain: 'example.org' }),
        goodAddress('implicit', presenting([leaf, inter])),
      ),
    );
    const v = checkView({
      runId: 'run-1',
      title: 'Alice',
      checkedAt: '2026-03-01T00:00:00.000Z',
      accountId: 'acct-1',
      verdict: mail.verdict,
      endpoints: [
        { role: 'incoming', judgement: mail, changes: ['x'] },
        { role: 'chat', judgement: chat },
      ],
    });
    expect(v).toMatchObject({ runId: 'run-1', title: 'Alice', checkedAt: '2026-03-01T00:00:00.000Z', accountId: 'acct-1' });
    expect(v.verdict.headline).toBe('Encrypted and verified');
    expect(v.verdict.sentence).toBe(verdictSentence('encrypted-verified', 'imap'));
    expect(v.endpoints.map((e) => [e.role, e.title])).toEqual([
      ['incoming', 'IMAP mail.example.org:993 (TLS from the first byte)'],
      ['chat', 'XMPP xmpp.example.org:5223 (TLS from the first byte)'],
    ]);
    expect(v.endpoints[0]?.changes).toEqual(['x']);
    expect(v.endpoints[1]?.changes).toEqual([]);
    // The chat endpoint checks the domain of the address, which this leaf is not for.
    expect(v.endpoints[1]?.certificate?.referenceName).toBe('example.org');
    expect(v.endpoints[1]?.certificate?.nameMatches).toBe(false);

    const chatFirst = checkView({ ...v, verdict: chat.verdict, endpoints: [{ role: 'chat', judgement: chat }] });
    expect(chatFirst.verdict.sentence).toBe(verdictSentence(chat.verdict.kind, 'xmpp'));
    expect(chatFirst.verdict.sentence).toContain('chat');
  }); // prettier-ignore

  it('no endpoints: speaks of mail, lists nothing', () => {
    const v = checkView({
      runId: 'r',
      title: 'example.org',
      checkedAt: '2026-03-01T00:00:00.000Z',
      accountId: null,
      verdict: { kind: 'not-served', worst: null, findings: [] },
      endpoints: [],
    });
    expect(v.endpoints).toEqual([]);
    expect(v.accountId).toBeNull();
    expect(v.verdict).toEqual({
      kind: 'not-served',
      worst: null,
      headline: 'Not served',
      sentence: verdictSentence('not-served', 'imap'),
    });
  });
});
