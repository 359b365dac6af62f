/**
 * Property tests (fast-check) of buildClientHello: for random valid option sets (every version,
 * suites with and without SCSVs, host names and IP literals, ALPN ids, groups, key shares,
 * supported_versions, renegotiation signalling, fixed or random random / session id), the output
 * is one well-formed TLS record, read back by a small strict reader written here:
 * - lengths agree at every level (record, handshake, extensions block, each extension and the
 *   vectors inside the ones we send), nothing left over, no extension twice, within one record;
 * - it offers exactly the suites asked for (plus the SCSVs the options call for), the versions
 *   asked for, SNI as the host name's ASCII bytes (none for an IP literal), the ALPN ids, every
 *   key-share group also in supported_groups, and padding keeps the message out of 256–511 bytes;
 * - bad options (a random that is not 32 bytes, a session id over 32, nothing to offer) are the
 *   builder's own RangeError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyRuns } from '../../../../test/support/properties';
import {
  buildClientHello,
  DEFAULT_GROUPS,
  GROUPS,
  VERSION_CODES,
  type ClientHelloOptions,
  type GroupName,
  type KeyShareGroup,
  type ProtocolVersion,
} from './client-hello';
import { TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV } from './suites';

// ── an independent, strict reader ──

class Strict {
  private pos = 0;
  constructor(
    private readonly b: Buffer,
    private readonly what: string,
  ) {}
  get left(): number {
    return this.b.length - this.pos;
  }
  private take(n: number, field: string): Buffer {
    if (n > this.left) throw new Error(`${this.what}: ${field} needs ${n}, ${this.left} left`);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  u8(field: string): number {
    return this.take(1, field).readUInt8(0);
  }
  u16(field: string): number {
    return this.take(2, field).readUInt16BE(0);
  }
  u24(field: string): number {
    return this.take(3, field).readUIntBE(0, 3);
  }
  bytes(n: number, field: string): Buffer {
    return this.take(n, field);
  }
  vec8(field: string): Buffer {
    return this.take(this.u8(`${field} length`), field);
  }
  vec16(field: string): Buffer {
    return this.take(this.u16(`${field} length`), field);
  }
  end(): void {
    if (this.left !== 0) throw new Error(`${this.what}: ${this.left} bytes left over`);
  }
}

function u16s(b: Buffer, what: string): number[] {
  if (b.length % 2 !== 0) throw new Error(`${what}: odd length ${b.length}`);
  const out: number[] = [];
  for (let i = 0; i < b.length; i += 2) out.push(b.readUInt16BE(i));
  return out;
}

interface Hello {
  recordVersion: number;
  /** The handshake message, header included (the whole record fragment). */
  messageLength: number;
  legacyVersion: number;
  random: Buffer;
  sessionId: Buffer;
  suites: number[];
  compression: number[];
  /** null: no extensions block at all (SSL 3). */
  extensions: { type: number; data: Buffer }[] | null;
}

function readHello(wire: Buffer): Hello {
  const rec = new Strict(wire, 'record');
  expect(rec.u8('content type')).toBe(22);
  const recordVersion = rec.u16('record version');
  const fragment = rec.vec16('fragment');
  rec.end();
  const hs = new Strict(fragment, 'handshake');
  expect(hs.u8('message type')).toBe(1);
  const body = hs.bytes(hs.u24('message length'), 'body');
  hs.end();
  const r = new Strict(body, 'ClientHello');
  const legacyVersion = r.u16('version');
  const random = r.bytes(32, 'random');
  const sessionId = r.vec8('session id');
  const suites = u16s(r.vec16('cipher suites'), 'cipher suites');
  const compression = [...r.vec8('compression methods')];
  let extensions: Hello['extensions'] = null;
  if (r.left > 0) {
    const block = new Strict(r.vec16('extensions'), 'extensions');
    extensions = [];
    while (block.left > 0) {
      const type = block.u16('extension type');
      extensions.push({ type, data: block.vec16(`extension ${type}`) });
    }
    block.end();
  }
  r.end();
  return {
    recordVersion,
    messageLength: fragment.length,
    legacyVersion,
    random,
    sessionId,
    suites,
    compression,
    extensions,
  };
}

