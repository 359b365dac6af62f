/**
 * Findings: what the facts mean, as typed data. Computed from facts by pure rules
 * (findings/rules-*.ts), turned into words only by explain/. Every finding has a stable id,
 * a severity from the user's side (design.md), the endpoint it is about, and evidence with the
 * real names and dates, so the wording can say "the certificate is for X, not for Y".
 *
 * Adding an id here breaks compilation wherever findings are handled exhaustively
 * (the explanation catalog, the verdict): that is intended.
 */
import type { Protocol, Security } from '../facts/endpoint';
import type { ProbeErrorFact } from '../net/errors';
import type { ScannedVersion, WeakFamily } from '../facts/scan';

/**
 * critical: your password or mail is exposed now, or the server's identity is not proven for the
 *           connection your app makes;
 * warning:  exposed only under an active attacker, or a weaker setting than you could have;
 * info:     worth knowing, nothing to fix.
 */
export type Severity = 'critical' | 'warning' | 'info';

/** Which endpoint (and which of its addresses) a finding is about. */
export interface FindingSubject {
  readonly host: string;
  readonly port: number;
  readonly protocol: Protocol;
  readonly security: Security;
  /** The address the evidence was seen on, when the finding is about one address only. */
  readonly address?: string;
}

/** A certificate named in evidence: enough to recognise it in a mail client's dialog. */
export interface CertRef {
  /** Position in the chain as the server sent it (0 = the server's own certificate). */
  readonly index: number;
  /** Subject, readable, e.g. "CN=mail.example.org" (escaped server text). */
  readonly subject: string;
  readonly issuer: string;
  /** SHA-256 fingerprint, upper-case colon-hex as mail clients show it. */
  readonly sha256: string;
}

/** Evidence per finding id. */
export interface FindingEvidence {
  // ── transport ──
  /** The connection is not encrypted at all (plaintext configured, or the server offers no TLS). */
  'tls.none': { readonly starttlsOffered: boolean | 'unknown' };
  /** Plaintext port where the server does not offer STARTTLS. */
  'starttls.not-offered': { readonly capabilities: readonly string[] };
  /** STARTTLS offered but not required: an attacker can strip it (most harmful with a lenient client). */
  'starttls.optional': { readonly loginInvitedBeforeTls: boolean | 'unknown' };
  /** The STARTTLS upgrade did not complete (refused, temporarily unavailable, or the handshake failed). */
  'starttls.failed': {
    readonly outcome: 'refused' | 'temporarily-unavailable' | 'handshake-failed';
    readonly reply: readonly string[];
    readonly error: ProbeErrorFact | null;
  };
  /** The server invites a password before encryption is in place. */
  'auth.cleartext-before-tls': { readonly command: string; readonly reply: readonly string[] };
  /** The server runs commands that were sent before TLS, inside TLS (NO STARTTLS, USENIX Sec 2021). */
  'starttls.command-injection': { readonly command: string; readonly evidence: readonly string[] };
  /** The server sent plaintext after its "go ahead" (a buffering bug, or someone injecting). */
  'starttls.plaintext-after-go-ahead': { readonly bytes: number; readonly preview: string };
  /** The connection used, or the server accepts, TLS 1.0 or 1.1. */
  'tls.version.legacy': { readonly versions: readonly string[]; readonly negotiated: boolean };
  'tls.version.ssl3': { readonly negotiated: boolean };
  /** Weak cipher suites (RC4, 3DES, NULL, EXPORT, anonymous) used or accepted. */
  'tls.cipher.weak': {
    readonly suites: readonly string[];
    readonly families: readonly ('rc4' | '3des' | 'null' | 'export' | 'anonymous' | 'des')[];
    readonly negotiated: boolean;
  };
  /** The key exchange does not give forward secrecy (static RSA). */
  'tls.no-forward-secrecy': {
    readonly cipher: string;
    readonly negotiated: boolean;
    /** Accepted only (the scan): does a current mail app's offer still get forward secrecy? */
    readonly modernClientForwardSecret?: boolean | 'unknown';
  };
  /** Finite-field DHE group under 2048 bits (used, or accepted by the server: the scan). */
  'tls.dh-weak': { readonly bits: number; readonly negotiated: boolean };
  /** TLS 1.3 was not used (informational). */
  'tls.no-tls13': { readonly version: string };
  /**
   * The key exchange a current mail app gets would not resist a future quantum computer: traffic
   * recorded today could be decrypted then (informational).
   */
  'tls.no-post-quantum': { readonly version: string; readonly group: string | null };
  /** Questions the TLS scan could not answer (the server did not answer them clearly). */
  'tls.scan-incomplete': {
    readonly versions: readonly ScannedVersion[];
    readonly families: readonly WeakFamily[];
    /** Whether key exchange without forward secrecy is accepted stayed unknown. */
    readonly forwardSecrecy: boolean;
    /** What a current mail app gets stayed unknown. */
    readonly modernClient: boolean;
    /** The first answer that settled nothing, for the details. */
    readonly reason: string | null;
  };

