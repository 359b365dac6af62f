/**
 * The scan rules on hand-built scan facts: what the server accepts becomes warnings (never
 * critical), what a current app gets is judged by what it gets, findings the negotiated rules
 * already make are not repeated, and only proven answers are claimed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScanFacts } from '../facts/scan';
import type { TlsFacts } from '../facts/endpoint';
import { chainToJudge, judgeEndpoint } from './judge';
import { scanFindings } from './rules-scan';
import { endpoint, goodAddress, INTERMEDIATE, LEAF, scan, tls } from './test-fixtures';
import type { FindingSubject } from './types';
import { defaultTrustStores } from '../cert';
import { propertyRuns } from '../../../test/support/properties';

const SUBJECT: FindingSubject = {
  host: 'mail.example.org',
  port: 993,
  protocol: 'imap',
  security: 'implicit',
};

function ids(s: ScanFacts, negotiated: TlsFacts | null = tls()): string[] {
  return scanFindings(s, SUBJECT, negotiated).map((f) => `${f.severity}:${f.id}`);
}

const yes = { accepted: true, basis: 'server-hello' } as const;
const unknown = { accepted: 'unknown', basis: 'unanswered' } as const;

describe('scanFindings', () => {
  it('a clean scan with a post-quantum key exchange: nothing at all', () => {
    expect(ids(scan())).toEqual([]);
  });

  it('legacy versions and SSL 3 accepted beside TLS 1.3: warnings, with the versions named', () => {
    const s = scan({ versions: { ...scan().versions, SSLv3: yes, TLSv1: yes, 'TLSv1.1': yes } });
    const found = scanFindings(s, SUBJECT, tls());
    expect(found.map((f) => `${f.severity}:${f.id}`)).toEqual([
      'warning:tls.version.ssl3',
      'warning:tls.version.legacy',
    ]);
    expect(found[1]?.evidence).toEqual({ versions: ['TLSv1', 'TLSv1.1'], negotiated: false });
  });

  it('a connection that itself used TLS 1.0: the negotiated finding says it, not this one', () => {
    const s = scan({ versions: { ...scan().versions, TLSv1: yes } });
    expect(ids(s, tls({ version: 'TLSv1' }))).toEqual([]);
  });

  it('weak families accepted: one warning naming the families and the suites seen', () => {
    const s = scan({
      weakFamilies: { ...scan().weakFamilies, anonymous: true, '3des': true },
      acceptedSuites: [
        { version: 'TLSv1.2', suite: 'TLS_DH_anon_WITH_AES_128_CBC_SHA' },
        { version: 'TLSv1.2', suite: 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA' },
        { version: 'TLSv1.3', suite: 'TLS_AES_128_GCM_SHA256' },
      ],
    });
    const [f] = scanFindings(s, SUBJECT, tls());
    expect(f).toMatchObject({
      id: 'tls.cipher.weak',
      severity: 'warning',
      evidence: {
        families: ['anonymous', '3des'],
        suites: ['TLS_DH_anon_WITH_AES_128_CBC_SHA', 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA'],
        negotiated: false,
      },
    });
  });

  it('static RSA accepted: info while a current app gets forward secrecy, a warning when it does not', () => {
    const base = scan({
      nonForwardSecretAccepted: true,
      acceptedSuites: [{ version: 'TLSv1.2', suite: 'TLS_RSA_WITH_AES_128_GCM_SHA256' }],
    });
    expect(ids(base)).toEqual(['info:tls.no-forward-secrecy']);
    const modern = base.modernClient;
    if (modern === null) throw new Error('fixture');
    const bad = { ...base, modernClient: { ...modern, forwardSecrecy: false } };
    const [f] = scanFindings(bad, SUBJECT, tls());
    expect(f).toMatchObject({
      id: 'tls.no-forward-secrecy',
      severity: 'warning',
      evidence: { cipher: 'TLS_RSA_WITH_AES_128_GCM_SHA256', modernClientForwardSecret: false },
    });
  });

  it('DHE under 2048 bits accepted: a warning', () => {
    expect(ids(scan({ dhe: { accepted: true, primeBits: 1024 } }))).toEqual([
      'warning:tls.dh-weak',
    ]);
    expect(ids(scan({ dhe: { accepted: true, primeBits: 2048 } }))).toEqual([]);
  });

  it('no post-quantum key exchange for a current app: info', () => {
    const modern = scan().modernClient;
    if (modern === null) throw new Error('fixture');
    const s = scan({ modernClient: { ...modern, group: 'x25519', postQuantum: false } });
    expect(scanFindings(s, SUBJECT, tls())).toMatchObject([
      { id: 'tls.no-post-quantum', severity: 'info', evidence: { group: 'x25519' } },
    ]);
    // Unknown is not "no".
    expect(ids(scan({ modernClient: { ...modern, postQuantum: 'unknown' } }))).toEqual([]);
  });

  it('unanswered questions: one info finding listing them, only when the app got TLS', () => {
    const s = scan({
      versions: { ...scan().versions, TLSv1: unknown },
      weakFamilies: { ...scan().weakFamilies, rc4: 'unknown' },
      nonForwardSecretAccepted: 'unknown',
      handshakes: [
        {
          question: 'version TLSv1',
          offered: { version: 'TLSv1', suites: 80 },
          outcome: 'reset',
          detail: 'read ECONNRESET',
          ms: 3,
        },
      ],
    });
    const found = scanFindings(s, SUBJECT, tls());
    expect(found).toMatchObject([
      {
        id: 'tls.scan-incomplete',
        severity: 'info',
        evidence: {
          versions: ['TLSv1'],
          families: ['rc4'],
          forwardSecrecy: true,
          modernClient: false,
          reason: 'version TLSv1: reset (read ECONNRESET)',
        },
      },
    ]);
    expect(ids(s, null)).toEqual([]);
  });

  it('never critical, whatever the server accepts', () => {
    const all = scan({
      versions: { SSLv3: yes, TLSv1: yes, 'TLSv1.1': yes, 'TLSv1.2': yes, 'TLSv1.3': yes },
      weakFamilies: {
        null: true,
        anonymous: true,
        export: true,
        des: true,
        rc4: true,
        '3des': true,
      },
      nonForwardSecretAccepted: true,
      dhe: { accepted: true, primeBits: 512 },
    });
    expect(scanFindings(all, SUBJECT, tls()).every((f) => f.severity !== 'critical')).toBe(true);
  });
});

describe('the judge and the scan', () => {
  it('judges the chain as sent when it starts with the certificate the app got', () => {
    const sent = [LEAF, INTERMEDIATE, 'MIIBextra'];
    const a = goodAddress('implicit', {
      scan: scan({ chainAsSent: { version: 'TLSv1.2', certificates: sent } }),
    });
    expect(chainToJudge(a)).toEqual({ peerChain: sent, chainSource: 'as-sent' });
  });

  it('keeps Node’s chain when the scan saw another certificate (a second key type)', () => {
    const a = goodAddress('implicit', {
      scan: scan({ chainAsSent: { version: 'TLSv1.2', certificates: ['MIIBother'] } }),
    });
    expect(chainToJudge(a)).toEqual({
      peerChain: [LEAF, INTERMEDIATE],
      chainSource: 'node-rebuilt',
    });
  });

  it('adds the scan’s findings, once for an endpoint whose addresses agree', () => {
    const scanned = scan({ versions: { ...scan().versions, TLSv1: yes } });
    const e = endpoint('implicit', { scan: scanned });
    const two = {
      ...e,
      addresses: [
        ...e.addresses,
        { ...goodAddress('implicit', { scan: scanned }), address: '192.0.2.2' },
      ],
    };
    const j = judgeEndpoint(two, { trust: defaultTrustStores() });
    const legacy = j.findings.filter((f) => f.id === 'tls.version.legacy');
    expect(legacy).toHaveLength(1);
    expect(legacy[0]?.subject.address).toBeUndefined();
  });
});

describe('scanFindings, properties (fast-check)', () => {
  const tri = fc.constantFrom(true, false, 'unknown' as const);
  const support = fc.constantFrom(
    { accepted: true, basis: 'server-hello' } as const,
    { accepted: false, basis: 'alert' } as const,
    { accepted: false, basis: 'closed' } as const,
    { accepted: 'unknown', basis: 'unanswered' } as const,
  );
  const suites = fc.constantFrom(
    'TLS_AES_128_GCM_SHA256',
    'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    'TLS_RSA_WITH_AES_128_CBC_SHA',
    'TLS_RSA_WITH_RC4_128_SHA',
    'TLS_DH_anon_WITH_AES_128_CBC_SHA',
    'TLS_RSA_EXPORT_WITH_DES40_CBC_SHA',
  );
  const scanFacts: fc.Arbitrary<ScanFacts> = fc
    .record({
      versions: fc.record({
        SSLv3: support,
        TLSv1: support,
        'TLSv1.1': support,
        'TLSv1.2': support,
        'TLSv1.3': support,
      }),
      weakFamilies: fc.record({
        null: tri,
        anonymous: tri,
        export: tri,
        des: tri,
        rc4: tri,
        '3des': tri,
      }),
      nonForwardSecretAccepted: tri,
      dhe: fc.record({
        accepted: tri,
        primeBits: fc.option(fc.constantFrom(512, 1024, 2048, 4096)),
      }),
      acceptedSuites: fc.array(
        fc.record({ version: fc.constantFrom('TLSv1', 'TLSv1.2', 'TLSv1.3'), suite: suites }),
        { maxLength: 4 },
      ),
      modernClient: fc.option(
        fc.record({
          version: fc.constantFrom('TLSv1.3', 'TLSv1.2'),
          suite: suites,
          forwardSecrecy: fc.boolean(),
          group: fc.option(fc.constantFrom('x25519', 'X25519MLKEM768')),
          postQuantum: tri,
          failedWithPostQuantumShare: fc.boolean(),
        }),
      ),
    })
    .map((parts) => scan(parts));
  const negotiated = fc.option(
    fc.constantFrom(
      tls(),
      tls({ version: 'TLSv1' }),
      tls({
        version: 'TLSv1.2',
        cipher: { name: 'RC4-SHA', standardName: 'TLS_RSA_WITH_RC4_128_SHA' },
      }),
    ),
  );

  it('never critical; claims only accepted versions and families that the facts prove', () => {
    fc.assert(
      fc.property(scanFacts, negotiated, (s, n) => {
        for (const f of scanFindings(s, SUBJECT, n)) {
          expect(f.severity).not.toBe('critical');
          if (f.id === 'tls.version.legacy') {
            for (const v of f.evidence.versions) {
              expect(s.versions[v as keyof ScanFacts['versions']].accepted).toBe(true);
            }
          }
          if (f.id === 'tls.version.ssl3') expect(s.versions.SSLv3.accepted).toBe(true);
          if (f.id === 'tls.cipher.weak') {
            for (const fam of f.evidence.families) expect(s.weakFamilies[fam]).toBe(true);
          }
          if (f.id === 'tls.no-forward-secrecy') expect(s.nonForwardSecretAccepted).toBe(true);
          if (f.id === 'tls.no-post-quantum') expect(s.modernClient?.postQuantum).toBe(false);
          if (f.id === 'tls.scan-incomplete') expect(n).not.toBeNull();
        }
      }),
      propertyRuns(2000),
    );
  });
});
