/**
 * The judge: endpoint facts → findings → verdict, in one pure call (no network; the clock and
 * the trust stores are passed in). Saved facts can be judged again by a newer Sealcheck.
 *
 * 1. transport findings (rules-transport.ts), per address, merged when identical everywhere;
 *    then what the TLS scan saw the server accept (rules-scan.ts), per address, merged alike;
 * 2. for every address that completed a TLS handshake: the certificate analysis of the chain it
 *    presented (cert/), with the reference identity RFC 9525 / 7817 / 6120 name: the host name
 *    configured, or for XMPP the domain of the address. Addresses presenting the same chain
 *    share one analysis; findings identical on every address are reported once;
 * 3. findings sorted worst first, then by id, then by address; the verdict (verdict.ts).
 *
 * Fail closed: if the certificate analysis throws, the address gets check.incomplete and the
 * verdict cannot be "verified".
 */
import { explainedByClock, hasDateProblem, statedClock } from './rules-clock';
import { analyzeChain, type CertAnalysis, type TrustStores } from '../cert';
import {
  FACTS_SCHEMA,
  type AddressFacts,
  type EndpointFacts,
  type TlsFacts,
} from '../facts/endpoint';
import { certificateFindings } from './rules-certificate';
import { scanFindings } from './rules-scan';
import {
  atMostWarning,
  finding,
  findingKey,
  mergeAcrossAddresses,
  subjectOf,
  transportFindings,
} from './rules-transport';
import type { EndpointVerdict, Finding } from './types';
import { endpointVerdict, severityRank } from './verdict';

export { severityRank, worstSeverity } from './verdict';

export interface JudgeOptions {
  /** The trust stores to validate against (defaultTrustStores(extraRoots) from cert/). */
  readonly trust: TrustStores;
  /** "Now" for validity dates (default: the current time). */
  readonly now?: Date;
}

export interface Judgement {
  readonly facts: EndpointFacts;
  readonly findings: Finding[];
  readonly verdict: EndpointVerdict;
  /** One analysis per distinct chain the addresses presented (for fingerprints, "your app"). */
  readonly certificates: readonly CertAnalysis[];
}

export function judgeEndpoint(facts: EndpointFacts, options: JudgeOptions): Judgement {
  const now = options.now ?? new Date();
  if ((facts.schema as string) !== FACTS_SCHEMA) {
    // Why: saved facts of another schema may mean other things: judge nothing (fail closed).
    const findings: Finding[] = [
      finding('check.incomplete', 'warning', subjectOf(facts), {
        status: 'unsupported-facts-schema',
        error: {
          step: 'close',
          kind: 'protocol',
          message: `facts schema ${String(facts.schema).slice(0, 80)} is not ${FACTS_SCHEMA}`,
        },
      }),
    ];
    return {
      facts,
      findings,
      verdict: { kind: 'could-not-check', worst: 'warning', findings },
      certificates: [],
    };
  }
  const transport = transportFindings(facts);
  const analyses = new Map<string, CertAnalysis | Error>();
  const certificate = certificateFindingsFor(facts, options.trust, now, analyses);
  // The transport findings are already merged; merging again with the certificate ones keeps
  // them as they are (an endpoint-wide finding has no address and stays one).
  const scan = facts.addresses.map((a) =>
    a.scan ? scanFindings(a.scan, subjectOf(facts, a.address), a.tls) : [],
  );
  const findings = sortFindings(
    dedupe([
      ...transport,
      ...mergeAcrossAddresses(scan, facts.addresses.length),
      ...mergeAcrossAddresses(certificate, facts.addresses.length),
    ]),
  );
  const certificates = [...analyses.values()].filter(
    (a): a is CertAnalysis => !(a instanceof Error),
  );
  return { facts, findings, verdict: endpointVerdict(facts, findings), certificates };
}

/** The reference identity: the XMPP domain for XMPP (RFC 6120 §13.7.2.1), else the host name. */
export function referenceNameOf(facts: EndpointFacts): string {
  const { target } = facts;
  return target.protocol === 'xmpp' ? (target.xmppDomain ?? target.host) : target.host;
}

