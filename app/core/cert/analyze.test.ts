/**
 * analyzeChain + certificateFindings on crafted chains (openssl, per test run): every check runs
 * independently, the best path is chosen over every candidate, and private authority vs
 * interception is decided by the store the root is in and its name.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateFindings } from '../findings/rules-certificate';
import type { Finding, FindingSubject } from '../findings/types';
import { analyzeChain, compareFingerprint, normaliseFingerprint } from './index';
import {
  CA_EXTENSIONS,
  leafExtensions,
  makeCert,
  makeExampleAuthorities,
  type TestCert,
} from './test-support';
import type { CertAnalysis, CertInput, TrustStores } from './types';

const SUBJECT: FindingSubject = {
  host: 'mail.example.org',
  port: 993,
  protocol: 'imap',
  security: 'implicit',
};
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let dir: string;
let root: TestCert;
let inter: TestCert;
let leaf: TestCert;
let created: number;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sealcheck-cert-'));
  created = Date.now();
  ({ root, inter } = makeExampleAuthorities(dir, { md: 'sha1' }));
  leaf = makeCert(dir, 'leaf', {
    subject: '/CN=mail.example.org',
    issuer: inter,
    extensions: leafExtensions(['DNS:mail.example.org', 'DNS:*.example.net']),
    days: 90,
  });
}); // prettier-ignore

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function trust(o: Partial<TrustStores> = {}): TrustStores {
  return {
    publicRoots: [],
    publicRootsLabel: 'test bundle',
    systemRoots: [],
    extraRoots: [],
    ...o,
  };
}

function analyze(chain: readonly TestCert[], o: Partial<CertInput> = {}): CertAnalysis {
  return analyzeChain({
    peerChain: chain.map((c) => c.b64),
    chainSource: 'as-sent',
    referenceName: 'mail.example.org',
    service: 'mail',
    ocspResponse: null,
    now: new Date(created + HOUR),
    trust: trust({ extraRoots: [root.pem] }),
    ...o,
  });
}

function findings(a: CertAnalysis): Finding[] {
  return certificateFindings(a, SUBJECT);
}

/** Finding ids, without the ever-present revocation-not-checked. */
function ids(a: CertAnalysis): string[] {
  return findings(a)
    .map((f) => f.id)
    .filter((id) => id !== 'cert.revocation-not-checked')
    .sort();
}

