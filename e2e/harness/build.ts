/**
 * Builds the app (main, preload, renderer) with electron-vite when the output is missing or
 * older than its sources. `npm test` builds first, so there this is a quick no-op.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './paths';

const execFileAsync = promisify(execFile);

const outputs = ['out/renderer/index.html', 'out/main/index.js', 'out/preload/index.cjs'];
const sources = [
  'app',
  'renderer',
  'electron.vite.config.ts',
  'svelte.config.js',
  'package.json',
  'tsconfig.web.json',
];

export async function buildIfStale(): Promise<'built' | 'fresh'> {
  if (process.env.SEALCHECK_E2E_BUILD !== 'always' && !isStale()) return 'fresh';
  const bin = resolve(repoRoot, 'node_modules/.bin/electron-vite');
  try {
    await execFileAsync(bin, ['build'], { cwd: repoRoot, timeout: 180_000 });
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    throw new Error(`electron-vite build failed:\n${stdout}\n${stderr}`, { cause: err });
  }
  return 'built';
}

function isStale(): boolean {
  let oldestOutput = Infinity;
  for (const out of outputs) {
    const path = resolve(repoRoot, out);
    if (!existsSync(path)) return true;
    oldestOutput = Math.min(oldestOutput, statSync(path).mtimeMs);
  }
  return sources.some((src) => newestMtime(resolve(repoRoot, src)) > oldestOutput);
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}
