/**
 * "Mail sent to <domain>" on an account's result, end to end in Debian's Chromium: the real
 * handlers and core in-process, the bed's Dovecot for the account's own server, and the domain
 * world (test/bed/domain-world.ts) for the domain check: knot with the test zones, unbound
 * validating, an MTA-STS HTTPS server, and the bed's Postfix as the MX hosts on port 25 (through
 * connect-to rules handed to the harness, never to the app itself). The check runs only when
 * asked, its verdict comes first, and the reports carry it.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { findEndpoint, type BedDescription } from '../test/bed/endpoints';
import { bedForTests, expect, test } from './harness/fixtures';
import { resultsDir } from './harness/paths';
import { expectAccessible, expectNoPageProblems, saveScreenshot } from './harness/shell-checks';
import { AccountScreens } from './pages/accounts';

test.use({ domainWorld: true });

let bed: BedDescription;
test.beforeAll(() => {
  const b = bedForTests();
  if (!b) throw new Error('these tests need the bed: run them through "npm test"');
  bed = b;
});

/** Adds an account with the bed's good IMAP server and this address, checks it, and waits. */
async function accountResult(s: AccountScreens, address: string): Promise<void> {
  await s.addByHand({
    address,
    incoming: {
      protocol: 'imap',
      host: 'mail.test.example',
      port: findEndpoint(bed, 'dovecot-imap-implicit-good').port,
      security: 'implicit',
    },
    outgoing: null,
    check: true,
  });
  await s.waitForResult();
}

function domainSection(s: AccountScreens, domain: string) {
  return s.main.getByRole('region', { name: `Mail sent to ${domain}` });
}

test('enforced MTA-STS: checked on request, verdict first, mail servers listed, in every report', async ({
  shell,
  ipc,
  dialogs,
  diagnostics,
  page,
}, testInfo) => {
  const s = new AccountScreens(shell.page);
  await accountResult(s, 'alice@enforce.plain.example');
  const section = domainSection(s, 'enforce.plain.example');
  await expect(section).toBeVisible();
  // Nothing was asked yet: port 25 may be blocked here, so it is on request only.
  expect(ipc.log.filter((e) => e.channel === 'domain:check')).toEqual([]);
  await expect(section.getByText(/port 25/)).toBeVisible();
  await expectAccessible(shell.page, testInfo);
  await saveScreenshot(shell.page, testInfo, 'result-domain-not-checked');

  await section.getByRole('button', { name: 'Check mail sent to enforce.plain.example' }).click();
  const verdict = section.getByRole('status').filter({ hasText: 'Encrypted and enforced' });
  await expect(verdict).toBeVisible({ timeout: 30_000 });
  await expect(verdict).toContainText(
    'Mail to enforce.plain.example is encrypted, and senders are told to accept nothing less.',
  );
  await expect(verdict.locator('[data-verdict="protected"] svg')).toHaveAttribute(
    'aria-hidden',
    'true',
  );
  const table = section.getByRole('table');
  await expect(table.getByRole('columnheader')).toHaveText([
    'Order',
    'Server',
    'Encryption',
    'DANE',
    'MTA-STS',
  ]);
  const row = table.getByRole('row').filter({ hasText: 'mail.test.example' });
  await expect(row.getByRole('cell').first()).toHaveText('10');
  await expect(row).toContainText(/encrypted \(TLS 1\.[23]\), certificate verified/);
  await expect(row.getByRole('cell').last()).toHaveText('listed');
  // Progress went out per mail server, with the run id of this check.
  const invoke = ipc.log.find((e) => e.kind === 'invoke' && e.channel === 'domain:check');
  const [runId] = invoke?.data as [string, unknown];
  const events = ipc.eventsOn('event:progress') as { runId: string; scope?: string }[];
  expect(events.some((e) => e.runId === runId && e.scope === 'mail.test.example')).toBe(true);
  // The window got the view only, never the facts with their transcripts.
  const reply = ipc.log.find((e) => e.kind === 'reply' && e.channel === 'domain:check');
  expect(Object.keys(reply?.data as object)).not.toContain('facts');
  expect(JSON.stringify(reply?.data)).not.toContain('EHLO');

  await section.getByText('DNS details').click();
  await expect(section.getByText(/mode enforce, mx mail\.test\.example/)).toBeVisible();
  await expectAccessible(shell.page, testInfo);
  await saveScreenshot(shell.page, testInfo, 'result-domain-protected');
  expectNoPageProblems(diagnostics);

  // The reports carry the domain check.
  await s.main.getByRole('button', { name: 'Save the summary' }).click();
  await s.main.getByRole('button', { name: 'Save a printable report' }).click();
  await s.main.getByRole('button', { name: 'Save the full results' }).click();
  await expect.poll(() => dialogs.saved.length).toBe(3);
  const [md, report, results] = dialogs.saved;
  expect(md?.content).toContain('## Mail to enforce.plain.example: Encrypted and enforced');
  expect(md?.content).toContain('| 10 | mail.test.example |');
  const json = JSON.parse(results?.content ?? '') as {
    domain?: { view: { verdict: string }; facts: { domain: string } };
  };
  expect(json.domain?.view.verdict).toBe('protected');
  expect(json.domain?.facts.domain).toBe('enforce.plain.example');
  await page.goto(`file://${report?.path ?? ''}`);
  await expect(
    page.getByRole('heading', { level: 2, name: 'Mail sent to enforce.plain.example' }),
  ).toBeVisible();
  await expect(
    page.getByRole('row').filter({ hasText: 'mail.test.example' }).getByRole('cell').last(),
  ).toHaveText('listed');
});

