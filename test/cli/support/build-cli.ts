/**
 * Builds the CLI for the suites that run it as a child process: only when out/cli is older than
 * the sources, and under a lock, so suites running at once never build over each other.
 * (`npm test` builds before any suite runs, so there this is a cheap staleness check.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../../..');
export const bin = resolve(root, 'bin/sealcheck.mjs');
const built = resolve(root, 'out/cli/sealcheck.mjs');

/** Newest modification time under `path` (test files do not count). */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return path.endsWith('.test.ts') ? 0 : st.mtimeMs;
  let max = st.mtimeMs;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
}

export function ensureCliBuilt(): void {
  const stale =
    !existsSync(built) ||
    Math.max(newest(join(root, 'app')), newest(join(root, 'package.json'))) >
      statSync(built).mtimeMs;
  if (!stale) return;
  const lock = join(tmpdir(), 'sealcheck-build-cli.lock');
  const build = ['npm', 'run', '--silent', 'build:cli'];
  let r = spawnSync('flock', [lock, ...build], { cwd: root, encoding: 'utf8' });
  // Without flock (not Linux), build unlocked.
  if (r.error !== undefined)
    r = spawnSync(build[0] ?? 'npm', build.slice(1), { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build:cli failed:\n${r.stdout}\n${r.stderr}`);
}