/** The vectors inside the extensions we send, each read to its end. */
const decoders: Readonly<Record<number, (d: Buffer) => unknown>> = {
  0: (d) => {
    const r = new Strict(d, 'server_name');
    const list = new Strict(r.vec16('server_name_list'), 'server_name_list');
    r.end();
    const names: { type: number; host: string }[] = [];
    while (list.left > 0)
      names.push({ type: list.u8('name type'), host: list.vec16('host').toString('latin1') });
    return names;
  },
  10: (d) => {
    const r = new Strict(d, 'supported_groups');
    const groups = u16s(r.vec16('groups'), 'groups');
    r.end();
    return groups;
  },
  11: (d) => {
    const r = new Strict(d, 'ec_point_formats');
    const formats = [...r.vec8('formats')];
    r.end();
    return formats;
  },
  13: (d) => {
    const r = new Strict(d, 'signature_algorithms');
    const algorithms = u16s(r.vec16('algorithms'), 'algorithms');
    r.end();
    return algorithms;
  },
  16: (d) => {
    const r = new Strict(d, 'alpn');
    const list = new Strict(r.vec16('protocol_name_list'), 'protocol_name_list');
    r.end();
    const ids: string[] = [];
    while (list.left > 0) ids.push(list.vec8('protocol').toString('latin1'));
    return ids;
  },
  21: (d) => [...d],
  23: (d) => d.length,
  43: (d) => {
    const r = new Strict(d, 'supported_versions');
    const versions = u16s(r.vec8('versions'), 'versions');
    r.end();
    return versions;
  },
  45: (d) => {
    const r = new Strict(d, 'psk_key_exchange_modes');
    const modes = [...r.vec8('modes')];
    r.end();
    return modes;
  },
  51: (d) => {
    const r = new Strict(d, 'key_share');
    const list = new Strict(r.vec16('client_shares'), 'client_shares');
    r.end();
    const shares: { group: number; length: number }[] = [];
    while (list.left > 0) {
      const group = list.u16('group');
      shares.push({ group, length: list.vec16('key_exchange').length });
    }
    return shares;
  },
  0xff01: (d) => {
    const r = new Strict(d, 'renegotiation_info');
    const info = r.vec8('renegotiated_connection');
    r.end();
    return info.length;
  },
};

// ── valid option sets ──

const VERSIONS: readonly ProtocolVersion[] = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const KEY_SHARES: readonly KeyShareGroup[] = ['X25519MLKEM768', 'x25519', 'secp256r1'];
const KEY_LENGTHS: Readonly<Record<KeyShareGroup, number>> = {
  x25519: 32,
  secp256r1: 65,
  X25519MLKEM768: 1184 + 32,
};

const label = fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,20}[A-Za-z0-9])?$/);
/** A host name as the scanner passes it: A-labels, no trailing dot. */
const hostName = fc
  .array(label, { minLength: 1, maxLength: 5 })
  .map((ls) => ls.join('.'))
  .filter((n) => n.length <= 253 && !/^[0-9.]+$/.test(n));
const ipLiteral = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.ipV6().map((a) => `[${a}]`),
);
const suite = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 0xffff }), weight: 8 },
  { arbitrary: fc.constantFrom(TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV), weight: 1 },
);

interface Case {
  readonly options: ClientHelloOptions;
  readonly ip: boolean;
}

const options: fc.Arbitrary<Case> = fc
  .record(
    {
      version: fc.constantFrom(...VERSIONS),
      suites: fc.array(suite, { minLength: 1, maxLength: 200 }),
      name: fc.option(
        fc.oneof(
          hostName.map((n) => ({ n, ip: false })),
          ipLiteral.map((n) => ({ n, ip: true })),
        ),
      ),
      alpn: fc.array(
        fc.oneof(
          fc.constantFrom('xmpp-client', 'imap', 'pop3', 'smtp', 'h2', ''),
          fc.string({ unit: 'grapheme-ascii', maxLength: 300 }),
        ),
        { maxLength: 4 },
      ),
      groups: fc.subarray(Object.keys(GROUPS) as GroupName[]),
      offerPostQuantum: fc.boolean(),
      keyShares: fc.shuffledSubarray([...KEY_SHARES], { minLength: 1 }),
      supportedVersions: fc.shuffledSubarray([...VERSIONS], { minLength: 1 }),
      renegotiation: fc.constantFrom('extension' as const, 'scsv' as const),
      fallbackScsv: fc.boolean(),
      random: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((a) => Buffer.from(a)),
      sessionId: fc.uint8Array({ maxLength: 32 }).map((a) => Buffer.from(a)),
    },
    {
      requiredKeys: ['version', 'suites'],
    },
  )
  .filter(
    // Only the SCSVs and none that the options put back: nothing to offer (a case of its own).
    (o) =>
      o.suites.some((s) => s !== TLS_EMPTY_RENEGOTIATION_INFO_SCSV && s !== TLS_FALLBACK_SCSV) ||
      o.fallbackScsv === true ||
      o.version === 'SSLv3',
  )
  .map(({ name, ...o }) => ({
    options: { ...o, ...(name ? { serverName: name.n } : {}) },
    ip: name?.ip ?? false,
  }));

