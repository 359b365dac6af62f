/**
 * Property tests (fast-check) of analyzeChain on hostile chains: any mix of real certificates
 * (openssl-made, as in analyze.test.ts), mutated and truncated ones, garbage DER and text that
 * is not base64, any reference name, any staple, garbage in the trust stores. It always returns
 * an analysis, and the analysis is consistent:
 * - one presented entry per certificate sent, null exactly where an "unparsable" problem says so;
 * - no readable leaf: no path, no identity; else a path from the leaf (presented index 0), every
 *   problem's position on that path, the identity checked for the name asked;
 * - garbage appended to a good chain never breaks it: the same anchored path, the garbage named
 *   unparsable (or extra), nothing else.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { propertyRuns } from '../../../test/support/properties';
import { analyzeChain } from './analyze';
import {
  CA_EXTENSIONS,
  leafExtensions,
  makeCert,
  makeExampleAuthorities,
  type TestCert,
} from './test-support';
import type { CertAnalysis, CertInput, TrustStores } from './types';

const HOUR = 3_600_000;
let dir: string;
let created: number;
let good: TestCert[] = []; // leaf, intermediate (the root is in the store)
let pool: TestCert[] = []; // every certificate made, the root and a self-signed one included
let root: TestCert;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sealcheck-analyze-prop-'));
  created = Date.now();
  const { root: r, inter } = makeExampleAuthorities(dir);
  root = r;
  const leaf = makeCert(dir, 'leaf', { subject: '/CN=mail.example.org', issuer: inter, extensions: leafExtensions(['DNS:mail.example.org', 'DNS:*.example.net', 'IP:192.0.2.7']) }); // prettier-ignore
  const self = makeCert(dir, 'self', { subject: '/CN=self.example', extensions: leafExtensions(['DNS:self.example']) }); // prettier-ignore
  const other = makeCert(dir, 'other', { subject: '/CN=Other CA', extensions: CA_EXTENSIONS });
  good = [leaf, inter];
  pool = [leaf, inter, root, self, other];
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (max: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

function mutated(c: TestCert, flips: readonly [number, number][], cut: number | null): string {
  const der = Buffer.from(c.b64, 'base64');
  for (const [at, mask] of flips) der[at % der.length] = (der[at % der.length] ?? 0) ^ mask;
  return (cut === null ? der : der.subarray(0, cut % der.length)).toString('base64');
}

/** One entry of a peer chain: a real certificate, a damaged one, garbage, or not base64 at all. */
const chainEntry = (realWeight: number): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.nat().map((i) => (pool[i % pool.length] as TestCert).b64), weight: realWeight },
    {
      arbitrary: fc
        .tuple(
          fc.nat(),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 3 }),
          fc.option(fc.nat(), { freq: 4 }),
        )
        .map(([i, flips, cut]) => mutated(pool[i % pool.length] as TestCert, flips, cut)),
      weight: 4,
    },
    { arbitrary: bytes(300).map((b) => b.toString('base64')), weight: 1 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 60 }), weight: 1 },
  );

