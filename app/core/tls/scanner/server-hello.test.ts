/**
 * The first-flight parser on hand-built server answers: SSL 3, RC4 and EXPORT ServerHellos
 * (which the bed's OpenSSL 3 cannot produce), HelloRetryRequest, downgrade sentinels, alerts and
 * broken input. Recorded answers from a real OpenSSL are in server-hello.openssl.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  HRR_RANDOM,
  MAX_FLIGHT_BYTES,
  MAX_RECORD_LENGTH,
  parseServerFlight,
  wasOffered,
} from './server-hello';

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const u24 = (n: number): Buffer => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);

function record(type: number, payload: Buffer, version = 0x0303): Buffer {
  return Buffer.concat([Buffer.from([type]), u16(version), u16(payload.length), payload]);
}
function handshake(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type]), u24(body.length), body]);
}
function ext(type: number, data: Buffer): Buffer {
  return Buffer.concat([u16(type), u16(data.length), data]);
}
interface HelloSpec {
  version: number;
  suite: number;
  random?: Buffer;
  sessionId?: Buffer;
  compression?: number;
  extensions?: Buffer[];
}
function serverHello(spec: HelloSpec): Buffer {
  const sid = spec.sessionId ?? Buffer.alloc(32, 0xaa);
  const parts = [
    u16(spec.version),
    spec.random ?? Buffer.alloc(32, 0x11),
    Buffer.from([sid.length]),
    sid,
    u16(spec.suite),
    Buffer.from([spec.compression ?? 0]),
  ];
  if (spec.extensions) {
    const all = Buffer.concat(spec.extensions);
    parts.push(u16(all.length), all);
  }
  return handshake(2, Buffer.concat(parts));
}
function certificateMsg(certs: Buffer[]): Buffer {
  const list = Buffer.concat(certs.map((c) => Buffer.concat([u24(c.length), c])));
  return handshake(11, Buffer.concat([u24(list.length), list]));
}
const HELLO_DONE = handshake(14, Buffer.alloc(0));

describe('parseServerFlight: ServerHellos built by hand', () => {
  it('an SSL 3.0 ServerHello choosing RC4-MD5, without extensions', () => {
    const flight = Buffer.concat([
      record(22, serverHello({ version: 0x0300, suite: 0x0004 }), 0x0300),
      record(22, certificateMsg([Buffer.from('leaf'), Buffer.from('ca')]), 0x0300),
      record(22, HELLO_DONE, 0x0300),
    ]);
    const f = parseServerFlight(flight);
    expect(f).toMatchObject({
      kind: 'server-hello',
      version: 0x0300,
      versionName: 'SSLv3',
      cipherSuite: 0x0004,
      compression: 0,
      extensions: [],
      complete: true,
      downgradeSentinel: null,
    });
    if (f.kind !== 'server-hello') throw new Error('unreachable');
    expect(f.certificates?.map(String)).toEqual(['leaf', 'ca']);
  });

  it('a TLS 1.0 ServerHello choosing an EXPORT suite, with RSA ServerKeyExchange', () => {
    const ske = handshake(
      12,
      Buffer.concat([u16(64), Buffer.alloc(64, 0xff), u16(1), Buffer.from([3])]),
    );
    const f = parseServerFlight(
      Buffer.concat([
        record(
          22,
          Buffer.concat([serverHello({ version: 0x0301, suite: 0x0003 }), ske, HELLO_DONE]),
          0x0301,
        ),
      ]),
    );
    expect(f).toMatchObject({
      kind: 'server-hello',
      versionName: 'TLSv1',
      cipherSuite: 0x0003,
      complete: true,
    });
  });

  it('DHE and ECDHE ServerKeyExchange: prime size and named curve', () => {
    const p = Buffer.concat([Buffer.from([0x00, 0x80]), Buffer.alloc(127, 1)]); // a leading zero byte, then 1024 bits
    const dhe = handshake(
      12,
      Buffer.concat([u16(p.length), p, u16(1), Buffer.from([2]), u16(1), Buffer.from([5])]),
    );
    const f1 = parseServerFlight(
      record(22, Buffer.concat([serverHello({ version: 0x0303, suite: 0x009e }), dhe, HELLO_DONE])),
    );
    expect(f1).toMatchObject({ kind: 'server-hello', serverKeyExchange: { dhPrimeBits: 1024 } });
    const ecdhe = handshake(
      12,
      Buffer.concat([Buffer.from([3]), u16(0x0017), Buffer.from([65]), Buffer.alloc(65, 4)]),
    );
    const f2 = parseServerFlight(
      record(
        22,
        Buffer.concat([serverHello({ version: 0x0303, suite: 0xc018 }), ecdhe, HELLO_DONE]),
      ),
    );
    expect(f2).toMatchObject({
      kind: 'server-hello',
      cipherSuite: 0xc018,
      selectedGroup: 0x0017,
      serverKeyExchange: { curve: 0x0017, curveName: 'secp256r1' },
    });
  });

  it('reassembles handshake messages split across records and waits for the rest', () => {
    const msgs = Buffer.concat([
      serverHello({ version: 0x0303, suite: 0xc02f, extensions: [ext(0xff01, Buffer.from([0]))] }),
      certificateMsg([Buffer.alloc(3000, 0x30)]),
      HELLO_DONE,
    ]);
    const records = Buffer.concat([
      record(22, msgs.subarray(0, 10)),
      record(22, msgs.subarray(10, 2000)),
      record(22, msgs.subarray(2000)),
    ]);
    // Byte by byte: never invalid, never complete before the end.
    for (let n = 0; n < records.length; n++) {
      const f = parseServerFlight(records.subarray(0, n));
      expect(['need-more', 'server-hello']).toContain(f.kind);
      if (f.kind === 'server-hello') expect(f.complete).toBe(false);
    }
    const f = parseServerFlight(records);
    expect(f).toMatchObject({ kind: 'server-hello', complete: true, cipherSuite: 0xc02f });
    if (f.kind === 'server-hello') expect(f.certificates?.[0]?.length).toBe(3000);
  });

  it('TLS 1.3: version from supported_versions, group from key_share, complete at once', () => {
    const f = parseServerFlight(
      Buffer.concat([
        record(
          22,
          serverHello({
            version: 0x0303,
            suite: 0x1301,
            extensions: [
              ext(43, u16(0x0304)),
              ext(51, Buffer.concat([u16(0x001d), u16(32), Buffer.alloc(32, 9)])),
            ],
          }),
        ),
        record(20, Buffer.from([1])),
        record(23, Buffer.alloc(100, 0x42)),
      ]),
    );
    expect(f).toMatchObject({
      kind: 'server-hello',
      version: 0x0304,
      versionName: 'TLSv1.3',
      legacyVersion: 0x0303,
      selectedGroup: 0x001d,
      complete: true,
    });
  });

  it('recognises a HelloRetryRequest by its fixed random', () => {
    const f = parseServerFlight(
      record(
        22,
        serverHello({
          version: 0x0303,
          suite: 0x1302,
          random: HRR_RANDOM,
          extensions: [ext(43, u16(0x0304)), ext(51, u16(0x0018))],
        }),
      ),
    );
    expect(f).toEqual({
      kind: 'hello-retry-request',
      cipherSuite: 0x1302,
      selectedGroup: 0x0018,
      version: 0x0304,
    });
  });

  it('reads the TLS 1.3 downgrade sentinel', () => {
    const random = (last: number): Buffer =>
      Buffer.concat([Buffer.alloc(24, 3), Buffer.from('DOWNGRD', 'ascii'), Buffer.from([last])]);
    const f12 = parseServerFlight(
      record(22, serverHello({ version: 0x0303, suite: 0xc02f, random: random(1) })),
    );
    expect(f12).toMatchObject({
      kind: 'server-hello',
      downgradeSentinel: 'tls12',
      complete: false,
    });
    const f11 = parseServerFlight(
      record(22, serverHello({ version: 0x0302, suite: 0xc013, random: random(0) })),
    );
    expect(f11).toMatchObject({ kind: 'server-hello', downgradeSentinel: 'tls11' });
    const none = parseServerFlight(
      record(22, serverHello({ version: 0x0303, suite: 0xc02f, random: random(2) })),
    );
    expect(none).toMatchObject({ downgradeSentinel: null });
  });

  it('exposes whether the chosen suite was offered', () => {
    const f = parseServerFlight(record(22, serverHello({ version: 0x0303, suite: 0x0005 })));
    if (f.kind !== 'server-hello') throw new Error('expected a ServerHello');
    expect(wasOffered([0xc02f, 0xc030], f.cipherSuite)).toBe(false);
    expect(wasOffered([0x0005], f.cipherSuite)).toBe(true);
  });
});

describe('parseServerFlight: alerts', () => {
  it('an alert in place of a hello', () => {
    expect(parseServerFlight(record(21, Buffer.from([2, 40]), 0x0301))).toEqual({
      kind: 'alert',
      level: 2,
      description: 40,
      name: 'handshake_failure',
    });
    expect(parseServerFlight(record(21, Buffer.from([2, 70])))).toMatchObject({
      name: 'protocol_version',
    });
    expect(parseServerFlight(record(21, Buffer.from([2, 199])))).toMatchObject({
      name: 'alert_199',
    });
  });

  it('an alert after the hello ends the flight', () => {
    const f = parseServerFlight(
      Buffer.concat([
        record(22, serverHello({ version: 0x0303, suite: 0xc02f })),
        record(21, Buffer.from([2, 80])),
      ]),
    );
    expect(f).toMatchObject({
      kind: 'server-hello',
      complete: true,
      alertAfterHello: { name: 'internal_error' },
    });
  });
});

describe('parseServerFlight: bad input is a fact, never a throw', () => {
  const hello = record(22, serverHello({ version: 0x0303, suite: 0xc02f }));

  it('a truncated record asks for more; nothing at all too', () => {
    expect(parseServerFlight(Buffer.alloc(0))).toEqual({ kind: 'need-more' });
    expect(parseServerFlight(hello.subarray(0, 3))).toEqual({ kind: 'need-more' });
    expect(parseServerFlight(hello.subarray(0, hello.length - 1))).toEqual({ kind: 'need-more' });
  });

  it('an oversized record length', () => {
    const header = Buffer.concat([Buffer.from([22]), u16(0x0303), u16(MAX_RECORD_LENGTH + 1)]);
    expect(parseServerFlight(header)).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/oversized record/),
    });
    expect(
      parseServerFlight(Buffer.concat([Buffer.from([22]), u16(0x0303), u16(0xffff)])),
    ).toMatchObject({ kind: 'invalid' });
  });

  it('an oversized handshake message length', () => {
    const msg = Buffer.concat([Buffer.from([2]), u24(0xffffff)]);
    expect(parseServerFlight(record(22, msg))).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/oversized handshake/),
    });
  });

  it('inconsistent lengths inside the ServerHello', () => {
    const body = Buffer.concat([u16(0x0303), Buffer.alloc(32), Buffer.from([40])]); // session id 40 > 32
    expect(parseServerFlight(record(22, handshake(2, body)))).toMatchObject({ kind: 'invalid' });
    const short = handshake(2, Buffer.concat([u16(0x0303), Buffer.alloc(10)]));
    expect(parseServerFlight(record(22, short))).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/truncated/),
    });
    const badExt = serverHello({
      version: 0x0303,
      suite: 0xc02f,
      extensions: [Buffer.from([0xff, 0x01, 0x00, 0x09, 0])],
    });
    expect(parseServerFlight(record(22, badExt))).toMatchObject({ kind: 'invalid' });
    const dup = serverHello({
      version: 0x0303,
      suite: 0xc02f,
      extensions: [ext(23, Buffer.alloc(0)), ext(23, Buffer.alloc(0))],
    });
    expect(parseServerFlight(record(22, dup))).toMatchObject({
      kind: 'invalid',
      reason: 'duplicate extension 23',
    });
  });

  it('garbage, plain-text banners and SSLv2-style replies', () => {
    expect(parseServerFlight(Buffer.from('* OK IMAP4rev1 ready\r\n'))).toMatchObject({
      kind: 'invalid',
    });
    expect(parseServerFlight(Buffer.from('220 mail ESMTP\r\n'))).toMatchObject({ kind: 'invalid' });
    // SSLv2 ServerHello: 2-byte header with the high bit set, then message type 4.
    expect(
      parseServerFlight(Buffer.from([0x80, 0x2e, 0x04, 0x00, 0x01, 0x00, 0x02])),
    ).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/SSLv2/),
    });
    expect(parseServerFlight(Buffer.from([22, 9, 9, 0, 1, 0]))).toMatchObject({ kind: 'invalid' });
    expect(parseServerFlight(record(22, handshake(11, Buffer.alloc(3))))).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/expected ServerHello/),
    });
    expect(parseServerFlight(record(23, Buffer.alloc(5)))).toMatchObject({ kind: 'invalid' });
    expect(parseServerFlight(Buffer.alloc(MAX_FLIGHT_BYTES + 1, 22))).toMatchObject({
      kind: 'invalid',
    });
    // Random bytes: the parser may ask for more or refuse, but must not throw.
    let seed = 1;
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.alloc(1 + (i % 300));
      for (let j = 0; j < b.length; j++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        b[j] = seed & 0xff;
      }
      if (i % 2 === 0) b[0] = 22;
      if (i % 4 === 0 && b.length >= 3) b.writeUInt16BE(0x0303, 1);
      expect(() => parseServerFlight(b)).not.toThrow();
    }
    // Mutations of a valid flight.
    for (let i = 5; i < hello.length; i++) {
      const b = Buffer.from(hello);
      b[i] = (b[i] ?? 0) ^ 0xff;
      expect(() => parseServerFlight(b)).not.toThrow();
    }
  });
});
