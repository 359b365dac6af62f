/**
 * Property tests (fast-check) of the first-flight parser, the scanner's main fuzz target:
 * - valid flights built by a generator (TLS ≤ 1.2 with certificates and ServerKeyExchange,
 *   TLS 1.3, HelloRetryRequest, alerts; handshake messages split over records at random) parse
 *   to exactly what the generator put in, and every truncation of them is "need more", never
 *   invalid, never a different answer;
 * - arbitrary bytes, record-shaped garbage and mutated valid flights never throw and never end
 *   in an internal error (a "parser error:" reason): bad input is the parser's own `invalid`;
 * - a decision depends only on the bytes given: appending bytes never changes it, the result
 *   owns its bytes (overwriting the input afterwards changes nothing), and it never holds more
 *   bytes than it was given;
 * - the limits hold: a record over MAX_RECORD_LENGTH, a handshake message over
 *   MAX_HANDSHAKE_MESSAGE and a flight over MAX_FLIGHT_BYTES are refused, and a flight of
 *   MAX_FLIGHT_BYTES in tiny records parses in bounded time (no quadratic reassembly);
 * - wasOffered says whether the chosen suite is among those offered.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../../../../test/support/properties';
import { GROUPS, type ProtocolVersion } from './client-hello';
import {
  alertName,
  HRR_RANDOM,
  MAX_FLIGHT_BYTES,
  MAX_HANDSHAKE_MESSAGE,
  MAX_RECORD_LENGTH,
  parseServerFlight,
  wasOffered,
  type ServerFlight,
} from './server-hello';
import { suiteCodesWhere, suiteInfo } from './suites';

// ── encoding (independent of the parser) ──

const u8 = (n: number): Buffer => Buffer.from([n & 0xff]);
const u16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u24 = (n: number): Buffer => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
const cat = (...parts: Buffer[]): Buffer => Buffer.concat(parts);

function record(type: number, minor: number, payload: Buffer): Buffer {
  return cat(u8(type), u8(3), u8(minor), u16(payload.length), payload);
}
function handshakeMessage(type: number, body: Buffer): Buffer {
  return cat(u8(type), u24(body.length), body);
}

/** Handshake bytes cut into records of the given sizes (cycled), each with its own version. */
function fragment(stream: Buffer, sizes: readonly number[], minors: readonly number[]): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  let i = 0;
  while (at < stream.length) {
    const size = sizes[i % sizes.length] ?? 1;
    out.push(record(22, minors[i % minors.length] ?? 3, stream.subarray(at, at + size)));
    at += size;
    i++;
  }
  return cat(...out);
}

const bitLength = (b: Buffer): number => {
  const hex = b.toString('hex').replace(/^0+/, '');
  return hex === '' ? 0 : BigInt(`0x${hex}`).toString(2).length;
};
const GROUP_NAMES = new Map<number, string>(Object.entries(GROUPS).map(([k, v]) => [v, k]));
const VERSION_NAMES = new Map<number, ProtocolVersion>([
  [0x0300, 'SSLv3'],
  [0x0301, 'TLSv1'],
  [0x0302, 'TLSv1.1'],
  [0x0303, 'TLSv1.2'],
  [0x0304, 'TLSv1.3'],
]);

// ── generators ──

const bytes = (min: number, max: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a));
const recordMinor = fc.integer({ min: 0, max: 4 });
const fragmentSizes = fc.array(
  fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 700 })),
  { minLength: 1, maxLength: 6 },
);

interface Extension {
  readonly type: number;
  readonly data: Buffer;
}

/** Extensions other than supported_versions (43) and key_share (51), unique types. */
const otherExtensions = fc
  .uniqueArray(
    fc.record({
      type: fc.oneof(
        fc.constantFrom(0, 10, 11, 16, 23, 0xff01),
        fc.integer({ min: 0, max: 0xffff }),
      ),
      data: bytes(0, 40),
    }),
    { selector: (e) => e.type, maxLength: 5 },
  )
  .map((exts) => exts.filter((e) => e.type !== 43 && e.type !== 51));

