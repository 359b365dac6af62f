/**
 * `sealcheck report FILE [--json | --markdown] [--ca-file FILE]`: shows a saved report (the
 * app's `.sealcheck` export), the way a help desk receives it by mail: as untrusted input.
 * core/report/open.ts reads it (size first, then JSON, then the schema), drops the words the
 * exporting app chose and judges the facts again as of the check's date; this prints the result
 * the way `check` prints its own (the same blocks, the same JSON per endpoint, the same help-desk
 * Markdown), under a first line saying whose claim the date and version are.
 *
 * A file that is not a report is a usage error (64), like a --ca-file or --input that is not
 * what it should be: one sentence naming the file, never a stack trace. Otherwise the exit code
 * is check's (and domain's) for what the facts show: 0, 1 or 2.
 */
import { readReportFile } from '../../core/report/read-file';
import type { CliIo } from '../io';
import { UsageError } from '../usage';
import { readCaFiles } from './check';

export const REPORT_OPTIONS = {
  json: { type: 'boolean' },
  markdown: { type: 'boolean' },
  'ca-file': { type: 'string', multiple: true },
} as const;

export { MAX_REPORT_FILE_BYTES } from '../../core/report/read-file';

export interface ReportValues {
  readonly json?: boolean;
  readonly markdown?: boolean;
  readonly 'ca-file'?: readonly string[];
}

export interface ReportRequest {
  readonly file: string;
  readonly json: boolean;
  readonly markdown: boolean;
  readonly caFiles: readonly string[];
}

export function reportRequest(values: ReportValues, positionals: readonly string[]): ReportRequest {
  const [file, extra] = positionals;
  if (file === undefined) throw new UsageError("'report' needs the report file to show");
  if (extra !== undefined) throw new UsageError("'report' shows one file at a time");
  if (values.json === true && values.markdown === true) {
    throw new UsageError('--json and --markdown cannot be combined');
  }
  return {
    file,
    json: values.json === true,
    markdown: values.markdown === true,
    caFiles: values['ca-file'] ?? [],
  };
}

export interface ReportDependencies {
  readonly version: string;
  /** "Now", to notice a check date in the future (tests); default the current time. */
  readonly now?: () => Date;
}

/** The file's text, or a usage error naming the file and what is wrong with it. */
export async function readReport(file: string): Promise<string> {
  const read = await readReportFile(file);
  if (!read.ok) throw new UsageError(`${file}: ${read.problem}`);
  return read.text;
}

export async function reportCommand(
  io: CliIo,
  request: ReportRequest,
  deps: ReportDependencies,
): Promise<number> {
  const extraCa = await readCaFiles(request.caFiles);
  const text = await readReport(request.file);
  const [{ openReport }, { prepareTrust }] = await Promise.all([
    import('../../core/report/open'),
    import('../check-report'),
  ]);
  const trust = prepareTrust(extraCa);
  const opened = openReport(text, { trust, now: deps.now?.() ?? new Date() });
  if (!opened.ok) throw new UsageError(`${request.file}: ${opened.problem}`);
  const { printReport } = await import('../report-print');
  return printReport(io, request, opened.report, trust, deps.version);
}
