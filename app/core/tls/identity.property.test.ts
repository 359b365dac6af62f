/**
 * Property tests (fast-check) of RFC 9525 name matching and Node's subjectAltName format:
 * - arbitrary strings (any code point) never throw, in any function of identity.ts;
 * - parseSubjectAltName reads back what Node writes, plain and JSON-quoted values alike;
 * - DNS-ID matching ignores ASCII case and one trailing dot on either side;
 * - a wildcard matches exactly one whole left-most label: never the parent name, never across
 *   a dot, never as part of a label, never over fewer than two labels, never elsewhere;
 * - an IP address (also with the one trailing dot a name may carry) never matches a dNSName,
 *   a name never matches an iPAddress entry, and IP-IDs compare as addresses (an independent
 *   oracle: node:net's BlockList).
 */
import { BlockList, isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../../../test/support/properties';
import {
  ipAddressBytes,
  matchesDnsId,
  matchesIpId,
  matchesReferenceIdentity,
  namesFromSubjectAltName,
  normaliseReferenceName,
  parseSubjectAltName,
} from './identity';

const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 80 }),
);

/** Labels from a small pool so that names meet, plus random ones. */
const label = fc.oneof(
  { arbitrary: fc.constantFrom('a', 'b', 'mail', 'xn--bcher-kva', 'x-y', '0', '_srv'), weight: 3 },
  { arbitrary: fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/), weight: 1 },
);
const dnsName = (min: number, max: number): fc.Arbitrary<string> =>
  fc.array(label, { minLength: min, maxLength: max }).map((ls) => ls.join('.'));

/** Flips the case of the ASCII letters chosen by `mask`. */
function flipCase(s: string, mask: readonly boolean[]): string {
  return [...s]
    .map((c, i) =>
      /[a-z]/i.test(c) && mask[i % Math.max(1, mask.length)]
        ? c === c.toLowerCase()
          ? c.toUpperCase()
          : c.toLowerCase()
        : c,
    )
    .join('');
}
const caseMask = fc.array(fc.boolean(), { minLength: 1, maxLength: 16 });

/** IP literals as people and Node write them. */
const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();
const ipLiteral = fc.oneof(
  ipv4,
  ipv6,
  ipv6.map((a) => `[${a}]`),
  ipv6.map((a) => a.toUpperCase()),
);

describe('identity: arbitrary input', () => {
  it('never throws, and answers in its own types', () => {
    fc.assert(
      fc.property(
        anyString,
        fc.array(anyString, { maxLength: 4 }),
        fc.array(anyString, { maxLength: 3 }),
        (s, dnsNames, ipAddresses) => {
          const names = { dnsNames, ipAddresses };
          for (const n of parseSubjectAltName(s)) {
            expect(typeof n.type).toBe('string');
            expect(n.type.length).toBeGreaterThan(0);
            expect(n.type).not.toContain(':');
            expect(typeof n.value).toBe('string');
          }
          const fromSan = namesFromSubjectAltName(s);
          expect(Array.isArray(fromSan.dnsNames) && Array.isArray(fromSan.ipAddresses)).toBe(true);
          const normal = normaliseReferenceName(s);
          if (normal !== null) {
            expect(normal).toMatch(/^[a-z0-9_.-]+$/);
            expect(normaliseReferenceName(normal)).toBe(normal); // idempotent
          }
          expect(typeof matchesDnsId(s, names)).toBe('boolean');
          expect(typeof matchesIpId(s, names)).toBe('boolean');
          expect(typeof matchesReferenceIdentity(s, names)).toBe('boolean');
          const b = ipAddressBytes(s);
          if (b !== null) expect([4, 16]).toContain(b.length);
        },
      ),
      propertyRuns(1000),
    );
  });
});

describe('parseSubjectAltName', () => {
  const entry = fc.record({
    type: fc.constantFrom('DNS', 'IP Address', 'email', 'URI', 'othername', 'DirName'),
    value: fc.oneof(
      // Plain: what Node prints unquoted (nothing that could confuse the format).
      fc
        .string({ unit: 'grapheme-ascii', maxLength: 30 })
        .filter((v) => !v.includes('"') && !v.includes(', ') && !v.includes(',')),
      // Anything else: Node prints it as a JSON string (CVE-2021-44532).
      anyString,
    ),
  });

  it('reads back what Node writes, quoted values decoded, never split', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 6 }), (entries) => {
        const quoted = (v: string): boolean => /[",\\]|[^\x20-\x7e]/.test(v);
        const san = entries
          .map((e) => `${e.type}:${quoted(e.value) ? JSON.stringify(e.value) : e.value}`)
          .join(', ');
        expect(parseSubjectAltName(san)).toEqual(entries);
        expect(namesFromSubjectAltName(san).dnsNames).toEqual(
          entries.filter((e) => e.type === 'DNS').map((e) => e.value),
        );
      }),
      propertyRuns(500),
    );
  });
});

