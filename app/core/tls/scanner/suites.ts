/**
 * The IANA cipher suite table with attributes derived from the registry names.
 *
 * The values and names come from suite-table.ts (generated from IANA's registry by
 * gen-suite-table.ts); every attribute below is parsed from the name, which follows
 * TLS_<KX>[_<AUTH>][_EXPORT]_WITH_<CIPHER>_<MAC> for TLS ≤ 1.2 and TLS_<AEAD>_<HASH> for TLS 1.3
 * (RFC 5246 App. A.5, RFC 8446 B.4). suites.test.ts tests the parser.
 */
import { IANA_SUITES } from './suite-table';

export type KeyExchange =
  | 'NULL'
  | 'RSA'
  | 'DH' // static DH from the certificate
  | 'DHE'
  | 'ECDH' // static ECDH from the certificate
  | 'ECDHE'
  | 'KRB5'
  | 'PSK'
  | 'DHE_PSK'
  | 'ECDHE_PSK'
  | 'RSA_PSK'
  | 'SRP'
  | 'ECCPWD'
  | 'GOST' // TLS 1.2 GOST key transport (RFC 9189)
  | 'TLS13' // negotiated separately (key_share), always ephemeral
  | 'SCSV';

export type Authentication =
  | 'NULL'
  | 'RSA'
  | 'DSS'
  | 'ECDSA'
  | 'anon'
  | 'KRB5'
  | 'PSK'
  | 'SRP'
  | 'ECCPWD'
  | 'GOST'
  | 'TLS13' // decided by the certificate and signature_algorithms, not the suite
  | 'SCSV';

export interface CipherSuiteFlags {
  /** Ephemeral key exchange: recorded traffic stays safe if the server's key leaks later. */
  readonly forwardSecrecy: boolean;
  /** No server authentication at all (DH_anon, ECDH_anon, NULL). */
  readonly anonymous: boolean;
  /** No encryption (cipher NULL). */
  readonly null: boolean;
  readonly export: boolean;
  readonly rc4: boolean;
  readonly tripleDes: boolean;
  /** Single DES, including 40-bit DES. */
  readonly des: boolean;
  readonly cbc: boolean;
  readonly aead: boolean;
  /** A signalling value (TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV), not a suite. */
  readonly scsv: boolean;
}

export interface CipherSuiteInfo {
  readonly code: number;
  /** IANA name, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256. */
  readonly name: string;
  readonly keyExchange: KeyExchange;
  readonly authentication: Authentication;
  /** Cipher as named by IANA, e.g. AES_128_GCM, 3DES_EDE_CBC, RC4_40, NULL. */
  readonly cipher: string;
  /** Effective key size in bits (0 for NULL; 112 for 3DES; 40 for EXPORT ciphers). */
  readonly cipherBits: number;
  /** MAC: 'AEAD' for AEAD ciphers, else the HMAC hash as named (MD5, SHA, SHA256, …). */
  readonly mac: string;
  /** A TLS 1.3 suite (usable only with TLS 1.3, and TLS 1.3 uses only these). */
  readonly tls13: boolean;
  readonly flags: CipherSuiteFlags;
}

export type ParsedSuiteName = Omit<CipherSuiteInfo, 'code'>;

