/**
 * Property tests (fast-check) for SMTP framing, EHLO parsing and the address literal:
 *
 * - parseReplyLine agrees with a hand-written reading of RFC 5321 §4.2 on any line, and reply
 *   lines round-trip from code, separator and text;
 * - ReplyFramer, fed any sequence of lines (garbage, changed codes, endless continuations, huge
 *   lines), returns a reply exactly at its final line, never holds more than MAX_REPLY_LINES
 *   lines or MAX_REPLY_BYTES bytes, and otherwise throws only ProbeErrors of kind 'protocol' or
 *   'limit' for the line that broke the rule;
 * - readReply, fed any reply split at any byte, returns it and leaves the next reply unread;
 * - parseEhloKeywords keeps keywords upper case, the first occurrence of each, at most
 *   MAX_EXTENSIONS of them (STARTTLS, AUTH, AUTH= and REQUIRETLS always), mechanisms unique and
 *   well-formed; capabilitiesFromEhlo derives STARTTLS and password login from them;
 * - formatAddressLiteral gives "[a.b.c.d]" for IPv4 and IPv4-mapped IPv6 (checked against the
 *   URL parser's canonical form), "[IPv6:…]" otherwise, drops zone ids, and throws only a
 *   TypeError for anything that is not an IP address.
 */
import { isIP, isIPv4 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../../../test/support/properties';
import { ProbeError, type Step } from '../net/errors';
import {
  capabilitiesFromEhlo,
  formatAddressLiteral,
  MAX_EXTENSIONS,
  MAX_FACT_LINES,
  MAX_REPLY_BYTES,
  MAX_REPLY_LINES,
  parseEhloKeywords,
  parseReplyLine,
  readReply,
  ReplyFramer,
  type ReplyLine,
  type SmtpReply,
} from './smtp';
import {
  anyBytes,
  ChunkedConnection,
  cuts,
  splitBytes,
  textOf,
} from './testing/chunked-connection';

const SMTP_SPECIAL = [' ', '-', '\t', '\r', '\n', '0', '2', '5', '9', 'A', '=', '\0', '٣', '🔐'];
const anyText = textOf(SMTP_SPECIAL, { maxLength: 30 });
/** Any text, often after something that starts like a reply line. */
const anyLine = fc.oneof(
  anyText,
  fc
    .tuple(
      fc.constantFrom('250', '250-', '250 ', '220-', '554 ', '2500', '650 ', '25', '199 '),
      anyText,
    )
    .map(([prefix, rest]) => `${prefix}${rest}`),
);

/** RFC 5321 §4.2 read by hand: three digits (first 1-5), then the end, " " or "-". */
function replyLineOracle(line: string): ReplyLine | null {
  const [a = '', b = '', c = ''] = line;
  const digit = (d: string): boolean => d.length === 1 && d >= '0' && d <= '9';
  if (!(a >= '1' && a <= '5' && digit(b) && digit(c)) || line.slice(0, 3).length !== 3) return null;
  const code = Number(line.slice(0, 3));
  if (line.length === 3) return { code, final: true, text: '' };
  if (line[3] === ' ') return { code, final: true, text: line.slice(4) };
  if (line[3] === '-') return { code, final: false, text: line.slice(4) };
  return null;
}

function caught(fn: () => unknown): { value: unknown } | { error: ProbeError } {
  try {
    return { value: fn() };
  } catch (err) {
    if (err instanceof ProbeError) return { error: err };
    throw err;
  }
}

describe('SMTP reply lines (properties)', () => {
  it('parseReplyLine agrees with a hand-written reading on any line', () => {
    fc.assert(
      fc.property(anyLine, (line) => {
        expect(parseReplyLine(line)).toEqual(replyLineOracle(line));
      }),
      propertyRuns(1000),
    );
  });

  it('reply lines round-trip from code, separator and text', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 599 }),
        fc.boolean(),
        anyText,
        (code, final, text) => {
          expect(parseReplyLine(`${code}${final ? ' ' : '-'}${text}`)).toEqual({
            code,
            final,
            text,
          });
          if (text === '')
            expect(parseReplyLine(String(code))).toEqual({ code, final: true, text });
        },
      ),
      propertyRuns(1000),
    );
  });
});

// ── ReplyFramer: any sequence of lines ─────────────────────────────────────

/** Lines a server might send: mostly continuations of one code, some huge, some runs of many. */
const framedLine = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('reply' as const),
      code: fc.constantFrom(250, 250, 250, 251),
      final: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, fc.constant(true)),
      text: anyText,
    }),
  },
  { weight: 1, arbitrary: anyLine.map((line) => ({ kind: 'raw' as const, line })) },
);
const run = fc.record({
  line: framedLine,
  repeat: fc.oneof(
    { weight: 4, arbitrary: fc.constant(1) },
    { weight: 1, arbitrary: fc.integer({ min: 2, max: 1100 }) },
  ),
  /** Extra characters, to reach MAX_REPLY_BYTES with few lines. */
  pad: fc.oneof(
    { weight: 4, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: MAX_REPLY_BYTES + 10 }) },
  ),
});
const steps: Step[] = ['greeting', 'capabilities', 'starttls', 'login-probe'];

