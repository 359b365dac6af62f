/**
 * Smoke test of the app shell in Debian's Chromium, with window.sealcheck served by the app's
 * real IPC handlers (dispatchInvoke + createHandlers, core in-process, the real keychain).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tls from 'node:tls';
import { expect, test } from './harness/fixtures';
import { readKeychainTruth } from './harness/keychain-truth';
import { repoRoot } from './harness/paths';
import {
  STEP_ORDER,
  expectAccessible,
  expectNoPageProblems,
  expectSelfCheckResults,
  expectShellRendered,
  expectedVerdict,
  recordStepLabels,
  saveScreenshot,
  type ExpectedSelfCheck,
} from './harness/shell-checks';

const version = (
  JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')) as { version: string }
).version;

/** What the handlers (in this very process) will find, computed here without Sealcheck's code. */
function expectedFromThisProcess(): Omit<ExpectedSelfCheck, 'keychain'> {
  const short = (v: string) => v.replace(/^TLSv/, '');
  const min = short(tls.DEFAULT_MIN_VERSION);
  const max = short(tls.DEFAULT_MAX_VERSION);
  const range = min === max ? `TLS ${min}` : `TLS ${min} to ${max}`;
  const getCA = (tls as { getCACertificates?: (type: 'system') => string[] }).getCACertificates;
  const system = getCA ? `${getCA('system').length} from this system` : null;
  return {
    tls: `Available (OpenSSL ${process.versions.openssl}, ${range}).`,
    roots: `Known: ${tls.rootCertificates.length} public, ${system ?? "this system's own list could not be read"}.`,
  };
}

// The window opens on the accounts; these tests are about the "System check" screen.
test.beforeEach(async ({ shell }) => {
  await shell.showSystemCheck();
});

test('the shell renders and shows the version from the real handlers', async ({
  shell,
  diagnostics,
  ipc,
}) => {
  await expectShellRendered(shell);
  await expect(shell.fact('Version')).toHaveText(version);
  await expect(shell.fact('Checks run')).toHaveText(/inside this program/);
  await expect(shell.fact('Node.js')).toHaveText(process.versions.node);
  await expect(shell.fact('OpenSSL')).toHaveText(process.versions.openssl);
  const replies = ipc.log.filter((e) => e.kind === 'reply').map((e) => e.channel);
  expect(replies).toContain('app:get-info');
  expect(replies).not.toContain('app:self-check');
  expectNoPageProblems(diagnostics);
});

test('the self-check shows live progress, then each result in plain words', async ({
  shell,
  diagnostics,
  ipc,
}, testInfo) => {
  const keychain = await readKeychainTruth();
  testInfo.annotations.push({
    type: 'keychain',
    description: keychain.available ? 'available' : `not available: ${keychain.why}`,
  });
  const finalLabel = (id: string) => (id === 'keychain' && !keychain.available ? 'Failed' : 'Done');

  // 1. Hold the reply back: everything the page shows now came from progress events alone.
  const release = ipc.holdReplies('app:self-check');
  const labels = await recordStepLabels(shell.page);
  await shell.runSelfCheck();
  await expect(shell.runButton).toHaveAttribute('aria-disabled', 'true');
  await expect(shell.selfCheck).toHaveAttribute('aria-busy', 'true');
  for (const id of STEP_ORDER) {
    await expect(shell.step(id)).toContainText(finalLabel(id), { timeout: 20_000 });
  }
  await expect(shell.verdict).toHaveText('Finishing…');
  await expect(shell.steps.getByRole('paragraph')).toHaveCount(0);

  // Each step went from "Checking…" to its final label, in the order the events came.
  expect(await labels.seen()).toEqual(
    Object.fromEntries(STEP_ORDER.map((id) => [id, ['Checking…', finalLabel(id)]])),
  );
  const events = ipc.eventsOn('event:progress') as { step: string; state: string }[];
  expect(events.map((e) => `${e.step}:${e.state}`)).toEqual(
    STEP_ORDER.flatMap((id) => [
      `${id}:started`,
      `${id}:${finalLabel(id) === 'Done' ? 'done' : 'failed'}`,
    ]),
  );

  // 2. Let the reply through: the results appear, in words.
  release();
  await expectSelfCheckResults(shell, { ...expectedFromThisProcess(), keychain });
  await expect(shell.verdict).toHaveText(expectedVerdict(keychain));
  await expect(shell.selfCheck).toHaveAttribute('aria-busy', 'false');

  await expectAccessible(shell.page, testInfo);
  await saveScreenshot(shell.page, testInfo, 'chromium-shell');
  expectNoPageProblems(diagnostics);
});

test('the keyboard reaches the button, and Enter runs the self-check', async ({
  shell,
  diagnostics,
}) => {
  await expect(shell.fact('Version')).toHaveText(version);
  await shell.page.keyboard.press('Tab');
  await expect(shell.runButton).toBeFocused();
  await shell.page.keyboard.press('Enter');
  await expect(shell.verdict).not.toHaveText(/^(Starting|Checking|Finishing)/, { timeout: 20_000 });
  await expect(shell.runButton).toBeFocused();
  expectNoPageProblems(diagnostics);
});

test('the handlers refuse a malformed request from the page', async ({ shell, ipc }) => {
  await expect(shell.fact('Version')).toHaveText(version);
  const message = await shell.page.evaluate(() =>
    window.sealcheck.app
      .selfCheck({ runId: 'not a valid id!' })
      .then(() => 'accepted')
      .catch((err: unknown) => (err instanceof Error ? err.message : String(err))),
  );
  expect(message).toMatch(/^Invalid arguments for app:self-check: /);
  expect(ipc.log.at(-1)).toMatchObject({ kind: 'error', channel: 'app:self-check' });
});

test('in the dark colour scheme the shell stays readable', async ({
  shell,
  diagnostics,
}, testInfo) => {
  await shell.page.emulateMedia({ colorScheme: 'dark' });
  await expect(shell.fact('Version')).toHaveText(version);
  await shell.runSelfCheck();
  await expect(shell.verdict).not.toHaveText(/^(Starting|Checking|Finishing)/, { timeout: 20_000 });
  const technical = shell.stepTechnical('keychain');
  if ((await technical.count()) > 0) await technical.getByText('Technical details').click();
  await expectAccessible(shell.page, testInfo);
  await saveScreenshot(shell.page, testInfo, 'chromium-shell-dark');
  expectNoPageProblems(diagnostics);
});