const KX: Readonly<Record<string, readonly [KeyExchange, Authentication]>> = {
  NULL: ['NULL', 'NULL'],
  RSA: ['RSA', 'RSA'],
  DH_DSS: ['DH', 'DSS'],
  DH_RSA: ['DH', 'RSA'],
  DHE_DSS: ['DHE', 'DSS'],
  DHE_RSA: ['DHE', 'RSA'],
  // Anonymous DH sends fresh (ephemeral) parameters in ServerKeyExchange, unsigned.
  DH_anon: ['DHE', 'anon'],
  ECDH_ECDSA: ['ECDH', 'ECDSA'],
  ECDH_RSA: ['ECDH', 'RSA'],
  ECDHE_ECDSA: ['ECDHE', 'ECDSA'],
  ECDHE_RSA: ['ECDHE', 'RSA'],
  ECDH_anon: ['ECDHE', 'anon'],
  KRB5: ['KRB5', 'KRB5'],
  PSK: ['PSK', 'PSK'],
  DHE_PSK: ['DHE_PSK', 'PSK'],
  PSK_DHE: ['DHE_PSK', 'PSK'], // RFC 6655 spells TLS_PSK_DHE_WITH_AES_128_CCM_8 this way
  RSA_PSK: ['RSA_PSK', 'RSA'],
  ECDHE_PSK: ['ECDHE_PSK', 'PSK'],
  SRP_SHA: ['SRP', 'SRP'],
  SRP_SHA_RSA: ['SRP', 'RSA'],
  SRP_SHA_DSS: ['SRP', 'DSS'],
  ECCPWD: ['ECCPWD', 'ECCPWD'],
  GOSTR341112_256: ['GOST', 'GOST'],
};

const EPHEMERAL: ReadonlySet<KeyExchange> = new Set<KeyExchange>([
  'DHE',
  'ECDHE',
  'DHE_PSK',
  'ECDHE_PSK',
  'SRP',
  'ECCPWD',
  'TLS13',
]);

/** HMAC hashes / MAC names that end a TLS ≤ 1.2 suite name. */
const MACS = new Set(['NULL', 'MD5', 'SHA', 'SHA256', 'SHA384', 'OMAC', 'IMIT']);

const AEAD_RE = /GCM|CCM|CHACHA20_POLY1305|MGM|AEGIS/;

function cipherBits(cipher: string): number {
  if (cipher === 'NULL') return 0;
  if (/(^|_)40(_|$)|DES40/.test(cipher)) return 40;
  if (cipher.startsWith('3DES')) return 112;
  if (/^DES_CBC$/.test(cipher)) return 56;
  const m = /(?:^|_)(128|256)L?(?:_|$)/.exec(cipher);
  if (m) return Number(m[1]);
  if (/CHACHA20|KUZNYECHIK|MAGMA|28147/.test(cipher)) return 256;
  if (/^(IDEA|SEED|SM4)/.test(cipher)) return 128;
  return 0;
}

function flagsFor(
  kx: KeyExchange,
  auth: Authentication,
  cipher: string,
  exp: boolean,
): CipherSuiteFlags {
  return {
    forwardSecrecy: EPHEMERAL.has(kx),
    anonymous: auth === 'anon' || auth === 'NULL',
    null: cipher === 'NULL',
    export: exp,
    rc4: cipher.startsWith('RC4'),
    tripleDes: cipher.startsWith('3DES'),
    des: /^DES(40)?_CBC/.test(cipher),
    cbc: cipher.includes('CBC'),
    aead: AEAD_RE.test(cipher),
    scsv: false,
  };
}

/**
 * Derives a suite's attributes from its IANA name; null when the name does not follow the
 * registry's naming scheme (the table test requires every registry name to parse).
 */
