/**
 * Report files the operating system hands to Sealcheck (a double-click on a `.sealcheck` file:
 * `open-file` on macOS, the command line of a first or second launch elsewhere). Such a file
 * is untrusted (a help desk gets them by mail): here only which paths count and a bounded,
 * careful read; core then checks and judges what is inside (core/report/open.ts).
 *
 * No Electron here, so the end-to-end harness and the tests use the same inbox as the app.
 */
import { open } from 'node:fs/promises';
import { basename, isAbsolute, resolve } from 'node:path';
import { MAX_REPORT_CHARS } from '../core/report/open';

export const REPORT_EXTENSION = '.sealcheck';
/** Files waiting at most (a flood of paths on the command line is cut, not queued). */
export const MAX_WAITING = 16;
/** UTF-8 takes at most 4 bytes per character; a report larger than this cannot be one. */
const MAX_BYTES = MAX_REPORT_CHARS;

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

/** Reads one report file: a regular file, at most MAX_BYTES, valid UTF-8; else a sentence. */
export async function readReportFile(path: string): Promise<InboxItem> {
  const fileName = shownName(path);
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return { fileName, problem: 'Sealcheck could not open this file.' };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { fileName, problem: 'This is not a file Sealcheck can open.' };
    if (info.size > MAX_BYTES) {
      return { fileName, problem: 'The file is too large to be a Sealcheck report.' };
    }
    // Read at most one byte more than allowed, whatever the file claims its size is.
    const buffer = Buffer.alloc(Math.min(info.size, MAX_BYTES) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length >= buffer.length) {
        return { fileName, problem: 'The file is too large to be a Sealcheck report.' };
      }
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, length));
    } catch {
      return { fileName, problem: 'The file is not a Sealcheck report: it is not text.' };
    }
    return { fileName, text };
  } catch {
    return { fileName, problem: 'Sealcheck could not read this file.' };
  } finally {
    await handle.close().catch(() => undefined);
  }
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
