/**
 * Report files the operating system hands to Sealcheck (a double-click on a `.sealcheck` file:
 * `open-file` on macOS, the command line of a first or second launch elsewhere). Such a file
 * is untrusted (a help desk gets them by mail): here only which paths count and a bounded,
 * careful read; core then checks and judges what is inside (core/report/open.ts).
 *
 * No Electron here, so the end-to-end harness and the tests use the same inbox as the app.
 */
import { basename, isAbsolute, resolve } from 'node:path';
import { readReportFile as readReportText } from '../core/report/read-file';

export const REPORT_EXTENSION = '.sealcheck';
/** Files waiting at most (a flood of paths on the command line is cut, not queued). */
export const MAX_WAITING = 16;

/** What the window gets for one file: its text to judge, or one sentence on why not. */
export type InboxItem =
  | { readonly fileName: string; readonly text: string }
  | { readonly fileName: string; readonly problem: string };

/**
 * The report paths in a command line: arguments that end in `.sealcheck` and are not options,
 * made absolute against the directory the launch came from.
 */
export function reportPathsFrom(argv: readonly string[], workingDirectory: string): string[] {
  return argv
    .filter(
      (a) =>
        typeof a === 'string' &&
        !a.startsWith('-') &&
        a.length <= 4096 &&
        !a.includes('\0') &&
        a.toLowerCase().endsWith(REPORT_EXTENSION),
    )
    .map((a) => (isAbsolute(a) ? a : resolve(workingDirectory, a)));
}

/** A file name as it may be shown: its last part, cut to 120 characters. */
function shownName(path: string): string {
  const name = basename(path);
  return name.length > 120 ? `${name.slice(0, 119)}…` : name;
}

/** Reads one report file (core/report/read-file.ts): its text, or one sentence on why not. */
export async function readReportFile(path: string): Promise<InboxItem> {
  const fileName = shownName(path);
  const read = await readReportText(path);
  return read.ok ? { fileName, text: read.text } : { fileName, problem: read.problem };
}

/** Paths waiting to be opened, in arrival order; read one at a time when the window asks. */
export class ReportInbox {
  readonly #waiting: string[] = [];

  /** Adds paths (already known to be report paths); returns how many are waiting now. */
  add(paths: readonly string[]): number {
    for (const p of paths) {
      if (this.#waiting.length >= MAX_WAITING) break;
      if (!this.#waiting.includes(p)) this.#waiting.push(p);
    }
    return this.#waiting.length;
  }

  get size(): number {
    return this.#waiting.length;
  }

  /** The next file, read; null when none is waiting. */
  async next(): Promise<InboxItem | null> {
    const path = this.#waiting.shift();
    return path === undefined ? null : readReportFile(path);
  }
}
