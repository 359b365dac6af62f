/**
 * The domain judge: domain facts → what happens to mail sent TO the domain, as findings and one
 * verdict. Pure (the clock and the trust stores are passed in), so saved facts can be judged
 * again.
 *
 * 1. each MX host: its port-25 probe is judged like any endpoint (findings/judge.ts), then read
 *    as one state (no address, unreachable, no STARTTLS, upgrade failed, TLS) with its
 *    certificate verdict; its TLSA records are checked against the chain it sent (RFC 7672);
 * 2. the domain's MTA-STS record and policy (RFC 8461), each MX against the policy's list and
 *    its TLS demands; TLS-RPT (RFC 8460);
 * 3. the verdict: a host that takes mail only as plain text first, then a policy of the domain's
 *    own that makes careful senders refuse mail, then "could not check", then "nothing forbids
 *    falling back to plain text", then "protected".
 *
 * What this network cannot tell is said as such: every MX timing out alike on port 25 is a
 * blocked port here, never "no STARTTLS"; a resolver whose AD bit does not count gives
 * "cannot tell" for DANE, never "unsigned".
 */
import { chainToJudge, judgeEndpoint, type Judgement } from '../findings/judge';
import { sha256Of } from '../findings/rules-account';
import type { TrustStores } from '../cert';
import type { TlsaRecord } from '../dns/resolver';
import { checkTlsa, usabilityOf } from './dane';
import type { DomainFacts, MxHostFacts } from './facts';
import { mxMatchesPolicy, type StsPolicy } from './mta-sts';
import type {
  DomainFinding,
  DomainFindingEvidence,
  DomainFindingId,
  DomainSubject,
  DomainVerdictKind,
  Severity,
} from './types';
import { severityRank } from '../findings/verdict';

export interface DomainJudgeOptions {
  readonly trust: TrustStores;
  readonly now?: Date;
}

/** What one MX host is, read from its probe. */
export type MxState =
  'no-address' | 'unreachable' | 'incomplete' | 'no-starttls' | 'starttls-failed' | 'tls';

export type DaneState =
  'valid' | 'mismatch' | 'bogus' | 'unusable' | 'not-counted' | 'none' | 'unknown';

export interface MxAssessment {
  readonly host: string;
  readonly preference: number;
  readonly state: MxState;
  /** The TLS version a current client got, when TLS was set up. */
  readonly tlsVersion: string | null;
  /** The certificate verifies for the MX name (public roots or the user's own); null: no TLS. */
  readonly certificateVerified: boolean | null;
  readonly dane: DaneState;
  /** In the MTA-STS policy's mx list; null when there is no valid policy. */
  readonly listedInPolicy: boolean | null;
  /**
   * Addresses never reached while others of the same host were (an IPv6 address on a network
   * without IPv6): the host is judged by the ones reached, and these are listed.
   */
  readonly notReached: readonly string[];
  /** The port-25 endpoint judged on its own, on the addresses reached (for the details). */
  readonly endpoint: Judgement | null;
}

export interface DomainJudgement {
  readonly facts: DomainFacts;
  readonly verdict: DomainVerdictKind;
  readonly findings: DomainFinding[];
  readonly hosts: readonly MxAssessment[];
  /** The MTA-STS mode senders apply (a valid record and policy), or null. */
  readonly stsMode: StsPolicy['mode'] | null;
}

function make<K extends DomainFindingId>(
  id: K,
  severity: Severity,
  subject: DomainSubject,
  evidence: DomainFindingEvidence[K],
): DomainFinding {
  return { id, severity, subject, evidence } as DomainFinding;
}

export function tlsaText(r: TlsaRecord): string {
  return `${r.usage} ${r.selector} ${r.matchingType} ${r.data}`;
}

const UNREACHED = new Set(['connection-refused', 'connection-timeout', 'connection-error']);
const OLD_TLS = new Set(['TLSv1', 'TLSv1.1', 'SSLv3']);

/** Sets apart addresses that were never reached, when others of the host were. */
function splitReached(probe: MxHostFacts['probe']): {
  judged: MxHostFacts['probe'];
  notReached: string[];
} {
  if (probe === null) return { judged: null, notReached: [] };
  const never = (a: (typeof probe.addresses)[number]): boolean =>
    UNREACHED.has(a.status) && a.greeting === null;
  const reached = probe.addresses.filter((a) => !never(a));
  if (reached.length === 0 || reached.length === probe.addresses.length) {
    return { judged: probe, notReached: [] };
  }
  return {
    judged: { ...probe, addresses: reached },
    notReached: probe.addresses.filter(never).map((a) => a.address),
  };
}

