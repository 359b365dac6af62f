/**
 * Property tests (fast-check) for the IMAP parsers and framing:
 *
 * - any line classifies without throwing, from its own characters only; tagged lines, response
 *   codes, untagged and continuation lines, CAPABILITY lists (plain and in a greeting's code)
 *   round-trip from their parts;
 * - a literal announcement is found exactly when the text ends in `{n}`, `{n+}` or `~{n}` with
 *   at most 12 digits (checked against a hand-written scanner), never in status text;
 * - what imapString and imapLoginParts send parses back (as a server would) to the same user name
 *   and password; a quoted string never holds a raw CR, LF or 8-bit character; the parts end at
 *   the literal headers; the transcript text never depends on the password or its length;
 * - readImapResponse, fed any response split at any byte, returns the same lines with literals
 *   joined exactly and leaves every byte after the completion unread; an oversized literal is a
 *   limit error before any of it is read; arbitrary bytes end in a ProbeError, never a crash or
 *   a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../../../test/support/properties';
import { ProbeError } from '../net/errors';
import {
  capabilityTokens,
  greetingCapabilities,
  imapLoginParts,
  imapString,
  literalAtEnd,
  MAX_LITERAL_BYTES,
  parseImapLine,
  parseRespText,
  readImapResponse,
  trailingLiteral,
  type ImapResponse,
} from './imap';
import { PASSWORD_REMOVED } from './line-replies';
import {
  anyBytes,
  ChunkedConnection,
  cuts,
  splitBytes,
  textOf,
} from './testing/chunked-connection';

/** IMAP's own syntax, a space that is not " ", and characters that change in toUpperCase. */
const IMAP_SPECIAL = [
  ' ',
  '\u2003',
  '*',
  '+',
  '[',
  ']',
  '{',
  '}',
  '~',
  '"',
  '\\',
  '(',
  ')',
  '%',
  '0',
  '5',
  'A',
  'a',
  'O',
  'k',
  'N',
  'B',
  'D',
  '\r',
  '\n',
  '\t',
  '\0',
  '\x7f',
  'ß',
  'ı',
  'ſ',
  '\u00a0',
  '🔐',
];
const anyText = textOf(IMAP_SPECIAL, { maxLength: 40 });

/** RFC 9051 tag characters: ASTRING-CHAR except "+" (and "]", which the parser also refuses). */
const TAG_CHARS = Array.from({ length: 0x7f - 0x21 }, (_, i) =>
  String.fromCharCode(0x21 + i),
).filter((c) => !'(){%*"\\]+'.includes(c));
const tag = fc.string({ unit: fc.constantFrom(...TAG_CHARS), minLength: 1, maxLength: 8 });
/** A response code's name: atom characters without "]". */
const codeName = fc.string({
  unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz0189-.'.split('')),
  minLength: 1,
  maxLength: 16,
});
/** Text without "]" (a response code's arguments). */
const codeArgs = anyText.map((s) => s.replaceAll(']', ''));
/** A capability token: no space and no "]" (it may sit in a response code), not empty. */
const capToken = textOf(IMAP_SPECIAL, { minLength: 1, maxLength: 12 })
  .map((s) => s.replace(/[ \]]/g, ''))
  .filter((s) => s !== '');

/** Hand-written scanner for `~?{digits(1-12)+?}` at the end: the oracle for literalAtEnd. */
function literalOracle(s: string): number | null {
  let i = s.length - 1;
  if (s[i] !== '}') return null;
  i--;
  if (s[i] === '+') i--;
  let digits = '';
  while (i >= 0 && (s[i] ?? '') >= '0' && (s[i] ?? '') <= '9') digits = `${s[i--] ?? ''}${digits}`;
  if (digits.length < 1 || digits.length > 12 || s[i] !== '{') return null;
  return Number(digits);
}

