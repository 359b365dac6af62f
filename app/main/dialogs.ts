/**
 * The native dialogs of the app (Electron): save a report, open a certificate file. Handlers
 * get them through the Dialogs interface (handlers.ts), so the end-to-end harness can script
 * them instead.
 */
import { X509Certificate } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { dialog, type BrowserWindow } from 'electron';
import type { Dialogs } from './handlers';

/** A certificate file larger than this is not one. */
const MAX_CERTIFICATE_FILE = 1024 * 1024;

const FILTERS: Readonly<Record<string, Electron.FileFilter[]>> = {
  '.md': [{ name: 'Markdown', extensions: ['md'] }],
  '.html': [{ name: 'Web page', extensions: ['html'] }],
  '.sealcheck': [{ name: 'Sealcheck report', extensions: ['sealcheck'] }],
};

/** PEM text of a certificate file, PEM or DER; null when it holds none. */
export function certificateText(bytes: Buffer): string | null {
  const text = bytes.toString('utf8');
  if (text.includes('-----BEGIN CERTIFICATE-----')) return text;
  try {
    return new X509Certificate(bytes).toString();
  } catch {
    return null;
  }
}

export function electronDialogs(window: () => BrowserWindow | null): Dialogs {
  return {
    async save(defaultName, content) {
      const ext = /\.[a-z]+$/.exec(defaultName)?.[0] ?? '';
      const options = { defaultPath: defaultName, filters: FILTERS[ext] ?? [] };
      const w = window();
      const result = w
        ? await dialog.showSaveDialog(w, options)
        : await dialog.showSaveDialog(options);
      if (result.canceled || !result.filePath) return null;
      await writeFile(result.filePath, content, 'utf8');
      return result.filePath;
    },
    async openCertificate() {
      const options = {
        properties: ['openFile' as const],
        filters: [{ name: 'Certificates', extensions: ['pem', 'crt', 'cer', 'der'] }],
      };
      const w = window();
      const result = w
        ? await dialog.showOpenDialog(w, options)
        : await dialog.showOpenDialog(options);
      const path = result.filePaths[0];
      if (result.canceled || path === undefined) return null;
      if ((await stat(path)).size > MAX_CERTIFICATE_FILE) return null;
      const text = certificateText(await readFile(path));
      return text === null ? null : { name: basename(path), text };
    },
  };
}