function mxState(probe: MxHostFacts['probe'], endpoint: Judgement | null): MxState {
  if (probe === null || probe.addresses.length === 0) return 'no-address';
  const ids = new Set(endpoint?.findings.map((f) => f.id) ?? []);
  if (ids.has('starttls.not-offered')) return 'no-starttls';
  if (ids.has('starttls.failed')) return 'starttls-failed';
  if (probe.addresses.some((a) => a.status === 'success' && a.tls !== null)) {
    return probe.addresses.every((a) => a.status === 'success') ? 'tls' : 'incomplete';
  }
  if (probe.addresses.every((a) => UNREACHED.has(a.status) || a.greeting === null)) {
    return 'unreachable';
  }
  return 'incomplete';
}

function daneOf(
  facts: DomainFacts,
  h: MxHostFacts,
  state: MxState,
  now: Date,
): { state: DaneState; problems: string[]; presented: string | null } {
  const none = { problems: [], presented: null };
  const tlsa = h.tlsa;
  if (tlsa === null) return { state: 'none', ...none };
  if (tlsa.outcome === 'servfail') {
    return { state: tlsa.dnssec === 'bogus' ? 'bogus' : 'unknown', ...none };
  }
  if (tlsa.outcome !== 'answer' || tlsa.records.length === 0) {
    return {
      state: tlsa.outcome === 'no-data' || tlsa.outcome === 'nxdomain' ? 'none' : 'unknown',
      ...none,
    };
  }
  if (tlsa.dnssec === 'insecure') return { state: 'not-counted', ...none };
  if (tlsa.dnssec !== 'secure' || facts.resolver.validates !== true) {
    return { state: 'unknown', ...none };
  }
  // §2.2.2: the host's address records must be secure too, else TLSA is not used.
  const addressLookups = [h.a, h.aaaa].filter((l) => l.outcome === 'answer');
  if (addressLookups.some((l) => l.dnssec === 'insecure')) return { state: 'not-counted', ...none };
  const usable = tlsa.records.filter((r) => usabilityOf(r) === 'usable');
  if (usable.length === 0) return { state: 'unusable', ...none };
  if (state === 'no-starttls' || state === 'starttls-failed') {
    return { state: 'mismatch', ...none };
  }
  if (state !== 'tls' || h.probe === null) return { state: 'unknown', ...none };
  const names = h.canonicalName !== h.host ? [h.host, h.canonicalName] : [h.host];
  const problems: string[] = [];
  let presented: string | null = null;
  let allMatched = true;
  for (const a of h.probe.addresses) {
    if (a.tls === null) continue;
    const { peerChain } = chainToJudge(a);
    presented ??= peerChain[0] ?? null;
    const checks = checkTlsa(usable, peerChain, names, now);
    if (!checks.some((c) => c.matched)) {
      allMatched = false;
      for (const c of checks) if (c.problem !== null) problems.push(c.problem);
    }
  }
  return { state: allMatched ? 'valid' : 'mismatch', problems: [...new Set(problems)], presented };
}

