/**
 * A bounded, incremental parser for the server's first flight: ServerHello (or
 * HelloRetryRequest, or an alert) and, for TLS ≤ 1.2 where they travel in clear, the Certificate
 * and ServerKeyExchange messages. Feed it all bytes received so far; it never throws.
 */
import { groupName, versionName } from './client-hello';
import type { ProtocolVersion } from './client-hello';
import { suiteInfo } from './suites';
import { tlsAlertName } from '../../net/translate';

/** Largest record we accept: 2^14 plaintext + 2048 (the TLSCiphertext limit, RFC 5246 §6.2.3). */
export const MAX_RECORD_LENGTH = 2 ** 14 + 2048;
/** Largest first flight we read (bytes) — a long certificate chain fits easily. */
export const MAX_FLIGHT_BYTES = 256 * 1024;
/** Largest handshake message we accept (a Certificate message included). */
export const MAX_HANDSHAKE_MESSAGE = 128 * 1024;

/** Warning alerts tolerated before the ServerHello (unrecognized_name and the like). */
const MAX_WARNINGS_BEFORE_HELLO = 4;

/** SHA-256("HelloRetryRequest"): the random of every HRR (RFC 8446 §4.1.3). */
export const HRR_RANDOM = Buffer.from(
  'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c',
  'hex',
);
const DOWNGRADE_TLS12 = Buffer.from('444f574e47524401', 'hex'); // "DOWNGRD" 01
const DOWNGRADE_TLS11 = Buffer.from('444f574e47524400', 'hex'); // "DOWNGRD" 00

export interface ServerExtension {
  readonly type: number;
  readonly data: Buffer;
}

export interface ServerKeyExchangeInfo {
  /** DHE / DH_anon: size of the server's prime p. */
  readonly dhPrimeBits?: number;
  /** ECDHE / ECDH_anon: the named curve (group) value and its name when known. */
  readonly curve?: number;
  readonly curveName?: string;
}

export interface ServerHelloResult {
  readonly kind: 'server-hello';
  /** Negotiated version: supported_versions when present (TLS 1.3), else the legacy field. */
  readonly version: number;
  readonly versionName: ProtocolVersion | null;
  readonly legacyVersion: number;
  readonly random: Buffer;
  readonly cipherSuite: number;
  readonly sessionId: Buffer;
  readonly compression: number;
  readonly extensions: readonly ServerExtension[];
  /** TLS 1.3 key_share group (else the ServerKeyExchange curve when known). */
  readonly selectedGroup: number | null;
  /** RFC 8446 §4.1.3: a TLS 1.3 server negotiating TLS 1.2 / ≤ 1.1 says so in its random. */
  readonly downgradeSentinel: 'tls12' | 'tls11' | null;
  /** TLS ≤ 1.2: the Certificate message's DER list, in the order sent. */
  readonly certificates?: readonly Buffer[];
  readonly serverKeyExchange?: ServerKeyExchangeInfo;
  /**
   * True when nothing more is readable in clear: TLS 1.3 (the rest is encrypted), ServerHelloDone
   * seen, or the server moved on (ChangeCipherSpec on resumption, an alert after the hello).
   */
  readonly complete: boolean;
  /** An alert that followed the ServerHello, if any. */
  readonly alertAfterHello?: AlertResult;
}

export interface HelloRetryRequestResult {
  readonly kind: 'hello-retry-request';
  readonly cipherSuite: number;
  readonly selectedGroup: number | null;
  readonly version: number;
}

export interface AlertResult {
  readonly kind: 'alert';
  readonly level: number;
  readonly description: number;
  readonly name: string;
}

export type ServerFlight =
  | { readonly kind: 'need-more' }
  | ServerHelloResult
  | HelloRetryRequestResult
  | AlertResult
  | { readonly kind: 'invalid'; readonly reason: string };

// Alert names come from the one RFC 8446 table the socket layer already keeps.
export { tlsAlertName as alertName } from '../../net/translate';