describe('a good chain', () => {
  it('anchors in the store it was found in, with no problem but unchecked revocation', () => {
    const a = analyze([leaf, inter]);
    expect(a.path?.end).toBe('anchored');
    expect(a.path?.anchor).toBe('extra');
    expect(a.path?.elements.map((e) => e.presentedIndex)).toEqual([0, 1, null]);
    expect(a.identity).toMatchObject({ matches: true, matchedBy: 'dns-id' });
    expect(ids(a)).toEqual([]);
    const f = findings(a);
    expect(f).toEqual([
      { id: 'cert.revocation-not-checked', severity: 'info', subject: SUBJECT, evidence: { reason: 'not-stapled' } },
    ]); // prettier-ignore
  });

  it('describes every certificate with fingerprints in colon hex', () => {
    const a = analyze([leaf, inter]);
    const l = a.presented[0];
    expect(l?.subject).toBe('CN=mail.example.org');
    expect(l?.issuer).toBe('O=Example, CN=Example Intermediate');
    expect(l?.sha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(l?.sha1).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    expect(l?.key).toEqual({ algorithm: 'ec', bits: 256, curve: 'prime256v1' });
    expect(l?.extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(l?.basicConstraints).toEqual({ ca: false, pathLength: null });
    expect(l?.authorityKeyId).toBe(a.presented[1]?.subjectKeyId);
    expect(l?.dnsNames).toEqual(['mail.example.org', '*.example.net']);
  });

  it('prefers the public store, and never calls a publicly trusted root private', () => {
    const a = analyze([leaf, inter], {
      trust: trust({ publicRoots: [root.pem], systemRoots: [root.pem] }),
    });
    expect(a.path?.anchor).toBe('public');
    expect(ids(a)).toEqual([]);
  });

  it('does not flag SHA-1 on the root’s own self-signature (the root was made with SHA-1)', () => {
    const a = analyze([leaf, inter, root]);
    expect(a.path?.elements.at(-1)?.cert.signatureAlgorithm).toBe('ecdsa-with-SHA1');
    expect(ids(a)).toEqual([]);
  });
});

describe('private authority and interception', () => {
  it('a root only in the system store is a private authority (warning)', () => {
    const a = analyze([leaf, inter], { trust: trust({ systemRoots: [root.pem] }) });
    expect(a.path?.anchor).toBe('system');
    const f = findings(a).filter((x) => x.id === 'cert.private-authority');
    expect(f).toHaveLength(1);
    expect(f[0]?.severity).toBe('warning');
    expect(f[0]?.evidence).toEqual({
      root: { index: -1, subject: 'O=Example, CN=Example Root', issuer: 'O=Example, CN=Example Root', sha256: a.path?.elements[2]?.cert.sha256 },
    }); // prettier-ignore
    expect(ids(a)).toEqual(['cert.private-authority']);
  });

  it('a system-only root named like an interception product is interception (critical)', () => {
    const avRoot = makeCert(dir, 'av-root', { subject: '/O=Avast Web\\/Mail Shield/CN=Avast Web\\/Mail Shield Root', extensions: CA_EXTENSIONS }); // prettier-ignore
    const avLeaf = makeCert(dir, 'av-leaf', { subject: '/CN=mail.example.org', issuer: avRoot, extensions: leafExtensions(['DNS:mail.example.org']) }); // prettier-ignore
    const a = analyze([avLeaf, avRoot], { trust: trust({ systemRoots: [avRoot.pem] }) });
    const f = findings(a).find((x) => x.id === 'cert.intercepted');
    expect(f?.severity).toBe('critical');
    expect(f?.evidence).toMatchObject({
      product: 'Avast Web/Mail Shield',
      productKind: 'antivirus',
      root: { index: 1 },
    });
    expect(ids(a)).toEqual(['cert.intercepted']);
    // An unknown name is interception only when the server was seen with a public chain before.
    const corp = analyze([leaf, inter], { trust: trust({ systemRoots: [root.pem] }), seenWithPublicChain: true }); // prettier-ignore
    expect(findings(corp).find((x) => x.id === 'cert.intercepted')?.evidence).toMatchObject({ product: null }); // prettier-ignore
    // The same root passed knowingly (--ca-file) is trusted on purpose: no finding.
    expect(ids(analyze([avLeaf, avRoot], { trust: trust({ extraRoots: [avRoot.pem] }) }))).toEqual(
      [],
    );
  });
});

describe('path problems', () => {
  it('names the missing intermediate and records (never fetches) the AIA caIssuers URL', () => {
    const aiaLeaf = makeCert(dir, 'aia-leaf', {
      subject: '/CN=mail.example.org',
      issuer: inter,
      extensions: leafExtensions(['DNS:mail.example.org'], ['authorityInfoAccess = caIssuers;URI:http://ca.example/inter.der']),
    }); // prettier-ignore
    const a = analyze([aiaLeaf]);
    expect(ids(a)).toEqual(['cert.missing-intermediate']);
    expect(a.problems).toContainEqual({
      kind: 'missing-intermediate',
      at: 0,
      missingIssuer: 'O=Example, CN=Example Intermediate',
      caIssuersUrl: 'http://ca.example/inter.der',
    });
    // With the intermediate in a store the path completes.
    expect(
      ids(analyze([aiaLeaf], { trust: trust({ extraRoots: [root.pem, inter.pem] }) })),
    ).toEqual([]);
  });

  it('a chain ending at a root nobody trusts is an untrusted issuer', () => {
    const a = analyze([leaf, inter, root], { trust: trust() });
    expect(ids(a)).toEqual(['cert.untrusted-issuer']);
    const f = findings(a).find((x) => x.id === 'cert.untrusted-issuer');
    expect(f?.evidence).toMatchObject({
      topIssuer: 'O=Example, CN=Example Root',
      cert: { index: 2 },
    });
  });

  it('a self-signed leaf is self-signed, unless the user trusts it knowingly', () => {
    const self = makeCert(dir, 'self', { subject: '/CN=mail.example.org', extensions: leafExtensions(['DNS:mail.example.org']).filter((e) => !e.startsWith('authorityKey')) }); // prettier-ignore
    expect(ids(analyze([self]))).toEqual(['cert.self-signed']);
    expect(ids(analyze([self], { trust: trust({ extraRoots: [self.pem] }) }))).toEqual([]);
  });

  it('reports duplicate, extra and misordered certificates', () => {
    const other = makeCert(dir, 'other', { subject: '/CN=unrelated', extensions: CA_EXTENSIONS });
    expect(findings(analyze([leaf, inter, inter])).find((f) => f.id === 'cert.chain-order')?.evidence).toMatchObject({ problem: 'duplicate', certs: [{ index: 2 }] }); // prettier-ignore
    expect(findings(analyze([leaf, inter, other])).find((f) => f.id === 'cert.chain-order')?.evidence).toMatchObject({ problem: 'extra', certs: [{ index: 2 }] }); // prettier-ignore
    const mis = analyze([leaf, root, inter]);
    expect(mis.path?.anchor).toBe('extra');
    expect(mis.problems).toContainEqual({
      kind: 'chain-order',
      problem: 'misordered',
      presented: [0, 2, 1],
    });
    expect(ids(mis)).toEqual(['cert.chain-order']);
  });

  it('of two cross-signed paths, keeps the publicly trusted one', () => {
    const pubRoot = makeCert(dir, 'pub-root', {
      subject: '/CN=Public Root',
      extensions: CA_EXTENSIONS,
    });
    const sysRoot = makeCert(dir, 'sys-root', {
      subject: '/CN=Corporate Root',
      extensions: CA_EXTENSIONS,
    });
    const viaSys = makeCert(dir, 'x-sys', { subject: '/CN=Cross Intermediate', issuer: sysRoot, extensions: [...CA_EXTENSIONS, 'authorityKeyIdentifier = keyid'] }); // prettier-ignore
    const viaPub = makeCert(dir, 'x-pub', { subject: '/CN=Cross Intermediate', issuer: pubRoot, keyFrom: viaSys, extensions: [...CA_EXTENSIONS, 'authorityKeyIdentifier = keyid'] }); // prettier-ignore
    const l = makeCert(dir, 'x-leaf', { subject: '/CN=mail.example.org', issuer: viaSys, extensions: leafExtensions(['DNS:mail.example.org']) }); // prettier-ignore
    const stores = trust({ publicRoots: [pubRoot.pem], systemRoots: [sysRoot.pem] });
    const a = analyze([l, viaSys, viaPub], { trust: stores });
    expect(a.candidatePaths).toBe(2);
    expect(a.path?.anchor).toBe('public');
    expect(a.path?.elements.map((e) => e.presentedIndex)).toEqual([0, 2, null]);
    expect(ids(a)).toEqual(['cert.chain-order']); // the unused twin is an extra certificate (info)
    expect(findings(a).find((f) => f.id === 'cert.chain-order')?.severity).toBe('info');
    // Without the public twin, the corporate root is all there is: a private authority.
    expect(ids(analyze([l, viaSys], { trust: stores }))).toEqual(['cert.private-authority']);
  });

  it('examines every candidate path and keeps the trusted one', () => {
    // A second intermediate with the same name and key identifier but another key cannot link the
    // leaf; the walk still finds the real one after it.
    const fake = makeCert(dir, 'fake-inter', { subject: '/O=Example/CN=Example Intermediate', extensions: CA_EXTENSIONS }); // prettier-ignore
    const a = analyze([leaf, fake, inter]);
    expect(a.path?.anchor).toBe('extra');
    expect(a.problems).toContainEqual({ kind: 'chain-order', problem: 'extra', presented: [1] });
  });
});

describe('certificate properties, each checked independently', () => {
  it('finds every problem at once: expired, wrong name, weak key, no serverAuth, CA leaf', () => {
    const bad = makeCert(dir, 'bad', {
      subject: '/CN=www.example.com',
      issuer: inter,
      key: 'rsa1024',
      days: 1,
      extensions: ['basicConstraints = critical, CA:TRUE', 'extendedKeyUsage = clientAuth', 'subjectAltName = DNS:www.example.com'],
    }); // prettier-ignore
    const a = analyze([bad, inter], { now: new Date(created + 3.5 * DAY) });
    expect(ids(a)).toEqual(['cert.expired', 'cert.leaf-is-ca', 'cert.name-mismatch', 'cert.no-server-auth', 'cert.weak-key']); // prettier-ignore
    const f = findings(a);
    expect(f.find((x) => x.id === 'cert.weak-key')?.evidence).toMatchObject({ algorithm: 'rsa', bits: 1024, curve: null }); // prettier-ignore
    expect(f.find((x) => x.id === 'cert.name-mismatch')?.evidence).toEqual({ expected: 'mail.example.org', validFor: ['www.example.com'], commonNameOnly: null }); // prettier-ignore
    expect(f.find((x) => x.id === 'cert.no-server-auth')?.severity).toBe('critical');
    expect(f.find((x) => x.id === 'cert.expired')?.evidence).toMatchObject({ daysAgo: 2, cert: { index: 0 } }); // prettier-ignore
  });

  it('an intermediate restricted to other purposes (EKU) cannot vouch for a server', () => {
    const mailOnly = makeCert(dir, 'eku-inter', { subject: '/CN=SMIME Intermediate', issuer: root, extensions: [...CA_EXTENSIONS, 'authorityKeyIdentifier = keyid', 'extendedKeyUsage = emailProtection'] }); // prettier-ignore
    const l = makeCert(dir, 'eku-leaf', { subject: '/CN=mail.example.org', issuer: mailOnly, extensions: leafExtensions(['DNS:mail.example.org']) }); // prettier-ignore
    const a = analyze([l, mailOnly]);
    expect(ids(a)).toEqual(['cert.no-server-auth']);
    expect(findings(a).find((x) => x.id === 'cert.no-server-auth')?.evidence).toMatchObject({ cert: { index: 1 }, extendedKeyUsage: ['1.3.6.1.5.5.7.3.4'] }); // prettier-ignore
  });

  it('weak curves are weak, Ed25519 is not; SHA-1 on an intermediate is weak', () => {
    const k1 = makeCert(dir, 'k1', { subject: '/CN=mail.example.org', issuer: inter, key: 'secp256k1', extensions: leafExtensions(['DNS:mail.example.org']) }); // prettier-ignore
    expect(ids(analyze([k1, inter]))).toEqual(['cert.weak-key']);
    const ed = makeCert(dir, 'ed', { subject: '/CN=mail.example.org', issuer: inter, key: 'ed25519', extensions: leafExtensions(['DNS:mail.example.org']) }); // prettier-ignore
    expect(ids(analyze([ed, inter]))).toEqual([]);
    const sha1Inter = makeCert(dir, 'sha1-inter', { subject: '/O=Example/CN=SHA1 Intermediate', issuer: root, md: 'sha1', extensions: [...CA_EXTENSIONS, 'authorityKeyIdentifier = keyid'] }); // prettier-ignore
    const l = makeCert(dir, 'l-under-sha1', { subject: '/CN=mail.example.org', issuer: sha1Inter, extensions: leafExtensions(['DNS:mail.example.org']) }); // prettier-ignore
    const a = analyze([l, sha1Inter]);
    expect(ids(a)).toEqual(['cert.weak-signature']);
    expect(findings(a).find((x) => x.id === 'cert.weak-signature')?.evidence).toMatchObject({ algorithm: 'ecdsa-with-SHA1', cert: { index: 1 } }); // prettier-ignore
  });

  it('an expired trust anchor is expired too (a knowingly trusted root included)', () => {
    const oldRoot = makeCert(dir, 'old-root', { subject: '/CN=Short Root', extensions: CA_EXTENSIONS, days: 2 }); // prettier-ignore
    const l = makeCert(dir, 'old-root-leaf', { subject: '/CN=mail.example.org', issuer: oldRoot, days: 90, extensions: leafExtensions(['DNS:mail.example.org']) }); // prettier-ignore
    const a = analyze([l], { trust: trust({ extraRoots: [oldRoot.pem] }), now: new Date(created + 10 * DAY) }); // prettier-ignore
    expect(ids(a)).toEqual(['cert.expired']);
    expect(findings(a).find((x) => x.id === 'cert.expired')?.evidence).toMatchObject({ cert: { index: -1, subject: 'CN=Short Root' } }); // prettier-ignore
  });

  it('expiring within 14 days is a warning', () => {
    const a = analyze([leaf, inter], { now: new Date(created + 85.5 * DAY) });
    expect(ids(a)).toEqual(['cert.expiring-soon']);
    expect(findings(a).find((x) => x.id === 'cert.expiring-soon')).toMatchObject({ severity: 'warning', evidence: { daysLeft: 4 } }); // prettier-ignore
  });

  it('not yet valid by hours, or the whole chain not yet valid: the clock is suspect', () => {
    const a = analyze([leaf, inter], { now: new Date(created - 3 * HOUR) });
    expect(ids(a)).toEqual(['clock.suspect']);
    const f = findings(a).find((x) => x.id === 'clock.suspect');
    expect(f?.evidence).toMatchObject({ basis: 'certificate-validity', cert: { index: 0 } });
    if (f?.id === 'clock.suspect') expect(f.evidence.skewSeconds).toBeLessThan(-3 * 3600 + 5);
    // Years behind: every certificate, the root included, is in the future.
    expect(ids(analyze([leaf, inter], { now: new Date(created - 400 * DAY) }))).toEqual([
      'clock.suspect',
    ]);
  });
});

describe('identity (RFC 9525 / 7817, RFC 6120 / 7590 for XMPP)', () => {
  let xmppOnly: TestCert;
  let srvOnly: TestCert;
  let cnOnly: TestCert;
  beforeAll(() => {
    xmppOnly = makeCert(dir, 'xmpp-only', { subject: '/CN=chat', issuer: inter, extensions: leafExtensions(['otherName:1.3.6.1.5.5.7.8.5;UTF8:example.org']) }); // prettier-ignore
    srvOnly = makeCert(dir, 'srv-only', { subject: '/CN=chat', issuer: inter, extensions: leafExtensions(['otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-client.example.org', 'otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-server.example.com']) }); // prettier-ignore
    cnOnly = makeCert(dir, 'cn-only', { subject: '/CN=mail.example.org', issuer: inter, extensions: leafExtensions([]) }); // prettier-ignore
  });

  it('an XmppAddr for the domain proves an XMPP server, never a mail server', () => {
    const x = analyze([xmppOnly, inter], { service: 'xmpp', referenceName: 'example.org' });
    expect(x.identity).toMatchObject({
      matches: true,
      matchedBy: 'xmpp-addr',
      validFor: ['example.org'],
    });
    expect(ids(x)).toEqual([]);
    expect(ids(analyze([xmppOnly, inter], { service: 'mail', referenceName: 'example.org' }))).toEqual(['cert.name-mismatch']); // prettier-ignore
    expect(ids(analyze([xmppOnly, inter], { service: 'xmpp', referenceName: 'EXAMPLE.org.' }))).toEqual([]); // prettier-ignore
  });

  it('an internationalised XMPP domain matches its XmppAddr (UTF-8) and its A-label form', () => {
    const idn = makeCert(dir, 'idn', { subject: '/CN=chat', issuer: inter, extensions: leafExtensions([], ['subjectAltName = @alt', '[alt]', 'otherName.1 = 1.3.6.1.5.5.7.8.5;FORMAT:UTF8,UTF8:bücher.example']) }); // prettier-ignore
    expect(ids(analyze([idn, inter], { service: 'xmpp', referenceName: 'bücher.example' }))).toEqual([]); // prettier-ignore
    expect(ids(analyze([idn, inter], { service: 'xmpp', referenceName: 'xn--bcher-kva.example' }))).toEqual([]); // prettier-ignore
    expect(ids(analyze([idn, inter], { service: 'xmpp', referenceName: 'bucher.example' }))).toEqual(['cert.name-mismatch']); // prettier-ignore
  });

  it('an SRV-ID counts only for _xmpp-client and the same domain', () => {
    expect(analyze([srvOnly, inter], { service: 'xmpp', referenceName: 'example.org' }).identity?.matchedBy).toBe('srv-id'); // prettier-ignore
    expect(ids(analyze([srvOnly, inter], { service: 'xmpp', referenceName: 'example.com' }))).toEqual(['cert.name-mismatch']); // prettier-ignore
  });

  it('the Common Name never matches, but is reported when it would have', () => {
    const a = analyze([cnOnly, inter]);
    expect(ids(a)).toEqual(['cert.name-mismatch']);
    expect(findings(a).find((x) => x.id === 'cert.name-mismatch')?.evidence).toEqual({ expected: 'mail.example.org', validFor: [], commonNameOnly: 'mail.example.org' }); // prettier-ignore
  });

  it('wildcards cover one whole left-most label only', () => {
    expect(analyze([leaf, inter], { referenceName: 'imap.example.net' }).identity?.matches).toBe(
      true,
    );
    expect(analyze([leaf, inter], { referenceName: 'a.b.example.net' }).identity?.matches).toBe(
      false,
    );
    expect(analyze([leaf, inter], { referenceName: 'example.net' }).identity?.matches).toBe(false);
  });
});

describe('hostile and broken input', () => {
  it('escapes server text in evidence', () => {
    const evil = makeCert(dir, 'evil', {
      subject: '/CN=evil\u202eroot',
      extensions: CA_EXTENSIONS,
    });
    const evilLeaf = makeCert(dir, 'evil-leaf', { subject: '/CN=mail.example.org', issuer: evil, extensions: leafExtensions(['DNS:mail.example.org']) }); // prettier-ignore
    const f = findings(analyze([evilLeaf, evil])).find((x) => x.id === 'cert.untrusted-issuer');
    expect(JSON.stringify(f)).not.toContain('\u202e');
    expect(f?.evidence).toMatchObject({ topIssuer: 'CN=evil\\u{202e}root' });
  });

  it('an unreadable leaf or an empty chain fails closed', () => {
    const garbage = analyzeChain({ peerChain: ['AAAA'], chainSource: 'as-sent', referenceName: 'mail.example.org', service: 'mail', ocspResponse: null, now: new Date(), trust: trust() }); // prettier-ignore
    expect(findings(garbage).some((f) => f.severity === 'critical')).toBe(true);
    const empty = analyzeChain({ peerChain: [], chainSource: 'as-sent', referenceName: 'mail.example.org', service: 'mail', ocspResponse: null, now: new Date(), trust: trust() }); // prettier-ignore
    expect(findings(empty).map((f) => f.id)).toEqual(['check.incomplete']);
  });
});

describe('fingerprints a user pastes', () => {
  it('accepts colons, spaces, lower case, prefixes; SHA-1 or SHA-256 by length', () => {
    const a = analyze([leaf, inter]);
    const sha256 = a.presented[0]?.sha256 ?? '';
    const sha1Inter = a.presented[1]?.sha1 ?? '';
    expect(compareFingerprint(a, sha256.toLowerCase().replaceAll(':', ' '))).toEqual({ result: 'this-server', algorithm: 'sha256' }); // prettier-ignore
    expect(compareFingerprint(a, `SHA1 Fingerprint=${sha1Inter}`)).toEqual({ result: 'in-chain', index: 1, algorithm: 'sha1' }); // prettier-ignore
    expect(compareFingerprint(a, 'SHA-256: ' + sha256.replaceAll(':', ''))).toMatchObject({ result: 'this-server' }); // prettier-ignore
    expect(compareFingerprint(a, 'ab'.repeat(32))).toEqual({ result: 'different', algorithm: 'sha256' }); // prettier-ignore
    expect(compareFingerprint(a, 'not a fingerprint')).toEqual({ result: 'unreadable' });
    expect(normaliseFingerprint('ab:cd')).toBeNull();
    // The root came from a store, not from the server: still "in the chain" (path position).
    expect(compareFingerprint(a, a.path?.elements[2]?.cert.sha256 ?? '')).toEqual({ result: 'in-chain', index: 2, algorithm: 'sha256' }); // prettier-ignore
  });
});

describe('bounded work on hostile chains', () => {
  it('a chain of many look-alike intermediates still ends, with the trusted path found', () => {
    const twins = Array.from({ length: 12 }, (_, i) =>
      makeCert(dir, `twin-${i}`, { subject: '/O=Example/CN=Example Intermediate', extensions: CA_EXTENSIONS }),
    ); // prettier-ignore
    const a = analyze([leaf, ...twins, inter]);
    expect(a.path?.anchor).toBe('extra');
    expect(a.candidatePaths).toBeLessThanOrEqual(32);
    expect(ids(a)).toEqual(['cert.chain-order']);
  });
});

describe('defaultTrustStores', () => {
  it('uses Node’s public bundle, the system store when Node exposes it, and the extra roots', async () => {
    const tls = await import('node:tls');
    const { defaultTrustStores } = await import('./index');
    const t = defaultTrustStores(['x']);
    expect(t.publicRoots).toBe(tls.rootCertificates);
    expect(t.publicRootsLabel).toContain(process.versions.node);
    expect(t.systemRoots === null || Array.isArray(t.systemRoots)).toBe(true);
    expect(t.extraRoots).toEqual(['x']);
  });
});
