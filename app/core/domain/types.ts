/**
 * Domain findings: what a domain check's facts mean for mail sent TO the domain, as typed data
 * (the wording is in explain/domain.ts). Kept apart from the endpoint findings: their subject is
 * a domain and, when about one mail server, its MX host; they are judged by domain/judge.ts.
 *
 * Severity, from the domain owner's side (design.md): critical = mail to the domain goes out
 * readable now, or senders that honour the domain's own policy will refuse or delay it;
 * warning = exposed only to an active attacker, or a policy weaker than it could be;
 * info = worth knowing. Optional STARTTLS is the norm between mail servers (RFC 3207): without
 * MTA-STS or DANE it is the warning "nothing forbids falling back to plain text", never critical.
 */
import type { ProbeErrorFact } from '../net/errors';
import type { DnssecState, LookupOutcome } from '../dns/resolver';
import type { Severity } from '../findings/types';
import type { PolicyFetch } from './policy-fetch';
import type { StsMode } from './mta-sts';

export type { Severity } from '../findings/types';

export interface DomainSubject {
  readonly domain: string;
  /** The MX host the finding is about; absent for the domain as a whole. */
  readonly host?: string;
}

/** A TLSA record in presentation form ("3 1 1 ab12…"), for evidence. */
export type TlsaText = string;

export interface DomainFindingEvidence {
  // ── MX and the mail servers on port 25 ──
  /** RFC 7505 null MX: the domain says it receives no mail. */
  'domain.no-mail': Record<string, never>;
  /** The MX question got no usable answer (the domain does not exist, or DNS failed). */
  'domain.dns-failed': {
    readonly outcome: LookupOutcome;
    readonly dnssec: DnssecState;
    readonly error: string | null;
  };
  /** More MX hosts than Sealcheck checks. */
  'mx.not-all-checked': { readonly listed: number; readonly checked: number };
  /** An MX host name has no address: senders skip it (or bounce when it is the only one). */
  'mx.no-address': { readonly outcome: LookupOutcome; readonly error: string | null };
  /** This MX could not be reached or did not finish the SMTP dialog. */
  'mx.unreachable': { readonly status: string; readonly error: ProbeErrorFact | null };
  /** Every MX timed out alike on port 25: this network (not the domain) likely blocks it. */
  'mx.port25-blocked': { readonly hosts: readonly string[]; readonly status: string };
  /** The MX does not offer STARTTLS: mail to it travels as plain text. */
  'mx.no-starttls': { readonly capabilities: readonly string[] };
  /** The MX offers STARTTLS, but the upgrade fails: senders fall back to plain text. */
  'mx.starttls-failed': {
    readonly outcome: 'refused' | 'temporarily-unavailable' | 'handshake-failed';
    readonly reply: readonly string[];
    readonly error: ProbeErrorFact | null;
  };
  /** The MX negotiated TLS 1.0 or 1.1 with a current client. */
  'mx.tls-old': { readonly version: string };
  /**
   * The MX's certificate does not verify for its name. Opportunistic senders deliver anyway
   * (encrypted, not authenticated); MTA-STS and DANE findings say when it matters more.
   */
  'mx.cert-not-verified': {
    readonly problems: readonly string[];
    readonly validFor: readonly string[];
  };