/** What a quoted string may hold: 7-bit characters except NUL, CR and LF (RFC 9051 TEXT-CHAR). */
// eslint-disable-next-line no-control-regex
const QUOTABLE = /^[\x01-\x09\x0b\x0c\x0e-\x7f]*$/;

/** Reads a quoted string as a server does (RFC 9051 §4.3); null when it is not one. */
function unquote(quoted: string): string | null {
  if (quoted.length < 2 || !quoted.startsWith('"') || !quoted.endsWith('"')) return null;
  let out = '';
  for (let i = 1; i < quoted.length - 1; i++) {
    const c = quoted[i] ?? '';
    if (c === '"') return null;
    if (c === '\\') {
      if (i + 1 >= quoted.length - 1) return null; // the closing quote escaped
      const next = quoted[++i] ?? '';
      if (next !== '\\' && next !== '"') return null;
      out += next;
    } else out += c;
  }
  return out;
}

/** A server's reading of `tag LOGIN astring astring CRLF`, with the literal headers it saw. */
function parseLogin(
  data: Buffer,
  tagText: string,
): { user: string; password: string; literals: { end: number; plus: boolean }[] } {
  const head = Buffer.from(`${tagText} LOGIN `);
  expect(data.subarray(0, head.length).equals(head)).toBe(true);
  let pos = head.length;
  const literals: { end: number; plus: boolean }[] = [];
  const astring = (): string => {
    if (data[pos] === 0x22) {
      // A quoted string: ASCII without CR/LF up to the closing quote, backslash escapes.
      let j = pos + 1;
      while (j < data.length && data[j] !== 0x22) j += data[j] === 0x5c ? 2 : 1;
      const raw = data.subarray(pos, j + 1);
      expect(raw.toString('latin1')).toMatch(QUOTABLE);
      const text = unquote(raw.toString('latin1'));
      expect(text).not.toBeNull();
      pos = j + 1;
      return text ?? '';
    }
    const m = /^\{(\d+)(\+?)\}\r\n/.exec(data.subarray(pos, pos + 20).toString('latin1'));
    expect(m).not.toBeNull();
    const n = Number(m?.[1]);
    pos += m?.[0].length ?? 0;
    literals.push({ end: pos, plus: m?.[2] === '+' });
    const bytes = data.subarray(pos, pos + n);
    expect(bytes.length).toBe(n);
    pos += n;
    return bytes.toString('utf8');
  };
  const user = astring();
  expect(data[pos]).toBe(0x20);
  pos++;
  const password = astring();
  expect(data.subarray(pos).toString('latin1')).toBe('\r\n');
  return { user, password, literals };
}