/** A random that is neither the HelloRetryRequest value nor, unless asked, a sentinel. */
const random = fc
  .tuple(bytes(32, 32), fc.constantFrom(null, 0, 1))
  .map(([r, sentinel]) =>
    sentinel === null ? r : cat(r.subarray(0, 24), Buffer.from('DOWNGRD', 'latin1'), u8(sentinel)),
  )
  .filter((r) => !r.equals(HRR_RANDOM));

const suitesOf = (kx: string): number[] => suiteCodesWhere((s) => s.keyExchange === kx && !s.tls13);
const tls12Suite = fc.oneof(
  fc.constantFrom(...suitesOf('DHE')),
  fc.constantFrom(...suitesOf('ECDHE')),
  fc.constantFrom(...suitesOf('DHE_PSK'), ...suitesOf('ECDHE_PSK')),
  fc.constantFrom(...suitesOf('RSA')),
  fc.integer({ min: 0, max: 0xffff }),
);

interface Ske {
  readonly body: Buffer;
  readonly info: { dhPrimeBits?: number; curve?: number; curveName?: string };
}

/** A ServerKeyExchange body that is well-formed for the suite's key exchange, and what it says. */
function serverKeyExchange(suite: number): fc.Arbitrary<Ske> {
  const kx = suiteInfo(suite)?.keyExchange;
  const psk = kx === 'DHE_PSK' || kx === 'ECDHE_PSK';
  const hint = psk ? bytes(0, 20).map((h) => cat(u16(h.length), h)) : fc.constant(Buffer.alloc(0));
  if (kx === 'DHE' || kx === 'DHE_PSK') {
    return fc.tuple(hint, bytes(0, 300), bytes(0, 80)).map(([h, p, rest]) => ({
      body: cat(h, u16(p.length), p, rest),
      info: { dhPrimeBits: bitLength(p) },
    }));
  }
  if (kx === 'ECDHE' || kx === 'ECDHE_PSK') {
    const named = fc
      .tuple(
        fc.oneof(fc.constantFrom(...Object.values(GROUPS)), fc.integer({ min: 0, max: 0xffff })),
        bytes(0, 80),
      )
      .map(([curve, rest]) => {
        const name = GROUP_NAMES.get(curve);
        return {
          body: cat(u8(3), u16(curve), rest),
          info: name === undefined ? { curve } : { curve, curveName: name },
        };
      });
    const explicit = fc
      .tuple(
        fc.integer({ min: 0, max: 255 }).filter((t) => t !== 3),
        bytes(0, 40),
      )
      .map(([t, rest]) => ({ body: cat(u8(t), rest), info: {} }));
    return fc.tuple(hint, fc.oneof(named, explicit)).map(([h, s]) => ({
      body: cat(h, s.body),
      info: s.info,
    }));
  }
  return bytes(0, 100).map((body) => ({ body, info: {} }));
}

interface Flight {
  readonly bytes: Buffer;
  readonly expected: ServerFlight;
  readonly suite: number;
}

const warningAlert = fc.integer({ min: 1, max: 255 }).map((d) => Buffer.from([1, d]));
/** Up to four warning alerts (each its own record) and HelloRequests before the hello. */
const preamble = fc.record({
  warnings: fc.array(fc.tuple(warningAlert, recordMinor), { maxLength: 4 }),
  helloRequests: fc.nat(2),
});

function helloBody(h: {
  legacyVersion: number;
  random: Buffer;
  sessionId: Buffer;
  suite: number;
  compression: number;
  extensions: readonly Extension[];
  omitEmptyExtensions: boolean;
}): Buffer {
  const head = cat(
    u16(h.legacyVersion),
    h.random,
    u8(h.sessionId.length),
    h.sessionId,
    u16(h.suite),
    u8(h.compression),
  );
  if (h.extensions.length === 0 && h.omitEmptyExtensions) return head;
  const exts = cat(...h.extensions.map((e) => cat(u16(e.type), u16(e.data.length), e.data)));
  return cat(head, u16(exts.length), exts);
}