export function parseSuiteName(name: string): ParsedSuiteName | null {
  if (!name.startsWith('TLS_')) return null;
  if (name.endsWith('_SCSV')) {
    return {
      name,
      keyExchange: 'SCSV',
      authentication: 'SCSV',
      cipher: 'SCSV',
      cipherBits: 0,
      mac: 'SCSV',
      tls13: false,
      flags: {
        forwardSecrecy: false,
        anonymous: false,
        null: false,
        export: false,
        rc4: false,
        tripleDes: false,
        des: false,
        cbc: false,
        aead: false,
        scsv: true,
      },
    };
  }
  const body = name.slice(4);
  const withAt = body.indexOf('_WITH_');
  if (withAt < 0 || /_MGM_[LS]$/.test(body)) {
    // TLS 1.3: TLS_<AEAD>_<HASH> (RFC 8446 B.4), TLS_<HASH>_<HASH> for integrity-only suites
    // (RFC 9150), and the GOST TLS 1.3 suites TLS_GOSTR341112_256_WITH_<AEAD> (RFC 9367).
    let cipher: string;
    let mac: string;
    if (withAt >= 0) {
      cipher = body.slice(withAt + 6);
      mac = 'AEAD';
    } else {
      const m = /^(.+)_(SHA256|SHA384|SHA512|SM3)$/.exec(body);
      const first = m?.[1];
      if (!first) return null;
      if (/^SHA(256|384)$/.test(first)) {
        cipher = 'NULL';
        mac = first;
      } else {
        cipher = first;
        mac = 'AEAD';
      }
    }
    if (mac === 'AEAD' && !AEAD_RE.test(cipher)) return null;
    return {
      name,
      keyExchange: 'TLS13',
      authentication: 'TLS13',
      cipher,
      cipherBits: cipherBits(cipher),
      mac,
      tls13: true,
      flags: flagsFor('TLS13', 'TLS13', cipher, false),
    };
  }
  let kxName = body.slice(0, withAt);
  const exp = kxName.endsWith('_EXPORT');
  if (exp) kxName = kxName.slice(0, -'_EXPORT'.length);
  const kx = KX[kxName];
  if (!kx) return null;
  const tokens = body.slice(withAt + 6).split('_');
  let cipher: string;
  let mac: string;
  const last = tokens[tokens.length - 1] ?? '';
  if (tokens.length >= 2 && MACS.has(last)) {
    cipher = tokens.slice(0, -1).join('_');
    mac = AEAD_RE.test(cipher) ? 'AEAD' : last;
  } else {
    // AES_128_CCM, AES_256_CCM_8: AEAD, the name carries no hash (RFC 6655 uses SHA-256).
    cipher = tokens.join('_');
    if (!AEAD_RE.test(cipher)) return null;
    mac = 'AEAD';
  }
  return {
    name,
    keyExchange: kx[0],
    authentication: kx[1],
    cipher,
    cipherBits: cipherBits(cipher),
    mac,
    tls13: false,
    flags: flagsFor(kx[0], kx[1], cipher, exp),
  };
}

function buildTable(): ReadonlyMap<number, CipherSuiteInfo> {
  const map = new Map<number, CipherSuiteInfo>();
  for (const [code, name] of IANA_SUITES) {
    const parsed = parseSuiteName(name);
    if (!parsed) throw new Error(`suite table: cannot parse ${name}`);
    map.set(code, Object.freeze({ code, ...parsed }));
  }
  return map;
}

const TABLE = buildTable();

/** Every registry suite, in value order. */
export const ALL_SUITES: readonly CipherSuiteInfo[] = [...TABLE.values()];

/** The attributes of a suite value, or null for a value IANA has not assigned (or GREASE). */
export function suiteInfo(code: number): CipherSuiteInfo | null {
  return TABLE.get(code) ?? null;
}

const BY_NAME = new Map(ALL_SUITES.map((s) => [s.name, s]));

export function suiteByName(name: string): CipherSuiteInfo | null {
  return BY_NAME.get(name) ?? null;
}

/** The IANA name, or "0xC0FF (unassigned)" for an unknown value. */
export function suiteName(code: number): string {
  return (
    TABLE.get(code)?.name ?? `0x${code.toString(16).toUpperCase().padStart(4, '0')} (unassigned)`
  );
}

/** The registry suites matching a predicate (SCSVs excluded unless the predicate asks for them). */
export function suitesWhere(
  pred: (s: CipherSuiteInfo) => boolean,
  options: { includeScsv?: boolean } = {},
): CipherSuiteInfo[] {
  return ALL_SUITES.filter((s) => (options.includeScsv || !s.flags.scsv) && pred(s));
}

/** The values of the matching suites, ready for a ClientHello. */
export function suiteCodesWhere(pred: (s: CipherSuiteInfo) => boolean): number[] {
  return suitesWhere(pred).map((s) => s.code);
}

export const TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;
export const TLS_FALLBACK_SCSV = 0x5600;