function certificateFindingsFor(
  facts: EndpointFacts,
  trust: TrustStores,
  now: Date,
  analyses: Map<string, CertAnalysis | Error>,
): Finding[][] {
  const service = facts.target.protocol === 'xmpp' ? 'xmpp' : 'mail';
  const referenceName = referenceNameOf(facts);
  return facts.addresses.map((a: AddressFacts) => {
    const tls: TlsFacts | null = a.tls;
    if (tls === null) return [];
    const subject = subjectOf(facts, a.address);
    const { peerChain, chainSource } = chainToJudge(a);
    const key = JSON.stringify([peerChain, chainSource, tls.ocsp.response]);
    let analysis = analyses.get(key);
    if (analysis === undefined) {
      try {
        analysis = analyzeChain({
          peerChain,
          chainSource,
          referenceName,
          service,
          ocspResponse: tls.ocsp.response,
          now,
          trust,
        });
      } catch (err) {
        analysis = err instanceof Error ? err : new Error(String(err));
      }
      analyses.set(key, analysis);
    }
    if (analysis instanceof Error) {
      // Why: an analysis that did not run proves nothing about the certificate (fail closed).
      return [
        finding('check.incomplete', 'warning', subject, {
          status: 'certificate-analysis-error',
          error: {
            step: 'handshake',
            kind: 'protocol',
            message: `certificate analysis failed: ${analysis.message.slice(0, 300)}`,
          },
        }),
      ];
    }
    let found = certificateFindings(analysis, subject);
    const clock = statedClock(a);
    if (clock !== null && hasDateProblem(found)) {
      // Judged again at the time the server states: if that clears every date problem, this
      // computer's clock is the cause (the analysis by this clock stays the one shown).
      let atServerTime: CertAnalysis | null = null;
      try {
        atServerTime = analyzeChain({
          peerChain,
          chainSource,
          referenceName,
          service,
          ocspResponse: tls.ocsp.response,
          now: new Date(now.getTime() + clock.offsetMs),
          trust,
        });
      } catch {
        atServerTime = null;
      }
      const dateKinds = new Set(['expired', 'not-yet-valid', 'clock-suspect']);
      if (atServerTime !== null && !atServerTime.problems.some((p) => dateKinds.has(p.kind))) {
        found = explainedByClock(found, clock);
      }
    }
    const sameServer = (a.sameServerNames ?? []).filter((n) => n.sameAddress === true);
    if (sameServer.length > 0) {
      // The certificate is right for a name that reaches this very server: say which.
      found = found.map((f) =>
        f.id === 'cert.name-mismatch'
          ? { ...f, evidence: { ...f.evidence, sameServer: sameServer.map((n) => n.name) } }
          : f,
      );
    }
    // Why: with plaintext configured the app makes no TLS connection; the certificate is what it
    // would meet after switching to STARTTLS: worth fixing, at most a warning (tls.none is the
    // critical one).
    return facts.target.security === 'none' ? found.map(atMostWarning) : found;
  });
}

/**
 * The chain to judge: the scanner's copy of the server's Certificate message (exactly as sent)
 * when it starts with the same certificate the app's handshake got, else Node's rebuilt chain.
 * A server with two certificates (RSA and ECDSA) may have sent the scanner the other one.
 */
export function chainToJudge(a: AddressFacts): {
  readonly peerChain: readonly string[];
  readonly chainSource: TlsFacts['chainSource'];
} {
  const tls = a.tls;
  const sent = a.scan?.chainAsSent?.certificates;
  if (tls === null) return { peerChain: [], chainSource: 'node-rebuilt' };
  if (sent !== undefined && sent.length > 0 && sent[0] === tls.peerChain[0]) {
    return { peerChain: sent, chainSource: 'as-sent' };
  }
  return { peerChain: tls.peerChain, chainSource: tls.chainSource };
}

function dedupe(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${findingKey(f)}@${f.subject.address ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Worst first, then by id, then by address (endpoint-wide before per-address). */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (x, y) =>
      severityRank(x.severity) - severityRank(y.severity) ||
      compare(x.id, y.id) ||
      compare(x.subject.address ?? '', y.subject.address ?? ''),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
