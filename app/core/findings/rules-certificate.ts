/**
 * Certificate findings from a CertAnalysis (cert/), with the severities of design.md:
 * anything that leaves the server's identity unproven is critical; a private authority is a
 * warning (it can be a knowing choice); interception is critical; revocation-not-checked is info.
 * Every server-supplied string in evidence is escaped here.
 */
import type { CertAnalysis, CertInfo, CertProblem, PathElement } from '../cert/types';
import { escapePreview } from '../net/escape';
import { missingCase, type CertRef, type Finding, type FindingSubject } from './types';

const esc = (s: string): string => escapePreview(s, 300);

function refOf(cert: CertInfo, index: number): CertRef {
  return { index, subject: esc(cert.subject), issuer: esc(cert.issuer), sha256: cert.sha256 };
}

function element(analysis: CertAnalysis, at: number): PathElement {
  const e = analysis.path?.elements[at];
  if (!e) throw new Error(`certificate analysis names path element ${at}, which does not exist`);
  return e;
}

/** The CertRef of a path element: its position as sent, or -1 when it came from a trust store. */
function pathRef(analysis: CertAnalysis, at: number): CertRef {
  const e = element(analysis, at);
  return refOf(e.cert, e.presentedIndex ?? -1);
}

function presentedRef(analysis: CertAnalysis, i: number): CertRef | null {
  const c = analysis.presented[i];
  return c ? refOf(c, i) : null;
}

function one(p: CertProblem, a: CertAnalysis, subject: FindingSubject): Finding {
  switch (p.kind) {
    case 'expired':
      return {
        id: 'cert.expired',
        severity: 'critical',
        subject,
        evidence: {
          cert: pathRef(a, p.at),
          notAfter: element(a, p.at).cert.notAfter,
          daysAgo: p.daysAgo,
        },
      };
    case 'not-yet-valid':
      return {
        id: 'cert.not-yet-valid',
        severity: 'critical',
        subject,
        evidence: {
          cert: pathRef(a, p.at),
          notBefore: element(a, p.at).cert.notBefore,
          hoursAhead: p.hoursAhead,
        },
      };
    case 'clock-suspect':
      // Critical: the connection is refused (or unproven) until the clock is right.
      return {
        id: 'clock.suspect',
        severity: 'critical',
        subject,
        evidence: {
          cert: pathRef(a, p.at),
          skewSeconds: p.skewSeconds,
          basis: 'certificate-validity',
        },
      };
    case 'expiring-soon':
      return {
        id: 'cert.expiring-soon',
        severity: 'warning',
        subject,
        evidence: {
          cert: pathRef(a, p.at),
          notAfter: element(a, p.at).cert.notAfter,
          daysLeft: p.daysLeft,
        },
      };
    case 'self-signed':
      return {
        id: 'cert.self-signed',
        severity: 'critical',
        subject,
        evidence: { cert: pathRef(a, p.at) },
      };
    case 'untrusted-issuer':
      return {
        id: 'cert.untrusted-issuer',
        severity: 'critical',
        subject,
        evidence: { topIssuer: esc(p.topIssuer), cert: pathRef(a, p.at) },
      };
    case 'missing-intermediate':
      return {
        id: 'cert.missing-intermediate',
        severity: 'critical',
        subject,
        evidence: { missingIssuer: esc(p.missingIssuer), cert: pathRef(a, p.at) },
      };
    case 'name-mismatch': {
      const id = a.identity;
      return {
        id: 'cert.name-mismatch',
        severity: 'critical',
        subject,
        evidence: {
          expected: esc(id?.referenceName ?? a.referenceName),
          validFor: (id?.validFor ?? []).map(esc),
          commonNameOnly: id?.commonNameOnly != null ? esc(id.commonNameOnly) : null,
        },
      };
    }
    case 'weak-key': {
      const c = element(a, p.at).cert;
      return {
        id: 'cert.weak-key',
        severity: 'critical',
        subject,
        evidence: {
          cert: pathRef(a, p.at),
          algorithm: c.key.algorithm,
          bits: c.key.bits,
          curve: c.key.curve,
        },
      };
    }
    case 'weak-signature':
      return {
        id: 'cert.weak-signature',
        severity: 'critical',
        subject,
        evidence: {
          cert: pathRef(a, p.at),
          algorithm: element(a, p.at).cert.signatureAlgorithm,
        },
      };
    case 'no-server-auth':
      // Critical: clients that enforce EKU (most) refuse the certificate for a server.
      return {
        id: 'cert.no-server-auth',
        severity: 'critical',
        subject,
        evidence: {
          cert: pathRef(a, p.at),
          extendedKeyUsage: (element(a, p.at).cert.extendedKeyUsage ?? []).map(esc),
        },
      };
    case 'leaf-is-ca':
      return {
        id: 'cert.leaf-is-ca',
        severity: 'warning',
        subject,
        evidence: { cert: pathRef(a, p.at) },
      };
    case 'chain-order': {
      const certs = p.presented
        .map((i) => presentedRef(a, i))
        .filter((r): r is CertRef => r !== null);
      return {
        id: 'cert.chain-order',
        // Misordered or duplicate chains still validate in most clients: a warning, for the provider.
        severity: p.problem === 'extra' ? 'info' : 'warning',
        subject,
        evidence: { problem: p.problem, certs },
      };
    }
    case 'revoked': {
      const o = a.ocsp;
      return {
        id: 'cert.revoked',
        severity: 'critical',
        subject,
        evidence: {
          cert: pathRef(a, p.at),
          revokedAt: o.status === 'revoked' ? (o.revokedAt ?? '') : '',
          reason: o.status === 'revoked' ? o.revocationReason : null,
        },
      };
    }
    case 'revocation-not-checked':
      return {
        id: 'cert.revocation-not-checked',
        severity: 'info',
        subject,
        evidence: { reason: p.reason },
      };
    case 'private-authority':
      return {
        id: 'cert.private-authority',
        severity: 'warning',
        subject,
        evidence: { root: pathRef(a, p.at) },
      };
    case 'intercepted':
      return {
        id: 'cert.intercepted',
        severity: 'critical',
        subject,
        evidence: {
          root: pathRef(a, p.at),
          product: p.product?.product ?? null,
          productKind: p.product?.kind ?? null,
          productAdvice: p.product?.advice ?? null,
        },
      };
    case 'unparsable':
      return {
        id: 'check.incomplete',
        severity: p.presentedIndex === 0 ? 'critical' : 'warning',
        subject,
        evidence: {
          status: `certificate-${p.presentedIndex}-unreadable`,
          error: null,
        },
      };
    default:
      return missingCase(p);
  }
}

/** The certificate findings (and clock.suspect) of one analysed chain. Fails closed: no leaf, no identity. */
export function certificateFindings(analysis: CertAnalysis, subject: FindingSubject): Finding[] {
  const findings = analysis.problems.map((p) => one(p, analysis, subject));
  if (analysis.path === null && !findings.some((f) => f.severity === 'critical')) {
    findings.push({
      id: 'check.incomplete',
      severity: 'critical',
      subject,
      evidence: { status: 'no-certificate', error: null },
    });
  }
  return findings;
}
