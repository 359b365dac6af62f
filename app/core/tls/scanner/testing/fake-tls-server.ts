/**
 * Test support: a loopback server that answers ClientHellos the way a TLS server with a given
 * policy would (versions, suites in its order, groups, certificates, DHE size, how it refuses),
 * far enough for the scanner: ServerHello or HelloRetryRequest, then for TLS ≤ 1.2 Certificate,
 * ServerKeyExchange and ServerHelloDone. It never finishes a handshake (the scanner never does).
 *
 * It lets the scanner meet servers the bed's OpenSSL 3 cannot be: SSL 3.0, RC4, EXPORT, DES,
 * post-quantum groups, servers that refuse by closing or resetting, and hostile answers. Each
 * connection's ClientHello is parsed (parseClientHello) and kept for the test to inspect.
 * Not a test itself.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { GROUPS, VERSION_CODES, versionName, type ProtocolVersion } from '../client-hello';
import { HRR_RANDOM } from '../server-hello';
import { suiteInfo } from '../suites';

export interface ParsedClientHello {
  readonly recordVersion: number;
  readonly legacyVersion: number;
  readonly sessionId: Buffer;
  readonly suites: readonly number[];
  readonly extensions: ReadonlyMap<number, Buffer>;
  /** supported_versions, when present. */
  readonly supportedVersions: readonly number[] | null;
  readonly supportedGroups: readonly number[];
  /** key_share: group → key length. */
  readonly keyShares: ReadonlyMap<number, number>;
  readonly serverName: string | null;
  /** The whole handshake message length (4-byte header included). */
  readonly messageLength: number;
}

const u16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u24 = (n: number): Buffer => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
const vec16 = (b: Buffer): Buffer => Buffer.concat([u16(b.length), b]);
const handshake = (type: number, body: Buffer): Buffer =>
  Buffer.concat([Buffer.from([type]), u24(body.length), body]);
const record = (type: number, payload: Buffer, version = 0x0303): Buffer =>
  Buffer.concat([Buffer.from([type]), u16(version), u16(payload.length), payload]);

/** Parses one ClientHello record (throws on anything else: the tests want to know). */
export function parseClientHello(bytes: Buffer): ParsedClientHello {
  if (bytes.length < 9 || bytes[0] !== 22) throw new Error('not a handshake record');
  const recordVersion = bytes.readUInt16BE(1);
  const length = bytes.readUInt16BE(3);
  const body = bytes.subarray(5, 5 + length);
  if (body[0] !== 1) throw new Error('not a ClientHello');
  const msgLen = body.readUIntBE(1, 3);
  let p = 4;
  const legacyVersion = body.readUInt16BE(p);
  p += 2 + 32;
  const sidLen = body.readUInt8(p);
  const sessionId = Buffer.from(body.subarray(p + 1, p + 1 + sidLen));
  p += 1 + sidLen;
  const suitesLen = body.readUInt16BE(p);
  p += 2;
  const suites: number[] = [];
  for (let i = 0; i < suitesLen; i += 2) suites.push(body.readUInt16BE(p + i));
  p += suitesLen;
  p += 1 + body.readUInt8(p); // compression methods
  const extensions = new Map<number, Buffer>();
  if (p < 4 + msgLen) {
    const end = p + 2 + body.readUInt16BE(p);
    p += 2;
    while (p < end) {
      const type = body.readUInt16BE(p);
      const len = body.readUInt16BE(p + 2);
      extensions.set(type, Buffer.from(body.subarray(p + 4, p + 4 + len)));
      p += 4 + len;
    }
  }
  const sv = extensions.get(43);
  const supportedVersions = sv
    ? Array.from({ length: (sv.readUInt8(0) / 2) | 0 }, (_, i) => sv.readUInt16BE(1 + 2 * i))
    : null;
  const sg = extensions.get(10);
  const supportedGroups = sg
    ? Array.from({ length: sg.readUInt16BE(0) / 2 }, (_, i) => sg.readUInt16BE(2 + 2 * i))
    : [];
  const keyShares = new Map<number, number>();
  const ks = extensions.get(51);
  if (ks) {
    let q = 2;
    while (q < ks.length) {
      const group = ks.readUInt16BE(q);
      const len = ks.readUInt16BE(q + 2);
      keyShares.set(group, len);
      q += 4 + len;
    }
  }
  const sni = extensions.get(0);
  const serverName = sni ? sni.subarray(5, 5 + sni.readUInt16BE(3)).toString('ascii') : null;
  return {
    recordVersion,
    legacyVersion,
    sessionId,
    suites,
    extensions,
    supportedVersions,
    supportedGroups,
    keyShares,
    serverName,
    messageLength: 4 + msgLen,
  };
}