class Invalid extends Error {}

/** Bounds-checked reader; every overrun becomes an Invalid with a reason. */
class Reader {
  constructor(
    private readonly buf: Buffer,
    private pos = 0,
  ) {}
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  private need(n: number, what: string): void {
    if (this.remaining < n) throw new Invalid(`${what}: truncated`);
  }
  u8(what: string): number {
    this.need(1, what);
    const v = this.buf.readUInt8(this.pos);
    this.pos += 1;
    return v;
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u24(what: string): number {
    this.need(3, what);
    const v = this.buf.readUIntBE(this.pos, 3);
    this.pos += 3;
    return v;
  }
  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

interface HelloParts {
  legacyVersion: number;
  random: Buffer;
  sessionId: Buffer;
  cipherSuite: number;
  compression: number;
  extensions: ServerExtension[];
}

function parseHelloBody(body: Buffer): HelloParts {
  const r = new Reader(body);
  const legacyVersion = r.u16('ServerHello version');
  const random = Buffer.from(r.bytes(32, 'ServerHello random'));
  const sidLen = r.u8('session id length');
  if (sidLen > 32) throw new Invalid(`session id length ${sidLen} > 32`);
  const sessionId = Buffer.from(r.bytes(sidLen, 'session id'));
  const cipherSuite = r.u16('cipher suite');
  const compression = r.u8('compression method');
  const extensions: ServerExtension[] = [];
  if (r.remaining > 0) {
    const total = r.u16('extensions length');
    if (total !== r.remaining) throw new Invalid('extensions length does not match the message');
    const seen = new Set<number>();
    while (r.remaining > 0) {
      const type = r.u16('extension type');
      const len = r.u16('extension length');
      const data = Buffer.from(r.bytes(len, `extension ${type}`));
      if (seen.has(type)) throw new Invalid(`duplicate extension ${type}`);
      seen.add(type);
      extensions.push({ type, data });
    }
  }
  return { legacyVersion, random, sessionId, cipherSuite, compression, extensions };
}

function extData(exts: readonly ServerExtension[], type: number): Buffer | undefined {
  return exts.find((e) => e.type === type)?.data;
}

function selectedVersion(parts: HelloParts): number {
  const sv = extData(parts.extensions, 43);
  if (!sv) return parts.legacyVersion;
  if (sv.length !== 2) throw new Invalid('supported_versions in ServerHello must be 2 bytes');
  return sv.readUInt16BE(0);
}

function keyShareGroup(parts: HelloParts): number | null {
  const ks = extData(parts.extensions, 51);
  if (!ks) return null;
  if (ks.length < 2) throw new Invalid('key_share too short');
  return ks.readUInt16BE(0);
}

function parseCertificates(body: Buffer): Buffer[] {
  const r = new Reader(body);
  const total = r.u24('certificate list length');
  if (total !== r.remaining) throw new Invalid('certificate list length does not match');
  const certs: Buffer[] = [];
  while (r.remaining > 0) {
    const len = r.u24('certificate length');
    if (len === 0) throw new Invalid('empty certificate');
    certs.push(Buffer.from(r.bytes(len, 'certificate')));
  }
  return certs;
}

function bitLength(n: Buffer): number {
  let i = 0;
  while (i < n.length && n.readUInt8(i) === 0) i++;
  if (i === n.length) return 0;
  return (n.length - i - 1) * 8 + (32 - Math.clz32(n.readUInt8(i)));
}

function parseServerKeyExchange(body: Buffer, cipherSuite: number): ServerKeyExchangeInfo {
  const kx = suiteInfo(cipherSuite)?.keyExchange;
  const r = new Reader(body);
  if (kx === 'DHE' || kx === 'DHE_PSK') {
    if (kx === 'DHE_PSK') r.bytes(r.u16('psk identity hint length'), 'psk identity hint');
    const p = r.bytes(r.u16('dh_p length'), 'dh_p');
    return { dhPrimeBits: bitLength(p) };
  }
  if (kx === 'ECDHE' || kx === 'ECDHE_PSK') {
    if (kx === 'ECDHE_PSK') r.bytes(r.u16('psk identity hint length'), 'psk identity hint');
    const curveType = r.u8('curve type');
    if (curveType !== 3) return {}; // explicit curves: no named group to report
    const curve = r.u16('named curve');
    const name = groupName(curve);
    return name ? { curve, curveName: name } : { curve };
  }
  return {};
}

/** Did the server choose a suite we offered? (A server that does not is broken or hostile.) */
export function wasOffered(offered: readonly number[], chosen: number): boolean {
  return offered.includes(chosen);
}

/**
 * Parses the bytes a server has sent so far in answer to a ClientHello.
 * Returns 'need-more' until a decision is possible. For TLS ≤ 1.2 a 'server-hello' with
 * complete=false means more clear-text messages (the certificates) may follow: call again with
 * more bytes, or take it as it is.
 */
export function parseServerFlight(bytes: Buffer): ServerFlight {
  try {
    return parse(bytes);
  } catch (e) {
    if (e instanceof Invalid) return { kind: 'invalid', reason: e.message };
    return { kind: 'invalid', reason: `parser error: ${String(e)}` };
  }
}

function parse(bytes: Buffer): ServerFlight {
  if (bytes.length > MAX_FLIGHT_BYTES) {
    throw new Invalid(`more than ${MAX_FLIGHT_BYTES} bytes without a complete first flight`);
  }
  if (bytes.length === 0) return { kind: 'need-more' };
  const first = bytes.readUInt8(0);
  if (first & 0x80) throw new Invalid('SSLv2-style reply (not a TLS record)');
  if (first < 20 || first > 23) {
    throw new Invalid(`not a TLS record: content type ${first}`);
  }

  let pos = 0;
  let warnings = 0;
  // Handshake bytes not yet consumed as messages, as the record fragments they came in: joined
  // only once a message is complete, since joining on every record is quadratic in a flight of
  // tiny records (about a second for MAX_FLIGHT_BYTES of 1-byte fragments).
  let pending: Buffer[] = [];
  let pendingLength = 0;
  let hello: ServerHelloResult | null = null;
  let certificates: Buffer[] | undefined;
  let ske: ServerKeyExchangeInfo | undefined;
  const withHello = (complete: boolean, alert?: AlertResult): ServerHelloResult => {
    const h = hello as ServerHelloResult;
    const selectedGroup = h.selectedGroup ?? ske?.curve ?? null;
    return {
      ...h,
      selectedGroup,
      ...(certificates ? { certificates } : {}),
      ...(ske ? { serverKeyExchange: ske } : {}),
      complete,
      ...(alert ? { alertAfterHello: alert } : {}),
    };
  };

  while (pos < bytes.length) {
    if (bytes.length - pos < 5) break;
    const type = bytes.readUInt8(pos);
    const major = bytes.readUInt8(pos + 1);
    const minor = bytes.readUInt8(pos + 2);
    const length = bytes.readUInt16BE(pos + 3);
    if (type < 20 || type > 23) throw new Invalid(`unexpected record content type ${type}`);
    if (major !== 3 || minor > 4) {
      throw new Invalid(`unexpected record version ${major}.${minor}`);
    }
    if (length > MAX_RECORD_LENGTH) throw new Invalid(`oversized record (${length} bytes)`);
    if (length === 0 && type !== 23) throw new Invalid('empty record');
    if (bytes.length - pos - 5 < length) break; // record not complete yet
    const fragment = bytes.subarray(pos + 5, pos + 5 + length);
    pos += 5 + length;

    if (type === 21) {
      if (length !== 2) {
        if (hello) return withHello(true); // an encrypted alert after the hello
        throw new Invalid(`alert record of ${length} bytes`);
      }
      const alert: AlertResult = {
        kind: 'alert',
        level: fragment.readUInt8(0),
        description: fragment.readUInt8(1),
        name: tlsAlertName(fragment.readUInt8(1)),
      };
      if (hello) return withHello(true, alert);
      // A warning before the hello (old servers send unrecognized_name, then carry on) is not
      // an answer yet; close_notify and every fatal alert are. A stream of warnings is.
      if (alert.level === 1 && alert.description !== 0) {
        if (++warnings > MAX_WARNINGS_BEFORE_HELLO) {
          throw new Invalid(
            `more than ${MAX_WARNINGS_BEFORE_HELLO} warning alerts before a ServerHello`,
          );
        }
        continue;
      }
      return alert;
    }
    if (type === 20) {
      if (length !== 1 || fragment.readUInt8(0) !== 1)
        throw new Invalid('malformed ChangeCipherSpec');
      if (hello) return withHello(true);
      throw new Invalid('ChangeCipherSpec before ServerHello');
    }
    if (type === 23) {
      if (hello) return withHello(true);
      throw new Invalid('application data before ServerHello');
    }

    // Handshake: reassemble messages across records.
    pending.push(fragment);
    pendingLength += fragment.length;
    while (pendingLength >= 4) {
      if ((pending[0] as Buffer).length < 4) pending = [Buffer.concat(pending)]; // a split header
      const head = pending[0] as Buffer;
      const msgType = head.readUInt8(0);
      const msgLen = head.readUIntBE(1, 3);
      if (msgLen > MAX_HANDSHAKE_MESSAGE) {
        throw new Invalid(`oversized handshake message (${msgLen} bytes)`);
      }
      if (pendingLength < 4 + msgLen) break;
      const hs = pending.length === 1 ? head : Buffer.concat(pending);
      const body = hs.subarray(4, 4 + msgLen);
      const rest = hs.subarray(4 + msgLen);
      pending = rest.length > 0 ? [rest] : [];
      pendingLength = rest.length;

      if (!hello) {
        if (msgType === 0 && msgLen === 0) continue; // HelloRequest: ignore
        if (msgType !== 2) throw new Invalid(`expected ServerHello, got handshake type ${msgType}`);
        const parts = parseHelloBody(body);
        const version = selectedVersion(parts);
        if (parts.random.equals(HRR_RANDOM)) {
          return {
            kind: 'hello-retry-request',
            cipherSuite: parts.cipherSuite,
            selectedGroup: keyShareGroup(parts),
            version,
          };
        }
        const tail = parts.random.subarray(24);
        const sentinel = tail.equals(DOWNGRADE_TLS12)
          ? 'tls12'
          : tail.equals(DOWNGRADE_TLS11)
            ? 'tls11'
            : null;
        hello = {
          kind: 'server-hello',
          version,
          versionName: versionName(version),
          legacyVersion: parts.legacyVersion,
          random: parts.random,
          cipherSuite: parts.cipherSuite,
          sessionId: parts.sessionId,
          compression: parts.compression,
          extensions: parts.extensions,
          selectedGroup: keyShareGroup(parts),
          downgradeSentinel: sentinel,
          complete: false,
        };
        if (version >= 0x0304) return withHello(true); // the rest is encrypted
        continue;
      }
      switch (msgType) {
        case 11:
          if (certificates) throw new Invalid('second Certificate message');
          certificates = parseCertificates(body);
          break;
        case 12:
          if (ske) throw new Invalid('second ServerKeyExchange message');
          ske = parseServerKeyExchange(body, hello.cipherSuite);
          break;
        case 14:
          if (msgLen !== 0) throw new Invalid('ServerHelloDone with a body');
          return withHello(true);
        case 2:
          throw new Invalid('second ServerHello');
        default:
          break; // CertificateStatus, CertificateRequest, …: not needed
      }
    }
  }
  return hello ? withHello(false) : { kind: 'need-more' };
}
