/**
 * `sealcheck check`'s second half: the probes' facts judged (findings/judge.ts) against Node's
 * public roots, the system store and the --ca-file roots, explained (core/explain) in the human
 * output, JSON or a help-desk summary in Markdown, and the exit code (check-exit.ts).
 *
 * Loaded by check.ts while the probes run (see its comment on speed).
 */
import {
  anchorIndex,
  clientReactions,
  compareFingerprint,
  defaultTrustStores,
  publicRootsSnapshot,
  type TrustStores,
} from '../core/cert';
import { helpdeskMarkdown } from '../core/explain/helpdesk';
import type { EndpointFacts } from '../core/facts/endpoint';
import { judgeEndpoint, type Judgement } from '../core/findings/judge';
import { endpointStatus, exitCodeFor, type EndpointStatus, type ExitOptions } from './check-exit';
import {
  formatEndpoint,
  formatSharedInfo,
  formatSummary,
  infoText,
  showClients,
  type CertificateExtras,
} from './check-format';
import type { CheckRequest } from './commands/check';
import type { CliIo } from './io';
import { jsonForTerminal, terminalSafe } from './terminal';

/**
 * The trust stores the probes used (the public bundle, the system store and --ca-file), with
 * their index built now: it parses every root, work that fits in the probes' network waits.
 */
export function prepareTrust(extraCa: readonly string[]): TrustStores {
  const trust = defaultTrustStores(extraCa);
  anchorIndex(trust);
  return trust;
}

/** The judge, loaded with the report (check-run.ts judges each endpoint as it arrives). */
export { judgeEndpoint };

export interface ReportContext {
  readonly version: string;
  /** "Now" for certificate dates. */
  readonly now: Date;
}

/** Info texts found on every fully shown endpoint, when there are two or more of them. */
function sharedInfo(judged: readonly Judgement[], statuses: readonly EndpointStatus[]): string[] {
  const shown = judged.filter((_j, i) => statuses[i] !== 'not-served');
  if (shown.length < 2) return [];
  const sets = shown.map(
    (j) => new Set(j.findings.filter((f) => f.severity === 'info').map(infoText)),
  );
  const [first, ...rest] = sets;
  return [...(first ?? [])].filter((t) => rest.every((s) => s.has(t)));
}

/**
 * From the judge's certificate analyses (the ones the findings came from): the
 * "Your app" reactions for the first address's certificate, and the --fingerprint comparison
 * against every address's. Null without a TLS chain or when every analysis throws (the judge
 * already reported check.incomplete then).
 */
export function certificateExtras(
  j: Judgement,
  trust: TrustStores,
  fingerprint: string | null,
): CertificateExtras | null {
  // The judge analysed each distinct chain once; reuse its analyses.
  const analyses = j.certificates;
  const [first] = analyses;
  if (first === undefined) return null;
  let compared: CertificateExtras['fingerprint'];
  if (fingerprint !== null) {
    // Addresses of one name may present different certificates: the best match over all of them.
    const rank = { 'this-server': 0, 'in-chain': 1, different: 2, unreadable: 3 } as const;
    for (const analysis of analyses) {
      const comparison = compareFingerprint(analysis, fingerprint);
      if (compared === undefined || rank[comparison.result] < rank[compared.comparison.result])
        compared = { given: fingerprint, comparison, against: analysis };
    }
  }
  return {
    analysis: first,
    clients: clientReactions(first),
    snapshot: publicRootsSnapshot(trust.publicRoots),
    ...(compared !== undefined ? { fingerprint: compared } : {}),
  };
}

/** One endpoint as --json and --jsonl print it. */
export function jsonEndpoint(
  j: Judgement,
  x: CertificateExtras | null,
  fingerprint: string | null,
  trust: TrustStores,
): Record<string, unknown> {
  return {
    facts: j.facts,
    findings: j.findings,
    // The verdict's own copy of the findings is left out: they are right above.
    verdict: { kind: j.verdict.kind, worst: j.verdict.worst },
    // The certificate of the first address with TLS: how the main mail apps would react,
    // and the --fingerprint comparison (null without a certificate or without the option).
    clients: x?.clients ?? null,
    ...(fingerprint !== null ? { fingerprint: x?.fingerprint?.comparison ?? null } : {}),
    publicRoots: { label: trust.publicRootsLabel, ...publicRootsSnapshot(trust.publicRoots) },
  };
}

/** Judges the facts, prints them as the request asks, and returns the exit code. */
export function reportCheck(
  io: CliIo,
  request: CheckRequest,
  all: readonly EndpointFacts[],
  trust: TrustStores,
  context: ReportContext,
  standardPortsFor?: (facts: EndpointFacts) => boolean,
): number {
  const now = context.now;
  const judged: Judgement[] = all.map((facts) => judgeEndpoint(facts, { trust, now }));
  const exitOptions: ExitOptions = {
    standardPorts: request.standardPorts,
    ...(standardPortsFor !== undefined ? { standardPortsFor } : {}),
  };
  const statuses = judged.map((j) => endpointStatus(j, exitOptions));
  const extras = judged.map((j) => certificateExtras(j, trust, request.fingerprint));
  if (request.json) {
    io.stdout(
      `${jsonForTerminal(
        judged.map((j, i) => jsonEndpoint(j, extras[i] ?? null, request.fingerprint, trust)),
      )}\n`,
    );
  } else if (request.markdown) {
    const shown = judged.map((j, i) => ({ j, x: extras[i] ?? null, status: statuses[i] }));
    const served = shown.filter((s) => s.status !== 'not-served');
    io.stdout(
      helpdeskMarkdown(
        served.map((s) => s.j),
        {
          generatedAt: now.toISOString(),
          version: context.version,
          maskAddresses: request.maskAddresses,
          clients: served.map((s) =>
            s.x !== null && showClients(s.x.analysis) ? s.x.clients : null,
          ),
        },
      ),
    );
  } else {
    // Blocks are separated by a blank line; one-line "not served" entries stay together.
    let text = '';
    let previousOneLine = true;
    // All-ports mode: info notes that every checked endpoint shares are printed once, at the end.
    const shared = request.standardPorts ? sharedInfo(judged, statuses) : [];
    const sharedSet = new Set(shared);
    judged.forEach((j, i) => {
      const status = statuses[i] ?? 'could-not-check';
      const block = formatEndpoint(j, status, {
        certificate: extras[i] ?? null,
        sharedInfo: sharedSet,
      });
      const oneLine = status === 'not-served';
      if (text !== '' && !(oneLine && previousOneLine)) text += '\n';
      text += block;
      previousOneLine = oneLine;
    });
    if (request.standardPorts) {
      const served = new Map<string, boolean>();
      judged.forEach((j, i) => {
        const host = j.facts.target.host;
        served.set(host, (served.get(host) ?? false) || statuses[i] !== 'not-served');
      });
      for (const [host, any] of served) {
        if (!any)
          text += `\n${terminalSafe(host)}: no standard port is served, nothing could be checked.\n`;
      }
    }
    if (shared.length > 0) text += `\n${formatSharedInfo(shared)}`;
    io.stdout(text);
    io.stdout(`\n${formatSummary(statuses)}`);
  }
  return exitCodeFor(judged, exitOptions);
}