const sentinelOf = (r: Buffer): 'tls12' | 'tls11' | null => {
  const tail = r.subarray(24).toString('latin1');
  return tail === 'DOWNGRD\x01' ? 'tls12' : tail === 'DOWNGRD\x00' ? 'tls11' : null;
};

/** TLS ≤ 1.2: hello, certificates, ServerKeyExchange, other messages, then an ending. */
const tls12Flight: fc.Arbitrary<Flight> = tls12Suite.chain((suite) =>
  fc
    .record({
      pre: preamble,
      legacyVersion: fc.integer({ min: 0x0300, max: 0x0303 }),
      supportedVersion: fc.option(fc.integer({ min: 0x0300, max: 0x0303 }), { nil: undefined }),
      keyShare: fc.option(fc.tuple(fc.integer({ min: 0, max: 0xffff }), bytes(0, 10)), {
        nil: undefined,
      }),
      random,
      sessionId: bytes(0, 32),
      compression: fc.integer({ min: 0, max: 255 }),
      others: otherExtensions,
      omitEmptyExtensions: fc.boolean(),
      certificates: fc.option(fc.array(bytes(1, 200), { maxLength: 3 }), { nil: undefined }),
      ske: fc.option(serverKeyExchange(suite), { nil: undefined }),
      extraMessages: fc.array(
        fc
          .tuple(fc.constantFrom(0, 4, 13, 16, 22, 99), bytes(0, 60))
          .filter(([t, b]) => t !== 0 || b.length === 0),
        { maxLength: 2 },
      ),
      ending: fc.constantFrom('done', 'alert', 'ccs', 'none'),
      endAlert: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })),
      sizes: fragmentSizes,
      minors: fc.array(recordMinor, { minLength: 1, maxLength: 3 }),
    })
    .map((m): Flight => {
      const extensions: Extension[] = [...m.others];
      if (m.supportedVersion !== undefined)
        extensions.push({ type: 43, data: u16(m.supportedVersion) });
      if (m.keyShare !== undefined)
        extensions.push({ type: 51, data: cat(u16(m.keyShare[0]), m.keyShare[1]) });
      const messages: Buffer[] = [];
      for (let i = 0; i < m.pre.helloRequests; i++)
        messages.push(handshakeMessage(0, Buffer.alloc(0)));
      messages.push(
        handshakeMessage(
          2,
          helloBody({ ...m, suite, extensions, omitEmptyExtensions: m.omitEmptyExtensions }),
        ),
      );
      if (m.certificates) {
        const list = cat(...m.certificates.map((c) => cat(u24(c.length), c)));
        messages.push(handshakeMessage(11, cat(u24(list.length), list)));
      }
      if (m.ske) messages.push(handshakeMessage(12, m.ske.body));
      for (const [type, body] of m.extraMessages) messages.push(handshakeMessage(type, body));
      if (m.ending === 'done') messages.push(handshakeMessage(14, Buffer.alloc(0)));
      const tail =
        m.ending === 'alert'
          ? record(21, 3, Buffer.from(m.endAlert))
          : m.ending === 'ccs'
            ? record(20, 3, Buffer.from([1]))
            : Buffer.alloc(0);
      const wire = cat(
        ...m.pre.warnings.map(([a, minor]) => record(21, minor, a)),
        fragment(cat(...messages), m.sizes, m.minors),
        tail,
      );
      const version = m.supportedVersion ?? m.legacyVersion;
      const expected: ServerFlight = {
        kind: 'server-hello',
        version,
        versionName: VERSION_NAMES.get(version) ?? null,
        legacyVersion: m.legacyVersion,
        random: m.random,
        cipherSuite: suite,
        sessionId: m.sessionId,
        compression: m.compression,
        extensions,
        selectedGroup: m.keyShare?.[0] ?? m.ske?.info.curve ?? null,
        downgradeSentinel: sentinelOf(m.random),
        ...(m.certificates ? { certificates: m.certificates } : {}),
        ...(m.ske ? { serverKeyExchange: m.ske.info } : {}),
        complete: m.ending !== 'none',
        ...(m.ending === 'alert'
          ? {
              alertAfterHello: {
                kind: 'alert',
                level: m.endAlert[0],
                description: m.endAlert[1],
                name: alertName(m.endAlert[1]),
              },
            }
          : {}),
      };
      return { bytes: wire, expected, suite };
    }),
);

