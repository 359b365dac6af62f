/**
 * Property tests (fast-check) for the POP3 parsers and framing:
 *
 * - any line classifies without throwing, by its ASCII prefix only (+OK, -ERR, "+ "); status
 *   lines and extended response codes round-trip from their parts;
 * - dot-unstuffing undoes byte-stuffing for any line, and a stuffed body never ends early;
 * - apopTimestamp agrees with a hand-written scanner and finds a timestamp after any text;
 * - pop3Capabilities never throws, keeps one raw line per line, and derives STLS, USER and the
 *   SASL mechanisms (upper case, unique, without spaces) from the lines' first words;
 * - readPop3Multiline and readPop3Status, fed any body split at any byte, return exactly the
 *   lines sent and leave every byte after the terminating "." (or the status line) unread;
 *   arbitrary bytes end in a ProbeError, never another exception or a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../../../test/support/properties';
import { ProbeError } from '../net/errors';
import {
  apopTimestamp,
  parsePop3Line,
  pop3Capabilities,
  readPop3Multiline,
  readPop3Status,
  unstuffLine,
} from './pop3';
import {
  anyBytes,
  ChunkedConnection,
  cuts,
  splitBytes,
  textOf,
} from './testing/chunked-connection';

const POP3_SPECIAL = [
  '+',
  '-',
  'O',
  'o',
  'K',
  'k',
  'E',
  'R',
  'r',
  '.',
  ' ',
  '[',
  ']',
  '<',
  '>',
  '@',
  '\t',
  '\r',
  '\n',
  '\0',
  'ß',
  'ſ',
  'K', // KELVIN SIGN: folds to "k" only under Unicode case folding
  '\u00a0',
  '🔐',
];
const anyText = textOf(POP3_SPECIAL, { maxLength: 30 });
/** Any text, often after something that starts like a POP3 reply. */
const anyLine = fc.oneof(
  anyText,
  fc
    .tuple(
      fc.mixedCase(fc.constantFrom('+OK', '-ERR', '+OK [', '-ERR [', '-ERR x [', '+', '+ ', '.')),
      anyText,
    )
    .map(([prefix, rest]) => `${prefix}${rest}`),
);

/** Upper case for ASCII letters only: the oracle for case-insensitive protocol words. */
function asciiUpper(s: string): string {
  return s.replace(/[a-z]/g, (c) => c.toUpperCase());
}

/** `word` at the start of `line`, ASCII case-insensitively, followed by the end or a space. */
function startsWithWord(line: string, word: string): boolean {
  return (
    asciiUpper(line.slice(0, word.length)) === word &&
    (line.length === word.length || line[word.length] === ' ')
  );
}

/** Hand-written scanner for the leftmost `<…@…>` without "<", ">" or white space inside. */
function timestampOracle(line: string): string | null {
  for (let i = 0; i < line.length; i++) {
    if (line[i] !== '<') continue;
    let j = i + 1;
    while (j < line.length && !'<>'.includes(line[j] ?? '') && !/\s/.test(line[j] ?? '')) j++;
    if (line[j] === '>' && line.slice(i + 1, j).includes('@')) return line.slice(i, j + 1);
  }
  return null;
}

/** RFC 1939 §3: a line that starts with "." gets one more. */
function stuff(line: string): string {
  return line.startsWith('.') ? `.${line}` : line;
}