type Run = typeof run extends fc.Arbitrary<infer T> ? T : never;

function expand(runs: readonly Run[]): string[] {
  const lines: string[] = [];
  for (const r of runs) {
    const base =
      r.line.kind === 'raw'
        ? r.line.line
        : `${r.line.code}${r.line.final ? ' ' : '-'}${r.line.text}`;
    const line = r.pad > 0 ? `${base}${'x'.repeat(r.pad)}` : base;
    for (let i = 0; i < r.repeat && lines.length <= MAX_REPLY_LINES + 5; i++) lines.push(line);
  }
  return lines;
}

describe('SMTP ReplyFramer (properties)', () => {
  it('a reply exactly at its final line, within the limits; otherwise only the right ProbeError', () => {
    fc.assert(
      fc.property(fc.array(run, { maxLength: 8 }), fc.constantFrom(...steps), (runs, step) => {
        const framer = new ReplyFramer(step);
        const accepted: string[] = [];
        let bytes = 0;
        let first: number | null = null;
        for (const line of expand(runs)) {
          const outcome = caught(() => framer.push(line));
          const parsed = replyLineOracle(line);
          const expectError = (kind: 'protocol' | 'limit', limit?: string): void => {
            expect('error' in outcome).toBe(true);
            if (!('error' in outcome)) return;
            expect(outcome.error.fact).toMatchObject({ step, kind });
            if (limit) expect(outcome.error.fact.limit?.name).toBe(limit);
          };
          if (parsed === null || (first !== null && parsed.code !== first)) {
            return expectError('protocol');
          }
          if (accepted.length + 1 > MAX_REPLY_LINES) return expectError('limit', 'smtpReplyLines');
          if (bytes + line.length + 2 > MAX_REPLY_BYTES) {
            return expectError('limit', 'smtpReplyBytes');
          }
          first = parsed.code;
          bytes += line.length + 2;
          accepted.push(line);
          if (!parsed.final) {
            expect(outcome).toEqual({ value: null });
            continue;
          }
          const reply = 'value' in outcome ? (outcome.value as SmtpReply | null) : null;
          expect(reply).toEqual({
            code: parsed.code,
            lines: accepted,
            texts: accepted.map((l) => replyLineOracle(l)?.text),
          });
          expect(reply?.lines.length).toBeLessThanOrEqual(MAX_REPLY_LINES);
          expect(accepted.reduce((n, l) => n + l.length + 2, 0)).toBeLessThanOrEqual(
            MAX_REPLY_BYTES,
          );
          return;
        }
      }),
      propertyRuns(300),
    );
  });

  it('readReply, fed any reply split anywhere, returns it and leaves the next one unread', async () => {
    const line = anyText.map((t) => t.replaceAll('\n', '').replace(/\r+$/, ''));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 100, max: 599 }),
        fc.array(line, { maxLength: 8 }),
        line,
        fc.constantFrom('\r\n', '\n'),
        anyBytes(30),
        cuts,
        async (code, continued, last, eol, trailer, at) => {
          const lines = [...continued.map((t) => `${code}-${t}`), `${code} ${last}`];
          const bytes = Buffer.concat([
            Buffer.from(lines.map((l) => `${l}${eol}`).join('')),
            trailer,
          ]);
          const conn = new ChunkedConnection(splitBytes(bytes, at));
          expect(await readReply(conn, 'greeting')).toEqual({
            code,
            lines,
            texts: [...continued, last],
          });
          expect(conn.leftover().equals(trailer)).toBe(true);
        },
      ),
      propertyRuns(500),
    );
  });

  it('arbitrary bytes end readReply in a reply or a ProbeError, never a crash or a hang', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            anyLine.map((l) => Buffer.from(l)),
            anyBytes(8),
          ),
          { maxLength: 20 },
        ),
        cuts,
        async (pieces, at) => {
          const conn = new ChunkedConnection(splitBytes(Buffer.concat(pieces), at), 10_000);
          let result: SmtpReply | ProbeError;
          try {
            result = await readReply(conn, 'greeting');
          } catch (err) {
            if (!(err instanceof ProbeError)) throw err;
            result = err;
          }
          if (result instanceof ProbeError) {
            expect(['protocol', 'limit', 'closed']).toContain(result.fact.kind);
          } else {
            // One code throughout; only the last line is final.
            const parsed = result.lines.map(parseReplyLine);
            expect(parsed.map((p) => p?.code)).toEqual(result.lines.map(() => result.code));
            expect(parsed.map((p) => p?.final)).toEqual(
              result.lines.map((_, i) => i === result.lines.length - 1),
            );
          }
        },
      ),
      propertyRuns(500),
    );
  });
});

