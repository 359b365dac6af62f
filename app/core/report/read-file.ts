/**
 * Reading a report file from disk, the same way for the command line (`sealcheck report`) and
 * the app (a double-clicked `.sealcheck`): a regular file, refused unread above the size cap
 * whatever it claims while being read, and UTF-8 text. What is inside is open.ts's job.
 */
import { open } from 'node:fs/promises';

/** A report file larger than this is refused before any of it is read (open.ts's own cap). */
export const MAX_REPORT_FILE_BYTES = 16 * 1024 * 1024;

export type ReportFileText =
  { readonly ok: true; readonly text: string } | { readonly ok: false; readonly problem: string };

const TOO_LARGE = `The file is not a Sealcheck report: it is larger than ${MAX_REPORT_FILE_BYTES / 1024 / 1024} MB, far more than any report.`;

export async function readReportFile(path: string): Promise<ReportFileText> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      ok: false,
      problem:
        code === 'ENOENT'
          ? 'Sealcheck cannot read it: there is no such file.'
          : `Sealcheck cannot read it (${code ?? 'error'}).`,
    };
  }
  let bytes: Buffer;
  try {
    const stat = await handle.stat();
    if (!stat.isFile())
      return { ok: false, problem: 'Sealcheck cannot read it: it is not a file.' };
    if (stat.size > MAX_REPORT_FILE_BYTES) return { ok: false, problem: TOO_LARGE };
    // One byte more than the cap: a file that grows while it is read is still caught.
    const buffer = Buffer.alloc(Math.min(stat.size, MAX_REPORT_FILE_BYTES) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) break;
    }
    if (length > MAX_REPORT_FILE_BYTES) return { ok: false, problem: TOO_LARGE };
    bytes = buffer.subarray(0, length);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, problem: `Sealcheck cannot read it (${code ?? 'error'}).` };
  } finally {
    await handle.close().catch(() => undefined);
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, problem: 'The file is not a Sealcheck report: it is not text.' };
  }
}
