/**
 * Property tests (fast-check) of normaliseFingerprint, which reads what a user pasted from a
 * mail client's certificate warning:
 * - any formatting of a valid SHA-256 or SHA-1 fingerprint (upper/lower case, colons, spaces,
 *   dashes, dots, tabs or no separators, a "SHA-256:" / "SHA1 Fingerprint=" prefix, surrounding
 *   whitespace) reads as the same upper-case colon hex, with the algorithm its length says;
 * - it is idempotent (its own output reads as itself);
 * - any other length, or a character that is not hex nor a separator, reads as null; arbitrary
 *   text never throws, and what it accepts is always 20 or 32 bytes of upper-case colon hex.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../../../test/support/properties';
import { normaliseFingerprint } from './fingerprint';

const SEPARATORS = ['', ':', ' ', '-', '.', '\t', '  ', ': ', '\u00a0'];
const PREFIXES = [
  '',
  'SHA-256:',
  'SHA256 ',
  'sha-256 fingerprint: ',
  'SHA256 Fingerprint=',
  'SHA1 Fingerprint=',
  'SHA-1:',
  'sha1',
];
const colonHex = (b: Uint8Array): string =>
  Buffer.from(b).toString('hex').toUpperCase().match(/../g)?.join(':') ?? '';

/** The bytes' hex, formatted as some client or person might write it. */
const formatted = (b: Uint8Array): fc.Arbitrary<string> =>
  fc
    .record({
      separator: fc.constantFrom(...SEPARATORS),
      group: fc.constantFrom(1, 2, 4, 8),
      cases: fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
      prefix: fc.constantFrom(...PREFIXES),
      before: fc.constantFrom('', ' ', '\n', '\t '),
      after: fc.constantFrom('', ' ', '\n', '\r\n'),
    })
    .map(({ separator, group, cases, prefix, before, after }) => {
      const hex = [...Buffer.from(b).toString('hex')]
        .map((c, i) => (cases[i % cases.length] ? c.toUpperCase() : c))
        .join('');
      const groups = hex.match(new RegExp(`.{1,${group * 2}}`, 'g')) ?? [];
      return `${before}${prefix}${groups.join(separator)}${after}`;
    });

const fingerprintBytes = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
  fc.uint8Array({ minLength: 20, maxLength: 20 }),
);

describe('normaliseFingerprint', () => {
  it('reads any formatting of a valid fingerprint as its colon hex', () => {
    fc.assert(
      fc.property(
        fingerprintBytes.chain((b) => fc.tuple(fc.constant(b), formatted(b))),
        ([b, text]) => {
          expect(normaliseFingerprint(text)).toEqual({
            algorithm: b.length === 32 ? 'sha256' : 'sha1',
            colonHex: colonHex(b),
          });
        },
      ),
      propertyRuns(500),
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(
        fc.oneof(fingerprintBytes.chain(formatted), fc.string({ unit: 'binary', maxLength: 120 })),
        (text) => {
          const once = normaliseFingerprint(text);
          if (once === null) return;
          expect(normaliseFingerprint(once.colonHex)).toEqual(once);
        },
      ),
      propertyRuns(500),
    );
  });

  it('any other length, or a stray character, is unreadable', () => {
    fc.assert(
      fc.property(
        fc
          .uint8Array({ minLength: 0, maxLength: 48 })
          .filter((b) => b.length !== 20 && b.length !== 32)
          .chain(formatted),
        fingerprintBytes.chain(formatted),
        fc.nat(),
        fc.constantFrom('g', 'Z', '_', '/', ',', ';', 'é', '0x'),
        (wrongLength, good, at, stray) => {
          expect(normaliseFingerprint(wrongLength)).toBeNull();
          // A stray character inside the hex (after any prefix) spoils it.
          const hexStart = good.search(/[0-9a-f]{2}/i);
          const p = hexStart + (at % Math.max(1, good.trimEnd().length - hexStart));
          expect(normaliseFingerprint(good.slice(0, p) + stray + good.slice(p))).toBeNull();
        },
      ),
      propertyRuns(500),
    );
  });

  it('never throws; what it accepts is 20 or 32 bytes of upper-case colon hex', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const fp = normaliseFingerprint(text);
        if (fp === null) return;
        expect(fp.colonHex).toMatch(/^[0-9A-F]{2}(?::[0-9A-F]{2})*$/);
        expect(fp.colonHex.split(':').length).toBe(fp.algorithm === 'sha256' ? 32 : 20);
      }),
      propertyRuns(500),
    );
  });
});