/** How the server refuses a hello it cannot serve. */
export type Refusal = 'alert' | 'close' | 'reset' | 'silence';

export interface FakeTlsPolicy {
  readonly versions: readonly ProtocolVersion[];
  /** Accepted suites in the server's order (TLS 1.3 suites among them for TLS 1.3). */
  readonly suites: readonly number[];
  /** Default true: the server picks by its own order; false: by the client's. */
  readonly serverPreference?: boolean;
  /** TLS 1.3 groups in the server's order (default x25519, secp256r1). */
  readonly groups?: readonly number[];
  /** TLS 1.2 ECDHE curve (default x25519). */
  readonly curve?: number;
  /** Certificates (DER) for the Certificate message of TLS ≤ 1.2. Default: one dummy. */
  readonly certificates?: readonly Buffer[];
  /** DHE prime size in bits (default 2048). */
  readonly dhPrimeBits?: number;
  /** Refusal for an unusable hello (default alert). */
  readonly refuse?: Refusal;
  /** Suites allowed only at these versions (e.g. EXPORT at TLS 1.0 only). */
  readonly suitesOnlyAt?: ReadonlyMap<number, readonly ProtocolVersion[]>;
  /**
   * Replaces the answer for a hello, e.g. for hostile cases: return bytes to send (then the
   * connection is closed after a short while), or null to follow the policy.
   */
  readonly override?: (hello: ParsedClientHello, socket: Socket) => Buffer | 'handled' | null;
}

export interface FakeTlsServer {
  readonly host: string;
  readonly port: number;
  /** Every ClientHello received, in order. */
  readonly hellos: ParsedClientHello[];
  /** Connections accepted. */
  connections(): number;
  close(): Promise<void>;
}

const ALERT_HANDSHAKE_FAILURE = 40;
const ALERT_PROTOCOL_VERSION = 70;

export function alertRecord(description: number, level = 2, version = 0x0303): Buffer {
  return record(21, Buffer.from([level, description]), version);
}

function refuse(socket: Socket, how: Refusal, description: number, version: number): void {
  switch (how) {
    case 'alert':
      socket.end(alertRecord(description, 2, version));
      return;
    case 'close':
      socket.end();
      return;
    case 'reset':
      socket.resetAndDestroy();
      return;
    case 'silence':
      return;
  }
}

