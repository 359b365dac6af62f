/**
 * "Your app": how the main mail clients would likely react to this certificate, from the facts
 * of the analysis only (no wording: explain/clients.ts words each reason). Conservative by
 * design: a reaction is 'warns' or 'accepts' only where the client's documented rules decide it;
 * everything else is 'unknown'.
 *
 * Basis per client:
 * - Thunderbird verifies with Mozilla's certificate library and root program, the same program
 *   Node's bundle copies (possibly at another date). It does not fetch a missing intermediate
 *   from the AIA URL; it may still have one kept from an earlier connection, so that case "may"
 *   warn. It rejects a CA certificate used as a server certificate and an extended key usage
 *   without serverAuth. Roots the user or system added are not known here: 'unknown'.
 * - Apple Mail (macOS 10.15 / iOS 13 and later) applies Apple's rules for TLS server
 *   certificates: names in the subjectAltName (no Common Name), RSA keys of 2048 bits or more,
 *   SHA-2 signatures (leaf and issuing CAs), serverAuth EKU (required from 1 July 2019), at most
 *   825 days for certificates issued from 1 July 2019, and at most 398 days for those issued
 *   from 1 September 2020 under public roots. Whether it fetches a missing intermediate is not
 *   documented: 'unknown'. Apple's root store is not Mozilla's, so trust alone is never claimed.
 * - Outlook on Windows verifies with Windows CryptoAPI, which fetches a missing intermediate
 *   from the certificate's AIA caIssuers URL: with such a URL it "may not" warn ('unknown').
 *   Windows' root store is Microsoft's, so trust alone is never claimed.
 *
 * Every client checks dates and the server name, and none trusts a self-signed certificate it
 * was not told to trust: those warn everywhere.
 */
import { EKU_ANY, EKU_SERVER_AUTH } from './parse';
import type { CertAnalysis, CertInfo, CertProblem } from './types';

export type MailClient = 'thunderbird' | 'apple-mail' | 'outlook-windows';

export const MAIL_CLIENTS: readonly MailClient[] = ['thunderbird', 'apple-mail', 'outlook-windows'];

/** Why a client reacts so. Facts only; explain/clients.ts words them. */
export type ClientReason =
  | 'expired'
  | 'not-yet-valid'
  | 'name-mismatch'
  | 'self-signed'
  | 'revoked'
  | 'untrusted-public-store'
  | 'missing-intermediate-not-fetched'
  | 'missing-intermediate-fetched'
  | 'missing-intermediate-no-url'
  | 'missing-intermediate-unsure'
  | 'leaf-is-ca'
  | 'no-server-auth'
  | 'apple-common-name-only'
  | 'apple-rsa-under-2048'
  | 'apple-sha1'
  | 'apple-validity-too-long'
  | 'apple-eku-missing'
  | 'root-on-this-device'
  | 'own-root-store'
  | 'common-name-only'
  | 'depends-on-clock'
  | 'not-analysed'
  | 'no-known-problem';

export type Reaction = 'warns' | 'accepts' | 'unknown';

export interface ClientReaction {
  readonly client: MailClient;
  readonly reaction: Reaction;
  readonly because: ClientReason;
}

const DAY = 86_400_000;
const APPLE_825_FROM = Date.parse('2019-07-01T00:00:00Z');
const APPLE_398_FROM = Date.parse('2020-09-01T00:00:00Z');
const SHA1_OIDS = new Set([
  '1.2.840.113549.1.1.5', // sha1WithRSAEncryption
  '1.2.840.10045.4.1', // ecdsa-with-SHA1
  '1.2.840.10040.4.3', // dsa-with-sha1
  '1.3.14.3.2.29', // sha1WithRSASignature (OIW)
]);
const MD_OIDS = new Set(['1.2.840.113549.1.1.4', '1.2.840.113549.1.1.2']); // md5, md2 with RSA

type Verdict = readonly [Reaction, ClientReason];

/** Problems every client warns about, in order of certainty. */
function commonWarning(problems: readonly CertProblem[], a: CertAnalysis): ClientReason | null {
  const has = (k: CertProblem['kind']): boolean => problems.some((p) => p.kind === k);
  if (has('expired')) return 'expired';
  // Not yet valid by a little: the device's clock may be wrong, so the user's device may agree.
  if (has('not-yet-valid') && !has('clock-suspect')) return 'not-yet-valid';
  if (has('name-mismatch') && a.identity?.commonNameOnly === null) return 'name-mismatch';
  if (has('self-signed')) return 'self-signed';
  return null;
}

function thunderbird(a: CertAnalysis, leaf: CertInfo): Verdict {
  const common = commonWarning(a.problems, a);
  if (common) return ['warns', common];
  const has = (k: CertProblem['kind']): boolean => a.problems.some((p) => p.kind === k);
  if (has('missing-intermediate')) return ['warns', 'missing-intermediate-not-fetched'];
  if (has('leaf-is-ca')) return ['warns', 'leaf-is-ca'];
  if (ekuWithoutServerAuth(leaf)) return ['warns', 'no-server-auth'];
  // The path ends in no store, and the top certificate's issuer is not in Mozilla's program.
  if (a.path?.end === 'issuer-not-found' || has('untrusted-issuer'))
    return ['warns', 'untrusted-public-store'];
  return verdictByAnchor(a, true);
}

