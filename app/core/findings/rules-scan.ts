/**
 * Scan rules: the TLS scanner's facts (what the server ACCEPTS, on connections of the scanner's
 * own) → findings. Pure. They sit beside the negotiated-parameter rules of rules-transport.ts
 * (what YOUR APP GETS) and use the same ids with `negotiated: false`.
 *
 * Severity (design.md): a server that also accepts old versions or weak suites does not endanger
 * a modern client, so these are warnings ("a weaker setting than you could have"), never
 * critical. Two things a modern client does get are judged by what it gets: a key exchange
 * without forward secrecy even for a current app's offer is a warning, and one that would not
 * resist a future quantum computer is info.
 *
 * Only what was proven is claimed: an accepted version or family needs a ServerHello that chose
 * it (scanner facts are `true` only then). Questions the scan could not settle are listed in one
 * info finding, and only when the app's own connection did get TLS (else the probe's findings
 * already say why nothing could be scanned).
 */
import type { ScanFacts, WeakFamily } from '../facts/scan';
import { SCANNED_VERSIONS, WEAK_FAMILIES } from '../facts/scan';
import type { TlsFacts } from '../facts/endpoint';
import type { Finding, FindingSubject } from './types';
import {
  finding,
  lacksForwardSecrecy,
  legacyVersions,
  weakCipherFamilies,
} from './rules-transport';

/** A suite name's weak families, in the scanner's vocabulary. */
function familiesOf(suite: string): WeakFamily[] {
  return weakCipherFamilies({ name: suite, standardName: suite });
}

export function scanFindings(
  scan: ScanFacts,
  subject: FindingSubject,
  negotiated: TlsFacts | null,
): Finding[] {
  const out: Finding[] = [];
  const version = negotiated?.version ?? null;

  // Why: SSL 3.0 is broken (POODLE); accepted beside newer versions it endangers only clients
  // that would pick it.
  if (scan.versions.SSLv3.accepted === true && version !== 'SSLv3') {
    out.push(finding('tls.version.ssl3', 'warning', subject, { negotiated: false }));
  }

  // Why: TLS 1.0/1.1 are deprecated (RFC 8996). When the app's own connection used one, the
  // negotiated finding already says the worse thing.
  const legacy = legacyVersions(
    SCANNED_VERSIONS.filter((v) => v !== 'SSLv3' && scan.versions[v].accepted === true),
  );
  if (legacy.length > 0 && (version === null || legacyVersions([version]).length === 0)) {
    out.push(
      finding('tls.version.legacy', 'warning', subject, { versions: legacy, negotiated: false }),
    );
  }

  // Why: weak families accepted at all (RC4, 3DES, NULL, EXPORT, DES, anonymous); those the
  // app's connection used are already a negotiated finding.
  const used = new Set(negotiated ? weakCipherFamilies(negotiated.cipher) : []);
  const families = WEAK_FAMILIES.filter((f) => scan.weakFamilies[f] === true && !used.has(f));
  if (families.length > 0) {
    const suites = unique(
      scan.acceptedSuites
        .map((s) => s.suite)
        .filter((s) => familiesOf(s).some((f) => families.includes(f))),
    );
    out.push(
      finding('tls.cipher.weak', 'warning', subject, { suites, families, negotiated: false }),
    );
  }

  // Why: static key exchange accepted: a stolen server key unlocks recorded traffic of every
  // client that used it. A warning when even a current app's offer ends up without it.
  const usedNoFs =
    negotiated !== null && lacksForwardSecrecy(negotiated.version, negotiated.cipher);
  if (scan.nonForwardSecretAccepted === true && !usedNoFs) {
    const example = scan.acceptedSuites.find((s) =>
      lacksForwardSecrecy(s.version, { standardName: s.suite }),
    );
    const modern = scan.modernClient?.forwardSecrecy ?? 'unknown';
    out.push(
      finding('tls.no-forward-secrecy', modern === false ? 'warning' : 'info', subject, {
        cipher: example?.suite ?? 'unknown',
        negotiated: false,
        modernClientForwardSecret: modern,
      }),
    );
  }

  // Why: finite-field DHE under 2048 bits (Logjam) for clients that pick DHE.
  const bits = scan.dhe.primeBits;
  const usedWeakDh =
    negotiated?.keyExchange?.type.toUpperCase() === 'DH' &&
    negotiated.keyExchange.size !== null &&
    negotiated.keyExchange.size < 2048;
  if (bits !== null && bits < 2048 && !usedWeakDh) {
    out.push(finding('tls.dh-weak', 'warning', subject, { bits, negotiated: false }));
  }

  // Why: "harvest now, decrypt later": what a current app gets should resist a future quantum
  // computer. Nothing to fix today: info.
  const modern = scan.modernClient;
  if (modern !== null && modern.postQuantum === false) {
    out.push(
      finding('tls.no-post-quantum', 'info', subject, {
        version: modern.version,
        group: modern.group,
      }),
    );
  }

  // Why: say what is unknown rather than imply it is fine.
  if (negotiated !== null) {
    const versions = SCANNED_VERSIONS.filter((v) => scan.versions[v].accepted === 'unknown');
    const families = WEAK_FAMILIES.filter((f) => scan.weakFamilies[f] === 'unknown');
    const forwardSecrecy = scan.nonForwardSecretAccepted === 'unknown';
    const modernClient = scan.modernClient === null && scan.versions['TLSv1.3'].accepted !== false;
    if (versions.length + families.length > 0 || forwardSecrecy || modernClient) {
      out.push(
        finding('tls.scan-incomplete', 'info', subject, {
          versions,
          families,
          forwardSecrecy,
          modernClient,
          reason: firstFailure(scan),
        }),
      );
    }
  }
  return out;
}

/** The first answer that settled nothing, in one line, for the details. */
function firstFailure(scan: ScanFacts): string | null {
  if (scan.error !== null) return `${scan.error.step}: ${scan.error.message}`;
  const h = scan.handshakes.find((x) =>
    ['reset', 'timeout', 'invalid', 'setup-failed', 'skipped', 'cancelled'].includes(x.outcome),
  );
  if (!h) return null;
  return `${h.question}: ${h.outcome}${h.detail !== undefined ? ` (${h.detail})` : ''}`;
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}
