/**
 * The Electron tier: where an Electron binary is installed (a developer's desktop), the same
 * checks run against the real app (main, preload, utility-process core, app:// protocol)
 * through Playwright's `_electron.launch`.
 *
 * Finding the binary must not download it: `require('electron')` fetches a missing binary on
 * first use, so this reads the same files the electron package would, without running it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { _electron, test as base, type ElectronApplication, type Page } from '@playwright/test';
import { ShellPage } from '../pages/shell';
import { failed, keepArtifact } from './artifacts';
import { watchPage, type PageDiagnostics } from './diagnostics';
import { mainOut, repoRoot } from './paths';

export const NO_ELECTRON_MESSAGE =
  'No Electron binary on this machine (offline install); the Chromium tier covers the UI';

/** The Electron executable, or null when none is installed. */
export function findElectronBinary(): string | null {
  let packageDir: string;
  try {
    packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return null;
  }
  // path.txt is written once the binary has been downloaded and unpacked into dist/.
  const pathFile = join(packageDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override
    ? join(override, relative ?? 'electron')
    : relative
      ? join(packageDir, 'dist', relative)
      : null;
  return candidate && existsSync(candidate) ? candidate : null;
}

interface ElectronFixtures {
  electronApp: ElectronApplication;
  diagnostics: PageDiagnostics;
  shell: ShellPage;
}

/** Fixtures for specs that drive the real app; skip the spec when findElectronBinary() is null. */
export const electronTest = base.extend<ElectronFixtures>({
  electronApp: async ({ browserName }, use, testInfo) => {
    void browserName; // Playwright needs a destructured first argument.
    const executablePath = findElectronBinary();
    if (!executablePath) throw new Error(NO_ELECTRON_MESSAGE);
    // Own user-data directory: no clash with a running Sealcheck's single-instance lock.
    const config = await mkdtemp(join(tmpdir(), 'sealcheck-e2e-electron-'));
    const app = await _electron.launch({
      executablePath,
      args: [mainOut, '--password-store=basic'],
      cwd: repoRoot,
      env: { ...process.env, XDG_CONFIG_HOME: config, ELECTRON_ENABLE_LOGGING: '1' },
    });
    const output: string[] = [];
    app.process().stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    app.process().stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    await use(app);
    await app.close();
    if (failed(testInfo)) await keepArtifact(testInfo, 'electron-output.log', output.join(''));
    await rm(config, { recursive: true, force: true });
  },

  diagnostics: async ({ electronApp }, use, testInfo) => {
    const window: Page = await electronApp.firstWindow();
    const diagnostics = await watchPage(window);
    // The first load happened before anything could listen: load again under watch.
    await window.reload();
    await use(diagnostics);
    if (failed(testInfo)) {
      await keepArtifact(testInfo, 'page-console.log', diagnostics.log.join('\n'));
    }
  },

  shell: async ({ electronApp, diagnostics }, use) => {
    void diagnostics;
    await use(new ShellPage(await electronApp.firstWindow()));
  },
});
