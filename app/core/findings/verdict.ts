/**
 * Verdicts: one headline per endpoint and per account, from facts and findings. Fails closed:
 * "encrypted-verified" needs positive evidence on every address (the probe completed, TLS was
 * established with a chain, the handshake's own chain and name checks passed) and no critical
 * finding at all. Anything missing or unknown is never good.
 *
 * Order of the endpoint's checks (the first that applies wins):
 *  1. not-encrypted — proven by what was seen: plaintext configured (tls.none), STARTTLS not
 *     offered or failed where the app relies on it, a NULL cipher. This comes before
 *     "could not check" because these failures ARE the result (a refused STARTTLS ends the
 *     probe early by nature), and saying "could not check" would hide a known exposure.
 *  2. could-not-check — no address, any address incomplete, or a check.incomplete finding.
 *     (Past this point a plaintext-configured endpoint is not-encrypted, whatever it offers.)
 *  3. encryption-removable — a STARTTLS endpoint where the server lets the upgrade be skipped
 *     (starttls.optional above info, a password invited before TLS).
 *  4. could-not-check — an address without TLS or without a peer chain (should not happen after
 *     1–3; guards the claim below).
 *  5. encrypted-unverified — the handshake's chain or name check failed on any address, or any
 *     critical finding remains (a certificate problem, or a critical transport weakness).
 *  6. encrypted-verified.
 */
import type { EndpointFacts } from '../facts/endpoint';
import {
  missingCase,
  type EndpointVerdict,
  type Finding,
  type Severity,
  type VerdictKind,
} from './types';

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 0, warning: 1, info: 2 };

/** 0 = critical (worst), 1 = warning, 2 = info: sort ascending for worst first. */
export function severityRank(severity: Severity): number {
  return SEVERITY_RANK[severity];
}

/** The worst severity among the findings, or null when there are none. */
export function worstSeverity(findings: readonly Pick<Finding, 'severity'>[]): Severity | null {
  let worst: Severity | null = null;
  for (const f of findings) {
    if (worst === null || severityRank(f.severity) < severityRank(worst)) worst = f.severity;
  }
  return worst;
}

/** Every address refused the connection: nothing listens there (a port that is not served). */
export function refusedEverywhere(facts: EndpointFacts): boolean {
  return (
    facts.resolveError === null &&
    facts.addresses.length > 0 &&
    facts.addresses.every((a) => a.status === 'connection-refused')
  );
}

/** Findings that prove the app's connection is not encrypted. */
function provesNotEncrypted(f: Finding): boolean {
  switch (f.id) {
    case 'tls.none':
      return true;
    case 'starttls.not-offered':
    case 'starttls.failed':
      // Critical exactly when the app relies on STARTTLS (rules-transport.ts).
      return f.severity === 'critical';
    case 'tls.cipher.weak':
      return f.evidence.negotiated && f.evidence.families.includes('null');
    default:
      return false;
  }
}

/** Findings that say an attacker can make a STARTTLS client's connection unencrypted. */
function makesRemovable(f: Finding): boolean {
  return (
    (f.id === 'starttls.optional' && f.severity !== 'info') || f.id === 'auth.cleartext-before-tls'
  );
}

export function endpointVerdict(
  facts: EndpointFacts,
  findings: readonly Finding[],
): EndpointVerdict {
  return { kind: verdictKind(facts, findings), worst: worstSeverity(findings), findings };
}

function verdictKind(facts: EndpointFacts, findings: readonly Finding[]): VerdictKind {
  if (findings.some(provesNotEncrypted)) return 'not-encrypted';
  if (
    facts.addresses.length === 0 ||
    facts.addresses.some((a) => a.status !== 'success') ||
    findings.some((f) => f.id === 'check.incomplete')
  ) {
    return 'could-not-check';
  }
  // Plaintext configured: whatever the server could do, this app's connection is not encrypted.
  if (facts.target.security === 'none') return 'not-encrypted';
  if (facts.target.security === 'starttls' && findings.some(makesRemovable)) {
    return 'encryption-removable';
  }
  if (facts.addresses.some((a) => a.tls === null || a.tls.peerChain.length === 0)) {
    return 'could-not-check';
  }
  const unverified = facts.addresses.some(
    (a) => a.tls === null || !a.tls.verification.chainTrusted || !a.tls.verification.nameMatches,
  );
  if (unverified || findings.some((f) => f.severity === 'critical')) {
    return 'encrypted-unverified';
  }
  return 'encrypted-verified';
}

/**
 * Worst first. "could-not-check" ranks below the proven problems (they are known and
 * actionable) but above "verified"; "not-served" (a port nothing listens on, in all-ports mode)
 * is neutral and counts only when every endpoint is not served.
 */
const VERDICT_ORDER: readonly VerdictKind[] = [
  'not-encrypted',
  'encryption-removable',
  'encrypted-unverified',
  'could-not-check',
  'encrypted-verified',
  'not-served',
];

/** 0 = worst. */
export function verdictRank(kind: VerdictKind): number {
  switch (kind) {
    case 'not-encrypted':
    case 'encryption-removable':
    case 'encrypted-unverified':
    case 'could-not-check':
    case 'encrypted-verified':
    case 'not-served':
      return VERDICT_ORDER.indexOf(kind);
    default:
      return missingCase(kind);
  }
}

/**
 * The account's headline: the worst of its endpoints' verdicts, with all their findings.
 * No endpoint at all is "could not check" (fail closed).
 */
export function accountVerdict(verdicts: readonly EndpointVerdict[]): EndpointVerdict {
  const findings = verdicts.flatMap((v) => v.findings);
  if (verdicts.length === 0) return { kind: 'could-not-check', worst: null, findings };
  let kind: VerdictKind = 'not-served';
  for (const v of verdicts) if (verdictRank(v.kind) < verdictRank(kind)) kind = v.kind;
  return { kind, worst: worstSeverity(findings), findings };
}