/** TLS 1.3 (or a HelloRetryRequest): the hello, then ChangeCipherSpec and encrypted records. */
const tls13Flight: fc.Arbitrary<Flight> = fc
  .record({
    pre: preamble,
    hrr: fc.boolean(),
    random,
    sessionId: bytes(0, 32),
    suite: fc.oneof(fc.constantFrom(0x1301, 0x1302, 0x1303), fc.integer({ min: 0, max: 0xffff })),
    version: fc.oneof(fc.constant(0x0304), fc.integer({ min: 0x0304, max: 0xffff })),
    group: fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }),
    share: bytes(0, 65),
    others: otherExtensions,
    encrypted: fc.array(bytes(1, 300), { maxLength: 3 }),
    sizes: fragmentSizes,
    minors: fc.array(recordMinor, { minLength: 1, maxLength: 3 }),
  })
  .map((m): Flight => {
    const extensions: Extension[] = [...m.others, { type: 43, data: u16(m.version) }];
    if (m.group !== undefined)
      extensions.push({ type: 51, data: m.hrr ? u16(m.group) : cat(u16(m.group), m.share) });
    const r = m.hrr ? HRR_RANDOM : m.random;
    const hello = handshakeMessage(
      2,
      helloBody({
        legacyVersion: 0x0303,
        random: r,
        sessionId: m.sessionId,
        suite: m.suite,
        compression: 0,
        extensions,
        omitEmptyExtensions: false,
      }),
    );
    const wire = cat(
      ...m.pre.warnings.map(([a, minor]) => record(21, minor, a)),
      fragment(hello, m.sizes, m.minors),
      record(20, 3, Buffer.from([1])),
      ...m.encrypted.map((e) => record(23, 3, e)),
    );
    const expected: ServerFlight = m.hrr
      ? {
          kind: 'hello-retry-request',
          cipherSuite: m.suite,
          selectedGroup: m.group ?? null,
          version: m.version,
        }
      : {
          kind: 'server-hello',
          version: m.version,
          versionName: VERSION_NAMES.get(m.version) ?? null,
          legacyVersion: 0x0303,
          random: m.random,
          cipherSuite: m.suite,
          sessionId: m.sessionId,
          compression: 0,
          extensions,
          selectedGroup: m.group ?? null,
          downgradeSentinel: sentinelOf(m.random),
          complete: true,
        };
    return { bytes: wire, expected, suite: m.suite };
  });

/** An alert in place of the hello: a fatal one, or close_notify, after up to four warnings. */
const alertFlight: fc.Arbitrary<Flight> = fc
  .record({
    pre: preamble,
    alert: fc.oneof(
      fc.tuple(fc.constant(2), fc.integer({ min: 0, max: 255 })),
      fc.tuple(fc.integer({ min: 0, max: 255 }), fc.constant(0)),
      fc.tuple(fc.integer({ min: 3, max: 255 }), fc.integer({ min: 0, max: 255 })),
    ),
    minor: recordMinor,
  })
  .map((m): Flight => ({
    bytes: cat(
      ...m.pre.warnings.map(([a, minor]) => record(21, minor, a)),
      record(21, m.minor, Buffer.from(m.alert)),
    ),
    expected: {
      kind: 'alert',
      level: m.alert[0],
      description: m.alert[1],
      name: alertName(m.alert[1]),
    },
    suite: -1,
  }));

