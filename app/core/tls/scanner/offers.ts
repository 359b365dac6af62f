/**
 * What the scanner offers: the cipher suites each question puts in its ClientHello, and the
 * categories (weak families, no forward secrecy, finite-field DHE) a suite belongs to.
 *
 * Three lists:
 * - the full registry per version (--detailed: nothing is left out);
 * - the suites servers really implement per version (the default scan's version questions):
 *   the registry without PSK, SRP, Kerberos, GOST and ECCPWD suites, which need a shared key
 *   or a setting no mail server has without being told, and would only make the hello longer;
 * - a current mail app's offer (the "modern client" question), in the order such apps send it:
 *   TLS 1.3 suites, ECDHE with AEAD, ECDHE with CBC, then static RSA last.
 */
import type { WeakFamily } from '../../facts/scan';
import { WEAK_FAMILIES } from '../../facts/scan';
import type { ProtocolVersion } from './client-hello';
import { ALL_SUITES, suiteByName } from './suites';
import type { CipherSuiteInfo, KeyExchange } from './suites';

/** The categories the weakness questions ask about. */
export type SuiteCategory = WeakFamily | 'no-forward-secrecy' | 'dhe';
export const SUITE_CATEGORIES: readonly SuiteCategory[] = [
  ...WEAK_FAMILIES,
  'no-forward-secrecy',
  'dhe',
];

/** Key exchanges that need a pre-shared key or special set-up: never chosen by a default server. */
const SPECIAL_KEY_EXCHANGE: ReadonlySet<KeyExchange> = new Set<KeyExchange>([
  'NULL',
  'KRB5',
  'PSK',
  'DHE_PSK',
  'ECDHE_PSK',
  'RSA_PSK',
  'SRP',
  'ECCPWD',
  'GOST',
  'SCSV',
]);

/** Suites a TLS 1.2 hello may carry but older versions cannot use (AEAD, SHA-2 MACs). */
function tls12Only(s: CipherSuiteInfo): boolean {
  return s.mac === 'AEAD' || s.mac === 'SHA256' || s.mac === 'SHA384';
}

/** Can a server negotiate this suite at this version? (Key exchange aside.) */
export function usableAt(s: CipherSuiteInfo, version: ProtocolVersion): boolean {
  if (s.flags.scsv) return false;
  if (version === 'TLSv1.3') return s.tls13;
  if (s.tls13) return false;
  return version === 'TLSv1.2' || !tls12Only(s);
}

/** The categories of one suite (empty for a strong, forward-secret, non-DHE suite). */
export function categoriesOf(s: CipherSuiteInfo): SuiteCategory[] {
  const out: SuiteCategory[] = [];
  const f = s.flags;
  if (f.null) out.push('null');
  if (f.anonymous) out.push('anonymous');
  if (f.export) out.push('export');
  if (f.des) out.push('des');
  if (f.rc4) out.push('rc4');
  if (f.tripleDes) out.push('3des');
  if (!f.forwardSecrecy && !s.tls13) out.push('no-forward-secrecy');
  if (s.keyExchange === 'DHE' && !f.anonymous) out.push('dhe');
  return out;
}

/** Every registry suite usable at `version`: the --detailed offer. */
export function registrySuites(version: ProtocolVersion): CipherSuiteInfo[] {
  return ALL_SUITES.filter((s) => usableAt(s, version));
}

/** The suites real servers implement, usable at `version`: the default version questions. */
export function implementedSuites(version: ProtocolVersion): CipherSuiteInfo[] {
  return registrySuites(version).filter((s) => !SPECIAL_KEY_EXCHANGE.has(s.keyExchange));
}

/**
 * A version question's offer, ordered so that a server following the client's order still
 * picks a suite with a certificate (the chain as sent comes from it): forward-secret
 * authenticated AEAD first, then other forward-secret authenticated, then static key exchange,
 * weak families, and anonymous/NULL last.
 */
export function versionOffer(version: ProtocolVersion, detailed: boolean): number[] {
  const suites = detailed ? registrySuites(version) : implementedSuites(version);
  const rank = (s: CipherSuiteInfo): number => {
    const cats = categoriesOf(s);
    if (s.flags.anonymous || s.flags.null) return 4;
    if (cats.some((c) => c !== 'no-forward-secrecy' && c !== 'dhe')) return 3;
    if (!s.flags.forwardSecrecy) return 2;
    return s.flags.aead ? 0 : 1;
  };
  return suites
    .map((s, i) => ({ s, i, r: rank(s) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.s.code);
}

/**
 * The suites the weakness chain offers while `unknown` categories remain: every implemented
 * suite (TLS ≤ 1.2 at `version`) in at least one unknown category. A suite of a category already
 * known stays in the offer as long as it also belongs to an unknown one, so a refusal of the
 * offer proves every unknown category absent.
 */
export function weaknessOffer(
  unknown: ReadonlySet<SuiteCategory>,
  version: ProtocolVersion,
): number[] {
  return implementedSuites(version)
    .filter((s) => categoriesOf(s).some((c) => unknown.has(c)))
    .map((s) => s.code);
}

/** IANA names of a current mail app's offer, in its order (see the file comment). */
const MODERN_CLIENT_NAMES = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  'TLS_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_RSA_WITH_AES_128_CBC_SHA',
  'TLS_RSA_WITH_AES_256_CBC_SHA',
] as const;

export const MODERN_CLIENT_SUITES: readonly number[] = MODERN_CLIENT_NAMES.map((name) => {
  const s = suiteByName(name);
  if (!s) throw new Error(`offers: ${name} is not in the suite table`);
  return s.code;
});
