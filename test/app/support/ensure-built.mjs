/**
 * Builds the app with electron-vite when out/ is missing or older than its sources.
 * Tests run it under `flock` (test/app/support/built.ts) so parallel test files never
 * build at the same time or read a half-written out/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');
const outputs = [
  'out/main/index.js',
  'out/main/core-worker.js',
  'out/preload/index.cjs',
  'out/renderer/index.html',
];
const sources = ['app', 'renderer', 'electron.vite.config.ts', 'svelte.config.js', 'package.json'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return path.endsWith('.test.ts') ? 0 : st.mtimeMs;
  let max = st.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules') continue;
    max = Math.max(max, newest(join(path, entry)));
  }
  return max;
}

function isStale() {
  let oldest = Infinity;
  for (const out of outputs) {
    const path = join(root, out);
    if (!existsSync(path)) return true;
    oldest = Math.min(oldest, statSync(path).mtimeMs);
  }
  return sources.some((src) => newest(join(root, src)) > oldest);
}

if (isStale()) {
  const cli = join(root, 'node_modules/electron-vite/bin/electron-vite.js');
  const result = spawnSync(process.execPath, [cli, 'build'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(`electron-vite build failed:\n${result.stdout}\n${result.stderr}\n`);
    process.exit(1);
  }
}
