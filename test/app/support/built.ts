/** Paths of the built app, and `ensureBuilt()` to (re)build it once per change. */
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../../..');
export const outDir = join(repoRoot, 'out');

export function ensureBuilt(): void {
  const script = join(import.meta.dirname, 'ensure-built.mjs');
  const lock = join(tmpdir(), 'sealcheck-electron-vite-build.lock');
  const result = spawnSync('flock', [lock, process.execPath, script], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`could not build the app:\n${result.stderr}`);
}
