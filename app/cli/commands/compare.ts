/**
 * `sealcheck compare FIRST SECOND [--json] [--ca-file FILE]`: two saved reports of the same
 * servers side by side (core/report/compare.ts), e.g. the user's from home and the help desk's
 * from the office. Each file is read and judged again as `report` does (untrusted input); then
 * per server: the same certificate, chain and encryption, or what differs and what that proves.
 *
 * Exit codes: 0 the same everywhere, 1 something differs, 64 a file that is not a report.
 */
import { ExitCode } from '../exit-codes';
import type { CliIo } from '../io';
import { jsonForTerminal, terminalSafe } from '../terminal';
import { UsageError } from '../usage';
import { readCaFiles } from './check';
import { readReport } from './report';

export const COMPARE_OPTIONS = {
  json: { type: 'boolean' },
  'ca-file': { type: 'string', multiple: true },
} as const;

export interface CompareRequest {
  readonly files: readonly [string, string];
  readonly json: boolean;
  readonly caFiles: readonly string[];
}

export function compareRequest(
  values: { readonly json?: boolean; readonly 'ca-file'?: readonly string[] },
  positionals: readonly string[],
): CompareRequest {
  const [first, second, extra] = positionals;
  if (first === undefined || second === undefined) {
    throw new UsageError("'compare' needs two report files");
  }
  if (extra !== undefined) throw new UsageError("'compare' compares two files at a time");
  return { files: [first, second], json: values.json === true, caFiles: values['ca-file'] ?? [] };
}

export async function compareCommand(
  io: CliIo,
  request: CompareRequest,
  deps: { readonly now?: () => Date } = {},
): Promise<number> {
  const extraCa = await readCaFiles(request.caFiles);
  const [{ openReport }, { compareReports }, { prepareTrust }] = await Promise.all([
    import('../../core/report/open'),
    import('../../core/report/compare'),
    import('../check-report'),
  ]);
  const trust = prepareTrust(extraCa);
  const opened = [];
  for (const file of request.files) {
    const result = openReport(await readReport(file), { trust, now: deps.now?.() ?? new Date() });
    if (!result.ok) throw new UsageError(`${file}: ${result.problem}`);
    opened.push(result.report);
  }
  const [first, second] = opened;
  if (!first || !second) throw new UsageError("'compare' needs two report files");
  const comparison = compareReports(first, second);
  if (request.json) {
    io.stdout(`${jsonForTerminal({ schema: 'sealcheck.comparison/1', ...comparison })}\n`);
  } else {
    const lines = [
      `Comparing ${terminalSafe(request.files[0])} (first) with ${terminalSafe(request.files[1])} (second), both judged again here.`,
      '',
      ...comparison.endpoints.map((e) => terminalSafe(e.sentence)),
      ...comparison.onlyInFirst.map((k) => `${terminalSafe(k)}: only in the first report.`),
      ...comparison.onlyInSecond.map((k) => `${terminalSafe(k)}: only in the second report.`),
    ];
    if (comparison.endpoints.length === 0) lines.push('The two reports have no server in common.');
    io.stdout(`${lines.join('\n')}\n`);
  }
  return comparison.same ? ExitCode.Ok : ExitCode.ProblemsFound;
}
