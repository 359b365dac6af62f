/**
 * A judged domain in words: the view the command line, the window and the reports show (data
 * flows one way: facts → findings → this → output). Plain strings, JSON-serialisable; each
 * output escapes them its own way. Also the domain's help-desk summary in Markdown.
 */
import type { DomainJudgement, MxAssessment } from '../domain/judge';
import type { DomainFinding, DomainVerdictKind, Severity } from '../domain/types';
import { whoCanFixText, type Detail, type WhoCanFix } from './catalog';
import { domainVerdictHeadline, domainVerdictSentence, explainDomain } from './domain';
import { SEVERITY_TEXT } from './helpdesk';
import { markdownSafe } from './markdown';
import { duration } from './words';

export const DOMAIN_VIEW_SCHEMA = 'sealcheck.domain-view/1' as const;

export interface DomainFindingView {
  readonly id: DomainFinding['id'];
  readonly severity: Severity;
  /** The MX host it is about, or null for the domain as a whole. */
  readonly host: string | null;
  readonly title: string;
  readonly meaning: string;
  readonly risk: string;
  readonly action: string;
  readonly whoCanFix: WhoCanFix;
  readonly whoCanFixText: string;
  readonly technicalTerm: string;
  readonly details: readonly Detail[];
}

export interface MxView {
  readonly host: string;
  readonly preference: number;
  readonly addresses: readonly string[];
  /** One line: "encrypted (TLS 1.3), certificate verified". */
  readonly transport: string;
  readonly dane: string;
  /** "listed", "not listed", or null without a policy. */
  readonly policy: string | null;
  /** Addresses not reached while others were (judged by the others). */
  readonly notReached: readonly string[];
}

export interface DomainView {
  readonly schema: typeof DOMAIN_VIEW_SCHEMA;
  readonly domain: string;
  readonly checkedAt: string;
  readonly durationMs: number;
  readonly verdict: DomainVerdictKind;
  readonly headline: string;
  readonly sentence: string;
  /** Warnings and critical findings, worst first. */
  readonly attention: readonly DomainFindingView[];
  /** Findings for information (good news included, e.g. DANE that matches). */
  readonly info: readonly DomainFindingView[];
  readonly hosts: readonly MxView[];
  /** Rows for the details: MTA-STS, TLS-RPT, DNS. */
  readonly details: readonly Detail[];
}

const STATE_TEXT: Readonly<Record<MxAssessment['state'], string>> = {
  'no-address': 'no address',
  unreachable: 'not reached',
  incomplete: 'check did not finish',
  'no-starttls': 'not encrypted (no STARTTLS)',
  'starttls-failed': 'encryption fails',
  tls: 'encrypted',
};

const DANE_TEXT: Readonly<Record<MxAssessment['dane'], string>> = {
  valid: 'matches',
  mismatch: 'does not match',
  bogus: 'signatures broken',
  unusable: 'records of the wrong kind',
  'not-counted': 'records not signed: ignored',
  none: 'none',
  unknown: 'cannot tell',
};

function transportText(h: MxAssessment): string {
  if (h.state !== 'tls') return STATE_TEXT[h.state];
  const version = h.tlsVersion !== null ? ` (${h.tlsVersion.replace(/^TLSv/, 'TLS ')})` : '';
  const cert =
    h.certificateVerified === true
      ? 'certificate verified'
      : h.certificateVerified === false
        ? 'certificate not verified'
        : 'certificate not judged';
  const missed = h.notReached.length > 0 ? `; not reached: ${h.notReached.join(', ')}` : '';
  return `encrypted${version}, ${cert}${missed}`;
}

function findingView(f: DomainFinding): DomainFindingView {
  const e = explainDomain(f);
  return {
    id: f.id,
    severity: f.severity,
    host: f.subject.host ?? null,
    ...e,
    whoCanFixText: whoCanFixText(e.whoCanFix, 'smtp'),
  };
}

