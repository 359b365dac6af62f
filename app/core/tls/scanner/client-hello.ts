/**
 * Builds raw ClientHello records for SSL 3.0 … TLS 1.3, so the scanner can ask a server about
 * versions and suites that Node's TLS stack refuses to offer.
 *
 * Details that decide whether a scan works:
 * - record layer version 0x0301 (0x0300 for SSL 3 hellos): some servers drop hellos whose record
 *   version is higher than they know;
 * - a 32-byte legacy session id (TLS 1.3 middlebox compatibility, RFC 8446 D.4);
 * - RFC 7685 padding so the handshake message is never 256–511 bytes long (the length some
 *   F5 devices mistake for SSLv2);
 * - valid key shares (real x25519 and secp256r1 public keys), so a TLS 1.3 server answers with a
 *   ServerHello rather than an alert;
 * - no extensions at all in SSL 3 hellos;
 * - the whole hello in one Buffer, to be written in one write.
 */
import { createECDH, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV } from './suites';

export type ProtocolVersion = 'SSLv3' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export const VERSION_CODES: Readonly<Record<ProtocolVersion, number>> = {
  SSLv3: 0x0300,
  TLSv1: 0x0301,
  'TLSv1.1': 0x0302,
  'TLSv1.2': 0x0303,
  'TLSv1.3': 0x0304,
};

export function versionName(code: number): ProtocolVersion | null {
  for (const [name, c] of Object.entries(VERSION_CODES)) {
    if (c === code) return name as ProtocolVersion;
  }
  return null;
}

/** Named groups (IANA "TLS Supported Groups"). */
export const GROUPS = {
  secp256r1: 0x0017,
  secp384r1: 0x0018,
  secp521r1: 0x0019,
  x25519: 0x001d,
  x448: 0x001e,
  ffdhe2048: 0x0100,
  ffdhe3072: 0x0101,
  ffdhe4096: 0x0102,
  ffdhe6144: 0x0103,
  ffdhe8192: 0x0104,
  // Hybrid and pure ML-KEM groups (draft-ietf-tls-ecdhe-mlkem, draft-ietf-tls-mlkem).
  SecP256r1MLKEM768: 0x11eb,
  X25519MLKEM768: 0x11ec,
  SecP384r1MLKEM1024: 0x11ed,
  MLKEM512: 0x0200,
  MLKEM768: 0x0201,
  MLKEM1024: 0x0202,
} as const;

export type GroupName = keyof typeof GROUPS;

export function groupName(code: number): GroupName | null {
  for (const [name, c] of Object.entries(GROUPS)) {
    if (c === code) return name as GroupName;
  }
  return null;
}

/** Groups whose key exchange resists a future quantum computer ("harvest now, decrypt later"). */
export function isPostQuantumGroup(code: number): boolean {
  return POST_QUANTUM.has(code);
}
const POST_QUANTUM: ReadonlySet<number> = new Set([
  GROUPS.SecP256r1MLKEM768,
  GROUPS.X25519MLKEM768,
  GROUPS.SecP384r1MLKEM1024,
  GROUPS.MLKEM512,
  GROUPS.MLKEM768,
  GROUPS.MLKEM1024,
]);

export const DEFAULT_GROUPS: readonly GroupName[] = [
  'x25519',
  'secp256r1',
  'secp384r1',
  'secp521r1',
  'x448',
  'ffdhe2048',
  'ffdhe3072',
  'ffdhe4096',
];

/** Signature schemes (IANA "TLS SignatureScheme"), broad on purpose: a scanner wants an answer. */
export const SIGNATURE_ALGORITHMS: readonly number[] = [
  0x0403, // ecdsa_secp256r1_sha256
  0x0503, // ecdsa_secp384r1_sha384
  0x0603, // ecdsa_secp521r1_sha512
  0x0807, // ed25519
  0x0808, // ed448
  0x0804, // rsa_pss_rsae_sha256
  0x0805, // rsa_pss_rsae_sha384
  0x0806, // rsa_pss_rsae_sha512
  0x0809, // rsa_pss_pss_sha256
  0x080a, // rsa_pss_pss_sha384
  0x080b, // rsa_pss_pss_sha512
  0x0401, // rsa_pkcs1_sha256
  0x0501, // rsa_pkcs1_sha384
  0x0601, // rsa_pkcs1_sha512
  0x0303, // ecdsa_sha224 (TLS 1.2 pair)
  0x0301, // rsa_sha224 (TLS 1.2 pair)
  0x0402, // dsa_sha256 (TLS 1.2 pair)
  0x0502, // dsa_sha384
  0x0602, // dsa_sha512
  0x0203, // ecdsa_sha1
  0x0201, // rsa_pkcs1_sha1
  0x0202, // dsa_sha1
];

export type KeyShareGroup = 'X25519MLKEM768' | 'x25519' | 'secp256r1';
const DEFAULT_KEY_SHARES: readonly KeyShareGroup[] = ['x25519', 'secp256r1'];

