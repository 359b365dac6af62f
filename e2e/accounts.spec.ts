/**
 * The account screens end to end in Debian's Chromium, with window.sealcheck served by the real
 * handlers, core in-process, the real keychain, and the bed's real Dovecot, Postfix and Prosody
 * (discovery asks a DNS server the harness runs on loopback). Every main screen is checked with
 * axe and saved as a screenshot.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verdictHeadline } from '../app/core/explain/verdicts';
import type { VerdictKind } from '../app/core/findings/types';
import { dialogServer, say, startHostileServer } from '../test/hostile/servers';
import { findEndpoint, type BedDescription } from '../test/bed/endpoints';
import { bedForTests, expect, test } from './harness/fixtures';
import { expectAccessible, expectNoPageProblems, saveScreenshot } from './harness/shell-checks';
import { AccountScreens, type Security } from './pages/accounts';

let bed: BedDescription;
test.beforeAll(() => {
  const b = bedForTests();
  if (!b) throw new Error('these tests need the bed: run them through "npm test"');
  bed = b;
});

function port(id: string): number {
  return findEndpoint(bed, id).port;
}

function headline(kind: VerdictKind): string {
  return verdictHeadline(kind);
}

test('first start: the empty overview offers to add, import or check a server', async ({
  shell,
  diagnostics,
}, testInfo) => {
  const s = new AccountScreens(shell.page);
  await expect(s.heading('Your accounts')).toBeVisible();
  await expect(s.main.getByRole('button', { name: 'Add an account' })).toBeVisible();
  await expect(
    s.main.getByRole('button', { name: 'Import from Thunderbird or Pidgin' }),
  ).toBeVisible();
  await expect(s.main.getByRole('button', { name: 'Check a server name' })).toBeVisible();
  await expectAccessible(shell.page, testInfo);
  await saveScreenshot(shell.page, testInfo, 'overview-empty');
  expectNoPageProblems(diagnostics);
});

test('add an account from its address: discovery, confirmation, password, check', async ({
  shell,
  diagnostics,
  ipc,
}, testInfo) => {
  const s = new AccountScreens(shell.page);
  await s.tab('Add an account').click();
  await s.main.getByLabel('Your address', { exact: true }).fill('alice@test.example');
  await s.main.getByRole('button', { name: 'Find my servers' }).click();
  await expect(
    s.main.getByRole('heading', { name: 'What Sealcheck found for test.example' }),
  ).toBeVisible({ timeout: 30_000 });
  // The best found servers are filled in; found servers need the user's confirmation.
  const incoming = s.main.getByRole('group', { name: 'Incoming mail (IMAP or POP3)' }).last();
  await expect(incoming.getByLabel('Server', { exact: true })).toHaveValue('mail.test.example');
  await expect(incoming.getByLabel('Port', { exact: true })).toHaveValue(
    String(port('dovecot-imap-implicit-good')),
  );
  const save = s.main.getByRole('button', { name: 'Save and check' });
  await expect(save).toBeDisabled();
  await expectAccessible(shell.page, testInfo);
  await saveScreenshot(shell.page, testInfo, 'add-account-discovered');
  await s.main.getByRole('checkbox', { name: /These are my provider’s servers/ }).check();
  await s.main.getByLabel('User name (often your address)').fill(bed.user.name);
  await s.main.getByLabel(/^Password/).fill(bed.user.password);
  await save.click();

  await s.waitForResult();
  await expect(s.heading('Check of alice@test.example')).toBeVisible();
  const imap = s.endpoint(/^IMAP mail\.test\.example/);
  await expect(imap.getByText(headline('encrypted-verified'), { exact: true })).toBeVisible();
  await expectAccessible(shell.page, testInfo);
  await saveScreenshot(shell.page, testInfo, 'result-verified');

  // The password went to the keychain only: never back to the page.
  expect(JSON.stringify(ipc.log.filter((e) => e.kind !== 'invoke'))).not.toContain(
    bed.user.password,
  );
  // The overview now shows when it was checked.
  await s.tab('Accounts').click();
  await expect(s.main.getByText(/Password saved in the keychain/)).toBeVisible();
  await expect(s.main.getByText(/checked /).first()).toBeVisible();
  await expectAccessible(shell.page, testInfo);
  await saveScreenshot(shell.page, testInfo, 'overview-accounts');
  expectNoPageProblems(diagnostics);
});

const CASES: readonly {
  id: string;
  security: Security;
  verdict: VerdictKind;
  finding: string;
}[] = [
  {
    id: 'dovecot-imap-implicit-expired',
    security: 'implicit',
    verdict: 'encrypted-unverified',
    finding: "The server's certificate has run out",
  },
  {
    id: 'dovecot-imap-implicit-wrong-host',
    security: 'implicit',
    verdict: 'encrypted-unverified',
    finding: 'The certificate is for a different name',
  },
  {
    id: 'dovecot-imap-implicit-self-signed',
    security: 'implicit',
    verdict: 'encrypted-unverified',
    finding: 'The server vouches for itself',
  },
  {
    id: 'dovecot-imap-starttls-optional-good',
    security: 'starttls',
    verdict: 'encryption-removable',
    finding: 'The server asks for a password before encrypting',
  },
  {
    id: 'dovecot-imap-none',
    security: 'none',
    verdict: 'not-encrypted',
    finding: 'Your mail is not encrypted here',
  },
];

for (const c of CASES) {
  test(`${c.id} (app set to ${c.security}): the right verdict and explanation`, async ({
    shell,
    diagnostics,
  }, testInfo) => {
    const s = new AccountScreens(shell.page);
    await s.addByHand({
      address: 'alice@test.example',
      name: c.id,
      incoming: {
        protocol: 'imap',
        host: 'mail.test.example',
        port: port(c.id),
        security: c.security,
      },
      outgoing: null,
      check: true,
    });
    await s.waitForResult();
    const ep = s.endpoint(/^IMAP mail\.test\.example/);
    await expect(ep.getByText(headline(c.verdict), { exact: true })).toBeVisible();
    await expect(ep.getByRole('article').filter({ hasText: c.finding }).first()).toBeVisible();
    // Technical details are folded away, one click from reach.
    const details = ep
      .getByRole('article')
      .first()
      .getByText(/^Technical details/);
    await details.click();
    await expectAccessible(shell.page, testInfo);
    await saveScreenshot(shell.page, testInfo, `result-${c.id}-${c.security}`);
    expectNoPageProblems(diagnostics);
  });
}

test('the fingerprint from a mail app’s warning: compared with what the server shows', async ({
  shell,
}) => {
  const s = new AccountScreens(shell.page);
  await s.addByHand({
    address: 'alice@test.example',
    incoming: {
      protocol: 'imap',
      host: 'mail.test.example',
      port: port('dovecot-imap-implicit-self-signed'),
      security: 'implicit',
    },
    outgoing: null,
    check: true,
  });
  await s.waitForResult();
  const cert = s.main.getByRole('region', { name: 'Certificate' }).first();
  await cert.getByText('Key, signature and fingerprints').first().click();
  const sha256 = (await cert.locator('dd code').nth(0).textContent()) ?? '';
  expect(sha256).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
  const form = s.main.getByRole('heading', { name: 'Is this the warning you saw?' }).locator('..');
  await form.getByRole('textbox').fill(sha256.toLowerCase().replace(/:/g, ' '));
  await form.getByRole('button', { name: 'Compare' }).click();
  await expect(form.getByRole('status')).toContainText(
    'It matches the certificate that mail.test.example shows here.',
  );
  await form.getByRole('textbox').fill('00'.repeat(32));
  await form.getByRole('button', { name: 'Compare' }).click();
  await expect(form.getByRole('status')).not.toContainText('It matches the certificate');
});

test('export: the printable report and the full results are saved, and both open', async ({
  shell,
  dialogs,
  page,
  ipc,
}, testInfo) => {
  const s = new AccountScreens(shell.page);
  await s.addByHand({
    address: 'alice@test.example',
    incoming: {
      protocol: 'imap',
      host: 'mail.test.example',
      port: port('dovecot-imap-implicit-expired'),
      security: 'implicit',
    },
    outgoing: null,
    check: true,
  });
  await s.waitForResult();
  await s.main.getByRole('button', { name: 'Save a printable report' }).click();
  await expect(s.main.getByRole('status').filter({ hasText: /^Saved to / })).toBeVisible();
  await s.main.getByRole('button', { name: 'Save the full results' }).click();
  await expect.poll(() => dialogs.saved.length).toBe(2);
  const [report, results] = dialogs.saved;
  expect(report?.name).toMatch(/\.html$/);
  expect(results?.name).toMatch(/\.sealcheck$/);
  const json = JSON.parse(results?.content ?? '') as { schema: string; facts: unknown[] };
  expect(json.schema).toBe('sealcheck.report/1');
  expect(json.facts).toHaveLength(1);

  // The saved results, double-clicked later (or mailed to a help desk): judged again here.
  ipc.reportsArrived([results?.path ?? '']);
  await expect(s.main.getByRole('note')).toContainText(
    `Opened from the file ${results?.name ?? ''}.`,
  );
  await expect(s.main.getByRole('note')).toContainText('Nothing vouches for that');
  await expect(s.main.getByText("The server's certificate has run out").first()).toBeVisible();
  await expectAccessible(shell.page, testInfo);
  // A file that is not a report: one sentence, nothing of its content shown.
  const notes = testInfo.outputPath('notes.sealcheck');
  await writeFile(notes, '<img src=x onerror=alert(1)> not a report');
  ipc.reportsArrived([notes]);
  await expect(s.main.getByRole('alert')).toContainText('notes.sealcheck: The file is not');
  await expect(s.main.getByRole('alert')).not.toContainText('onerror');

  await page.goto(`file://${report?.path ?? ''}`);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Sealcheck report');
  await expect(page.getByText("The server's certificate has run out").first()).toBeVisible();
});

test('the warning decoder: an app’s error code held against what the check saw', async ({
  shell,
}, testInfo) => {
  const s = new AccountScreens(shell.page);
  await s.addByHand({
    address: 'alice@test.example',
    incoming: {
      protocol: 'imap',
      host: 'mail.test.example',
      port: port('dovecot-imap-implicit-good'),
      security: 'implicit',
    },
    outgoing: null,
    check: true,
  });
  await s.waitForResult();
  await s.main.getByText('What did your app’s warning say?').click();
  const box = s.main.getByLabel(/Paste the message or error code your app showed/);
  // The server is right from here: Thunderbird's "unknown issuer" comes from the user's side.
  await box.fill('Error code: SEC_ERROR_UNKNOWN_ISSUER');
  await s.main.getByRole('button', { name: 'Explain it' }).click();
  const answer = s.main.getByRole('status').filter({ hasText: 'Recognised' });
  await expect(answer).toContainText('Recognised: SEC_ERROR_UNKNOWN_ISSUER.');
  await expect(answer).toContainText('From here, mail.test.example looks right');
  await expect(answer).toContainText('Antivirus mail scans and work or hotel networks do this');
  await expectAccessible(shell.page, testInfo);
  // Text it does not know is not guessed at.
  await box.fill('my mail is broken');
  await s.main.getByRole('button', { name: 'Explain it' }).click();
  await expect(s.main.getByRole('status').filter({ hasText: 'does not recognise' })).toBeVisible();
});

test('import from Thunderbird: the profile is found, its accounts added and checked', async ({
  shell,
  home,
}, testInfo) => {
  const root = join(home, '.thunderbird');
  await mkdir(join(root, 'abc.default-release'), { recursive: true });
  await writeFile(
    join(root, 'profiles.ini'),
    '[Profile0]\nName=default-release\nIsRelative=1\nPath=abc.default-release\nDefault=1\n',
  );
  await writeFile(
    join(root, 'abc.default-release', 'prefs.js'),
    [
      'user_pref("mail.accountmanager.accounts", "account1");',
      'user_pref("mail.account.account1.server", "server1");',
      'user_pref("mail.account.account1.identities", "id1");',
      'user_pref("mail.identity.id1.useremail", "alice@test.example");',
      'user_pref("mail.server.server1.type", "imap");',
      'user_pref("mail.server.server1.hostname", "mail.test.example");',
      `user_pref("mail.server.server1.port", ${port('dovecot-imap-starttls-good')});`,
      'user_pref("mail.server.server1.socketType", 1);',
      'user_pref("mail.server.server1.userName", "alice");',
      'user_pref("mail.server.server1.name", "Work (Thunderbird)");',
    ].join('\n'),
  );
  const s = new AccountScreens(shell.page);
  await s.tab('Import').click();
  await s.main.getByRole('button', { name: 'Read Thunderbird profile “default-release”' }).click();
  await expect(s.main.getByRole('checkbox', { name: /Work \(Thunderbird\)/ })).toBeChecked();
  await expectAccessible(shell.page, testInfo);
  await saveScreenshot(shell.page, testInfo, 'import-thunderbird');
  await s.main.getByRole('button', { name: 'Add the chosen accounts' }).click();
  await expect(s.heading('Your accounts')).toBeVisible();
  await s.main.getByRole('button', { name: 'Check Work (Thunderbird)' }).click();
  await s.waitForResult();
  // "STARTTLS if available" against a server that offers STARTTLS: strippable, said plainly.
  await expect(
    s.main.getByRole('article').filter({ hasText: 'Your app would carry on without encryption' }),
  ).toBeVisible();
});

test('a check against a server that never answers can be cancelled', async ({
  shell,
  diagnostics,
}, testInfo) => {
  const silent = await startHostileServer(async (peer) => {
    await peer.hold();
  });
  try {
    const s = new AccountScreens(shell.page);
    await s.addByHand({
      address: 'alice@test.example',
      incoming: {
        protocol: 'imap',
        host: 'mail.test.example',
        port: silent.port,
        security: 'starttls',
      },
      outgoing: null,
      check: true,
    });
    await expect(s.main.getByText('Checking… results appear as each step finishes.')).toBeVisible();
    // Progress is live: the connect step is done while the greeting never comes.
    await expect(
      s.main.getByRole('region', { name: 'Incoming mail' }).getByText('Connecting'),
    ).toBeVisible();
    await expectAccessible(shell.page, testInfo);
    await saveScreenshot(shell.page, testInfo, 'check-running');
    await s.main.getByRole('button', { name: 'Cancel the check' }).click();
    await expect(
      s.main.getByText('The check was cancelled. Nothing is known from it.'),
    ).toBeVisible();
    expectNoPageProblems(diagnostics);
  } finally {
    await silent.close();
  }
});

test('a server that stopped offering STARTTLS since the last check: the change is shown first', async ({
  shell,
  diagnostics,
}, testInfo) => {
  // The same server, two behaviours: STARTTLS offered at the first check, gone at the second.
  let stripped = false;
  const offering = dialogServer('imap');
  const withoutOffer = dialogServer('imap', {
    on: {
      capabilities: say(
        (ctx) => `* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${ctx.tag} OK CAPABILITY completed\r\n`,
      ),
    },
  });
  const server = await startHostileServer((peer) => (stripped ? withoutOffer : offering)(peer));
  try {
    const s = new AccountScreens(shell.page);
    await s.addByHand({
      address: 'alice@test.example',
      name: 'Changing server',
      incoming: {
        protocol: 'imap',
        host: 'mail.test.example',
        port: server.port,
        security: 'starttls',
      },
      outgoing: null,
      check: true,
    });
    await s.waitForResult();
    const ep = s.endpoint(/^IMAP mail\.test\.example/);
    await expect(ep.getByText(headline('encryption-removable'), { exact: true })).toBeVisible();
    await expect(ep.getByRole('alert')).toHaveCount(0);

    stripped = true;
    await s.tab('Accounts').click();
    await s.main.getByRole('button', { name: 'Check all' }).click();
    await s.waitForResult();
    const alert = ep.getByRole('alert');
    await expect(
      alert.getByRole('heading', { name: 'Changed since the last check' }),
    ).toBeVisible();
    await expect(alert).toContainText('the server offered encryption here. Now it does not');
    // The alert comes before the findings.
    const order = await ep.evaluate((el) => {
      const a = el.querySelector('[role="alert"]');
      const f = el.querySelector('article');
      return a && f ? a.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING : 0;
    });
    expect(order).not.toBe(0);
    const earlier = ep.getByRole('group').filter({ hasText: 'Earlier checks of this server (1)' });
    await earlier.getByText('Earlier checks of this server (1)').click();
    await expect(earlier.getByText(headline('encryption-removable'))).toBeVisible();
    await expectAccessible(shell.page, testInfo);
    await saveScreenshot(shell.page, testInfo, 'result-changed-since-last-check');
    expectNoPageProblems(diagnostics);
  } finally {
    await server.close();
  }
});

test('quick check of a server name, and the settings screen', async ({
  shell,
  dialogs,
}, testInfo) => {
  const s = new AccountScreens(shell.page);
  await s.tab('Check a server').click();
  await expectAccessible(shell.page, testInfo);
  await saveScreenshot(shell.page, testInfo, 'quick-check');
  // The standard ports of mail.test.example are not served on this machine: said so.
  await s.main.getByLabel('Server name', { exact: true }).fill('mail.test.example');
  await s.main.getByRole('button', { name: 'Check', exact: true }).click();
  await s.waitForResult(60_000);
  await expect(
    s.main.getByText('None of the usual mail or chat ports answered on this server.'),
  ).toBeVisible();

  await s.tab('Settings').click();
  await expect(s.main.getByLabel(/How long each server may take/)).toHaveValue('30');
  dialogs.nextCertificate = {
    name: 'company-root.pem',
    text: await (await import('node:fs/promises')).readFile(bed.rootCaFile, 'utf8'),
  };
  await s.main.getByRole('button', { name: 'Add an authority’s certificate…' }).click();
  await expect(
    s.main.getByText('Sealcheck now also trusts the authority in company-root.pem.'),
  ).toBeVisible();
  await expect(s.main.getByRole('button', { name: 'Remove company-root.pem' })).toBeVisible();
  await expectAccessible(shell.page, testInfo);
  await saveScreenshot(shell.page, testInfo, 'settings');
});

test('no layout break at 800×600 and at 200% zoom', async ({ shell, page }) => {
  const s = new AccountScreens(shell.page);
  for (const [width, height] of [
    [800, 600],
    [400, 300], // 200% zoom of 800×600: the CSS viewport halves
  ] as const) {
    await page.setViewportSize({ width, height });
    for (const tab of [
      'Accounts',
      'Add an account',
      'Import',
      'Check a server',
      'Settings',
      'System check',
    ]) {
      await s.tab(tab).click();
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `${tab} at ${width}×${height}`).toBeLessThanOrEqual(0);
    }
  }
});