  // ── MTA-STS (RFC 8461) ──
  /** Neither MTA-STS in enforce mode nor DANE protects the domain: STARTTLS can be stripped. */
  'mta-sts.missing': { readonly stsMode: StsMode | null; readonly daneHosts: number };
  /** The `_mta-sts` TXT record is broken, or there are several (senders then ignore it). */
  'mta-sts.record-invalid': {
    readonly kind: 'invalid' | 'several';
    readonly texts: readonly string[];
    readonly problem: string;
  };
  /** A record announces a policy, but the policy cannot be fetched (senders act as if none). */
  'mta-sts.policy-unavailable': {
    readonly url: string;
    readonly kind: Exclude<PolicyFetch['kind'], 'ok'>;
    readonly detail: string;
  };
  'mta-sts.policy-invalid': { readonly url: string; readonly problems: readonly string[] };
  /** Testing mode: senders report failures but still deliver without protection. */
  'mta-sts.testing': { readonly maxAge: number };
  /** Mode none: the domain withdrew its policy. */
  'mta-sts.mode-none': Record<string, never>;
  /** An MX host is not in the policy's mx list: senders honouring it refuse that host. */
  'mta-sts.mx-not-listed': { readonly mode: StsMode; readonly patterns: readonly string[] };
  /** An MX fails the policy's TLS demands (no STARTTLS, or a certificate that does not verify). */
  'mta-sts.mx-fails-policy': {
    readonly mode: StsMode;
    readonly reason: 'no-tls' | 'certificate';
    readonly problems: readonly string[];
  };
  'mta-sts.max-age-short': { readonly maxAge: number };

  // ── TLS-RPT (RFC 8460) ──
  'tls-rpt.missing': Record<string, never>;
  'tls-rpt.invalid': { readonly texts: readonly string[]; readonly problem: string };

  // ── DANE (RFC 7672) ──
  /** Signed TLSA records match what the MX presents: senders with DANE check its identity. */
  'dane.valid': { readonly records: readonly TlsaText[]; readonly usage: 'DANE-EE' | 'DANE-TA' };
  /** Signed TLSA records do not match (or the MX offers no TLS): DANE senders hold mail back. */
  'dane.mismatch': {
    readonly reason: 'no-match' | 'no-tls';
    readonly records: readonly TlsaText[];
    readonly problems: readonly string[];
    readonly presentedSha256: string | null;
  };
  /** The TLSA answer fails DNSSEC validation (SERVFAIL): DANE senders hold mail back. */
  'dane.bogus': { readonly name: string };
  /** Every TLSA record uses a form SMTP senders ignore (PKIX-TA/EE, unknown types). */
  'dane.unusable': { readonly records: readonly TlsaText[] };
  /** TLSA records exist, but their zone (or the host's address) is not signed: senders ignore them. */
  'dane.not-counted': {
    readonly records: readonly TlsaText[];
    readonly why: 'tlsa-insecure' | 'address-insecure';
  };
  /** Some MX hosts have DANE and others not: an attacker can push mail to the others. */
  'dane.partial': { readonly withDane: readonly string[]; readonly without: readonly string[] };
  /** The domain's DNS is not signed (DNSSEC), so DANE cannot protect it. */
  'dane.unsigned': Record<string, never>;
  /** The resolver does not validate, or is not one whose answer counts: DANE was not judged. */
  'dane.cannot-tell': {
    readonly reason: 'not-validating' | 'untrusted-resolver';
    readonly servers: readonly string[];
  };
}

export type DomainFindingId = keyof DomainFindingEvidence;

export type DomainFinding = {
  readonly [K in DomainFindingId]: {
    readonly id: K;
    readonly severity: Severity;
    readonly subject: DomainSubject;
    readonly evidence: DomainFindingEvidence[K];
  };
}[DomainFindingId];

/**
 * One headline for the domain, worst first:
 *   plaintext            some MX takes mail only (or in effect) as plain text;
 *   delivery-at-risk     the domain's own MTA-STS or DANE makes careful senders refuse or delay;
 *   could-not-check      no MX could be checked (DNS failed, port 25 blocked here);
 *   downgrade-possible   encrypted, but nothing forbids falling back to plain text;
 *   protected            MTA-STS enforce or DANE covers every MX and every MX passes it;
 *   no-mail              null MX: the domain receives no mail.
 */
export type DomainVerdictKind =
  | 'plaintext'
  | 'delivery-at-risk'
  | 'could-not-check'
  | 'downgrade-possible'
  | 'protected'
  | 'no-mail';
