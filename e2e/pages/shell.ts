/**
 * Page object for the app shell: header, the "System check" panel and its self-check.
 * Role-based locators only, so the tests read like what a person (or a screen reader) sees.
 */
import type { Locator, Page } from '@playwright/test';

export const STEP_TITLES = {
  tls: 'Secure connections',
  roots: 'Trusted authorities',
  keychain: 'Password storage (keychain)',
} as const;

export type StepId = keyof typeof STEP_TITLES;

export class ShellPage {
  readonly heading: Locator;
  readonly tagline: Locator;
  readonly systemCheck: Locator;
  readonly about: Locator;
  readonly runButton: Locator;
  readonly selfCheck: Locator;
  /** The live status line: what is being checked, then the verdict. */
  readonly verdict: Locator;
  readonly steps: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Sealcheck' });
    this.tagline = page.getByRole('banner').getByRole('paragraph');
    this.systemCheck = page.getByRole('region', { name: 'System check' });
    this.about = this.systemCheck.getByRole('region', { name: 'This copy of Sealcheck' });
    this.runButton = this.systemCheck.getByRole('button', { name: 'Run self-check' });
    this.selfCheck = this.systemCheck.getByRole('region', { name: 'Self-check' });
    this.verdict = this.selfCheck.getByRole('status');
    this.steps = this.selfCheck.getByRole('list', { name: 'Self-check steps' });
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
  }

  /** The navigation button of a screen, e.g. "System check". */
  tab(name: string): Locator {
    return this.page
      .getByRole('navigation', { name: 'Sealcheck' })
      .getByRole('button', { name, exact: true });
  }

  /** Goes to the "System check" screen (the window opens on the accounts). */
  async showSystemCheck(): Promise<void> {
    await this.tab('System check').click();
    await this.systemCheck.waitFor();
  }

  /** The value shown for a fact such as "Version" in "This copy of Sealcheck". */
  fact(term: string): Locator {
    return this.about
      .getByRole('term')
      .filter({ hasText: new RegExp(`^${escapeRegExp(term)}$`) })
      .locator('xpath=following-sibling::dd[1]');
  }

  step(id: StepId): Locator {
    return this.steps.getByRole('listitem').filter({ hasText: STEP_TITLES[id] });
  }

  /** The plain-words result of a step, once the run has finished. */
  stepResult(id: StepId): Locator {
    return this.step(id).getByRole('paragraph');
  }

  /** The folded technical detail under a step's result (a <details> group). */
  stepTechnical(id: StepId): Locator {
    return this.step(id).getByRole('group');
  }

  async runSelfCheck(): Promise<void> {
    await this.runButton.click();
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