function apple(a: CertAnalysis, leaf: CertInfo): Verdict {
  const common = commonWarning(a.problems, a);
  if (common) return ['warns', common];
  if (a.identity !== null && !a.identity.matches && a.identity.commonNameOnly !== null)
    return ['warns', 'apple-common-name-only'];
  // Whether Apple's trust evaluation fetches a missing issuer for mail is not documented.
  if (a.problems.some((p) => p.kind === 'missing-intermediate'))
    return ['unknown', 'missing-intermediate-unsure'];
  const elements = a.path?.elements ?? [];
  // The leaf and the CAs that issue it; the anchor's own key and self-signature are the store's.
  const checked = a.path?.anchor != null ? elements.slice(0, -1) : elements;
  if (
    checked.some(
      (e) =>
        (e.cert.key.algorithm === 'rsa' || e.cert.key.algorithm === 'rsa-pss') &&
        e.cert.key.bits < 2048,
    )
  )
    return ['warns', 'apple-rsa-under-2048'];
  if (checked.some((e) => SHA1_OIDS.has(e.cert.signatureOid) || MD_OIDS.has(e.cert.signatureOid)))
    return ['warns', 'apple-sha1'];
  if (ekuWithoutServerAuth(leaf)) return ['warns', 'no-server-auth'];
  const from = Date.parse(leaf.notBefore);
  if (leaf.extendedKeyUsage === null && from >= APPLE_825_FROM)
    return ['warns', 'apple-eku-missing'];
  // 825 days applies to every certificate issued from 1 July 2019; 398 days only under Apple's
  // public roots (a chain to a public Mozilla root that Apple lacks warns anyway).
  const days = (Date.parse(leaf.notAfter) - from) / DAY;
  if (
    (from >= APPLE_825_FROM && days > 825) ||
    (a.path?.anchor === 'public' && from >= APPLE_398_FROM && days > 398)
  )
    return ['warns', 'apple-validity-too-long'];
  return verdictByAnchor(a, false);
}

function outlook(a: CertAnalysis): Verdict {
  const common = commonWarning(a.problems, a);
  if (common) return ['warns', common];
  const missing = a.problems.find(
    (p): p is Extract<CertProblem, { kind: 'missing-intermediate' }> =>
      p.kind === 'missing-intermediate',
  );
  if (missing)
    return missing.caIssuersUrl !== null
      ? ['unknown', 'missing-intermediate-fetched']
      : ['unknown', 'missing-intermediate-no-url'];
  return verdictByAnchor(a, false);
}

/** After the rules: what the anchor allows a client to be sure of. */
function verdictByAnchor(a: CertAnalysis, mozillaStore: boolean): Verdict {
  const has = (k: CertProblem['kind']): boolean => a.problems.some((p) => p.kind === k);
  if (has('clock-suspect')) return ['unknown', 'depends-on-clock'];
  if (has('name-mismatch') && a.identity?.commonNameOnly != null)
    return ['unknown', 'common-name-only'];
  if (has('revoked')) return ['unknown', 'revoked'];
  if (a.path === null || has('unparsable')) return ['unknown', 'not-analysed'];
  if (a.path.anchor === 'system' || a.path.anchor === 'extra')
    return ['unknown', 'root-on-this-device'];
  if (a.path.anchor === null) return ['unknown', mozillaStore ? 'not-analysed' : 'own-root-store'];
  // Anchored in the public bundle: Thunderbird uses the same program; the others their own.
  if (!mozillaStore) return ['unknown', 'own-root-store'];
  const blocking = a.problems.some(
    (p) =>
      p.kind !== 'expiring-soon' &&
      p.kind !== 'revocation-not-checked' &&
      p.kind !== 'chain-order' &&
      p.kind !== 'clock-suspect',
  );
  return blocking ? ['unknown', 'not-analysed'] : ['accepts', 'no-known-problem'];
}

function ekuWithoutServerAuth(leaf: CertInfo): boolean {
  const eku = leaf.extendedKeyUsage;
  return eku !== null && !eku.includes(EKU_SERVER_AUTH) && !eku.includes(EKU_ANY);
}

/** How Thunderbird, Apple Mail and Outlook on Windows would likely react to this certificate. */
export function clientReactions(analysis: CertAnalysis): ClientReaction[] {
  const leaf = analysis.path?.elements[0]?.cert ?? null;
  return MAIL_CLIENTS.map((client) => {
    if (leaf === null) return { client, reaction: 'unknown', because: 'not-analysed' };
    const [reaction, because] =
      client === 'thunderbird'
        ? thunderbird(analysis, leaf)
        : client === 'apple-mail'
          ? apple(analysis, leaf)
          : outlook(analysis);
    return { client, reaction, because };
  });
}