describe('IMAP lines (properties)', () => {
  it('any line classifies without throwing, and only from its own characters', () => {
    fc.assert(
      fc.property(anyText, (line) => {
        const p = parseImapLine(line);
        const untagged = line === '*' || line.startsWith('* ');
        const continuation = !untagged && (line === '+' || line.startsWith('+ '));
        if (untagged) expect(p).toEqual({ type: 'untagged', text: line.slice(2) });
        else if (continuation) expect(p).toEqual({ type: 'continuation', text: line.slice(2) });
        else if (p.type === 'tagged') {
          expect(line.startsWith(`${p.tag} `)).toBe(true);
          expect(p.tag).toMatch(/^[^\s*+]+$/);
          const rest = line.slice(p.tag.length + 1);
          const word = rest.split(' ')[0] ?? '';
          expect(['OK', 'NO', 'BAD']).toContain(p.status);
          expect(word.toUpperCase()).toBe(p.status);
          expect(line.endsWith(p.text)).toBe(true);
          if (p.code === null) expect(p.codeArgs).toBeNull();
          else expect(rest.slice(word.length + 1).startsWith('[')).toBe(true);
        } else {
          expect(p.type).toBe('invalid');
        }
      }),
      propertyRuns(1000),
    );
  });

  it('tagged lines round-trip from tag, status, response code and text', () => {
    fc.assert(
      fc.property(
        tag,
        fc.mixedCase(fc.constantFrom('OK', 'NO', 'BAD')),
        fc.option(fc.record({ name: codeName, args: fc.option(codeArgs) })),
        anyText,
        fc.boolean(),
        (t, word, code, rawText, bare) => {
          // Without a code, text that starts with "[" would be read as one.
          const text = code === null ? rawText.replace(/^\[+/, '') : rawText;
          const resp =
            code === null
              ? text
              : `[${code.name}${code.args === null ? '' : ` ${code.args}`}] ${text}`;
          const line = resp === '' && bare ? `${t} ${word}` : `${t} ${word} ${resp}`;
          expect(parseImapLine(line)).toEqual({
            type: 'tagged',
            tag: t,
            status: word.toUpperCase(),
            code: code === null ? null : code.name.toUpperCase(),
            codeArgs: code?.args ?? null,
            text,
          });
        },
      ),
      propertyRuns(1000),
    );
  });

  it('parseRespText keeps the text a suffix of its input and finds a code only at the start', () => {
    fc.assert(
      fc.property(anyText, (resp) => {
        const { code, codeArgs: args, text } = parseRespText(resp);
        expect(resp.endsWith(text)).toBe(true);
        if (code === null) {
          expect(text).toBe(resp);
          expect(args).toBeNull();
          return;
        }
        const close = resp.indexOf(']');
        expect(resp.startsWith('[')).toBe(true);
        const inner = resp.slice(1, close);
        const sp = inner.indexOf(' ');
        expect(code).toBe((sp < 0 ? inner : inner.slice(0, sp)).toUpperCase());
        expect(args).toBe(sp < 0 ? null : inner.slice(sp + 1));
        expect([resp.slice(close + 1), resp.slice(close + 2)]).toContain(text);
      }),
      propertyRuns(1000),
    );
  });

  it('CAPABILITY lists round-trip, untagged and in a greeting, whatever the spacing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 3 }), capToken), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.mixedCase(fc.constant('CAPABILITY')),
        fc.mixedCase(fc.constantFrom('OK', 'PREAUTH')),
        anyText,
        (spaced, word, greeting, text) => {
          const tokens = spaced.map(([, t]) => t);
          const list = spaced.map(([n, t]) => `${' '.repeat(n)}${t}`).join('');
          expect(capabilityTokens(`${word}${list}`)).toEqual(tokens);
          expect(greetingCapabilities(`* ${greeting} [${word}${list}] ${text}`)).toEqual(tokens);
          expect(greetingCapabilities(`* BYE [${word}${list}] ${text}`)).toBeNull();
          expect(greetingCapabilities(`A1 OK [${word}${list}] ${text}`)).toBeNull();
        },
      ),
      propertyRuns(500),
    );
  });

  it('capability tokens of any text are non-empty, without spaces, and taken from the text', () => {
    fc.assert(
      fc.property(anyText, anyText, (text, line) => {
        const tokens = capabilityTokens(text);
        if ((text.split(' ')[0] ?? '').toUpperCase() !== 'CAPABILITY') expect(tokens).toEqual([]);
        for (const t of tokens) {
          expect(t).not.toBe('');
          expect(t).not.toContain(' ');
          expect(text).toContain(t);
        }
        const g = greetingCapabilities(line);
        if (g !== null) {
          expect(/^\* (OK|PREAUTH) \[/i.test(line)).toBe(true);
          for (const t of g) expect(line).toContain(t);
        }
      }),
      propertyRuns(1000),
    );
  });
});

