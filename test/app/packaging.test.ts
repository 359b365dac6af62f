/**
 * Packaging: electron-builder.yml sets the Electron fuses we want, with names electron-builder
 * knows; and a real `electron-builder --linux dir` run (against a stand-in Electron binary
 * that carries a fuse wire, since the real one cannot be downloaded here) flips them in the
 * binary and packs only the built app into app.asar.
 */
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  chmodSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listPackage } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ensureBuilt, repoRoot } from './support/built';

const EXPECTED_FUSES = {
  runAsNode: false,
  enableCookieEncryption: true,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  grantFileProtocolExtraPrivileges: false,
};

const config = parse(readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8')) as Record<
  string,
  unknown
>;

describe('electron-builder.yml', () => {
  it('sets the fuses', () => {
    expect(config.electronFuses).toEqual(EXPECTED_FUSES);
  });

  it('uses fuse names electron-builder knows', () => {
    const scheme = JSON.parse(
      readFileSync(join(repoRoot, 'node_modules/app-builder-lib/scheme.json'), 'utf8'),
    ) as {
      definitions: { FuseOptionsV1: { properties: Record<string, unknown> } };
    };
    const known = Object.keys(scheme.definitions.FuseOptionsV1.properties);
    for (const key of Object.keys(config.electronFuses as object)) expect(known).toContain(key);
  });

  it('names the app and packs into an asar', () => {
    expect(config).toMatchObject({
      appId: 'org.sealcheck.Sealcheck',
      productName: 'Sealcheck',
      asar: true,
    });
  });
});

describe('electron-builder --linux dir (stand-in Electron)', () => {
  const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
  let work = '';
  let appDir = '';

  beforeAll(() => {
    ensureBuilt();
    work = mkdtempSync(join(tmpdir(), 'sealcheck-package-'));
    const fakeElectron = join(work, 'electron-dist');
    mkdirSync(fakeElectron);
    // Electron's fuse wire: sentinel, version 1, 8 fuses, each '0'/'1' (Electron 45's defaults).
    const wire = Buffer.concat([
      Buffer.from(SENTINEL),
      Buffer.from([1, 8]),
      Buffer.from('10110001'),
    ]);
    writeFileSync(
      join(fakeElectron, 'electron'),
      Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n'), wire]),
    );
    chmodSync(join(fakeElectron, 'electron'), 0o755);

    const cli = join(repoRoot, 'node_modules/electron-builder/cli.js');
    const result = spawnSync(
      process.execPath,
      [
        cli,
        '--linux',
        'dir',
        `-c.electronDist=${fakeElectron}`,
        `-c.directories.output=${join(work, 'dist')}`,
      ],
      { cwd: repoRoot, encoding: 'utf8', timeout: 170_000 },
    );
    if (result.status !== 0)
      throw new Error(`electron-builder failed:\n${result.stdout}\n${result.stderr}`);
    appDir = join(work, 'dist/linux-unpacked');
  }, 180_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('flips the fuses in the binary', async () => {
    const wire = await getCurrentFuseWire(join(appDir, 'sealcheck'));
    const on = 49;
    const off = 48;
    expect(wire[FuseV1Options.RunAsNode]).toBe(off);
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(on);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(off);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(off);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(on);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(on);
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(off);
  });

  it('packs the built app and nothing of the sources', () => {
    const files = listPackage(join(appDir, 'resources/app.asar'), { isPack: false }).map((f) =>
      f.replaceAll('\\', '/'),
    );
    for (const needed of [
      '/package.json',
      '/out/main/index.js',
      '/out/main/core-worker.js',
      '/out/preload/index.cjs',
      '/out/renderer/index.html',
      '/resources/icon.png',
    ]) {
      expect(files).toContain(needed);
    }
    expect(files.filter((f) => /^\/(app|renderer|test|e2e|scripts)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map') || f.endsWith('.ts'))).toEqual([]);
    // Only production dependencies.
    expect(files.some((f) => f.startsWith('/node_modules/electron/'))).toBe(false);
    expect(files.some((f) => f.startsWith('/node_modules/vitest/'))).toBe(false);
  });

  it('keeps the keychain module outside the asar, where it can be loaded', () => {
    expect(existsSync(join(appDir, 'resources/app.asar.unpacked/node_modules/@napi-rs'))).toBe(
      true,
    );
  });
});