/** The answer the policy gives to one hello, or a refusal. */
export function answerFor(
  policy: FakeTlsPolicy,
  hello: ParsedClientHello,
): { bytes: Buffer } | { refuse: number; version: number } {
  const accepted = new Set(policy.versions.map((v) => VERSION_CODES[v]));
  const accepts13 = accepted.has(VERSION_CODES['TLSv1.3']);
  // The version. A server that knows TLS 1.3 reads supported_versions (RFC 8446 §4.2.1); an
  // older one ignores the extension and takes the highest it accepts up to legacy_version.
  let version: number | null = null;
  if (accepts13 && hello.supportedVersions) {
    const listed = [...accepted].filter((v) => hello.supportedVersions?.includes(v));
    version = listed.length > 0 ? Math.max(...listed) : null;
  } else {
    const max = Math.min(hello.legacyVersion, VERSION_CODES['TLSv1.2']);
    const candidates = [...accepted].filter((v) => v <= max);
    version = candidates.length > 0 ? Math.max(...candidates) : null;
  }
  const recordVersion = Math.min(hello.legacyVersion, 0x0303);
  if (version === null) return { refuse: ALERT_PROTOCOL_VERSION, version: recordVersion };
  const name = versionName(version) as ProtocolVersion;
  const usable = (code: number): boolean => {
    const info = suiteInfo(code);
    if (!info) return false;
    if (info.tls13 !== (version === VERSION_CODES['TLSv1.3'])) return false;
    const only = policy.suitesOnlyAt?.get(code);
    return only === undefined || only.includes(name);
  };
  const serverOrder = policy.serverPreference ?? true;
  const pool = serverOrder
    ? policy.suites.filter((s) => usable(s) && hello.suites.includes(s))
    : hello.suites.filter((s) => usable(s) && policy.suites.includes(s));
  const suite = pool[0];
  if (suite === undefined) return { refuse: ALERT_HANDSHAKE_FAILURE, version: recordVersion };

  if (version === VERSION_CODES['TLSv1.3']) {
    const groups = policy.groups ?? [GROUPS.x25519, GROUPS.secp256r1];
    const shared = groups.find((g) => hello.keyShares.has(g));
    if (shared === undefined) {
      const wanted = groups.find((g) => hello.supportedGroups.includes(g));
      if (wanted === undefined) return { refuse: ALERT_HANDSHAKE_FAILURE, version: 0x0303 };
      const exts = Buffer.concat([ext(43, u16(version)), ext(51, u16(wanted))]);
      return {
        bytes: record(22, serverHelloBody(0x0303, HRR_RANDOM, hello.sessionId, suite, exts)),
      };
    }
    const share = Buffer.concat([u16(shared), vec16(randomBytes(keyLength(shared)))]);
    const exts = Buffer.concat([ext(43, u16(version)), ext(51, share)]);
    return {
      bytes: record(22, serverHelloBody(0x0303, randomBytes(32), hello.sessionId, suite, exts)),
    };
  }

  // TLS ≤ 1.2 (and SSL 3): hello, certificate, key exchange, done, in one record.
  const random = randomBytes(32);
  if (accepts13 && version <= VERSION_CODES['TLSv1.2']) {
    Buffer.from(
      version === VERSION_CODES['TLSv1.2'] ? '444f574e47524401' : '444f574e47524400',
      'hex',
    ).copy(random, 24);
  }
  const exts = version === VERSION_CODES.SSLv3 ? null : ext(0xff01, Buffer.from([0]));
  const messages = [serverHelloBody(version, random, hello.sessionId, suite, exts)];
  const info = suiteInfo(suite);
  if (info && info.authentication !== 'anon') {
    const certs = policy.certificates ?? [Buffer.from('30030a0100', 'hex')];
    const list = Buffer.concat(certs.map((c) => Buffer.concat([u24(c.length), c])));
    messages.push(handshake(11, Buffer.concat([u24(list.length), list])));
  }
  if (info?.keyExchange === 'DHE') {
    const bits = policy.dhPrimeBits ?? 2048;
    const p = randomBytes(bits / 8);
    p[0] = (p[0] ?? 0) | 0x80;
    messages.push(
      handshake(
        12,
        Buffer.concat([
          vec16(p),
          vec16(Buffer.from([2])),
          vec16(randomBytes(bits / 8)),
          u16(0x0401),
          vec16(randomBytes(64)),
        ]),
      ),
    );
  } else if (info?.keyExchange === 'ECDHE') {
    const curve = policy.curve ?? GROUPS.x25519;
    const point = randomBytes(keyLength(curve));
    messages.push(
      handshake(
        12,
        Buffer.concat([
          Buffer.from([3]),
          u16(curve),
          Buffer.from([point.length]),
          point,
          u16(0x0403),
          vec16(randomBytes(64)),
        ]),
      ),
    );
  }
  messages.push(handshake(14, Buffer.alloc(0)));
  return {
    bytes: record(22, Buffer.concat(messages), version === VERSION_CODES.SSLv3 ? 0x0300 : version),
  };
}

function ext(type: number, data: Buffer): Buffer {
  return Buffer.concat([u16(type), vec16(data)]);
}

function keyLength(group: number): number {
  if (group === GROUPS.x25519) return 32;
  if (group === GROUPS.secp256r1) return 65;
  if (group === GROUPS.secp384r1) return 97;
  if (group === GROUPS.X25519MLKEM768) return 1088 + 32; // ciphertext + X25519 share
  return 32;
}

/** A ServerHello handshake message (extensions null: none at all, as in SSL 3). */
export function serverHelloBody(
  version: number,
  random: Buffer,
  sessionId: Buffer,
  suite: number,
  extensions: Buffer | null,
): Buffer {
  const parts = [
    u16(version),
    random,
    Buffer.from([sessionId.length]),
    sessionId,
    u16(suite),
    Buffer.from([0]),
  ];
  if (extensions !== null) parts.push(vec16(extensions));
  return handshake(2, Buffer.concat(parts));
}

export { record as tlsRecord };

/** Starts the server on 127.0.0.1 with an ephemeral port. */
export async function startFakeTlsServer(policy: FakeTlsPolicy): Promise<FakeTlsServer> {
  const hellos: ParsedClientHello[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 5 || buf.length < 5 + buf.readUInt16BE(3)) return;
      socket.off('data', onData);
      const hello = parseClientHello(buf);
      hellos.push(hello);
      const custom = policy.override?.(hello, socket) ?? null;
      if (custom === 'handled') return;
      if (custom !== null) {
        socket.write(custom);
        setTimeout(() => socket.end(), 20);
        return;
      }
      const answer = answerFor(policy, hello);
      if ('bytes' in answer) {
        socket.write(answer.bytes);
        // A real server now waits for our key exchange; we hang up long before.
        return;
      }
      refuse(socket, policy.refuse ?? 'alert', answer.refuse, answer.version);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    host: '127.0.0.1',
    port: address.port,
    hellos,
    connections: () => connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
