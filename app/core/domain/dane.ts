/**
 * DANE for SMTP (RFC 7672, RFC 6698): does a TLSA record set match the chain an MX presented?
 *
 * SMTP uses only DANE-TA(2) and DANE-EE(3) (§3.1.3: PKIX-TA(0) and PKIX-EE(1) are unusable).
 * DANE-EE matches the server's own certificate or key and ignores names and dates (§3.1.1).
 * DANE-TA matches a certificate the server sent above its own (§3.1.2 asks servers to send it);
 * the server's certificate must chain to it, carry the MX host's name and be within its dates.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { matchesDnsId, namesFromSubjectAltName } from '../tls/identity';
import type { TlsaRecord } from '../dns/resolver';

export type TlsaUsability = 'usable' | 'unusable-usage' | 'unusable-selector' | 'unusable-matching';

export interface TlsaCheck {
  readonly record: TlsaRecord;
  readonly usability: TlsaUsability;
  /** The record matched the chain (and, for DANE-TA, the chain and name held). */
  readonly matched: boolean;
  /** Which certificate it matched (0 = the server's own), or null. */
  readonly matchedIndex: number | null;
  /** Why a DANE-TA record that matched a certificate still fails; null otherwise. */
  readonly problem: string | null;
}

export function usabilityOf(r: TlsaRecord): TlsaUsability {
  if (r.usage !== 2 && r.usage !== 3) return 'unusable-usage';
  if (r.selector !== 0 && r.selector !== 1) return 'unusable-selector';
  if (r.matchingType !== 0 && r.matchingType !== 1 && r.matchingType !== 2)
    return 'unusable-matching';
  return 'usable';
}

function selected(cert: X509Certificate, selector: number): Buffer {
  return selector === 0 ? cert.raw : cert.publicKey.export({ type: 'spki', format: 'der' });
}

function associationMatches(cert: X509Certificate, r: TlsaRecord): boolean {
  const bytes = selected(cert, r.selector);
  const digest =
    r.matchingType === 0
      ? bytes
      : createHash(r.matchingType === 1 ? 'sha256' : 'sha512')
          .update(bytes)
          .digest();
  return digest.toString('hex') === r.data.toLowerCase();
}

/** The certificate at `from` is signed by the one at `from + 1`, and so on up to `to`. */
function chainsTo(chain: readonly X509Certificate[], to: number): boolean {
  for (let i = 0; i < to; i++) {
    const child = chain[i];
    const parent = chain[i + 1];
    if (!child || !parent || !child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      return false;
    }
  }
  return true;
}

/**
 * Checks every record against the chain as sent (DER base64, leaf first). `names`: the MX host
 * and, when its CNAME expansion was secure, the expanded name (§2.2.2), checked for DANE-TA.
 */
export function checkTlsa(
  records: readonly TlsaRecord[],
  chainB64: readonly string[],
  names: readonly string[],
  now: Date = new Date(),
): TlsaCheck[] {
  const chain: X509Certificate[] = [];
  for (const b64 of chainB64) {
    try {
      chain.push(new X509Certificate(Buffer.from(b64, 'base64')));
    } catch {
      break; // a certificate we cannot read ends the usable chain
    }
  }
  return records.map((record): TlsaCheck => {
    const usability = usabilityOf(record);
    const none = { record, usability, matched: false, matchedIndex: null, problem: null };
    if (usability !== 'usable' || chain.length === 0) return none;
    if (record.usage === 3) {
      const leaf = chain[0];
      return leaf && associationMatches(leaf, record)
        ? { ...none, matched: true, matchedIndex: 0 }
        : none;
    }
    // DANE-TA: a certificate above the server's own.
    const index = chain.findIndex((c, i) => i > 0 && associationMatches(c, record));
    if (index < 0) return none;
    const leaf = chain[0] as X509Certificate;
    let problem: string | null = null;
    if (!chainsTo(chain, index)) problem = 'the server’s certificate does not chain to it';
    else if (!names.some((n) => matchesDnsId(n, namesFromSubjectAltName(leaf.subjectAltName)))) {
      problem = `the server’s certificate is not valid for ${names[0] ?? 'the mail server'}`;
    } else if (now < new Date(leaf.validFrom) || now > new Date(leaf.validTo)) {
      problem = 'the server’s certificate is outside its dates';
    }
    return { ...none, matched: problem === null, matchedIndex: index, problem };
  });
}