const referenceName = fc.oneof(
  fc.constantFrom('mail.example.org', 'x.example.net', 'self.example', '192.0.2.7', '[::1]', ''),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const staple = fc.oneof(
  fc.constant(null),
  fc.constant(''),
  bytes(200).map((b) => b.toString('base64')),
  fc.string({ maxLength: 40 }),
);
/** Stores with the root somewhere (or nowhere), next to PEM garbage. */
const trust: fc.Arbitrary<TrustStores> = fc
  .record({
    where: fc.constantFrom('public', 'system', 'extra', 'none'),
    junk: fc.array(
      fc.oneof(
        fc.string({ maxLength: 40 }),
        bytes(120).map(
          (b) =>
            `-----BEGIN CERTIFICATE-----\n${b.toString('base64')}\n-----END CERTIFICATE-----\n`,
        ),
      ),
      { maxLength: 2 },
    ),
    systemKnown: fc.boolean(),
  })
  .map(({ where, junk, systemKnown }) => {
    const roots = (w: string): string[] => (where === w ? [root.pem, ...junk] : junk);
    return {
      publicRoots: roots('public'),
      publicRootsLabel: 'test bundle',
      systemRoots: systemKnown || where === 'system' ? roots('system') : null,
      extraRoots: roots('extra'),
    };
  });

const input: fc.Arbitrary<CertInput> = fc.record({
  peerChain: fc.oneof(
    { arbitrary: fc.constant([]), weight: 1 },
    {
      // The leaf decides most of the analysis: mostly a readable one.
      arbitrary: fc
        .tuple(chainEntry(8), fc.array(chainEntry(3), { maxLength: 4 }))
        .map(([leaf, rest]) => [leaf, ...rest]),
      weight: 9,
    },
  ),
  chainSource: fc.constantFrom('as-sent' as const, 'node-rebuilt' as const),
  referenceName,
  service: fc.constantFrom('mail' as const, 'xmpp' as const),
  ocspResponse: staple,
  now: fc
    .integer({ min: -400 * 24 * HOUR, max: 400 * 24 * HOUR })
    .map((d) => new Date(Date.now() + d)),
  trust,
  seenWithPublicChain: fc.boolean(),
});

/** The consistency every analysis must have, whatever the input. */
function checkAnalysis(i: CertInput, a: CertAnalysis): void {
  expect(a.presented).toHaveLength(i.peerChain.length);
  const unparsable = a.problems.filter((p) => p.kind === 'unparsable');
  expect(unparsable.map((p) => p.presentedIndex).sort()).toEqual(
    a.presented.flatMap((c, n) => (c === null ? [n] : [])).sort(),
  );
  expect(a.referenceName).toBe(i.referenceName);
  if (a.presented[0] === null || a.presented[0] === undefined) {
    expect(a.path).toBeNull();
    expect(a.identity).toBeNull();
    expect(a.problems.every((p) => p.kind === 'unparsable')).toBe(true);
    return;
  }
  const path = a.path;
  if (path === null) throw new Error('a readable leaf has a path');
  expect(path.elements[0]?.presentedIndex).toBe(0);
  expect(path.elements[0]?.cert).toEqual(a.presented[0]);
  expect(a.candidatePaths).toBeGreaterThanOrEqual(1);
  expect(a.identity?.referenceName).toBe(i.referenceName);
  for (const e of path.elements) {
    if (e.presentedIndex !== null) expect(a.presented[e.presentedIndex]).toEqual(e.cert);
  }
  for (const p of a.problems) {
    if ('at' in p) {
      expect(p.at).toBeGreaterThanOrEqual(0);
      expect(p.at).toBeLessThan(path.elements.length);
    }
  }
  expect(a.problems.some((p) => p.kind === 'name-mismatch')).toBe(!a.identity?.matches);
}

describe('analyzeChain', () => {
  it('any chain, name, staple and stores: an analysis, and a consistent one', () => {
    fc.assert(
      fc.property(input, (i) => {
        checkAnalysis(i, analyzeChain(i));
      }),
      propertyRuns(250),
    );
  });

  it('garbage appended to a good chain never breaks it', () => {
    fc.assert(
      fc.property(
        fc.array(chainEntry(3), { minLength: 1, maxLength: 4 }),
        fc.constantFrom('public' as const, 'extra' as const),
        (extra, store) => {
          const base: CertInput = {
            peerChain: good.map((c) => c.b64),
            chainSource: 'as-sent',
            referenceName: 'mail.example.org',
            service: 'mail',
            ocspResponse: null,
            now: new Date(created + HOUR),
            trust: {
              publicRoots: store === 'public' ? [root.pem] : [],
              publicRootsLabel: 'test bundle',
              systemRoots: null,
              extraRoots: store === 'extra' ? [root.pem] : [],
            },
          };
          const clean = analyzeChain(base);
          expect(clean.path?.end).toBe('anchored');
          const i = { ...base, peerChain: [...base.peerChain, ...extra] };
          const a = analyzeChain(i);
          checkAnalysis(i, a);
          expect(a.path?.end).toBe('anchored');
          expect(a.path?.anchor).toBe(store);
          expect(a.path?.elements.map((e) => e.cert.sha256)).toEqual(
            clean.path?.elements.map((e) => e.cert.sha256),
          );
          // Only what the extra entries explain: unparsable, extra or duplicate, and the
          // revocation note of every analysis without a staple.
          for (const p of a.problems) {
            expect(['unparsable', 'chain-order', 'revocation-not-checked']).toContain(p.kind);
            if (p.kind === 'chain-order') expect(p.problem).not.toBe('misordered');
          }
        },
      ),
      propertyRuns(150),
    );
  });
});