const validFlight = fc.oneof(
  { arbitrary: tls12Flight, weight: 3 },
  { arbitrary: tls13Flight, weight: 2 },
  { arbitrary: alertFlight, weight: 1 },
);

/** Record-shaped garbage: plausible headers (right or wrong lengths) over random payloads. */
const recordish = fc
  .array(
    fc.record({
      type: fc.oneof(fc.integer({ min: 20, max: 23 }), fc.integer({ min: 0, max: 255 })),
      minor: fc.oneof(recordMinor, fc.integer({ min: 0, max: 255 })),
      payload: fc.oneof(
        bytes(0, 200),
        fc
          .tuple(fc.integer({ min: 0, max: 255 }), bytes(0, 120))
          .map(([t, b]) => handshakeMessage(t, b)),
      ),
      lengthDelta: fc.oneof(fc.constant(0), fc.integer({ min: -3, max: 3 })),
    }),
    { maxLength: 6 },
  )
  .map((rs) =>
    cat(
      ...rs.map((r) =>
        cat(
          u8(r.type),
          u8(3),
          u8(r.minor),
          u16(Math.max(0, r.payload.length + r.lengthDelta)),
          r.payload,
        ),
      ),
    ),
  );

type Mutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'delete'; at: number; n: number }
  | { kind: 'insert'; at: number; b: Buffer }
  | { kind: 'truncate'; at: number };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('flip' as const),
      at: fc.nat(),
      mask: fc.integer({ min: 1, max: 255 }),
    }),
    weight: 5,
  },
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    n: fc.integer({ min: 1, max: 8 }),
  }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), b: bytes(1, 8) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);
function mutate(input: Buffer, ms: readonly Mutation[]): Buffer {
  let b: Buffer = Buffer.from(input);
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === 'flip') b[at] = (b[at] ?? 0) ^ m.mask;
    else if (m.kind === 'delete') b = cat(b.subarray(0, at), b.subarray(at + m.n));
    else if (m.kind === 'insert') b = cat(b.subarray(0, at), m.b, b.subarray(at));
    else b = b.subarray(0, at);
  }
  return b;
}
const mutatedFlight = fc
  .tuple(validFlight, fc.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([f, ms]) => mutate(f.bytes, ms));

const anyInput = fc.oneof(
  { arbitrary: bytes(0, 600), weight: 1 },
  { arbitrary: bytes(0, 600).map((b) => cat(Buffer.from([22, 3, 3]), b)), weight: 1 },
  { arbitrary: recordish, weight: 2 },
  { arbitrary: mutatedFlight, weight: 6 },
);

// ── invariants ──

/** A decision no later byte can change: only need-more and an unfinished hello can change. */
const decided = (f: ServerFlight): boolean =>
  f.kind !== 'need-more' && !(f.kind === 'server-hello' && !f.complete);

/** Structure, bounds and ownership of one parse of `input`. */
function checkParse(input: Buffer): ServerFlight {
  const copy = Buffer.from(input);
  const f = parseServerFlight(copy);
  switch (f.kind) {
    case 'need-more':
      break;
    case 'invalid':
      expect(typeof f.reason).toBe('string');
      // Every refusal is the parser's own: an internal error (TypeError, RangeError, …) is a bug.
      expect(f.reason).not.toMatch(/^parser error/);
      break;
    case 'alert':
      expect(f.level).toBeGreaterThanOrEqual(0);
      expect(f.level).toBeLessThanOrEqual(255);
      expect(f.description).toBeLessThanOrEqual(255);
      break;
    case 'hello-retry-request':
      expect(f.cipherSuite).toBeLessThanOrEqual(0xffff);
      break;
    case 'server-hello': {
      expect(f.random.length).toBe(32);
      expect(f.sessionId.length).toBeLessThanOrEqual(32);
      expect(new Set(f.extensions.map((e) => e.type)).size).toBe(f.extensions.length);
      for (const c of f.certificates ?? []) expect(c.length).toBeGreaterThan(0);
      // Never more bytes out than came in: every byte it holds was read from the input.
      const held =
        32 +
        f.sessionId.length +
        f.extensions.reduce((n, e) => n + 4 + e.data.length, 0) +
        (f.certificates ?? []).reduce((n, c) => n + 3 + c.length, 0);
      expect(held).toBeLessThanOrEqual(input.length);
      if (!f.complete) expect(f.alertAfterHello).toBeUndefined();
      break;
    }
    default:
      throw new Error(`unknown result ${JSON.stringify(f)}`);
  }
  // The result owns its bytes: what the caller does to its buffer afterwards changes nothing.
  copy.fill(0xa5);
  expect(parseServerFlight(input)).toEqual(f);
  return f;
}

