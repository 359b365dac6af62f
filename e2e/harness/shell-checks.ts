/**
 * Checks shared by both tiers (Chromium with the harness, and Electron where it exists), so
 * the same expectations hold wherever the shell runs.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, type TestInfo } from '@playwright/test';
import { STEP_TITLES, type ShellPage, type StepId } from '../pages/shell';
import type { PageDiagnostics } from './diagnostics';
import type { KeychainTruth } from './keychain-truth';
import { resultsDir } from './paths';

export const STEP_ORDER: readonly StepId[] = ['tls', 'roots', 'keychain'];

export interface ExpectedSelfCheck {
  readonly tls: string | RegExp;
  readonly roots: string | RegExp;
  readonly keychain: KeychainTruth;
}

export async function expectShellRendered(shell: ShellPage): Promise<void> {
  await expect(shell.heading).toBeVisible();
  await expect(shell.tagline).toHaveText(/encrypted/);
  await expect(shell.systemCheck).toBeVisible();
  await expect(shell.runButton).toBeEnabled();
  await expect(shell.page).toHaveTitle('Sealcheck');
}

export function keychainSentence(truth: KeychainTruth): RegExp {
  return truth.available
    ? /^Available: passwords go to the system keyring \(Secret Service\)\.$/
    : /^Not available: Sealcheck will not store passwords on this computer\.$/;
}

export function expectedVerdict(truth: KeychainTruth): string {
  return truth.available
    ? 'This computer is ready to check your connections.'
    : 'Sealcheck can check your connections, but it cannot store passwords on this computer.';
}

/** Waits for the run to finish and checks each step's final state and plain-words result. */
export async function expectSelfCheckResults(
  shell: ShellPage,
  expected: ExpectedSelfCheck,
): Promise<void> {
  await expect(shell.verdict).toHaveText(expectedVerdict(expected.keychain), { timeout: 20_000 });
  await expect(shell.steps.getByRole('listitem')).toHaveCount(STEP_ORDER.length);
  for (const [index, id] of STEP_ORDER.entries()) {
    await expect(shell.steps.getByRole('listitem').nth(index)).toContainText(STEP_TITLES[id]);
  }
  await expect(shell.step('tls')).toContainText('Done');
  await expect(shell.stepResult('tls')).toHaveText(expected.tls);
  await expect(shell.step('roots')).toContainText('Done');
  await expect(shell.stepResult('roots')).toHaveText(expected.roots);
  await expect(shell.step('keychain')).toContainText(
    expected.keychain.available ? 'Done' : 'Failed',
  );
  await expect(shell.stepResult('keychain')).toHaveText(keychainSentence(expected.keychain));
  if (expected.keychain.available) {
    await expect(shell.stepTechnical('keychain')).toHaveCount(0);
  } else {
    // The reason is there for a help desk, folded away until asked for.
    const technical = shell.stepTechnical('keychain');
    await technical.getByText('Technical details').click();
    await expect(technical).toHaveText(/Technical details\s*\S+/);
  }
  await expect(shell.runButton).not.toHaveAttribute('aria-disabled', 'true');
}

/**
 * Records, in the page, every state label each step shows, as the DOM changes. Call before
 * starting the run; read with `seen()` afterwards.
 */
export async function recordStepLabels(
  page: Page,
): Promise<{ seen(): Promise<Record<string, string[]>> }> {
  await page.evaluate(() => {
    const seen: Record<string, string[]> = {};
    const snapshot = () => {
      for (const item of document.querySelectorAll<HTMLElement>('li[data-step]')) {
        const step = item.dataset.step ?? '?';
        const label = item.querySelector('.badge')?.textContent?.trim() ?? '';
        const list = (seen[step] ??= []);
        if (label && list.at(-1) !== label) list.push(label);
      }
    };
    new MutationObserver(snapshot).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
    });
    (globalThis as unknown as { __sealcheckSeen: typeof seen }).__sealcheckSeen = seen;
  });
  return {
    seen: () =>
      page.evaluate(
        () =>
          (globalThis as unknown as { __sealcheckSeen: Record<string, string[]> }).__sealcheckSeen,
      ),
  };
}

/** No serious or critical accessibility violations (axe-core, WCAG 2.1 A and AA rules). */
export async function expectAccessible(page: Page, testInfo: TestInfo): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length > 0) {
    await testInfo.attach('axe-violations.json', {
      body: JSON.stringify(bad, null, 2),
      contentType: 'application/json',
    });
  }
  expect(
    bad.map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
    ),
  ).toEqual([]);
}

export function expectNoPageProblems(diagnostics: PageDiagnostics): void {
  expect(diagnostics.cspViolations, 'Content-Security-Policy violations').toEqual([]);
  expect(diagnostics.problems, 'console errors and uncaught exceptions').toEqual([]);
}

/**
 * Saves a full-page screenshot as a test artifact (attached to the report) and as
 * test-results/e2e-screenshots/<name>.png, a stable path for people and CI to look at.
 */
export async function saveScreenshot(
  page: Page,
  testInfo: TestInfo,
  name: string,
): Promise<string> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
  const stableDir = join(resultsDir, 'e2e-screenshots');
  await mkdir(stableDir, { recursive: true });
  await copyFile(path, join(stableDir, `${name}.png`));
  return path;
}
