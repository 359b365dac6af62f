/**
 * Page objects for the account screens: the overview, adding an account, importing, the quick
 * check, and a check's result. Role-based locators, as a person or a screen reader finds things.
 */
import type { Locator, Page } from '@playwright/test';

export type Security = 'implicit' | 'starttls' | 'starttls-if-available' | 'none';

const SECURITY_LABEL: Readonly<Record<Security, string>> = {
  implicit: 'SSL/TLS (encrypted from the start)',
  starttls: 'STARTTLS',
  'starttls-if-available': 'STARTTLS, if available',
  none: 'None',
};

export interface ServerEntry {
  readonly host: string;
  readonly port: number;
  readonly security: Security;
  readonly protocol?: 'imap' | 'pop3';
}

export class AccountScreens {
  constructor(readonly page: Page) {}

  tab(name: string): Locator {
    return this.page
      .getByRole('navigation', { name: 'Sealcheck' })
      .getByRole('button', { name, exact: true });
  }

  get main(): Locator {
    return this.page.getByRole('main');
  }

  heading(name: string): Locator {
    return this.main.getByRole('heading', { level: 2, name });
  }

  /** Fills the "Add an account" form by hand (no discovery) and saves it; optionally checks it. */
  async addByHand(options: {
    address: string;
    name?: string;
    incoming?: ServerEntry | null;
    outgoing?: ServerEntry | null;
    password?: string;
    check: boolean;
  }): Promise<void> {
    await this.tab('Add an account').click();
    const main = this.main;
    await main.getByLabel('Your address', { exact: true }).fill(options.address);
    await this.fillRole('incoming', options.incoming ?? null);
    await this.fillRole('outgoing', options.outgoing ?? null);
    if (options.name) await main.getByLabel('Name for this account (optional)').fill(options.name);
    if (options.password) await main.getByLabel(/^Password/).fill(options.password);
    await main
      .getByRole('button', { name: options.check ? 'Save and check' : 'Save', exact: true })
      .click();
  }

  async fillRole(role: 'incoming' | 'outgoing', entry: ServerEntry | null): Promise<void> {
    const legend =
      role === 'incoming' ? 'Incoming mail (IMAP or POP3)' : 'Outgoing mail (SMTP submission)';
    const group = this.main.getByRole('group', { name: legend });
    const enabled = group.getByRole('checkbox', { name: legend });
    if (entry === null) {
      await enabled.uncheck();
      return;
    }
    await enabled.check();
    if (entry.protocol)
      await group.getByLabel('Kind', { exact: true }).selectOption(entry.protocol);
    await group.getByLabel('Server', { exact: true }).fill(entry.host);
    await group.getByLabel('Port', { exact: true }).fill(String(entry.port));
    await group
      .getByLabel('Security in your app')
      .selectOption({ label: SECURITY_LABEL[entry.security] });
  }

  /** The result screen's overall verdict (the status region under the heading). */
  get headline(): Locator {
    return this.main.locator('.headline');
  }

  endpoint(titleStart: RegExp | string): Locator {
    return this.main.getByRole('region', { name: titleStart });
  }

  finding(title: string): Locator {
    return this.main.getByRole('article').filter({ hasText: title });
  }

  async waitForResult(timeout = 45_000): Promise<void> {
    await this.main
      .getByRole('button', { name: 'Copy a summary for the help desk' })
      .waitFor({ timeout });
  }
}
