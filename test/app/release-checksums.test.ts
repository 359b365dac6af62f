/**
 * The release's SHA256SUMS (scripts/release-checksums.mjs): installers only, in the format
 * `sha256sum --check` reads, and an empty list is an error (a release never ships one).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './support/built';

const script = join(repoRoot, 'scripts/release-checksums.mjs');
const dir = mkdtempSync(join(tmpdir(), 'sealcheck-release-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('release checksums', () => {
  it('lists every installer and nothing else; sha256sum --check agrees', () => {
    for (const [name, body] of [
      ['Sealcheck-0.1.0.AppImage', 'appimage'],
      ['sealcheck_0.1.0_amd64.deb', 'deb'],
      ['Sealcheck-0.1.0-arm64.dmg', 'dmg'],
      ['Sealcheck Setup 0.1.0.exe', 'exe'],
      ['latest-linux.yml', 'not an installer'],
      ['Sealcheck-0.1.0.dmg.blockmap', 'not an installer'],
    ]) {
      writeFileSync(join(dir, name as string), body as string);
    }
    const r = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8');
    expect(
      sums
        .trim()
        .split('\n')
        .map((l) => l.slice(66)),
    ).toEqual([
      'Sealcheck Setup 0.1.0.exe',
      'Sealcheck-0.1.0-arm64.dmg',
      'Sealcheck-0.1.0.AppImage',
      'sealcheck_0.1.0_amd64.deb',
    ]);
    expect(
      execFileSync('sha256sum', ['--check', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' }),
    ).toMatch(/Sealcheck-0\.1\.0\.AppImage: OK/);
    // A tampered download fails the check.
    writeFileSync(join(dir, 'Sealcheck-0.1.0.AppImage'), 'tampered');
    expect(
      spawnSync('sha256sum', ['--check', '--quiet', 'SHA256SUMS'], { cwd: dir }).status,
    ).not.toBe(0);
  });

  it('a directory without installers is an error', () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    const r = spawnSync(process.execPath, [script, empty], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no installers/);
  });
});