describe('IMAP literal announcements (properties)', () => {
  it('literalAtEnd agrees with a hand-written scanner on any text', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const n = literalAtEnd(s);
        expect(n).toBe(literalOracle(s));
        if (n !== null) expect(Number.isSafeInteger(n) && n <= 999_999_999_999).toBe(true);
      }),
      propertyRuns(1000),
    );
  });

  it('finds {n}, {n+} and ~{n} after any text; never in status responses', () => {
    fc.assert(
      fc.property(
        anyText,
        fc.integer({ min: 0, max: 999_999_999_999 }),
        fc.constantFrom('{n}', '{n+}', '~{n}', '~{n+}'),
        fc.mixedCase(fc.constantFrom('OK', 'NO', 'BAD', 'BYE', 'PREAUTH')),
        (prefix, n, form, status) => {
          const announced = `${prefix}${form.replace('n', String(n))}`;
          expect(literalAtEnd(announced)).toBe(n);
          expect(trailingLiteral(`1 FETCH ${announced}`)).toBe(n);
          expect(trailingLiteral(`${status} ${announced}`)).toBeNull();
          expect(trailingLiteral(status)).toBeNull();
          // Thirteen digits are no literal, and neither is an announcement followed by text.
          expect(literalAtEnd(`${prefix}{${n + 1_000_000_000_000}}`)).toBeNull();
          expect(literalAtEnd(`${announced} `)).toBeNull();
        },
      ),
      propertyRuns(1000),
    );
  });
});

/** Values a user name or password may hold: quoting specials, line ends, 8-bit, long ones. */
const credential = fc.oneof(
  {
    weight: 4,
    arbitrary: textOf(['"', '\\', '\r', '\n', ' ', '{', '}', 'a', 'Z', '\x01', '\x7f', 'é'], {
      maxLength: 30,
    }),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 990, maxLength: 1010 }) },
);
const noNul = credential.map((s) => s.replaceAll('\0', ''));

describe('IMAP strings and LOGIN (properties)', () => {
  it('imapString: a quoted string unquotes to the value and holds only 7-bit text without CR/LF', () => {
    fc.assert(
      fc.property(noNul, (value) => {
        const s = imapString(value);
        const needsLiteral =
          value.length > 1000 || [...value].some((c) => c === '\r' || c === '\n' || c > '\x7f');
        expect(s.form).toBe(needsLiteral ? 'literal' : 'quoted');
        if (s.form === 'quoted') {
          expect(unquote(s.text)).toBe(value);
          expect(s.text).toMatch(QUOTABLE);
        } else {
          expect(s.bytes.toString('utf8')).toBe(value);
        }
      }),
      propertyRuns(1000),
    );
  });

  it('imapString refuses NUL anywhere with a protocol error', () => {
    fc.assert(
      fc.property(noNul, noNul, (before, after) => {
        let error: unknown = null;
        try {
          imapString(`${before}\0${after}`);
        } catch (err) {
          error = err;
        }
        expect(error).toBeInstanceOf(ProbeError);
        expect((error as ProbeError).fact.kind).toBe('protocol');
      }),
      propertyRuns(200),
    );
  });

  it('LOGIN parts join to a command a server reads back as the same user and password', () => {
    fc.assert(
      fc.property(tag, noNul, noNul, fc.boolean(), (t, user, password, literalPlus) => {
        const parts = imapLoginParts(t, user, password, literalPlus);
        const parsed = parseLogin(Buffer.concat(parts.map((p) => p.data)), t);
        expect(parsed.user).toBe(user);
        expect(parsed.password).toBe(password);
        // One write per literal header, then the rest; only synchronizing literals wait.
        expect(parts).toHaveLength(parsed.literals.length + 1);
        let offset = 0;
        parts.forEach((part, i) => {
          offset += part.data.length;
          const literal = parsed.literals[i];
          if (literal === undefined) {
            expect(i).toBe(parts.length - 1);
            expect(part.waitsForContinuation).toBe(false);
            return;
          }
          expect(offset).toBe(literal.end);
          expect(literal.plus).toBe(literalPlus);
          expect(part.waitsForContinuation).toBe(!literalPlus);
        });
      }),
      propertyRuns(500),
    );
  });

  it('what the transcript shows of LOGIN never depends on the password or its length', () => {
    fc.assert(
      fc.property(tag, noNul, noNul, fc.boolean(), (t, user, password, literalPlus) => {
        // A stand-in of the same form (quoted or literal) must show exactly the same.
        const standIn = imapString(password).form === 'quoted' ? 'x' : 'é';
        const shown = (pw: string): string[] =>
          imapLoginParts(t, user, pw, literalPlus).map((p) => p.shown);
        expect(shown(password)).toEqual(shown(standIn));
        expect(shown(password).at(-1)?.endsWith(PASSWORD_REMOVED)).toBe(true);
      }),
      propertyRuns(500),
    );
  });
});

