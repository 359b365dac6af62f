/** `sealcheck self-check [--json]`: runs core's self-check with the real OS keychain. */
import { randomUUID } from 'node:crypto';
import { runSelfCheck, type SelfCheckItem, type SelfCheckReport } from '../core/selfcheck';
import type { CredentialStore } from '../core/secrets';
import { ExitCode } from './exit-codes';
import { jsonForTerminal, terminalSafe } from './terminal';
import type { CliIo } from './io';

export interface SelfCheckCommandOptions {
  readonly json: boolean;
  readonly credentialStore: CredentialStore;
}

export async function selfCheckCommand(
  io: CliIo,
  options: SelfCheckCommandOptions,
): Promise<number> {
  let report: SelfCheckReport;
  try {
    report = await runSelfCheck({ runId: randomUUID(), credentialStore: options.credentialStore });
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    io.stderr(`sealcheck: the self-check could not run: ${terminalSafe(text)}\n`);
    return ExitCode.CouldNotCheck;
  }
  io.stdout(options.json ? `${jsonForTerminal(report)}\n` : formatReport(report));
  return report.ok ? ExitCode.Ok : ExitCode.ProblemsFound;
}

/** Human-readable report: one line per step, then a summary line. */
export function formatReport(report: SelfCheckReport): string {
  const width = Math.max(...report.items.map((i) => i.step.length));
  const lines = report.items.map((item) => formatItem(item, width));
  const problems = report.items.filter((i) => !i.ok).length;
  const summary =
    problems === 0
      ? 'All checks passed.'
      : `${problems} ${problems === 1 ? 'problem' : 'problems'} found.`;
  return `${lines.join('\n')}\n${summary}\n`;
}

function formatItem(item: SelfCheckItem, width: number): string {
  const facts = Object.entries(item.facts).map(([k, v]) => `${k}=${String(v)}`);
  if (item.error !== undefined) facts.push(`error=${item.error}`);
  const mark = item.ok ? 'ok  ' : 'FAIL';
  return `${mark}  ${item.step.padEnd(width)}  ${terminalSafe(facts.join(', '))}`;
}