// ── EHLO keywords ──────────────────────────────────────────────────────────

const ALWAYS_KEPT = ['STARTTLS', 'AUTH', 'AUTH=', 'REQUIRETLS'];
/** RFC 5321 §4.1.1.1 ehlo-keyword (at most 64 characters: longer ones are skipped). */
const KEYWORD = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
/** RFC 4422 SASL mechanism names (at most 20 characters). */
const MECHANISM = /^[A-Za-z0-9_-]{1,20}$/;

const param = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{1,22}$/),
  textOf(['=', '-', ' ', 'é', '\u001b'], { minLength: 1, maxLength: 8 }),
);
const ehloLine = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.oneof(
          fc.mixedCase(
            fc.constantFrom(
              'STARTTLS',
              'AUTH',
              'SIZE',
              'PIPELINING',
              '8BITMIME',
              'REQUIRETLS',
              'X-VENDOR',
            ),
          ),
          fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,70}$/),
        ),
        fc.array(param, { maxLength: 4 }),
        fc.constantFrom(' ', '\t', '  '),
      )
      .map(([k, ps, sep]) => [k, ...ps].join(sep)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.mixedCase(fc.constant('AUTH=')), fc.array(param, { maxLength: 4 }))
      .map(([auth, ps]) => `${auth}${ps.join(' ')}`),
  },
  { weight: 1, arbitrary: anyLine },
);

/** A line's keyword as RFC 5321 reads it (upper case), "AUTH=" for the old form, else null. */
function keywordOf(text: string): { keyword: string; params: string[] } | null {
  const words = text.trim().split(/[ \t]+/);
  const first = words[0] ?? '';
  if (first.slice(0, 5).toUpperCase() === 'AUTH=') {
    return {
      keyword: 'AUTH=',
      params: [first.slice(5), ...words.slice(1)].filter((w) => w !== ''),
    };
  }
  return KEYWORD.test(first) ? { keyword: first.toUpperCase(), params: words.slice(1) } : null;
}

describe('EHLO keywords (properties)', () => {
  const texts = fc
    .tuple(
      anyText,
      fc.array(ehloLine, { maxLength: 12 }),
      /** Many distinct filler keywords, to pass MAX_EXTENSIONS. */
      fc.oneof(fc.constant(0), fc.integer({ min: 90, max: 130 })),
      fc.nat(),
    )
    .map(([greeting, lines, fillers, at]) => {
      const all = [...lines];
      const filler = Array.from({ length: fillers }, (_, i) => `X-FILL-${i} ${i}`);
      all.splice(at % (all.length + 1), 0, ...filler);
      return [greeting, ...all];
    });

  it('upper-case keywords, first occurrence kept, bounded; the decisive ones always kept', () => {
    fc.assert(
      fc.property(texts, anyText, (lines, otherGreeting) => {
        const k = parseEhloKeywords(lines);
        // The greeting line is never a keyword.
        expect(parseEhloKeywords([otherGreeting, ...lines.slice(1)])).toEqual(k);
        const seen = lines.slice(1).map(keywordOf);
        const keys = Object.keys(k.extensions);
        expect(keys.length).toBeLessThanOrEqual(MAX_EXTENSIONS + ALWAYS_KEPT.length);
        const distinct = new Set(seen.flatMap((s) => (s ? [s.keyword] : [])));
        if (distinct.size <= MAX_EXTENSIONS) expect(new Set(keys)).toEqual(distinct);
        for (const key of keys) {
          expect(key === 'AUTH=' || KEYWORD.test(key)).toBe(true);
          const firstSeen = seen.find((s) => s?.keyword === key);
          const value = k.extensions[key];
          if (firstSeen?.params.length === 0) expect(value).toBe(true);
          else {
            expect(typeof value).toBe('string');
            expect((value as string).length).toBeLessThanOrEqual(257);
            // Printable ASCII is kept as sent (a backslash escaped), up to 256 characters.
            const sent = firstSeen?.params.join(' ') ?? '';
            const escaped = sent.replaceAll('\\', '\\\\');
            if (/^[\x20-\x7e]*$/.test(sent) && escaped.length <= 256) expect(value).toBe(escaped);
          }
        }
        for (const key of ALWAYS_KEPT)
          expect(Object.hasOwn(k.extensions, key)).toBe(distinct.has(key));
        expect(k.auth).toBe(distinct.has('AUTH') || distinct.has('AUTH='));
        // Mechanisms: unique, well-formed, offered on an AUTH line, bounded.
        expect(k.saslMechanisms.length).toBeLessThanOrEqual(MAX_EXTENSIONS);
        expect(new Set(k.saslMechanisms).size).toBe(k.saslMechanisms.length);
        const offered = seen
          .filter((s) => s?.keyword === 'AUTH' || s?.keyword === 'AUTH=')
          .flatMap((s) => s?.params ?? [])
          .filter((p) => MECHANISM.test(p))
          .map((p) => p.toUpperCase());
        expect(k.saslMechanisms).toEqual([...new Set(offered)].slice(0, MAX_EXTENSIONS));
      }),
      propertyRuns(300),
    );
  });

  it('capabilitiesFromEhlo: STARTTLS and password login follow the keywords; raw is bounded', () => {
    fc.assert(
      fc.property(texts, (lines) => {
        const reply: SmtpReply = {
          code: 250,
          lines: lines.map((t, i) => `250${i === lines.length - 1 ? ' ' : '-'}${t}`),
          texts: lines,
        };
        const caps = capabilitiesFromEhlo(reply);
        const k = parseEhloKeywords(lines);
        expect(caps).toMatchObject({ listed: true, starttlsRequired: 'unknown' });
        expect(caps.extensions).toEqual(k.extensions);
        expect(caps.starttls).toBe(Object.hasOwn(k.extensions, 'STARTTLS'));
        expect(caps.passwordLogin).toBe(
          k.saslMechanisms.includes('PLAIN') || k.saslMechanisms.includes('LOGIN'),
        );
        expect(caps.raw).toHaveLength(
          lines.length > MAX_FACT_LINES ? MAX_FACT_LINES + 1 : lines.length,
        );
      }),
      propertyRuns(300),
    );
  });
});