describe('POP3 lines (properties)', () => {
  it('any line classifies without throwing, by its ASCII prefix only', () => {
    fc.assert(
      fc.property(anyLine, (line) => {
        const p = parsePop3Line(line);
        if (startsWithWord(line, '+OK')) {
          expect(p).toEqual({ type: 'ok', text: line.slice(4) });
        } else if (startsWithWord(line, '-ERR')) {
          const text = line.slice(5);
          const close = text.indexOf(']');
          const code =
            text.startsWith('[') && close > 1 ? text.slice(1, close).toUpperCase() : null;
          expect(p).toEqual({ type: 'err', text, code });
        } else if (line === '+' || line.startsWith('+ ')) {
          expect(p).toEqual({ type: 'continuation', text: line.slice(2) });
        } else {
          expect(p).toEqual({ type: 'invalid' });
        }
      }),
      propertyRuns(1000),
    );
  });

  it('status lines and extended response codes round-trip', () => {
    fc.assert(
      fc.property(
        fc.mixedCase(fc.constantFrom('+OK', '-ERR')),
        fc.option(textOf(POP3_SPECIAL, { minLength: 1, maxLength: 12 })),
        anyText,
        (word, rawCode, rawText) => {
          const code = rawCode?.replaceAll(']', '') || null;
          // Without a code, text that starts with "[" could be read as one.
          const text = code === null ? rawText.replace(/^\[+/, '') : `[${code}]${rawText}`;
          const p = parsePop3Line(`${word} ${text}`);
          if (word.startsWith('+')) expect(p).toEqual({ type: 'ok', text });
          else expect(p).toEqual({ type: 'err', text, code: code?.toUpperCase() ?? null });
          expect(parsePop3Line(`+ ${text}`)).toEqual({ type: 'continuation', text });
        },
      ),
      propertyRuns(1000),
    );
  });

  it('unstuffing undoes stuffing; only the terminator is null', () => {
    fc.assert(
      fc.property(anyLine, (line) => {
        expect(unstuffLine(stuff(line))).toBe(line);
        // Received as is: one leading dot goes (RFC 1939 §3), whatever follows it.
        expect(unstuffLine(line)).toBe(line === '.' ? null : line.replace(/^\./, ''));
      }),
      propertyRuns(1000),
    );
    expect(unstuffLine('.')).toBeNull();
  });

  /** Text dense in the characters a timestamp is made of and bounded by. */
  const timestampish = textOf(['<', '>', '@', ' ', '\t', 'a', '.', '\u2003'], { maxLength: 20 });

  it('apopTimestamp agrees with a hand-written scanner, and finds one after any text', () => {
    // No white space, "<" or ">" inside a timestamp.
    const part = textOf(['a', '1', '.', '-', '_', 'é', '!'], { maxLength: 12 }).map((p) =>
      p.replace(/[\s<>]/g, ''),
    );
    fc.assert(
      fc.property(timestampish, part, part, anyText, (line, local, domain, after) => {
        expect(apopTimestamp(line)).toBe(timestampOracle(line));
        const before = line.replaceAll('<', '');
        const ts = `<${local}@${domain}>`;
        expect(apopTimestamp(`+OK ${before} ${ts}${after}`)).toBe(ts);
      }),
      propertyRuns(1000),
    );
  });
});

describe('POP3 capabilities (properties)', () => {
  const capaLine = fc.oneof(
    anyText,
    fc
      .tuple(
        fc.mixedCase(fc.constantFrom('STLS', 'USER', 'SASL', 'TOP', 'UIDL')),
        fc.array(textOf(['A', 'z', '-', '_', '1', ' ', '\t', 'ß'], { maxLength: 10 }), {
          maxLength: 4,
        }),
      )
      .map(([name, args]) => [name, ...args].join(' ')),
  );

  it('any lines: one raw line each; STLS, USER and SASL from the first word of a line', () => {
    fc.assert(
      fc.property(fc.array(capaLine, { maxLength: 12 }), (lines) => {
        const caps = pop3Capabilities(lines);
        // As the parser does, with toUpperCase (so "ſtls", with a long s, counts as STLS too).
        const firstWords = lines.map((l) => (l.trim().split(' ')[0] ?? '').toUpperCase());
        expect(caps.raw).toHaveLength(lines.length);
        expect(caps.listed).toBe(true);
        expect(caps.starttls).toBe(firstWords.includes('STLS'));
        expect(caps.passwordLogin).toBe(firstWords.includes('USER'));
        expect(new Set(caps.saslMechanisms).size).toBe(caps.saslMechanisms.length);
        for (const m of caps.saslMechanisms) {
          expect(m).not.toBe('');
          expect(m).not.toMatch(/\s/);
          expect(m).toBe(m.toUpperCase());
        }
        if (!firstWords.includes('SASL')) expect(caps.saslMechanisms).toEqual([]);
      }),
      propertyRuns(1000),
    );
  });

  it('the SASL mechanisms listed, in order and without duplicates', () => {
    const mech = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
    fc.assert(
      fc.property(
        fc.array(fc.array(mech, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }),
        fc.array(anyText, { maxLength: 3 }),
        (saslLines, others) => {
          const lines = others.filter(
            (l) => (l.trim().split(' ')[0] ?? '').toUpperCase() !== 'SASL',
          );
          for (const mechs of saslLines) lines.push(`SASL ${mechs.join(' ')}`);
          const expected = [...new Set(saslLines.flat().map((m) => m.toUpperCase()))];
          expect(pop3Capabilities(lines).saslMechanisms).toEqual(expected);
        },
      ),
      propertyRuns(500),
    );
  });
});

// ── Framing over any chunking ──────────────────────────────────────────────

/** A body line: no LF, and no CR at its end (the reader drops one before LF). */
const bodyLine = fc
  .oneof(textOf(POP3_SPECIAL, { maxLength: 20 }), fc.constantFrom('.', '..', '.x', '. ', ''))
  .map((s) => s.replaceAll('\n', '').replace(/\r+$/, ''));
const eol = fc.constantFrom('\r\n', '\n');

async function settle<T>(p: Promise<T>): Promise<{ value: T } | { error: ProbeError }> {
  try {
    return { value: await p };
  } catch (err) {
    if (err instanceof ProbeError) return { error: err };
    throw err;
  }
}

describe('POP3 framing (properties)', () => {
  it('a stuffed body, split anywhere, reads back line for line and leaves what follows unread', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(bodyLine, eol), { maxLength: 12 }),
        eol,
        anyBytes(30),
        cuts,
        async (body, end, trailer, at) => {
          const bytes = Buffer.concat([
            Buffer.from(body.map(([l, e]) => `${stuff(l)}${e}`).join('') + `.${end}`),
            trailer,
          ]);
          const conn = new ChunkedConnection(splitBytes(bytes, at));
          expect(await readPop3Multiline(conn, 'capabilities')).toEqual(body.map(([l]) => l));
          expect(conn.leftover().equals(trailer)).toBe(true);
        },
      ),
      propertyRuns(500),
    );
  });

  it('a status line reads as one line; anything else is a protocol error, never more', async () => {
    await fc.assert(
      fc.asyncProperty(
        bodyLine,
        eol,
        anyBytes(30),
        cuts,
        fc.boolean(),
        async (line, e, trailer, at, sasl) => {
          const conn = new ChunkedConnection(
            splitBytes(Buffer.concat([Buffer.from(`${line}${e}`), trailer]), at),
          );
          const r = await settle(readPop3Status(conn, 'starttls', sasl));
          const type = parsePop3Line(line).type;
          if (type === 'ok' || type === 'err' || (type === 'continuation' && sasl)) {
            expect(r).toEqual({ value: { line, parsed: parsePop3Line(line) } });
          } else {
            expect('error' in r && r.error.fact.kind === 'protocol').toBe(true);
          }
          expect(conn.leftover().equals(trailer)).toBe(true);
        },
      ),
      propertyRuns(500),
    );
  });

  it('arbitrary bytes end a multi-line read in lines or a ProbeError, never a crash or a hang', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(
            fc.oneof(
              anyBytes(8),
              fc.constantFrom('.', '..', '.x', '\r\n', '\n').map((t) => Buffer.from(t)),
            ),
            { maxLength: 30 },
          )
          .map((parts) => Buffer.concat(parts)),
        cuts,
        async (bytes, at) => {
          const conn = new ChunkedConnection(splitBytes(bytes, at), 10_000);
          const r = await settle(readPop3Multiline(conn, 'capabilities'));
          // The oracle: complete lines up to the first ".", each without its stuffed dot.
          const complete = bytes.toString('latin1').split('\n').slice(0, -1);
          const lines = complete.map((l) =>
            Buffer.from(l.replace(/\r$/, ''), 'latin1').toString('utf8'),
          );
          const dot = lines.indexOf('.');
          if (dot < 0) expect('error' in r && r.error.fact.kind === 'closed').toBe(true);
          else expect(r).toEqual({ value: lines.slice(0, dot).map((l) => l.replace(/^\./, '')) });
        },
      ),
      propertyRuns(500),
    );
  });
});
