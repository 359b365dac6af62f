/**
 * certificateFindings: severities per design.md, and the fail-closed property (fast-check):
 * "no critical finding" happens only when the path is trusted AND the name matches AND every date
 * is right — over random subsets and orders of a chain, random clocks, stores and names.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeChain } from '../cert';
import { CA_EXTENSIONS, leafExtensions, makeCert, type TestCert } from '../cert/test-support';
import type { AnchorStore } from '../cert/types';
import { certificateFindings } from './rules-certificate';
import type { FindingSubject } from './types';
import { propertyRuns } from '../../../test/support/properties';

const SUBJECT: FindingSubject = { host: 'mail.example.org', port: 465, protocol: 'submission', security: 'implicit' }; // prettier-ignore
const DAY = 86_400_000;

let dir: string;
let certs: Record<'leaf' | 'inter' | 'root' | 'other' | 'tampered', TestCert>;
let created: number;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sealcheck-rules-cert-'));
  created = Date.now();
  const root = makeCert(dir, 'root', {
    subject: '/CN=Prop Root',
    extensions: CA_EXTENSIONS,
    days: 3650,
  });
  const inter = makeCert(dir, 'inter', { subject: '/CN=Prop Intermediate', issuer: root, extensions: [...CA_EXTENSIONS, 'authorityKeyIdentifier = keyid'], days: 1000 }); // prettier-ignore
  const leaf = makeCert(dir, 'leaf', { subject: '/CN=mail.example.org', issuer: inter, extensions: leafExtensions(['DNS:mail.example.org']), days: 90 }); // prettier-ignore
  const other = makeCert(dir, 'other', { subject: '/CN=Unrelated CA', extensions: CA_EXTENSIONS });
  // The same leaf with one bit of its signature flipped: parses, never verifies.
  const der = Buffer.from(leaf.b64, 'base64');
  der[der.length - 3] = (der[der.length - 3] ?? 0) ^ 0x01;
  const tampered = { ...leaf, name: 'tampered', b64: der.toString('base64') };
  certs = { leaf, inter, root, other, tampered };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Name = keyof typeof certs;

describe('severities', () => {
  it('identity failures are critical, a private authority a warning, unchecked revocation info', () => {
    const a = analyzeChain({
      peerChain: [certs.leaf.b64, certs.inter.b64, certs.inter.b64],
      chainSource: 'as-sent',
      referenceName: 'other.example.org',
      service: 'mail',
      ocspResponse: null,
      now: new Date(created + 200 * DAY),
      trust: {
        publicRoots: [],
        publicRootsLabel: 't',
        systemRoots: [certs.root.pem],
        extraRoots: [],
      },
    });
    const bySeverity = Object.fromEntries(
      certificateFindings(a, SUBJECT).map((f) => [f.id, f.severity]),
    );
    expect(bySeverity).toEqual({
      'cert.expired': 'critical',
      'cert.name-mismatch': 'critical',
      'cert.private-authority': 'warning',
      'cert.chain-order': 'warning',
      'cert.revocation-not-checked': 'info',
    });
    for (const f of certificateFindings(a, SUBJECT)) expect(f.subject).toEqual(SUBJECT);
  });
});

describe('fail closed (property)', () => {
  it('no critical finding ⇔ trusted path, matching name, right dates', () => {
    const names: Name[] = ['leaf', 'inter', 'root', 'other', 'tampered'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...names), { maxLength: 5 }),
        fc.subarray<AnchorStore>(['public', 'system', 'extra']),
        fc.integer({ min: -400, max: 400 }).map((d) => d * DAY + 60_000),
        fc.constantFrom('mail.example.org', 'MAIL.Example.org.', 'other.example.org', 'example.org', 'x.mail.example.org', '127.0.0.1'), // prettier-ignore
        fc.constantFrom<'mail' | 'xmpp'>('mail', 'xmpp'),
        fc.boolean(),
        (chain, stores, offset, referenceName, service, systemKnown) => {
          const rootPem = [certs.root.pem];
          const now = new Date(created + offset);
          const a = analyzeChain({
            peerChain: chain.map((n) => certs[n].b64),
            chainSource: 'as-sent',
            referenceName,
            service,
            ocspResponse: null,
            now,
            trust: {
              publicRoots: stores.includes('public') ? rootPem : [],
              publicRootsLabel: 'test',
              systemRoots: stores.includes('system') ? rootPem : systemKnown ? [] : null,
              extraRoots: stores.includes('extra') ? rootPem : [],
            },
          });
          const critical = certificateFindings(a, SUBJECT).some((f) => f.severity === 'critical');
          // An independent oracle from the construction of the fixtures.
          const t = now.getTime();
          const leafDates = t >= created - 1000 && t <= created + 90 * DAY - 1000;
          const verified =
            chain[0] === 'leaf' &&
            chain.includes('inter') &&
            stores.length > 0 &&
            leafDates &&
            referenceName.toLowerCase().replace(/\.$/, '') === 'mail.example.org';
          // Allow a second either side of the validity bounds (certificates carry whole seconds).
          const nearBound =
            Math.abs(t - created) < 2000 || Math.abs(t - (created + 90 * DAY)) < 2000;
          if (nearBound) return;
          expect(critical).toBe(!verified);
          if (!critical) {
            expect(a.path?.end).toBe('anchored');
            expect(a.identity?.matches).toBe(true);
          }
        },
      ),
      propertyRuns(300),
    );
  });
});