describe('parseServerFlight: valid flights', () => {
  it('parses to exactly what was built', () => {
    fc.assert(
      fc.property(validFlight, (flight) => {
        expect(checkParse(flight.bytes)).toEqual(flight.expected);
      }),
      propertyRuns(300),
    );
  });

  it('truncated at every offset: need more (or the same decision), never invalid', () => {
    fc.assert(
      fc.property(validFlight, (flight) => {
        const full = parseServerFlight(flight.bytes);
        for (let n = 0; n < flight.bytes.length; n++) {
          const f = parseServerFlight(flight.bytes.subarray(0, n));
          if (f.kind === 'invalid') throw new Error(`prefix ${n}: invalid (${f.reason})`);
          if (decided(f)) expect(f, `prefix ${n}`).toEqual(full);
          else if (f.kind === 'server-hello' && full.kind === 'server-hello') {
            expect(f.cipherSuite).toBe(full.cipherSuite);
            expect(f.random).toEqual(full.random);
            expect(f.extensions).toEqual(full.extensions);
          } else expect(f.kind, `prefix ${n}`).toBe('need-more');
        }
      }),
      propertyRuns(40),
    );
  });
});

describe('parseServerFlight: hostile and broken input', () => {
  it('arbitrary bytes, record-shaped garbage, mutated flights: a result, never an internal error', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        checkParse(input);
      }),
      propertyRuns(1000),
    );
  });

  it('a decision depends only on the bytes given: appended bytes never change it', () => {
    fc.assert(
      fc.property(anyInput, bytes(1, 300), (input, more) => {
        const f = parseServerFlight(input);
        if (!decided(f)) return;
        expect(parseServerFlight(cat(input, more))).toEqual(f);
      }),
      propertyRuns(500),
    );
  });
});