export interface ClientHelloOptions {
  readonly version: ProtocolVersion;
  /** Cipher suite values in preference order (SCSVs are added by the builder as needed). */
  readonly suites: readonly number[];
  /** Host name for SNI; omitted for IP literals and when absent. */
  readonly serverName?: string;
  /** ALPN protocol ids (RFC 7301), e.g. xmpp-client for XMPP's direct TLS; none when absent. */
  readonly alpn?: readonly string[];
  /** supported_groups, in order; default DEFAULT_GROUPS. */
  readonly groups?: readonly GroupName[];
  /** Also offer X25519MLKEM768 (first, without a key share: a server that wants it asks by HRR). */
  readonly offerPostQuantum?: boolean;
  /** TLS 1.3 key shares; default x25519 and secp256r1 (X25519MLKEM768 is 1,216 bytes). */
  readonly keyShares?: readonly KeyShareGroup[];
  /** TLS 1.3: versions for supported_versions, default [TLSv1.3]. */
  readonly supportedVersions?: readonly ProtocolVersion[];
  /** Renegotiation signal: the extension (default for TLS) or the SCSV (always for SSL 3). */
  readonly renegotiation?: 'extension' | 'scsv';
  /** Append TLS_FALLBACK_SCSV (RFC 7507). */
  readonly fallbackScsv?: boolean;
  /** 32 bytes; random when absent (tests pass a fixed value). */
  readonly random?: Buffer;
  /** 32 bytes; random when absent. */
  readonly sessionId?: Buffer;
}

const u8 = (n: number): Buffer => Buffer.from([n & 0xff]);
const u16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u24 = (n: number): Buffer => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
const vec8 = (b: Buffer): Buffer => Buffer.concat([u8(b.length), b]);
const vec16 = (b: Buffer): Buffer => Buffer.concat([u16(b.length), b]);
const u16list = (xs: readonly number[]): Buffer => Buffer.concat(xs.map(u16));
const ext = (type: number, data: Buffer): Buffer => Buffer.concat([u16(type), vec16(data)]);

export const EXT = {
  server_name: 0,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  alpn: 16,
  padding: 21,
  extended_master_secret: 23,
  supported_versions: 43,
  psk_key_exchange_modes: 45,
  key_share: 51,
  renegotiation_info: 0xff01,
} as const;

/** ML-KEM's modulus q (FIPS 203). */
const MLKEM_Q = 3329;
/** ML-KEM-768: k = 3 polynomials of 256 coefficients, 12 bits each, then the 32-byte seed ρ. */
const MLKEM768_EK_BYTES = 3 * 384 + 32;

/**
 * A well-formed ML-KEM-768 encapsulation key: 768 coefficients below q, packed 12 bits each
 * (ByteEncode12), and a random ρ. It passes the server's input checks (FIPS 203 §7.2: length and
 * modulus), so the server can encapsulate to it and answer; the scanner never needs the secret,
 * because it never finishes a handshake.
 */
export function mlkem768EncapsulationKey(): Buffer {
  const out = Buffer.alloc(MLKEM768_EK_BYTES);
  const coefficients: number[] = [];
  while (coefficients.length < 768) {
    const r = randomBytes(2 * (768 - coefficients.length) + 16);
    for (let i = 0; i + 1 < r.length && coefficients.length < 768; i += 2) {
      const v = r.readUInt16BE(i) & 0x0fff;
      if (v < MLKEM_Q) coefficients.push(v); // rejection sampling keeps them uniform below q
    }
  }
  for (let i = 0; i < 768; i += 2) {
    const a = coefficients[i] ?? 0;
    const b = coefficients[i + 1] ?? 0;
    const at = (i / 2) * 3;
    out[at] = a & 0xff;
    out[at + 1] = (a >> 8) | ((b & 0x0f) << 4);
    out[at + 2] = b >> 4;
  }
  randomBytes(32).copy(out, 3 * 384);
  return out;
}

function x25519PublicKey(): Buffer {
  const { publicKey } = generateKeyPairSync('x25519');
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return Buffer.from(der.subarray(der.length - 32)); // raw 32-byte u-coordinate
}

/** A fresh public key for a TLS 1.3 key share, in its wire form (RFC 8446 §4.2.8.2). */
export function keySharePublicKey(group: KeyShareGroup): Buffer {
  if (group === 'x25519') return x25519PublicKey();
  if (group === 'X25519MLKEM768') {
    // draft-ietf-tls-ecdhe-mlkem: for this group the ML-KEM part comes first, then X25519.
    return Buffer.concat([mlkem768EncapsulationKey(), x25519PublicKey()]);
  }
  const ecdh = createECDH('prime256v1');
  return ecdh.generateKeys(); // uncompressed point, 65 bytes
}

/** True for names that must not go into SNI (RFC 6066 §3: no IP literals). */
function isIpLiteral(name: string): boolean {
  return isIP(name.replace(/^\[|\]$/g, '')) !== 0;
}

