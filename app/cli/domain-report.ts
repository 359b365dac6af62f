/**
 * `sealcheck domain`'s output: each domain judged (domain/judge.ts), put in words
 * (explain/domain-view.ts) and printed for people, as JSON or as a help-desk summary in
 * Markdown; and the exit code. Server and DNS text goes through terminalSafe.
 */
import type { TrustStores } from '../core/cert';
import type { DomainFacts } from '../core/domain/facts';
import { judgeDomain, type DomainJudgement } from '../core/domain/judge';
import { domainMarkdown, domainView, type DomainView } from '../core/explain/domain-view';
import { explanationBlock, wrap } from './check-format';
export { prepareTrust } from './check-report';
import type { DomainRequest } from './commands/domain';
import { ExitCode } from './exit-codes';
import type { CliIo } from './io';
import { jsonForTerminal, terminalSafe } from './terminal';

export type DomainStatus = 'ok' | 'problems' | 'could-not-check';

/** 2 when nothing could be said; 1 for any warning or worse; 0 otherwise (null MX included). */
export function domainStatus(j: DomainJudgement): DomainStatus {
  if (j.verdict === 'could-not-check') return 'could-not-check';
  if (j.verdict === 'no-mail' || j.verdict === 'protected') {
    return j.findings.some((f) => f.severity !== 'info') ? 'problems' : 'ok';
  }
  return 'problems';
}

export function domainExitCode(judgements: readonly DomainJudgement[], cancelled: boolean): number {
  const statuses = judgements.map(domainStatus);
  if (cancelled || statuses.length === 0 || statuses.includes('could-not-check')) {
    return ExitCode.CouldNotCheck;
  }
  return statuses.includes('problems') ? ExitCode.ProblemsFound : ExitCode.Ok;
}

export function formatDomain(v: DomainView): string {
  const lines = [`Mail to ${terminalSafe(v.domain)}`];
  lines.push(...wrap(`${v.headline}. ${v.sentence}`, '  '));
  for (const f of v.attention) {
    const where = f.host !== null ? ` (${f.host})` : '';
    lines.push('', ...explanationBlock(f, f.severity, where, f.whoCanFixText));
  }
  if (v.info.length > 0) {
    lines.push('', '  Worth knowing:');
    for (const f of v.info) {
      const where = f.host !== null ? ` (${f.host})` : '';
      lines.push(
        ...wrap(`- ${f.title}${where}. ${f.meaning} [${f.technicalTerm}]`, '    ', '      '),
      );
    }
  }
  lines.push('', '  Mail servers:');
  if (v.hosts.length === 0) lines.push('    none checked');
  for (const h of v.hosts) {
    lines.push(
      ...wrap(
        `${h.preference} ${h.host} (${h.addresses.join(', ') || 'no address'}): ${h.transport}; DANE: ${h.dane}${h.policy !== null ? `; MTA-STS: ${h.policy}` : ''}`,
        '    ',
        '      ',
      ),
    );
  }
  lines.push('', '  Details:');
  for (const d of v.details) lines.push(...wrap(`${d.label}: ${d.value}`, '    ', '      '));
  lines.push(`    checked in ${v.durationMs} ms`);
  return `${lines.join('\n')}\n`;
}

export interface DomainReportContext {
  readonly version: string;
  readonly now: Date;
  readonly cancelled: boolean;
}

export function reportDomains(
  io: CliIo,
  request: DomainRequest,
  results: readonly DomainFacts[],
  trust: TrustStores,
  context: DomainReportContext,
): number {
  const judged = results.map((facts) => judgeDomain(facts, { trust, now: context.now }));
  const views = judged.map(domainView);
  const code = domainExitCode(judged, context.cancelled);
  if (request.json) {
    io.stdout(
      jsonForTerminal({
        schema: 'sealcheck.domain-report/1',
        sealcheckVersion: context.version,
        generatedAt: context.now.toISOString(),
        exitCode: code,
        domains: judged.map((j, i) => ({ view: views[i], findings: j.findings, facts: j.facts })),
      }) + '\n',
    );
  } else if (request.markdown) {
    io.stdout(views.map((v) => domainMarkdown(v, { version: context.version })).join('\n'));
  } else {
    io.stdout(views.map(formatDomain).join('\n'));
    if (context.cancelled) io.stdout('Cancelled: the remaining domains were not checked.\n');
  }
  return code;
}