// ── readImapResponse over any chunking ─────────────────────────────────────

/** One line's text: no LF, not ending in CR or "}" (so it announces no literal by accident). */
const lineText = textOf(IMAP_SPECIAL, { maxLength: 24 }).map((s) =>
  s.replaceAll('\n', '').replace(/[\r}]+$/, ''),
);
const eol = fc.constantFrom('\r\n', '\n');

interface Segment {
  readonly literal: Buffer;
  readonly header: string;
  readonly after: string;
  readonly eol: string;
}
type Item =
  | { readonly kind: 'status'; readonly word: string; readonly text: string; readonly eol: string }
  | {
      readonly kind: 'data';
      readonly head: string;
      readonly eol: string;
      readonly segments: readonly Segment[];
    }
  | { readonly kind: 'pipelined'; readonly text: string; readonly eol: string };

const segment: fc.Arbitrary<Segment> = fc
  .record({
    literal: anyBytes(40),
    form: fc.constantFrom('{n}', '{n+}', '~{n}'),
    after: lineText,
    eol,
  })
  .map(({ literal, form, after, eol: e }) => ({
    literal,
    header: form.replace('n', String(literal.length)),
    after,
    eol: e,
  }));

const item: fc.Arbitrary<Item> = fc.oneof(
  fc.record({
    kind: fc.constant('status' as const),
    word: fc.mixedCase(fc.constantFrom('OK', 'NO', 'BAD', 'PREAUTH')),
    // Status text may end in something that looks like a literal: it is none.
    text: fc.oneof(
      lineText,
      lineText.map((s) => `${s} {5}`),
    ),
    eol,
  }),
  fc.record({
    kind: fc.constant('data' as const),
    head: fc.tuple(fc.nat(99), lineText).map(([n, s]) => `${n} FETCH ${s}`),
    eol,
    segments: fc.array(segment, { maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('pipelined' as const), text: lineText, eol }),
);

/** The bytes of a response and the lines readImapResponse must return for it. */
function script(
  items: readonly Item[],
  end: { readonly type: 'tagged' | 'continuation'; readonly text: string; readonly eol: string },
): { bytes: Buffer; lines: string[]; untagged: string[] } {
  const out: Buffer[] = [];
  const lines: string[] = [];
  const untagged: string[] = [];
  let pipelinedSent = false;
  for (const it of items) {
    if (it.kind === 'status') {
      const line = `* ${it.word} ${it.text}`;
      out.push(Buffer.from(`${line}${it.eol}`));
      lines.push(line);
      untagged.push(line.slice(2));
    } else if (it.kind === 'pipelined') {
      // The completion of a command pipelined before ("A0"), allowed once.
      if (pipelinedSent) continue;
      pipelinedSent = true;
      const line = `A0 OK ${it.text}`;
      out.push(Buffer.from(`${line}${it.eol}`));
      lines.push(line);
    } else {
      const first = it.segments[0];
      let line = `* ${it.head}${first?.header ?? ''}`;
      out.push(Buffer.from(`${line}${it.eol}`));
      it.segments.forEach((seg, i) => {
        const rest = `${seg.after}${it.segments[i + 1]?.header ?? ''}`;
        out.push(seg.literal, Buffer.from(`${rest}${seg.eol}`));
        line += `\r\n${seg.literal.toString('utf8')}${rest}`;
      });
      lines.push(line);
      untagged.push(line.slice(2));
    }
  }
  const last = end.type === 'tagged' ? `A1 OK ${end.text}` : `+ ${end.text}`;
  out.push(Buffer.from(`${last}${end.eol}`));
  lines.push(last);
  return { bytes: Buffer.concat(out), lines, untagged };
}

/** Runs `p`; a rejection must be a ProbeError (anything else fails the property). */
async function settle<T>(p: Promise<T>): Promise<{ value: T } | { error: ProbeError }> {
  try {
    return { value: await p };
  } catch (err) {
    if (err instanceof ProbeError) return { error: err };
    throw err;
  }
}

describe('IMAP response framing (properties)', () => {
  it('any response, split anywhere, reads back the same lines and leaves what follows unread', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(item, { maxLength: 6 }),
        fc.record({
          type: fc.constantFrom('tagged' as const, 'continuation' as const),
          text: lineText,
          eol,
        }),
        anyBytes(30),
        cuts,
        async (items, end, trailer, at) => {
          const s = script(items, end);
          const conn = new ChunkedConnection(splitBytes(Buffer.concat([s.bytes, trailer]), at));
          const outstanding = new Set(['A0', 'A1']);
          const r: ImapResponse = await readImapResponse(conn, 'capabilities', 'A1', outstanding, {
            continuation: end.type === 'continuation',
          });
          expect(r.lines).toEqual(s.lines);
          expect(r.untagged).toEqual(s.untagged);
          expect(r.end.type).toBe(end.type);
          if (end.type === 'tagged') expect(outstanding.has('A1')).toBe(false);
          expect(conn.leftover().equals(trailer)).toBe(true);
        },
      ),
      propertyRuns(500),
    );
  });

  it('a literal larger than MAX_LITERAL_BYTES is a limit error before any of it is read', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: MAX_LITERAL_BYTES + 1, max: 999_999_999_999 }),
        lineText,
        anyBytes(30),
        cuts,
        async (n, head, trailer, at) => {
          const line = Buffer.from(`* 1 FETCH ${head}{${n}}\r\n`);
          const conn = new ChunkedConnection(splitBytes(Buffer.concat([line, trailer]), at));
          const r = await settle(readImapResponse(conn, 'capabilities', 'A1', new Set(['A1'])));
          expect('error' in r && r.error.fact.kind === 'limit').toBe(true);
          if ('error' in r) expect(r.error.fact.limit?.name).toBe('imapLiteralBytes');
          expect(conn.leftover().equals(trailer)).toBe(true);
        },
      ),
      propertyRuns(200),
    );
  });

  it('arbitrary bytes end in a response or a ProbeError, never another exception or a hang', async () => {
    const piece = fc.oneof(
      fc.constantFrom(
        '* ',
        '+ ',
        'A1 ',
        'A0 ',
        'OK ',
        'BYE ',
        '{3}',
        '{70000}',
        '~{2}',
        '\r\n',
        '\n',
        ' ',
      ),
      anyBytes(12).map((b) => b.toString('latin1')),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { maxLength: 30 }),
        cuts,
        fc.boolean(),
        async (pieces, at, plus) => {
          const bytes = Buffer.from(pieces.join(''), 'latin1');
          const conn = new ChunkedConnection(splitBytes(bytes, at), 10_000);
          const r = await settle(
            readImapResponse(conn, 'capabilities', 'A1', new Set(['A1']), { continuation: plus }),
          );
          if ('value' in r) {
            const end = r.value.end;
            expect(end.type === 'continuation' ? plus : end.tag === 'A1').toBe(true);
          }
        },
      ),
      propertyRuns(500),
    );
  });
});
