/**
 * The shell checks of smoke.spec.ts through the real Electron app, where an Electron binary is
 * installed. Skipped otherwise (this kind of machine cannot download one).
 */
import { expect } from '@playwright/test';
import { electronTest as test, findElectronBinary, NO_ELECTRON_MESSAGE } from './harness/electron';
import { readKeychainTruth } from './harness/keychain-truth';
import {
  expectAccessible,
  expectNoPageProblems,
  expectSelfCheckResults,
  expectShellRendered,
  saveScreenshot,
} from './harness/shell-checks';

// Why skip: without an Electron binary (this machine cannot download one) there is no app to
// launch; the Chromium tier (smoke.spec.ts) runs the same checks against the same handlers.
test.skip(findElectronBinary() === null, NO_ELECTRON_MESSAGE);

test('electron: the shell renders, runs the self-check and stays clean', async ({
  shell,
  diagnostics,
}, testInfo) => {
  const keychain = await readKeychainTruth();
  await expectShellRendered(shell);
  await expect(shell.page).toHaveURL(/^app:\/\/sealcheck\//);
  await expect(shell.fact('Version')).toHaveText(/^\d+\.\d+\.\d+/);
  await expect(shell.fact('Checks run')).toHaveText(/separate helper process/);
  await expect(shell.fact('Electron')).toHaveText(/^\d+\./);

  await shell.runSelfCheck();
  await expectSelfCheckResults(shell, {
    tls: /^Available \(OpenSSL .+\)\.$/,
    roots: /^Known: \d+ public, (\d+ from this system|this system's own list could not be read)\.$/,
    keychain,
  });

  await expectAccessible(shell.page, testInfo);
  await saveScreenshot(shell.page, testInfo, 'electron-shell');
  expectNoPageProblems(diagnostics);
});
