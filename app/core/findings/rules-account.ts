/**
 * Account rules: how the user's app is set up, against what the server can do. Pure: the
 * configured endpoint's facts, and (when the app does not use TLS from the first byte) the facts
 * of the same host's implicit-TLS port, give findings.
 *
 * The NDSS 2016 "TLS in the wild" study found apps set to plain text, or to STARTTLS "if
 * available", against servers that support TLS; those are the findings that matter most here.
 *
 * - account.not-using-available-tls: set to plain text while the server offers STARTTLS or
 *   implicit TLS: critical (the password travels readable now); set to "STARTTLS if available":
 *   warning (only an attacker who strips STARTTLS gets it, but the app would not notice).
 * - account.prefer-implicit-tls: set to STARTTLS while implicit TLS works with a verified
 *   certificate on the standard port: info (RFC 8314 §3.3 prefers it; nothing is exposed).
 * - cert.exception-accepted / cert.exception-changed: the user accepted a certificate for this
 *   endpoint earlier (Sealcheck or the app's own exceptions); it matches (info), or the server
 *   now shows another one (critical: the identity the user trusted is gone; a renewal, or
 *   someone in between).
 */
import { createHash } from 'node:crypto';
import type { AccountEndpoint, CertificateException } from '../accounts/model';
import type { EndpointFacts } from '../facts/endpoint';
import { finding, subjectOf } from './rules-transport';
import type { Finding } from './types';

export interface AccountEndpointInput {
  /** The endpoint as the app is set up. */
  readonly configured: AccountEndpoint;
  /** Facts of the configured endpoint (probed with STARTTLS for "if available"). */
  readonly facts: EndpointFacts;
  /** Facts of the same host's implicit-TLS port, when the app does not use it; else null. */
  readonly implicitAlternative: EndpointFacts | null;
  /** Exceptions the user accepted (all of the account's; those for this host:port count). */
  readonly exceptions: readonly CertificateException[];
}

/** SHA-256 of a base64 DER certificate, upper-case colon hex (as mail apps show it). */
export function sha256Of(derBase64: string): string {
  return createHash('sha256')
    .update(Buffer.from(derBase64, 'base64'))
    .digest('hex')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1:');
}

/** Every address completed with TLS whose chain and name verified. */
function verifiedEverywhere(facts: EndpointFacts): boolean {
  return (
    facts.addresses.length > 0 &&
    facts.addresses.every(
      (a) =>
        a.status === 'success' &&
        a.tls !== null &&
        a.tls.verification.chainTrusted &&
        a.tls.verification.nameMatches,
    )
  );
}

/** Some address completed a TLS handshake (the server does offer TLS there). */
function tlsSeen(facts: EndpointFacts): boolean {
  return facts.addresses.some((a) => a.tls !== null);
}

export function accountEndpointFindings(input: AccountEndpointInput): Finding[] {
  const { configured, facts, implicitAlternative: alt } = input;
  const subject = subjectOf(facts);
  const out: Finding[] = [];
  const starttlsOffered = facts.addresses.some(
    (a) => a.starttls?.outcome === 'accepted' && a.tls !== null,
  );
  const implicitPort = alt !== null && tlsSeen(alt) ? alt.target.port : null;

  // Why: the app's own setting leaves the password (none) or the whole session ("if available")
  // to whoever can read or change the network, although the server can do better.
  if (
    (configured.security === 'none' || configured.security === 'starttls-if-available') &&
    (starttlsOffered || implicitPort !== null)
  ) {
    out.push(
      finding(
        'account.not-using-available-tls',
        configured.security === 'none' ? 'critical' : 'warning',
        subject,
        {
          configured: configured.security,
          offers: { starttls: starttlsOffered, implicitPort },
        },
      ),
    );
  }

  // Why: RFC 8314 prefers TLS from the first byte: no plaintext phase at all to attack.
  if (configured.security === 'starttls' && alt !== null && verifiedEverywhere(alt)) {
    out.push(
      finding('account.prefer-implicit-tls', 'info', subject, {
        port: configured.port,
        implicitPort: alt.target.port,
      }),
    );
  }

  // Why: an exception the user accepted is a pin: it either matches, or the identity changed.
  const here = input.exceptions.filter(
    (x) => x.host.toLowerCase() === configured.host.toLowerCase() && x.port === configured.port,
  );
  if (here.length > 0) {
    for (const a of facts.addresses) {
      const leaf = a.tls?.peerChain[0];
      if (leaf === undefined) continue;
      const presented = sha256Of(leaf);
      const match = here.find((x) => x.sha256 === presented);
      const s = subjectOf(facts, a.address);
      out.push(
        match
          ? finding('cert.exception-accepted', 'info', s, {
              sha256: presented,
              acceptedAt: match.acceptedAt,
              origin: match.origin,
            })
          : finding('cert.exception-changed', 'critical', s, {
              accepted: here.map((x) => x.sha256),
              presented,
            }),
      );
    }
  }
  return out;
}