  // ── certificate ──
  'cert.expired': { readonly cert: CertRef; readonly notAfter: string; readonly daysAgo: number };
  'cert.not-yet-valid': {
    readonly cert: CertRef;
    readonly notBefore: string;
    readonly hoursAhead: number;
  };
  /** Not-yet-valid (or just expired) by minutes to a day or two: your clock is the likely cause. */
  'clock.suspect': {
    readonly cert: CertRef;
    /** Estimated offset of this computer's clock, in seconds (negative: behind). */
    readonly skewSeconds: number;
    /**
     * certificate-validity: only the certificate's dates are a little off; server-time: the
     * time the server stated (serverSaid) makes the certificate valid (rules-clock.ts).
     */
    readonly basis: 'certificate-validity' | 'server-time';
    readonly serverSaid?: string;
  };
  'cert.self-signed': { readonly cert: CertRef };
  /** The chain ends at an issuer that no trusted store knows. */
  'cert.untrusted-issuer': { readonly topIssuer: string; readonly cert: CertRef };
  /** The server did not send the certificate that links its own to a trusted root. */
  'cert.missing-intermediate': { readonly missingIssuer: string; readonly cert: CertRef };
  /** The certificate is not valid for the name the user configured. */
  'cert.name-mismatch': {
    readonly expected: string;
    /** The names the certificate IS valid for (DNS names and IP addresses from its SANs). */
    readonly validFor: readonly string[];
    /** The subject's Common Name, when it would match but RFC 9525 ignores it. */
    readonly commonNameOnly: string | null;
    /** Names the certificate is valid for that point to this same server (probe/same-server.ts). */
    readonly sameServer?: readonly string[];
  };
  'cert.weak-key': {
    readonly cert: CertRef;
    readonly algorithm: string;
    readonly bits: number;
    readonly curve: string | null;
  };
  'cert.weak-signature': { readonly cert: CertRef; readonly algorithm: string };
  'cert.revoked': {
    readonly cert: CertRef;
    readonly revokedAt: string;
    readonly reason: string | null;
  };
  /** No stapled OCSP response (the usual case for mail servers): revocation was not checked. */
  'cert.revocation-not-checked': { readonly reason: 'not-stapled' | 'staple-invalid' };
  'cert.no-server-auth': { readonly cert: CertRef; readonly extendedKeyUsage: readonly string[] };
  'cert.leaf-is-ca': { readonly cert: CertRef };
  'cert.expiring-soon': {
    readonly cert: CertRef;
    readonly notAfter: string;
    readonly daysLeft: number;
  };
  'cert.chain-order': {
    readonly problem: 'extra' | 'duplicate' | 'misordered';
    readonly certs: readonly CertRef[];
  };
  /** Trusted only through a root this computer trusts but the public store does not. */
  'cert.private-authority': { readonly root: CertRef };
  /** Same, and the root matches a known interception product, or the server was seen with a public chain. */
  'cert.intercepted': {
    readonly root: CertRef;
    /** The known product's name, its kind and how to switch its scanning off (or null, unknown). */
    readonly product: string | null;
    readonly productKind: 'antivirus' | 'firewall' | 'proxy' | null;
    readonly productAdvice: string | null;
  };

  // ── the account as the app is set up ──
  /**
   * The app is set to plain text, or to "STARTTLS if available", although the server offers
   * encryption: the password goes out readable (none), or whoever removes STARTTLS gets it.
   */
  'account.not-using-available-tls': {
    readonly configured: 'none' | 'starttls-if-available';
    /** What the server offers: STARTTLS on this port, and/or TLS from the first byte on another. */
    readonly offers: { readonly starttls: boolean; readonly implicitPort: number | null };
  };
  /** Set to STARTTLS while the same server offers TLS from the first byte (RFC 8314 prefers it). */
  'account.prefer-implicit-tls': { readonly port: number; readonly implicitPort: number };
  /** The server's certificate is one the user accepted earlier (matched by SHA-256). */
  'cert.exception-accepted': {
    readonly sha256: string;
    readonly acceptedAt: string;
    readonly origin: 'sealcheck' | 'thunderbird';
  };
  /** The user accepted a certificate for this server earlier, and the server now shows another. */
  'cert.exception-changed': { readonly accepted: readonly string[]; readonly presented: string };

  // ── the check itself ──
  /** The check did not complete: nothing after the failed step may be claimed. */
  'check.incomplete': { readonly status: string; readonly error: ProbeErrorFact | null };
}

export type FindingId = keyof FindingEvidence;

export type Finding = {
  readonly [K in FindingId]: {
    readonly id: K;
    readonly severity: Severity;
    readonly subject: FindingSubject;
    readonly evidence: FindingEvidence[K];
  };
}[FindingId];

export type FindingOf<K extends FindingId> = Extract<Finding, { id: K }>;

/** One headline per endpoint (design.md), failing closed. */
export type VerdictKind =
  | 'encrypted-verified'
  | 'encrypted-unverified'
  | 'encryption-removable'
  | 'not-encrypted'
  | 'could-not-check'
  | 'not-served';

export interface EndpointVerdict {
  readonly kind: VerdictKind;
  /** The worst severity among the findings (null when there is none). */
  readonly worst: Severity | null;
  readonly findings: readonly Finding[];
}

/** Thrown by exhaustive switches: a case was added to a union and not handled. */
export function missingCase(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