/** The ClientHello record (record header included), ready for a single socket write. */
export function buildClientHello(options: ClientHelloOptions): Buffer {
  const { version } = options;
  const ssl3 = version === 'SSLv3';
  const tls13 = version === 'TLSv1.3';
  const random = options.random ?? randomBytes(32);
  const sessionId = options.sessionId ?? randomBytes(32);
  if (random.length !== 32) throw new RangeError('random must be 32 bytes');
  if (sessionId.length > 32) throw new RangeError('session id is at most 32 bytes');

  const renegotiation = ssl3 ? 'scsv' : (options.renegotiation ?? 'extension');
  const versions = tls13 ? (options.supportedVersions ?? ['TLSv1.3']) : [version];
  // Renegotiation signalling matters for every offered version below TLS 1.3.
  const offersLegacy = versions.some((v) => v !== 'TLSv1.3');
  const suites = options.suites.filter(
    (s) => s !== TLS_EMPTY_RENEGOTIATION_INFO_SCSV && s !== TLS_FALLBACK_SCSV,
  );
  if (renegotiation === 'scsv' && offersLegacy) suites.push(TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
  if (options.fallbackScsv) suites.push(TLS_FALLBACK_SCSV);
  if (suites.length === 0) throw new RangeError('no cipher suites to offer');
  if (suites.length > 0x7fff) throw new RangeError('too many cipher suites');

  const legacyVersion = tls13 ? 0x0303 : VERSION_CODES[version];
  const head = Buffer.concat([
    u16(legacyVersion),
    random,
    vec8(sessionId),
    vec16(u16list(suites)),
    vec8(Buffer.from([0])), // compression methods: null only
  ]);

  const exts: Buffer[] = [];
  if (!ssl3) {
    if (options.serverName && !isIpLiteral(options.serverName)) {
      const host = Buffer.from(options.serverName, 'ascii');
      exts.push(ext(EXT.server_name, vec16(Buffer.concat([u8(0), vec16(host)]))));
    }
    if (renegotiation === 'extension' && offersLegacy) {
      exts.push(ext(EXT.renegotiation_info, vec8(Buffer.alloc(0))));
    }
    const alpn = (options.alpn ?? []).filter((p) => p.length > 0 && p.length < 256);
    if (alpn.length > 0) {
      const list = Buffer.concat(alpn.map((p) => vec8(Buffer.from(p, 'ascii'))));
      exts.push(ext(EXT.alpn, vec16(list)));
    }
    const groups = (options.groups ?? DEFAULT_GROUPS).map((g) => GROUPS[g]);
    if (options.offerPostQuantum && !groups.includes(GROUPS.X25519MLKEM768)) {
      groups.unshift(GROUPS.X25519MLKEM768);
    }
    // Every group with a key share must be listed in supported_groups too (RFC 8446 §4.2.8),
    // the default shares included.
    const keyShares = options.keyShares ?? DEFAULT_KEY_SHARES;
    if (tls13) {
      for (const g of [...keyShares].reverse()) {
        if (!groups.includes(GROUPS[g])) groups.unshift(GROUPS[g]);
      }
    }
    exts.push(ext(EXT.supported_groups, vec16(u16list(groups))));
    exts.push(ext(EXT.ec_point_formats, vec8(Buffer.from([0])))); // uncompressed
    if (version === 'TLSv1.2' || tls13) {
      exts.push(ext(EXT.signature_algorithms, vec16(u16list(SIGNATURE_ALGORITHMS))));
    }
    exts.push(ext(EXT.extended_master_secret, Buffer.alloc(0)));
    if (tls13) {
      exts.push(ext(EXT.supported_versions, vec8(u16list(versions.map((v) => VERSION_CODES[v])))));
      exts.push(ext(EXT.psk_key_exchange_modes, vec8(Buffer.from([1])))); // psk_dhe_ke
      const shares = keyShares.map((g) =>
        Buffer.concat([u16(GROUPS[g]), vec16(keySharePublicKey(g))]),
      );
      exts.push(ext(EXT.key_share, vec16(Buffer.concat(shares))));
    }
  }

  const bodyWith = (extensions: Buffer[]): Buffer =>
    ssl3 ? head : Buffer.concat([head, vec16(Buffer.concat(extensions))]);

  let body = bodyWith(exts);
  if (!ssl3) {
    // RFC 7685: a handshake message of 256–511 bytes (4-byte header included) is padded to 512.
    const messageLength = 4 + body.length;
    if (messageLength > 0xff && messageLength < 0x200) {
      const padTo = 0x200 - messageLength;
      const dataLength = padTo >= 4 + 1 ? padTo - 4 : 1;
      body = bodyWith([...exts, ext(EXT.padding, Buffer.alloc(dataLength))]);
    }
  }
  const handshake = Buffer.concat([u8(1), u24(body.length), body]);
  if (handshake.length > 0x4000) throw new RangeError('ClientHello exceeds one record');
  return Buffer.concat([u8(22), u16(ssl3 ? 0x0300 : 0x0301), u16(handshake.length), handshake]);
}
