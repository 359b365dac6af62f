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
  readdirSync,
  statSync,
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

/** app.asar must stay under this (the built app plus its production dependencies). */
const ASAR_BUDGET_BYTES = 8 * 1024 * 1024;

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

  it('associates .sealcheck reports (never a .json double extension) on every platform', () => {
    expect(config.fileAssociations).toEqual([
      expect.objectContaining({
        ext: 'sealcheck',
        mimeType: 'application/x-sealcheck-report',
        role: 'Viewer',
      }),
    ]);
  });

  it('targets AppImage and deb, a hardened-runtime dmg, and NSIS', () => {
    expect(config.linux).toMatchObject({ target: ['AppImage', 'deb'], icon: 'resources/icons' });
    expect(config.mac).toMatchObject({
      hardenedRuntime: true,
      icon: 'resources/icon.icns',
      entitlements: 'resources/entitlements.mac.plist',
      target: [{ target: 'dmg' }],
    });
    expect(config.win).toMatchObject({ icon: 'resources/icon.ico', target: [{ target: 'nsis' }] });
  });

  it('entitles only the JIT: no keychain access group without a provisioning profile', () => {
    const plist = readFileSync(join(repoRoot, 'resources/entitlements.mac.plist'), 'utf8');
    const keys = [...plist.matchAll(/<key>([^<]+)<\/key>/g)].map((m) => m[1]);
    expect(keys).toEqual(['com.apple.security.cs.allow-jit']);
  });

  it('has the icon at every size the platforms ask for', () => {
    const pngSize = (file: string): [number, number] => {
      const b = readFileSync(join(repoRoot, file));
      expect(b.subarray(1, 4).toString('latin1'), file).toBe('PNG');
      return [b.readUInt32BE(16), b.readUInt32BE(20)];
    };
    for (const n of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
      expect(pngSize(`resources/icons/${n}x${n}.png`)).toEqual([n, n]);
    }
    expect(pngSize('resources/icon.png')).toEqual([512, 512]);
    // ICO: PNG entries 16–256 (256 is written as 0).
    const ico = readFileSync(join(repoRoot, 'resources/icon.ico'));
    const count = ico.readUInt16LE(4);
    const sizes = Array.from({ length: count }, (_, i) => ico.readUInt8(6 + 16 * i) || 256);
    expect(sizes).toEqual([16, 24, 32, 48, 64, 128, 256]);
    // ICNS: the 16 to 1024 entries, with their @2x types.
    const icns = readFileSync(join(repoRoot, 'resources/icon.icns'));
    expect(icns.subarray(0, 4).toString('latin1')).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const types: string[] = [];
    for (let at = 8; at < icns.length; at += icns.readUInt32BE(at + 4)) {
      types.push(icns.subarray(at, at + 4).toString('latin1'));
    }
    expect(types.sort()).toEqual(
      [
        'ic07',
        'ic08',
        'ic09',
        'ic10',
        'ic11',
        'ic12',
        'ic13',
        'ic14',
        'icp4',
        'icp5',
        'icp6',
      ].sort(),
    );
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

  it('holds production dependencies only, no secrets or fixtures, and stays under its budget', () => {
    const files = listPackage(join(appDir, 'resources/app.asar'), { isPack: false }).map((f) =>
      f.replaceAll('\\', '/'),
    );
    // Every package in the asar is in the production closure of package-lock.json.
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
    };
    const production = new Set(
      Object.entries(lock.packages)
        .filter(([path, p]) => path.startsWith('node_modules/') && !p.dev && !p.devOptional)
        .map(([path]) => `/${path}`),
    );
    const packed = new Set(
      files
        .map((f) => /^(\/node_modules\/(?:@[^/]+\/[^/]+|[^@/][^/]*))(?:\/|$)/.exec(f)?.[1])
        .filter((p): p is string => p !== undefined),
    );
    expect(packed.size).toBeGreaterThan(3);
    expect([...packed].filter((p) => !production.has(p))).toEqual([]);
    expect(
      files.filter((f) =>
        /(^|\/)(\.env(\..*)?|[^/]*\.(pem|key|p12|pfx)|[^/]*\.(test|spec)\.[cm]?[jt]s)$|\/(fixtures|__tests__)\//.test(
          f,
        ),
      ),
    ).toEqual([]);
    const asarBytes = statSync(join(appDir, 'resources/app.asar')).size;
    // Measured 3.6 MB on 2026-12-03; the budget leaves room to grow, not to bloat.
    expect(asarBytes).toBeLessThan(ASAR_BUDGET_BYTES);
  });

  it('keeps the keychain module outside the asar, where it can be loaded', () => {
    expect(existsSync(join(appDir, 'resources/app.asar.unpacked/node_modules/@napi-rs'))).toBe(
      true,
    );
  });

  it('unpacks the keychain binary of the platform it packages for (so each OS builds its own)', () => {
    const unpacked = join(appDir, 'resources/app.asar.unpacked/node_modules/@napi-rs');
    const natives = readdirSync(unpacked).filter((n) => n.startsWith('keyring-'));
    // npm installs only this machine's package: a Windows or macOS build made here would carry
    // this Linux binary, which is why docs/packaging.md builds every installer on its own OS.
    expect(natives).toEqual([`keyring-linux-${process.arch}-gnu`]);
    const files = readdirSync(join(unpacked, natives[0] ?? ''));
    expect(files.some((f) => f.endsWith('.node'))).toBe(true);
  });
});