// ── The EHLO address literal ───────────────────────────────────────────────

/** The IPv4 address an IPv6 address maps (::ffff:a.b.c.d), from the URL parser's canonical form. */
function mappedIpv4(ipv6: string): string | null {
  const host = new URL(`http://[${ipv6}]/`).hostname;
  const m = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(host);
  if (!m) return null;
  const hi = parseInt(m[1] ?? '0', 16);
  const lo = parseInt(m[2] ?? '0', 16);
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

describe('EHLO address literal (properties)', () => {
  it('IPv4 addresses, bracketed or padded, give "[a.b.c.d]"', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.boolean(), fc.constantFrom('', ' ', '\t'), (ip, bracket, pad) => {
        const input = `${pad}${bracket ? `[${ip}]` : ip}${pad}`;
        expect(formatAddressLiteral(input)).toBe(`[${ip}]`);
      }),
      propertyRuns(500),
    );
  });

  it('IPv6 addresses give "[IPv6:…]" without a zone; IPv4-mapped ones the IPv4 literal', () => {
    const mapped = fc
      .tuple(
        fc.ipV4(),
        fc.constantFrom('::ffff:', '::FFFF:', '0:0:0:0:0:ffff:', '0000::ffff:'),
        fc.boolean(),
      )
      .map(([v4, prefix, hex]) => {
        if (!hex) return `${prefix}${v4}`;
        const [a = 0, b = 0, c = 0, d = 0] = v4.split('.').map(Number);
        return `${prefix}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
      });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.ipV6(),
          mapped,
          fc.ipV6().map((ip) => ip.toUpperCase()),
        ),
        fc.option(fc.stringMatching(/^[a-z0-9]{1,8}$/)),
        fc.boolean(),
        (ip, zone, bracket) => {
          const bare = zone === null ? ip : `${ip}%${zone}`;
          const literal = formatAddressLiteral(bracket ? `[${bare}]` : bare);
          const v4 = mappedIpv4(ip);
          if (v4 !== null) {
            expect(literal).toBe(`[${v4}]`);
          } else {
            expect(literal).toBe(`[IPv6:${ip.toLowerCase()}]`);
            expect(isIP(ip.toLowerCase())).toBe(6);
          }
        },
      ),
      propertyRuns(1000),
    );
  });

  it('anything else throws a TypeError; whatever it returns is a literal of an IP address', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          textOf(['.', ':', '[', ']', '%', '1', 'f', ' ', 'IPv6'], { maxLength: 20 }),
          fc.ipV4().map((ip) => `${ip}.1`),
          fc.ipV6().map((ip) => `${ip}::1`),
        ),
        (input) => {
          let literal: string;
          try {
            literal = formatAddressLiteral(input);
          } catch (err) {
            expect(err).toBeInstanceOf(TypeError);
            return;
          }
          const m = /^\[(IPv6:)?(.+)\]$/s.exec(literal);
          expect(m).not.toBeNull();
          if (m?.[1] === undefined) expect(isIPv4(m?.[2] ?? '')).toBe(true);
          else expect(isIP(m[2] ?? '')).toBe(6);
        },
      ),
      propertyRuns(1000),
    );
  });
});