describe('matchesDnsId', () => {
  it('ignores ASCII case and one trailing dot, on either side', () => {
    fc.assert(
      fc.property(
        fc.oneof(dnsName(1, 4), anyString),
        fc.array(
          fc.oneof(
            dnsName(1, 4),
            dnsName(1, 3).map((n) => `*.${n}`),
            anyString,
          ),
          {
            maxLength: 3,
          },
        ),
        caseMask,
        fc.boolean(),
        fc.boolean(),
        (ref, presented, mask, dotRef, dotPresented) => {
          const want = matchesDnsId(ref, { dnsNames: presented });
          const ref2 = flipCase(ref, mask) + (dotRef && !ref.endsWith('.') ? '.' : '');
          const presented2 = presented.map(
            (p) => flipCase(p, [...mask].reverse()) + (dotPresented && !p.endsWith('.') ? '.' : ''),
          );
          expect(matchesDnsId(ref2, { dnsNames: presented2 })).toBe(want);
        },
      ),
      propertyRuns(500),
    );
  });

  it('a name matches itself, in any case', () => {
    fc.assert(
      fc.property(dnsName(1, 5), caseMask, (name, mask) => {
        expect(matchesDnsId(flipCase(name, mask), { dnsNames: [name] })).toBe(
          isIP(name) === 0 && normaliseReferenceName(name) !== null,
        );
      }),
      propertyRuns(300),
    );
  });

  it('a wildcard matches exactly one whole left-most label', () => {
    fc.assert(
      fc.property(label, dnsName(2, 3), label, caseMask, (left, rest, extra, mask) => {
        fc.pre(isIP(`${left}.${rest}`) === 0); // "0.0.0.0" is an address, not a name
        const wildcard = flipCase(`*.${rest}`, mask);
        const m = (ref: string): boolean => matchesDnsId(ref, { dnsNames: [wildcard] });
        expect(m(`${left}.${rest}`)).toBe(true);
        expect(m(rest), 'never the parent name').toBe(false);
        expect(m(`${extra}.${left}.${rest}`), 'never across a dot').toBe(false);
        // Never part of a label, never over one label, never elsewhere than left-most.
        const [first = '', ...others] = rest.split('.');
        for (const partial of [`f*.${rest}`, `*f.${rest}`, `f*o.${rest}`, `**.${rest}`]) {
          expect(matchesDnsId(`foo.${rest}`, { dnsNames: [partial] }), partial).toBe(false);
        }
        expect(matchesDnsId(`${left}.${first}`, { dnsNames: [`*.${first}`] })).toBe(false);
        expect(
          matchesDnsId(`${left}.${rest}`, { dnsNames: [`${left}.*.${others.join('.')}`] }),
        ).toBe(false);
        expect(matchesDnsId(`*.${rest}`, { dnsNames: [`*.${rest}`] }), 'a wildcard reference').toBe(
          false,
        );
      }),
      propertyRuns(500),
    );
  });

  it('whenever a wildcard matches, the reference is one label plus the wildcard’s base', () => {
    fc.assert(
      fc.property(
        fc.oneof(dnsName(1, 5), anyString),
        fc.oneof(dnsName(1, 3), anyString),
        (ref, base) => {
          if (!matchesDnsId(ref, { dnsNames: [`*.${base}`] })) return;
          const r = normaliseReferenceName(ref) ?? '';
          const b = base.toLowerCase().replace(/\.$/, '');
          expect(r.endsWith(`.${b}`)).toBe(true);
          expect(r.split('.').length).toBe(b.split('.').length + 1);
          expect(b.split('.').length).toBeGreaterThanOrEqual(2);
        },
      ),
      propertyRuns(500),
    );
  });
});

describe('IP identities', () => {
  it('an IP address never matches a dNSName, even one that spells it, even with a trailing dot', () => {
    fc.assert(
      fc.property(
        ipLiteral,
        fc.boolean(),
        fc.array(fc.oneof(ipLiteral, dnsName(1, 4)), { maxLength: 3 }),
        (ip, dot, more) => {
          const bare = ip.replace(/^\[|\]$/g, '');
          const dnsNames = [ip, bare, `${bare}.`, ...more];
          const ref = dot ? `${ip}.` : ip;
          expect(matchesDnsId(ref, { dnsNames })).toBe(false);
          expect(matchesReferenceIdentity(ref, { dnsNames, ipAddresses: [] })).toBe(false);
        },
      ),
      propertyRuns(500),
    );
  });

  it('a name never matches an iPAddress entry', () => {
    fc.assert(
      fc.property(
        fc.oneof(dnsName(1, 4), anyString).filter((s) => isIP(s.replace(/^\[|\]$/g, '')) === 0),
        fc.array(fc.oneof(ipLiteral, dnsName(1, 4)), { maxLength: 4 }),
        (name, ipAddresses) => {
          expect(matchesIpId(name, { ipAddresses })).toBe(false);
          expect(matchesReferenceIdentity(name, { dnsNames: [], ipAddresses })).toBe(false);
        },
      ),
      propertyRuns(500),
    );
  });

  /** Independent oracle: does node:net's BlockList say `a` and `b` are the same address? */
  function sameAddress(a: string, b: string): boolean {
    const fa = isIP(a);
    const fb = isIP(b);
    if (fa === 0 || fa !== fb) return false;
    const list = new BlockList();
    const type = fa === 4 ? 'ipv4' : 'ipv6';
    list.addAddress(a, type);
    return list.check(b, type);
  }

  it('IP-IDs compare as addresses, whatever the spelling', () => {
    const spellings = (a: string): fc.Arbitrary<string> =>
      fc.constantFrom(
        a,
        a.toUpperCase(),
        isIP(a) === 6 ? new URL(`http://[${a}]/`).hostname.slice(1, -1) : a,
      );
    fc.assert(
      fc.property(
        fc
          .oneof(ipv4, ipv6)
          .chain((a) => fc.tuple(fc.constant(a), fc.oneof(spellings(a), ipv4, ipv6), fc.boolean())),
        ([a, b, bracket]) => {
          const ref = bracket && isIP(a) === 6 ? `[${a}]` : a;
          const want = sameAddress(a, b);
          expect(matchesIpId(ref, { ipAddresses: [b] })).toBe(want);
          expect(matchesReferenceIdentity(ref, { dnsNames: [], ipAddresses: [b] })).toBe(want);
          expect(matchesDnsId(ref, { dnsNames: [b] })).toBe(false);
        },
      ),
      propertyRuns(500),
    );
  });
});