export function judgeDomain(facts: DomainFacts, options: DomainJudgeOptions): DomainJudgement {
  const now = options.now ?? new Date();
  const domain = facts.domain;
  const whole: DomainSubject = { domain };
  const findings: DomainFinding[] = [];
  const add = <K extends DomainFindingId>(
    id: K,
    severity: Severity,
    evidence: DomainFindingEvidence[K],
    host?: string,
  ): void => {
    findings.push(make(id, severity, host === undefined ? whole : { domain, host }, evidence));
  };

  // ── MTA-STS: the record, the policy, the mode senders apply ──
  const sts = facts.mtaSts;
  let policy: StsPolicy | null = null;
  const record = sts.record.result;
  if (record.kind === 'invalid') {
    add('mta-sts.record-invalid', 'warning', {
      kind: 'invalid',
      texts: [record.text],
      problem: record.problem,
    });
  } else if (record.kind === 'several') {
    add('mta-sts.record-invalid', 'warning', {
      kind: 'several',
      texts: record.texts,
      problem: `there are ${record.texts.length} records; senders then ignore them all`,
    });
  } else if (record.kind === 'valid' && sts.fetch !== null) {
    if (sts.fetch.kind !== 'ok') {
      add('mta-sts.policy-unavailable', 'warning', {
        url: sts.fetch.url,
        kind: sts.fetch.kind,
        detail: sts.fetch.detail,
      });
    } else if (sts.policy?.kind === 'invalid') {
      add('mta-sts.policy-invalid', 'warning', {
        url: sts.fetch.url,
        problems: sts.policy.problems,
      });
    } else if (sts.policy?.kind === 'valid') {
      policy = sts.policy.policy;
      if (policy.mode === 'testing') add('mta-sts.testing', 'warning', { maxAge: policy.maxAge });
      if (policy.mode === 'none') add('mta-sts.mode-none', 'info', {});
      if (policy.mode !== 'none' && policy.maxAge < 86_400) {
        add('mta-sts.max-age-short', 'info', { maxAge: policy.maxAge });
      }
    }
  }
  const enforcing = policy?.mode === 'enforce';

  // ── the mail servers ──
  if (facts.mx.nullMx) {
    add('domain.no-mail', 'info', {});
  } else if (facts.mx.outcome !== 'answer' && !facts.mx.implicit) {
    // Bogus: validating senders get SERVFAIL too and hold the mail back; others deliver.
    add('domain.dns-failed', facts.mx.dnssec === 'bogus' ? 'critical' : 'warning', {
      outcome: facts.mx.outcome,
      dnssec: facts.mx.dnssec,
      error: facts.mx.error,
    });
  }
  if (facts.hostsNotChecked > 0) {
    add('mx.not-all-checked', 'info', {
      listed: facts.hosts.length + facts.hostsNotChecked,
      checked: facts.hosts.length,
    });
  }

  const daneChecks: ReturnType<typeof daneOf>[] = [];
  const hosts: MxAssessment[] = facts.hosts.map((h) => {
    const { judged, notReached } = splitReached(h.probe);
    const endpoint = judged === null ? null : judgeEndpoint(judged, { trust: options.trust, now });
    const state = mxState(judged, endpoint);
    const verdict = endpoint?.verdict.kind;
    const certificateVerified =
      state !== 'tls'
        ? null
        : verdict === 'encrypted-verified'
          ? true
          : verdict === 'encrypted-unverified'
            ? false
            : null;
    const firstTls = h.probe?.addresses.find((a) => a.tls !== null)?.tls ?? null;
    const dane = daneOf(facts, h, state, now);
    daneChecks.push(dane);
    return {
      host: h.host,
      preference: h.preference,
      state,
      tlsVersion: firstTls?.version ?? null,
      certificateVerified,
      dane: dane.state,
      listedInPolicy: policy === null ? null : mxMatchesPolicy(h.host, policy),
      notReached,
      endpoint,
    };
  });

  // Port 25 blocked here: no address of any host answered, at least one timed out, and none
  // refused (a refusal comes from the server's side or a firewall that says so).
  const withAddress = hosts.filter((h) => h.state !== 'no-address');
  const statuses = facts.hosts
    .filter((h) => h.probe !== null && h.probe.addresses.length > 0)
    .flatMap((h) => h.probe?.addresses.map((a) => a.status) ?? []);
  const blocked =
    withAddress.length > 0 &&
    withAddress.every((h) => h.state === 'unreachable') &&
    statuses.includes('connection-timeout') &&
    statuses.every((st) => st === 'connection-timeout' || st === 'connection-error');
  if (blocked) {
    add('mx.port25-blocked', 'warning', {
      hosts: withAddress.map((h) => h.host),
      status: 'connection-timeout',
    });
  }

  facts.hosts.forEach((h, i) => {
    const a = hosts[i] as MxAssessment;
    const endpointFindings = a.endpoint?.findings ?? [];
    const dane = daneChecks[i] as ReturnType<typeof daneOf>;
    const daneActive = dane.state === 'valid' || dane.state === 'mismatch';
    const policyHolds = enforcing && a.listedInPolicy === true;
    const at = h.host;
    switch (a.state) {
      case 'no-address':
        add(
          'mx.no-address',
          'warning',
          { outcome: h.a.outcome, error: h.a.error ?? h.aaaa.error },
          at,
        );
        break;
      case 'unreachable':
      case 'incomplete': {
        if (blocked) break;
        const failed = h.probe?.addresses.find((x) => x.status !== 'success');
        add(
          'mx.unreachable',
          'warning',
          { status: failed?.status ?? 'unknown', error: failed?.error ?? null },
          at,
        );
        break;
      }
      case 'no-starttls':
      case 'starttls-failed': {
        // A sender honouring an enforced policy or DANE refuses this host instead of sending
        // plain text: the mail is held back, not exposed (the policy findings below say so).
        if (policyHolds || daneActive) break;
        if (a.state === 'no-starttls') {
          const f = endpointFindings.find((x) => x.id === 'starttls.not-offered');
          add(
            'mx.no-starttls',
            'critical',
            {
              capabilities: f?.id === 'starttls.not-offered' ? f.evidence.capabilities : [],
            },
            at,
          );
        } else {
          const f = endpointFindings.find((x) => x.id === 'starttls.failed');
          if (f?.id === 'starttls.failed') {
            add('mx.starttls-failed', 'critical', { ...f.evidence }, at);
          }
        }
        break;
      }
      case 'tls': {
        if (a.tlsVersion !== null && OLD_TLS.has(a.tlsVersion)) {
          add('mx.tls-old', 'warning', { version: a.tlsVersion }, at);
        }
        if (
          a.certificateVerified === false &&
          !(enforcing && a.listedInPolicy) &&
          dane.state !== 'valid'
        ) {
          const { problems, validFor } = certificateProblems(a.endpoint);
          add('mx.cert-not-verified', 'info', { problems, validFor }, at);
        }
        break;
      }
    }

    // MTA-STS per host (§5): listed in the policy, and TLS with a certificate valid for its name.
    if (policy !== null && policy.mode !== 'none') {
      const severity: Severity = policy.mode === 'enforce' ? 'critical' : 'warning';
      if (a.listedInPolicy === false) {
        add('mta-sts.mx-not-listed', severity, { mode: policy.mode, patterns: policy.mx }, at);
      } else if (a.state === 'no-starttls' || a.state === 'starttls-failed') {
        add(
          'mta-sts.mx-fails-policy',
          severity,
          { mode: policy.mode, reason: 'no-tls', problems: [] },
          at,
        );
      } else if (a.state === 'tls' && a.certificateVerified === false) {
        add(
          'mta-sts.mx-fails-policy',
          severity,
          {
            mode: policy.mode,
            reason: 'certificate',
            problems: certificateProblems(a.endpoint).problems,
          },
          at,
        );
      }
    }

    // DANE per host.
    const records = (h.tlsa?.records ?? []).map(tlsaText);
    switch (dane.state) {
      case 'valid': {
        const usable = (h.tlsa?.records ?? []).filter((r) => usabilityOf(r) === 'usable');
        add(
          'dane.valid',
          'info',
          {
            records: usable.map(tlsaText),
            usage: usable.every((r) => r.usage === 3) ? 'DANE-EE' : 'DANE-TA',
          },
          at,
        );
        break;
      }
      case 'mismatch':
        add(
          'dane.mismatch',
          'critical',
          {
            reason: a.state === 'tls' ? 'no-match' : 'no-tls',
            records,
            problems: dane.problems,
            presentedSha256: dane.presented === null ? null : sha256Of(dane.presented),
          },
          at,
        );
        break;
      case 'bogus':
        add('dane.bogus', 'critical', { name: h.tlsa?.name ?? `_25._tcp.${h.host}` }, at);
        break;
      case 'unusable':
        add('dane.unusable', 'warning', { records }, at);
        break;
      case 'not-counted': {
        const why = h.tlsa?.dnssec === 'insecure' ? 'tlsa-insecure' : 'address-insecure';
        add('dane.not-counted', 'warning', { records, why }, at);
        break;
      }
      default:
        break;
    }
  });

  // ── DANE for the domain as a whole ──
  const daneHosts = hosts.filter((h) => h.dane === 'valid' || h.dane === 'mismatch');
  const reachable = hosts.filter((h) => h.state !== 'no-address');
  if (facts.resolver.validates !== true || !facts.resolver.adTrusted) {
    add('dane.cannot-tell', 'info', {
      reason: facts.resolver.adTrusted ? 'not-validating' : 'untrusted-resolver',
      servers: facts.resolver.servers,
    });
  } else if (daneHosts.length > 0 && daneHosts.length < reachable.length) {
    add('dane.partial', 'warning', {
      withDane: daneHosts.map((h) => h.host),
      without: reachable.filter((h) => !daneHosts.includes(h)).map((h) => h.host),
    });
  } else if (
    daneHosts.length === 0 &&
    !facts.mx.nullMx &&
    facts.mx.dnssec === 'insecure' &&
    !hosts.some((h) => h.dane === 'not-counted' || h.dane === 'bogus')
  ) {
    add('dane.unsigned', 'info', {});
  }

  // ── nothing forbids falling back to plain text ──
  const everyHostDane = reachable.length > 0 && daneHosts.length === reachable.length;
  // TLSA records seen but not judged (the resolver's AD bit does not count, or no answer):
  // DANE may protect the domain, so "nothing forbids plain text" cannot be claimed.
  const daneUnknown = facts.hosts.some(
    (h, i) =>
      hosts[i]?.dane === 'unknown' &&
      h.tlsa?.outcome !== 'no-data' &&
      h.tlsa?.outcome !== 'nxdomain',
  );
  // Its words say "encrypted when all goes well": only where some MX encrypts and none takes
  // mail as plain text (then mx.no-starttls is the finding, and comes first).
  const encrypts = hosts.some((h) => h.state === 'tls');
  const plaintextHost = hosts.some(
    (h) => h.state === 'no-starttls' || h.state === 'starttls-failed',
  );
  if (encrypts && !plaintextHost && !enforcing && !everyHostDane && !daneUnknown) {
    add('mta-sts.missing', 'warning', {
      stsMode: policy?.mode ?? null,
      daneHosts: daneHosts.length,
    });
  }

  // ── TLS-RPT ──
  const rpt = facts.tlsRpt.result;
  if (!facts.mx.nullMx) {
    if (rpt.kind === 'none') add('tls-rpt.missing', 'info', {});
    else if (rpt.kind === 'invalid')
      add('tls-rpt.invalid', 'info', { texts: [rpt.text], problem: rpt.problem });
    else if (rpt.kind === 'several') {
      add('tls-rpt.invalid', 'info', {
        texts: rpt.texts,
        problem: `there are ${rpt.texts.length} records; senders then send no reports`,
      });
    }
  }

  const sorted = sortDomainFindings(findings);
  return {
    facts,
    verdict: domainVerdict(facts, sorted, hosts, enforcing, everyHostDane, daneUnknown),
    findings: sorted,
    hosts,
    stsMode: policy?.mode ?? null,
  };
}

