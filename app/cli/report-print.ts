/**
 * `sealcheck report`'s output, from a report core/report/open.ts has judged again: the same
 * endpoint blocks, JSON per endpoint and help-desk Markdown as `check` prints (check-format.ts,
 * check-report.ts), the domain as `domain` prints it (domain-report.ts), under a first line that
 * keeps what the file claims (its date, its version) apart from what this Sealcheck judged. A
 * reader must never take a forged file's date or words for ours. Every value from the file goes
 * through terminalSafe (or markdownSafe, or the JSON escaping for terminals).
 */
import type { TrustStores } from '../core/cert';
import { domainMarkdown } from '../core/explain/domain-view';
import { helpdeskMarkdown } from '../core/explain/helpdesk';
import { markdownSafe } from '../core/explain/markdown';
import type { OpenedReport } from '../core/report/open';
import { endpointStatus, exitCodeFor, type ExitOptions } from './check-exit';
import { formatEndpoint, formatSummary, showClients, wrap } from './check-format';
import { certificateExtras, jsonEndpoint } from './check-report';
import type { ReportRequest } from './commands/report';
import { domainExitCode, formatDomain } from './domain-report';
import { ExitCode } from './exit-codes';
import type { CliIo } from './io';
import { jsonForTerminal } from './terminal';

/** An opened report's own JSON format (the endpoints inside are `check --json`'s). */
export const OPENED_REPORT_SCHEMA = 'sealcheck.opened-report/1';

/** Saved endpoints are judged as the app showed them: a refused port could not be checked. */
const EXIT: ExitOptions = { standardPorts: false };

/** "2026-05-01 10:00 UTC" from an ISO time the schema already checked. */
function shownTime(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * The first sentences: the file's claims marked as such, then who judged. `value` escapes what
 * came from the file (the date and the version) for the output at hand.
 */
function headerSentences(
  report: OpenedReport,
  version: string,
  value: (text: string) => string,
): string[] {
  return [
    `Saved report from ${value(shownTime(report.claimed.checkedAt))}, made with Sealcheck ${value(report.claimed.version)} (both as the file says).`,
    `Judged again by this Sealcheck ${value(version)} from the facts in the file, as of that date; the file's own words are not shown. Anyone can edit such a file: trust it as far as you trust its sender.`,
    ...report.notes,
  ];
}

/** 2 outranks 1 outranks 0, as for check. */
function worstCode(codes: readonly number[]): number {
  if (codes.includes(ExitCode.CouldNotCheck)) return ExitCode.CouldNotCheck;
  return codes.includes(ExitCode.ProblemsFound) ? ExitCode.ProblemsFound : ExitCode.Ok;
}

export function printReport(
  io: CliIo,
  request: ReportRequest,
  report: OpenedReport,
  trust: TrustStores,
  version: string,
): number {
  const judged = report.judgements;
  const codes: number[] = [];
  if (judged.length > 0) codes.push(exitCodeFor(judged, EXIT));
  if (report.domain !== null) codes.push(domainExitCode([report.domain.judgement], false));
  const code = worstCode(codes);
  const extras = judged.map((j) => certificateExtras(j, trust, null));

  if (request.json) {
    io.stdout(
      `${jsonForTerminal({
        schema: OPENED_REPORT_SCHEMA,
        judgedBy: version,
        claimed: report.claimed,
        notes: report.notes,
        exitCode: code,
        endpoints: judged.map((j, i) => jsonEndpoint(j, extras[i] ?? null, null, trust)),
        domain:
          report.domain === null
            ? null
            : {
                view: report.domain.view,
                findings: report.domain.judgement.findings,
                facts: report.domain.judgement.facts,
              },
      })}\n`,
    );
    return code;
  }

  if (request.markdown) {
    const quote = headerSentences(report, version, markdownSafe).map((s) => `> ${s}`);
    const body =
      judged.length > 0
        ? helpdeskMarkdown(judged, {
            generatedAt: report.claimed.checkedAt,
            version: `${report.claimed.version} (as the file says; judged again by Sealcheck ${version})`,
            clients: extras.map((x) => (x !== null && showClients(x.analysis) ? x.clients : null)),
          })
        : '';
    const domain = report.domain !== null ? domainMarkdown(report.domain.view, { version }) : '';
    io.stdout(
      `${quote.join('\n>\n')}\n\n${body}${body !== '' && domain !== '' ? '\n' : ''}${domain}`,
    );
    return code;
  }

  // wrap() makes every character terminal-safe.
  const header = headerSentences(report, version, (s) => s).flatMap((s) => wrap(s, ''));
  const statuses = judged.map((j) => endpointStatus(j, EXIT));
  const blocks = judged.map((j, i) =>
    formatEndpoint(j, statuses[i] ?? 'could-not-check', { certificate: extras[i] ?? null }),
  );
  if (report.domain !== null) blocks.push(formatDomain(report.domain.view));
  io.stdout(`${header.join('\n')}\n\n${blocks.join('\n')}`);
  if (judged.length > 0) io.stdout(`\n${formatSummary(statuses)}`);
  return code;
}