test('a mail server without encryption: what needs attention, who can fix it; fits 800×600 and 200%', async ({
  shell,
  page,
  diagnostics,
}, testInfo) => {
  const s = new AccountScreens(shell.page);
  await accountResult(s, 'bob@cleartext.plain.example');
  const section = domainSection(s, 'cleartext.plain.example');
  await section.getByRole('button', { name: 'Check mail sent to cleartext.plain.example' }).click();
  await expect(
    section.getByRole('status').filter({ hasText: 'Mail can arrive unencrypted' }),
  ).toBeVisible({ timeout: 30_000 });
  const finding = section.getByRole('article').filter({ hasText: 'is not encrypted' }).first();
  await expect(finding).toBeVisible();
  await expect(finding).toContainText('Only on plain.test.example.');
  await expect(finding).toContainText('Who can fix it:');
  await expect(finding).toContainText('What to do:');
  await expect(finding.locator('details')).not.toHaveAttribute('open', '');
  await expect(section.getByRole('heading', { name: 'Worth knowing' })).toBeVisible();
  await expect(
    section.getByRole('row').filter({ hasText: 'plain.test.example' }).getByRole('cell').nth(1),
  ).toHaveText('not encrypted (no STARTTLS)');
  await expectAccessible(shell.page, testInfo);
  await saveScreenshot(shell.page, testInfo, 'result-domain-plaintext');

  for (const [width, height, name] of [
    [800, 600, 'result-domain-800x600'],
    [400, 300, 'result-domain-200pct'], // 200% zoom of 800×600: the CSS viewport halves
  ] as const) {
    await page.setViewportSize({ width, height });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, `${width}×${height}`).toBeLessThanOrEqual(0);
    await section.scrollIntoViewIfNeeded();
    await expectAccessible(shell.page, testInfo);
    await saveScreenshot(shell.page, testInfo, name);
    // The section alone, readable at this size.
    const path = testInfo.outputPath(`${name}-section.png`);
    await section.screenshot({ path });
    await mkdir(join(resultsDir, 'e2e-screenshots'), { recursive: true });
    await copyFile(path, join(resultsDir, 'e2e-screenshots', `${name}-section.png`));
  }
  expectNoPageProblems(diagnostics);
});

test('port 25 blocked on this network: a clear "could not check", checked again on request', async ({
  shell,
  ipc,
}, testInfo) => {
  const s = new AccountScreens(shell.page);
  await accountResult(s, 'carol@blocked.plain.example');
  const section = domainSection(s, 'blocked.plain.example');
  await section.getByRole('button', { name: 'Check mail sent to blocked.plain.example' }).click();
  await expect(section.getByRole('button', { name: 'Cancel' })).toBeVisible();
  const verdict = section.getByRole('status').filter({ hasText: 'Could not check' });
  await expect(verdict).toBeVisible({ timeout: 40_000 });
  await expect(verdict).toContainText(
    'Sealcheck could not check how mail to blocked.plain.example is protected.',
  );
  await expect(
    section
      .getByRole('article')
      .filter({ hasText: 'This network blocks the port mail servers use' }),
  ).toBeVisible();
  await expectAccessible(shell.page, testInfo);
  await saveScreenshot(shell.page, testInfo, 'result-domain-blocked');

  // Again, and cancelled this time: the section says so and offers another try.
  await section.getByRole('button', { name: 'Check again' }).click();
  await section.getByRole('button', { name: 'Cancel' }).click();
  await expect(section.getByText('The domain check was cancelled.')).toBeVisible();
  await expect(section.getByRole('button', { name: 'Check again' })).toBeVisible();
  expect(ipc.log.filter((e) => e.kind === 'invoke' && e.channel === 'domain:check')).toHaveLength(
    2,
  );
});