describe('buildClientHello: a well-formed record for every valid option set', () => {
  it('lengths agree at every level, and it says what the options ask for', () => {
    fc.assert(
      fc.property(options, ({ options: o, ip }) => {
        const wire = buildClientHello(o);
        const h = readHello(wire);
        const ssl3 = o.version === 'SSLv3';
        const tls13 = o.version === 'TLSv1.3';
        const versions = tls13 ? (o.supportedVersions ?? ['TLSv1.3']) : [o.version];
        const legacy = versions.some((v) => v !== 'TLSv1.3');

        expect(h.recordVersion).toBe(ssl3 ? 0x0300 : 0x0301);
        expect(h.messageLength).toBeLessThanOrEqual(0x4000);
        expect(h.legacyVersion).toBe(tls13 ? 0x0303 : VERSION_CODES[o.version]);
        if (o.random) expect(h.random).toEqual(o.random);
        if (o.sessionId) expect(h.sessionId).toEqual(o.sessionId);
        else expect(h.sessionId.length).toBe(32);
        expect(h.compression).toEqual([0]);

        const scsv = ssl3 || o.renegotiation === 'scsv';
        expect(h.suites).toEqual([
          ...o.suites.filter(
            (s) => s !== TLS_EMPTY_RENEGOTIATION_INFO_SCSV && s !== TLS_FALLBACK_SCSV,
          ),
          ...(scsv && legacy ? [TLS_EMPTY_RENEGOTIATION_INFO_SCSV] : []),
          ...(o.fallbackScsv ? [TLS_FALLBACK_SCSV] : []),
        ]);

        if (ssl3) {
          expect(h.extensions).toBeNull();
          return;
        }
        const exts = h.extensions ?? [];
        const types = exts.map((e) => e.type);
        expect(new Set(types).size, 'no extension twice').toBe(types.length);
        const ext = new Map(
          exts.map((e) => [e.type, (decoders[e.type] ?? (() => e.data))(e.data)]),
        );

        // SNI: the host name's bytes, one host_name entry; none for an IP literal.
        if (o.serverName && !ip) expect(ext.get(0)).toEqual([{ type: 0, host: o.serverName }]);
        else expect(ext.has(0)).toBe(false);

        expect(ext.get(0xff01)).toEqual(!scsv && legacy ? 0 : undefined);
        const alpn = (o.alpn ?? []).filter((p) => p.length > 0 && p.length < 256);
        expect(ext.get(16)).toEqual(alpn.length > 0 ? alpn : undefined);

        const groups = ext.get(10) as number[];
        expect(new Set(groups).size, 'no group twice').toBe(groups.length);
        for (const g of o.groups ?? DEFAULT_GROUPS) expect(groups).toContain(GROUPS[g]);
        if (o.offerPostQuantum) expect(groups).toContain(GROUPS.X25519MLKEM768);
        expect(ext.get(11)).toEqual([0]);
        expect(ext.has(13)).toBe(o.version === 'TLSv1.2' || tls13);
        expect(ext.get(23)).toBe(0);

        if (tls13) {
          expect(ext.get(43)).toEqual(versions.map((v) => VERSION_CODES[v]));
          expect(ext.get(45)).toEqual([1]);
          const shares = o.keyShares ?? ['x25519', 'secp256r1'];
          expect(ext.get(51)).toEqual(
            shares.map((g) => ({ group: GROUPS[g], length: KEY_LENGTHS[g] })),
          );
          for (const g of shares)
            expect(groups, 'a key share’s group is offered').toContain(GROUPS[g]);
        } else {
          for (const t of [43, 45, 51]) expect(ext.has(t)).toBe(false);
        }

        // RFC 7685: never 256–511 bytes; padding (zeros) last when there is any.
        expect(h.messageLength < 256 || h.messageLength >= 512).toBe(true);
        if (ext.has(21)) {
          expect(types.at(-1)).toBe(21);
          expect((ext.get(21) as number[]).every((b) => b === 0)).toBe(true);
        }
        const known = new Set(Object.keys(decoders).map(Number));
        for (const t of types) expect(known.has(t), `unexpected extension ${t}`).toBe(true);
      }),
      propertyRuns(150),
    );
  });

  it('two builds of the same options differ only in the fresh key shares', () => {
    fc.assert(
      fc.property(options, ({ options: o }) => {
        const fixed = { ...o, random: Buffer.alloc(32, 7), sessionId: Buffer.alloc(32, 9) };
        const a = readHello(buildClientHello(fixed));
        const b = readHello(buildClientHello(fixed));
        expect(b.messageLength).toBe(a.messageLength);
        expect(b.suites).toEqual(a.suites);
        expect(b.extensions?.map((e) => e.type)).toEqual(a.extensions?.map((e) => e.type));
        for (const [i, e] of (a.extensions ?? []).entries()) {
          if (e.type !== 51) expect(b.extensions?.[i]?.data).toEqual(e.data);
        }
      }),
      propertyRuns(50),
    );
  });
});

describe('buildClientHello: bad options are its own RangeError', () => {
  it('a random that is not 32 bytes, a session id over 32, nothing to offer', () => {
    fc.assert(
      fc.property(
        options,
        fc.oneof(
          fc
            .uint8Array({ maxLength: 64 })
            .filter((a) => a.length !== 32)
            .map((a) => ({ random: Buffer.from(a) })),
          fc
            .uint8Array({ minLength: 33, maxLength: 80 })
            .map((a) => ({ sessionId: Buffer.from(a) })),
          fc
            .array(fc.constantFrom(TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV), {
              maxLength: 3,
            })
            .map((suites) => ({
              suites,
              version: 'TLSv1.3' as const,
              supportedVersions: ['TLSv1.3' as const],
              fallbackScsv: false,
            })),
        ),
        ({ options: o }, bad) => {
          expect(() => buildClientHello({ ...o, ...bad })).toThrow(RangeError);
        },
      ),
      propertyRuns(100),
    );
  });
});