function certificateProblems(endpoint: Judgement | null): {
  problems: string[];
  validFor: string[];
} {
  const certFindings = (endpoint?.findings ?? []).filter(
    (f) => f.id.startsWith('cert.') && f.severity === 'critical',
  );
  const mismatch = certFindings.find((f) => f.id === 'cert.name-mismatch');
  return {
    problems: [...new Set(certFindings.map((f) => f.id))],
    validFor: mismatch?.id === 'cert.name-mismatch' ? [...mismatch.evidence.validFor] : [],
  };
}

const PLAINTEXT: ReadonlySet<DomainFindingId> = new Set(['mx.no-starttls', 'mx.starttls-failed']);
const HOLDS_MAIL: ReadonlySet<DomainFindingId> = new Set([
  'domain.dns-failed',
  'mta-sts.mx-not-listed',
  'mta-sts.mx-fails-policy',
  'dane.mismatch',
  'dane.bogus',
]);

function domainVerdict(
  facts: DomainFacts,
  findings: readonly DomainFinding[],
  hosts: readonly MxAssessment[],
  enforcing: boolean,
  everyHostDane: boolean,
  daneUnknown: boolean,
): DomainVerdictKind {
  if (facts.mx.nullMx) return 'no-mail';
  if (findings.some((f) => PLAINTEXT.has(f.id))) return 'plaintext';
  if (findings.some((f) => HOLDS_MAIL.has(f.id) && f.severity === 'critical')) {
    return 'delivery-at-risk';
  }
  const checked = hosts.filter((h) => h.state === 'tls');
  if (checked.length === 0) return 'could-not-check';
  // "Protected" needs every MX seen; a policy's absence is a fact whatever the others do.
  const allSeen = checked.length === hosts.filter((h) => h.state !== 'no-address').length;
  const daneOk =
    everyHostDane && hosts.every((h) => h.state === 'no-address' || h.dane === 'valid');
  const stsOk =
    enforcing && checked.every((h) => h.listedInPolicy === true && h.certificateVerified === true);
  if (daneOk || stsOk) return allSeen ? 'protected' : 'could-not-check';
  return daneUnknown ? 'could-not-check' : 'downgrade-possible';
}

/** Worst first, then the domain-wide findings before a host's, then by id and host. */
export function sortDomainFindings(findings: readonly DomainFinding[]): DomainFinding[] {
  return [...findings].sort(
    (x, y) =>
      severityRank(x.severity) - severityRank(y.severity) ||
      (x.subject.host === undefined ? 0 : 1) - (y.subject.host === undefined ? 0 : 1) ||
      x.id.localeCompare(y.id) ||
      (x.subject.host ?? '').localeCompare(y.subject.host ?? ''),
  );
}