describe('parseServerFlight: limits', () => {
  it(`a record over MAX_RECORD_LENGTH is refused from its header on, whatever follows`, () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(warningAlert, recordMinor), { maxLength: 4 }),
        fc.integer({ min: 20, max: 23 }),
        recordMinor,
        fc.integer({ min: MAX_RECORD_LENGTH + 1, max: 0xffff }),
        bytes(0, 200),
        (warnings, type, minor, length, tail) => {
          const input = cat(
            ...warnings.map(([a, m]) => record(21, m, a)),
            u8(type),
            u8(3),
            u8(minor),
            u16(length),
            tail,
          );
          const f = checkParse(input);
          expect(f).toMatchObject({
            kind: 'invalid',
            reason: expect.stringMatching(/oversized record/),
          });
        },
      ),
      propertyRuns(200),
    );
  });

  it('a record up to MAX_RECORD_LENGTH that has not fully arrived asks for more', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_RECORD_LENGTH }),
        fc.nat(),
        recordMinor,
        (length, cut, minor) => {
          const header = cat(u8(22), u8(3), u8(minor), u16(length));
          const body = handshakeMessage(2, Buffer.alloc(Math.max(0, length - 4))).subarray(
            0,
            length,
          );
          const input = cat(header, body.subarray(0, cut % length));
          expect(checkParse(input)).toEqual({ kind: 'need-more' });
        },
      ),
      propertyRuns(200),
    );
  });

  it('a handshake message over MAX_HANDSHAKE_MESSAGE is refused as soon as its header is in', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MAX_HANDSHAKE_MESSAGE + 1, max: 0xffffff }),
        fc.integer({ min: 0, max: 255 }),
        bytes(0, 100),
        (length, type, body) => {
          const f = checkParse(record(22, 3, cat(u8(type), u24(length), body)));
          expect(f).toMatchObject({ kind: 'invalid' });
        },
      ),
      propertyRuns(200),
    );
  });

  it('more than MAX_FLIGHT_BYTES is refused, whatever the bytes', () => {
    fc.assert(
      fc.property(
        validFlight,
        fc.integer({ min: 1, max: 4096 }),
        fc.nat(255),
        (flight, over, fill) => {
          const input = Buffer.alloc(MAX_FLIGHT_BYTES + over, fill);
          flight.bytes.copy(input);
          expect(checkParse(input)).toMatchObject({
            kind: 'invalid',
            reason: expect.stringMatching(/more than/),
          });
        },
      ),
      propertyRuns(20),
    );
  });

  it('a whole MAX_FLIGHT_BYTES flight in tiny records parses in bounded time', () => {
    const hello = handshakeMessage(
      2,
      helloBody({
        legacyVersion: 0x0303,
        random: Buffer.alloc(32, 1),
        sessionId: Buffer.alloc(0),
        suite: 0xc02f,
        compression: 0,
        extensions: [],
        omitEmptyExtensions: true,
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), (size) => {
        // One Certificate message as large as allowed, cut into records of `size` bytes, up to
        // the flight limit: the worst case for reassembly.
        const der = Buffer.alloc(MAX_HANDSHAKE_MESSAGE - 6, 0x30);
        const list = cat(u24(der.length), der);
        const stream = cat(hello, handshakeMessage(11, cat(u24(list.length), list)));
        const records: Buffer[] = [];
        let total = 0;
        for (let at = 0; at < stream.length && total + 5 + size <= MAX_FLIGHT_BYTES; at += size) {
          const r = record(22, 3, stream.subarray(at, at + size));
          records.push(r);
          total += r.length;
        }
        const input = cat(...records);
        const started = performance.now();
        const f = parseServerFlight(input);
        const ms = performance.now() - started;
        expect(f.kind).not.toBe('need-more');
        // Linear work is a few milliseconds here; quadratic reassembly took about a second.
        expect(ms, `${input.length} bytes in ${size}-byte records`).toBeLessThan(250);
      }),
      propertyRuns(6),
    );
  });
});

describe('wasOffered', () => {
  it('true exactly for the suites offered, in any order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 0xffff }),
        (offered, other) => {
          for (const s of offered) expect(wasOffered(offered, s)).toBe(true);
          expect(wasOffered([...offered].reverse(), other)).toBe(wasOffered(offered, other));
          const without = offered.filter((s) => s !== other);
          expect(wasOffered(without, other)).toBe(false);
          expect(wasOffered([...without, other], other)).toBe(true);
        },
      ),
      propertyRuns(300),
    );
  });

  it('a parsed ServerHello’s suite was offered exactly when it is in the offer', () => {
    fc.assert(
      fc.property(
        tls12Flight,
        fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 20 }),
        fc.boolean(),
        (flight, offer, include) => {
          const offered = include
            ? [...offer, flight.suite]
            : offer.filter((s) => s !== flight.suite);
          const f = parseServerFlight(flight.bytes);
          if (f.kind !== 'server-hello') throw new Error(`expected a ServerHello, got ${f.kind}`);
          expect(wasOffered(offered, f.cipherSuite)).toBe(include);
        },
      ),
      propertyRuns(100),
    );
  });
});