export function domainView(j: DomainJudgement): DomainView {
  const f = j.facts;
  const views = j.findings.map(findingView);
  const sts = f.mtaSts;
  const record = sts.record.result;
  const stsText =
    record.kind === 'none'
      ? 'no record'
      : record.kind !== 'valid'
        ? 'record not valid'
        : sts.policy?.kind === 'valid'
          ? `mode ${sts.policy.policy.mode}, mx ${sts.policy.policy.mx.join(' ') || '(none)'}, kept ${duration(sts.policy.policy.maxAge)} (id ${record.record.id})`
          : sts.fetch !== null && sts.fetch.kind !== 'ok'
            ? `policy not fetched (${sts.fetch.kind}: ${sts.fetch.detail})`
            : 'policy not valid';
  const rpt = f.tlsRpt.result;
  const details: Detail[] = [
    { label: 'MTA-STS', value: stsText },
    {
      label: 'TLS-RPT',
      value:
        rpt.kind === 'valid'
          ? `reports to ${rpt.rua.join(', ')}`
          : rpt.kind === 'none'
            ? 'no record'
            : 'record not valid',
    },
    {
      label: 'MX lookup',
      value: `${f.mx.outcome}${f.mx.implicit ? ' (no MX: the domain itself takes mail)' : ''}, DNSSEC ${f.mx.dnssec}`,
    },
    {
      label: 'DNS resolver',
      value: `${f.resolver.servers.join(', ') || 'none'} (${f.resolver.origin === 'chosen' ? 'chosen' : 'system'}; checks signatures: ${f.resolver.validates === 'unknown' ? 'cannot tell' : f.resolver.validates ? 'yes' : 'no'})`,
    },
  ];
  return {
    schema: DOMAIN_VIEW_SCHEMA,
    domain: f.domain,
    checkedAt: f.startedAt,
    durationMs: f.durationMs,
    verdict: j.verdict,
    headline: domainVerdictHeadline(j.verdict),
    sentence: domainVerdictSentence(j.verdict, f.domain),
    attention: views.filter((v) => v.severity !== 'info'),
    info: views.filter((v) => v.severity === 'info'),
    hosts: j.hosts.map((h, i) => ({
      host: h.host,
      preference: h.preference,
      addresses: f.hosts[i]?.addresses ?? [],
      transport: transportText(h),
      dane: DANE_TEXT[h.dane],
      policy: h.listedInPolicy === null ? null : h.listedInPolicy ? 'listed' : 'not listed',
      notReached: h.notReached,
    })),
    details,
  };
}

/** The domain's help-desk summary (every value escaped with markdownSafe). */
export function domainMarkdown(v: DomainView, generator: { readonly version: string }): string {
  const m = markdownSafe;
  const lines = [`## Mail to ${m(v.domain)}: ${m(v.headline)}`, '', m(v.sentence), ''];
  for (const f of [...v.attention, ...v.info]) {
    lines.push(
      `### ${m(f.title)} (${SEVERITY_TEXT[f.severity]}${f.host !== null ? `, ${m(f.host)}` : ''})`,
      '',
      m(f.meaning),
      '',
      `- **Risk:** ${m(f.risk)}`,
      `- **What to do:** ${m(f.action)}`,
      `- **Who can fix it:** ${m(f.whoCanFixText)}`,
      `- **Term:** ${m(f.technicalTerm)}`,
      ...f.details.map((d) => `- ${m(d.label)}: ${m(d.value)}`),
      '',
    );
  }
  lines.push(
    '### Mail servers',
    '',
    '| Preference | Server | Addresses | Transport | DANE | MTA-STS |',
    '|---|---|---|---|---|---|',
  );
  for (const h of v.hosts) {
    lines.push(
      `| ${h.preference} | ${m(h.host)} | ${m(h.addresses.join(', ') || 'none')} | ${m(h.transport)} | ${m(h.dane)} | ${m(h.policy ?? 'no policy')} |`,
    );
  }
  lines.push('', ...v.details.map((d) => `- ${m(d.label)}: ${m(d.value)}`));
  lines.push(
    '',
    `Checked ${m(v.checkedAt)} in ${v.durationMs} ms by Sealcheck ${m(generator.version)}.`,
    '',
  );
  return lines.join('\n');
}
