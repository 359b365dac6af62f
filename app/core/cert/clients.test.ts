/**
 * clientReactions on crafted chains: every client warns where its documented rules decide it,
 * and says 'unknown' wherever its own root store or fetching behaviour could change the answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeChain, clientReactions, publicRootsSnapshot } from './index';
import { CA_EXTENSIONS, leafExtensions, makeCert, type TestCert } from './test-support';
import type { CertInput, TrustStores } from './types';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let dir: string;
let root: TestCert;
let inter: TestCert;
let created: number;
const made = new Map<string, TestCert>();

const AIA = 'authorityInfoAccess = caIssuers;URI:http://ca.example.org/inter.crt';

function leaf(name: string, o: { extensions?: string[]; days?: number; key?: 'rsa1024'; md?: 'sha1'; subject?: string } = {}): TestCert {
  const cert = makeCert(dir, name, {
    subject: o.subject ?? '/CN=mail.example.org',
    issuer: inter,
    extensions: o.extensions ?? leafExtensions(['DNS:mail.example.org'], [AIA]),
    days: o.days ?? 90,
    ...(o.key ? { key: o.key } : {}),
    ...(o.md ? { md: o.md } : {}),
  });
  made.set(name, cert);
  return cert;
} // prettier-ignore

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sealcheck-clients-'));
  created = Date.now();
  root = makeCert(dir, 'root', { subject: '/O=Example/CN=Example Root', extensions: CA_EXTENSIONS, days: 3650 });
  inter = makeCert(dir, 'inter', { subject: '/O=Example/CN=Example Intermediate', issuer: root, extensions: [...CA_EXTENSIONS, 'authorityKeyIdentifier = keyid'], days: 1000 });
  leaf('good');
  leaf('long', { days: 400 });
  leaf('rsa1024', { key: 'rsa1024' });
  leaf('sha1', { md: 'sha1' });
  leaf('no-eku', { extensions: ['basicConstraints = critical, CA:FALSE', 'subjectAltName = DNS:mail.example.org'] });
  leaf('cn-only', { extensions: ['basicConstraints = critical, CA:FALSE', 'extendedKeyUsage = serverAuth'] });
  leaf('no-aia', { extensions: leafExtensions(['DNS:mail.example.org']) });
  leaf('ca-leaf', { extensions: ['basicConstraints = critical, CA:TRUE', 'extendedKeyUsage = serverAuth', 'subjectAltName = DNS:mail.example.org'] });
  made.set('self', makeCert(dir, 'self', { subject: '/CN=mail.example.org', extensions: leafExtensions(['DNS:mail.example.org']) }));
}, 60_000); // prettier-ignore

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function trust(o: Partial<TrustStores>): TrustStores {
  return { publicRoots: [], publicRootsLabel: 't', systemRoots: [], extraRoots: [], ...o };
}

/** "client:reaction:because" for each client, for a chain of named certificates. */
function react(names: readonly string[], o: Partial<CertInput> = {}): string[] {
  const chain = names.map((n) => (n === 'inter' ? inter : made.get(n)));
  const analysis = analyzeChain({
    peerChain: chain.map((c) => {
      if (!c) throw new Error('no such test certificate');
      return c.b64;
    }),
    chainSource: 'as-sent',
    referenceName: 'mail.example.org',
    service: 'mail',
    ocspResponse: null,
    now: new Date(created + HOUR),
    trust: trust({ publicRoots: [root.pem] }),
    ...o,
  });
  return clientReactions(analysis).map((r) => `${r.client}:${r.reaction}:${r.because}`);
}

describe('clientReactions', () => {
  it('a clean chain to a public root: Thunderbird (same program) accepts; the others have their own roots', () => {
    expect(react(['good', 'inter'])).toEqual([
      'thunderbird:accepts:no-known-problem',
      'apple-mail:unknown:own-root-store',
      'outlook-windows:unknown:own-root-store',
    ]);
  });

  it('expired, wrong name, self-signed: every app warns', () => {
    const later = { now: new Date(created + 200 * DAY) };
    expect(new Set(react(['good', 'inter'], later).map((r) => r.split(':').slice(1).join(':')))).toEqual(new Set(['warns:expired']));
    expect(react(['good', 'inter'], { referenceName: 'other.example.org' }).every((r) => r.endsWith(':warns:name-mismatch'))).toBe(true);
    expect(react(['self']).every((r) => r.endsWith(':warns:self-signed'))).toBe(true);
  }); // prettier-ignore

  it('a missing intermediate: Thunderbird warns (unless cached); Outlook may fetch it via AIA', () => {
    expect(react(['good'])).toEqual([
      'thunderbird:warns:missing-intermediate-not-fetched',
      'apple-mail:unknown:missing-intermediate-unsure',
      'outlook-windows:unknown:missing-intermediate-fetched',
    ]);
    expect(react(['no-aia'])[2]).toBe('outlook-windows:unknown:missing-intermediate-no-url');
  });

  it("Apple's rules: RSA under 2048, SHA-1, over 398 days under a public root, no EKU, CN only", () => {
    expect(react(['rsa1024', 'inter'])[1]).toBe('apple-mail:warns:apple-rsa-under-2048');
    expect(react(['sha1', 'inter'])[1]).toBe('apple-mail:warns:apple-sha1');
    expect(react(['long', 'inter'])[1]).toBe('apple-mail:warns:apple-validity-too-long');
    expect(react(['no-eku', 'inter'])[1]).toBe('apple-mail:warns:apple-eku-missing');
    const cnOnly = react(['cn-only', 'inter']);
    expect(cnOnly[1]).toBe('apple-mail:warns:apple-common-name-only');
    // Not sure whether Thunderbird or Windows still fall back to the Common Name: no claim.
    expect(cnOnly[0]).toBe('thunderbird:unknown:common-name-only');
    expect(cnOnly[2]).toBe('outlook-windows:unknown:common-name-only');
  });

  it('398 days applies under public roots only; a private root says nothing of it', () => {
    const priv = { trust: trust({ extraRoots: [root.pem] }) };
    expect(react(['long', 'inter'], priv)[1]).toBe('apple-mail:unknown:root-on-this-device');
  });

  it("not yet valid by an hour: it depends on the clock of the user's device", () => {
    const early = { now: new Date(created - HOUR) };
    expect(react(['good', 'inter'], early).every((r) => r.endsWith(':unknown:depends-on-clock'))).toBe(true);
  }); // prettier-ignore

  it('a CA certificate as server certificate: Thunderbird warns', () => {
    expect(react(['ca-leaf', 'inter'])[0]).toBe('thunderbird:warns:leaf-is-ca');
  });

  it('a root only this device trusts: no app can be judged', () => {
    const system = { trust: trust({ systemRoots: [root.pem] }) };
    expect(react(['good', 'inter'], system).every((r) => r.endsWith(':unknown:root-on-this-device'))).toBe(true);
  }); // prettier-ignore
});

describe('publicRootsSnapshot', () => {
  it("records Node's version and the newest notBefore among the roots", () => {
    const s = publicRootsSnapshot([root.pem, inter.pem, 'not a certificate'], '24.0.0');
    expect(s.node).toBe('24.0.0');
    expect(s.roots).toBe(3);
    const newest = Date.parse(s.newestRootNotBefore ?? '');
    expect(Math.abs(newest - created)).toBeLessThan(5 * 60_000);
  });

  it("Node's own bundle has a date", () => {
    const s = publicRootsSnapshot();
    expect(s.node).toBe(process.versions.node);
    expect(s.roots).toBeGreaterThan(100);
    expect(s.newestRootNotBefore).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });
});
