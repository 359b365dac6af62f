/**
 * Property tests (fast-check) of the prefs.js reader:
 * - arbitrary text never throws; what it reads is only strings, booleans and whole numbers;
 * - it reads back what Thunderbird writes: any pref names and values (strings with quotes,
 *   backslashes as in "DOMAIN\\user" or Windows paths, control characters, any code point;
 *   integers; booleans), among comments, blank lines, CRLF and broken lines, the last line for
 *   a name winning;
 * - the line cap holds: a line over 64 KiB is never read, and is counted as skipped;
 * - prefString / prefNumber / prefList give their type or their empty value, and prefList reads
 *   back a comma-separated list however it is spaced.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../../../../test/support/properties';
import { parsePrefs, prefList, prefNumber, prefString, type PrefValue } from './prefs';

const MAX_LINE = 64 * 1024;

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc
    .array(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.constantFrom('user_pref(', 'pref(', '"', '\\', ',', ');', '\n', '\r\n', 'true', '1'),
      ),
      { maxLength: 30 },
    )
    .map((parts) => parts.join('')),
);

/** A pref value as Thunderbird writes it. */
const value: fc.Arbitrary<PrefValue> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    'CORP\\alice',
    'C:\\Users\\Bob\\x86\\Mail',
    'say "hi"',
    'tab\there',
    '\\',
    'line\u2028separator',
  ),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  fc.boolean(),
);
const name = fc.oneof(
  fc.stringMatching(/^mail\.[a-z]{1,8}\.[a-z0-9]{1,8}\.[a-zA-Z_]{1,12}$/),
  fc.string({ unit: 'binary', maxLength: 30 }),
);
/** JSON's escapes are the ones Mozilla's writer uses for strings. */
const literal = (v: PrefValue): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));
const noise = fc.constantFrom(
  '',
  '// Mozilla User Preferences',
  '/* a comment */',
  'user_pref("cut short by a crash',
  'user_pref(garbage);',
  '   ',
);

describe('parsePrefs', () => {
  it('never throws on arbitrary text; reads only strings, booleans and whole numbers', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const { prefs, skipped } = parsePrefs(text);
        expect(Number.isInteger(skipped) && skipped >= 0).toBe(true);
        for (const [k, v] of prefs) {
          expect(typeof k).toBe('string');
          if (typeof v === 'number') expect(Number.isSafeInteger(v)).toBe(true);
          else expect(['string', 'boolean']).toContain(typeof v);
        }
      }),
      propertyRuns(500),
    );
  });

  it('reads back what Thunderbird writes, among noise; the last line for a name wins', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(name, value, noise, fc.boolean()), { maxLength: 12 }),
        fc.boolean(),
        (entries, crlf) => {
          const lines = entries.flatMap(([n, v, junk, userPref]) => [
            junk,
            `${userPref ? 'user_pref' : 'pref'}(${JSON.stringify(n)}, ${literal(v)});`,
          ]);
          const { prefs } = parsePrefs(lines.join(crlf ? '\r\n' : '\n'));
          const want = new Map<string, PrefValue>();
          for (const [n, v] of entries) want.set(n, v);
          expect(prefs).toEqual(want);
        },
      ),
      propertyRuns(400),
    );
  });

  it('never reads a line over 64 KiB, and counts it as skipped', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.nat(3),
        fc.boolean(),
        (over, goodLines, asComment) => {
          const padding = 'x'.repeat(MAX_LINE + over);
          const long = asComment ? `// ${padding}` : `user_pref("long.pref", "${padding}");`;
          const good = Array.from({ length: goodLines }, (_, i) => `user_pref("p${i}", ${i});`);
          const { prefs, skipped } = parsePrefs([...good, long, ...good].join('\n'));
          expect(prefs.has('long.pref')).toBe(false);
          expect(skipped).toBe(1);
          expect(prefs.size).toBe(goodLines);
        },
      ),
      propertyRuns(30),
    );
  });
});

describe('prefString, prefNumber, prefList', () => {
  it('give their type or their empty value', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 6 }), value),
        fc.string({ maxLength: 6 }),
        (d, key) => {
          const prefs = new Map(Object.entries(d));
          const v = prefs.get(key);
          expect(prefString(prefs, key)).toBe(typeof v === 'string' ? v : '');
          expect(prefNumber(prefs, key)).toBe(typeof v === 'number' ? v : null);
          for (const item of prefList(prefs, key)) {
            expect(item).not.toBe('');
            expect(item).toBe(item.trim());
            expect(item).not.toContain(',');
          }
        },
      ),
      propertyRuns(300),
    );
  });

  it('prefList reads back a comma-separated list, however it is spaced', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z0-9_.-]{1,12}$/), { maxLength: 8 }),
        fc.array(fc.constantFrom(',', ', ', ' ,', ' , ', ',,'), { minLength: 1, maxLength: 4 }),
        (items, separators) => {
          const text = items
            .map((x, i) => (i === 0 ? x : `${separators[i % separators.length] ?? ','}${x}`))
            .join('');
          const { prefs } = parsePrefs(
            `user_pref("mail.accountmanager.accounts", ${JSON.stringify(text)});`,
          );
          expect(prefList(prefs, 'mail.accountmanager.accounts')).toEqual(items);
        },
      ),
      propertyRuns(300),
    );
  });
});
