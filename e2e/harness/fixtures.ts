/**
 * Playwright fixtures for the Chromium tier: the built renderer in Debian's Chromium with
 * `window.sealcheck` backed by the app's real handlers (see ipc-host.ts).
 *
 *   test('…', async ({ shell, ipc, diagnostics }) => { … })
 *
 * - `browser` (per worker): Debian's Chromium with the flags from chromium.ts, a throwaway
 *   HOME, and Playwright's own temporary profile directory.
 * - `diagnostics`: console, page errors and CSP violations of the page.
 * - `ipc`: the harness side of window.sealcheck, with its log.
 * - `shell`: the page object, opened on the served renderer.
 * When a test fails, the console log and the IPC log are kept beside the screenshot and trace
 * (those come from playwright.config.ts) in the test's folder under test-results/e2e/.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test as base } from '@playwright/test';
import { createKeyringStore } from '../../app/core/secrets/keyring-store';
import type { Dialogs } from '../../app/main/handlers';
import {
  BED_ENV,
  bedLookup,
  findEndpoint,
  loadBed,
  type BedDescription,
} from '../../test/bed/endpoints';
import { startDomainWorld, type DomainWorld } from '../../test/bed/domain-world';
import { startDnsServer, type TestDnsServer } from '../../test/support/dns-server';
import { ShellPage } from '../pages/shell';
import { failed, keepArtifact } from './artifacts';
import { chromiumArgs, chromiumExecutable } from './chromium';
import { watchPage, type PageDiagnostics } from './diagnostics';
import { connectPage, type HarnessIpc } from './ipc-host';
import { ENV_BASE_URL, ENV_BRIDGE } from './paths';

/** The native dialogs, scripted: saves land in the test's folder; opens return what was put ready. */
export interface ScriptedDialogs extends Dialogs {
  /** Every file saved, in order. */
  readonly saved: { readonly name: string; readonly path: string; readonly content: string }[];
  /** The next certificate file the open dialog "chooses" (null: the user cancels). */
  nextCertificate: { readonly name: string; readonly text: string } | null;
}

interface Fixtures {
  diagnostics: PageDiagnostics;
  ipc: HarnessIpc;
  shell: ShellPage;
  dialogs: ScriptedDialogs;
  /** A home directory of the test's own, where other apps' setups can be put for import. */
  home: string;
}

interface WorkerFixtures {
  /** A DNS server on loopback with the bed's SRV records for test.example (discovery). */
  dns: TestDnsServer | null;
  /**
   * Set with `test.use({ domainWorld: true })` in a spec that checks domains: the harness then
   * starts the domain world (test/bed/domain-world.ts: knot and a validating unbound with the
   * test zones, an MTA-STS HTTPS server, connect-to rules from port 25 to the bed's Postfix)
   * and hands its resolver, ports and roots to the app's domain check.
   */
  domainWorld: boolean;
  world: DomainWorld | null;
}

/** The running bed, when npm test started one (specs that need it say so when it is missing). */
export function bedForTests(): BedDescription | null {
  return process.env[BED_ENV] ? loadBed() : null;
}

/** SRV records (RFC 6186, XEP-0368) for test.example, pointing at the bed's good endpoints. */
function bedSrv(bed: BedDescription): Record<string, { target: string; port: number }[]> {
  const at = (id: string) => [{ target: 'mail.test.example', port: findEndpoint(bed, id).port }];
  return {
    '_imaps._tcp.test.example': at('dovecot-imap-implicit-good'),
    '_imap._tcp.test.example': at('dovecot-imap-starttls-good'),
    '_submissions._tcp.test.example': at('postfix-submission-implicit-good'),
    '_submission._tcp.test.example': at('postfix-submission-starttls-good'),
    '_xmpp-client._tcp.test.example': at('prosody-xmpp-starttls-good'),
  };
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  domainWorld: [false, { option: true, scope: 'worker' }],

  world: [
    async ({ domainWorld }, use) => {
      const bed = bedForTests();
      const world = domainWorld && bed ? await startDomainWorld(bed) : null;
      await use(world);
      await world?.stop();
    },
    { scope: 'worker', timeout: 60_000 },
  ],

  dns: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const bed = bedForTests();
      const server = bed ? await startDnsServer({ srv: bedSrv(bed) }) : null;
      await use(server);
      await server?.close();
    },
    { scope: 'worker' },
  ],

  browser: [
    async ({ playwright }, use) => {
      const home = await mkdtemp(join(tmpdir(), 'sealcheck-e2e-chromium-'));
      // No session bus for the browser: with --password-store=basic it has no use for one,
      // and the test keyring on that bus belongs to the code under test.
      const { DBUS_SESSION_BUS_ADDRESS: _bus, ...env } = process.env;
      const browser = await playwright.chromium.launch({
        executablePath: chromiumExecutable(),
        args: [...chromiumArgs],
        env: {
          ...env,
          // Chromium writes caches and an NSS database under HOME: keep them out of the real one.
          HOME: home,
          XDG_CONFIG_HOME: join(home, '.config'),
          XDG_CACHE_HOME: join(home, '.cache'),
        },
      });
      await use(browser);
      await browser.close();
      await rm(home, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],

  diagnostics: async ({ page }, use, testInfo) => {
    const diagnostics = await watchPage(page);
    await use(diagnostics);
    if (failed(testInfo)) {
      await keepArtifact(testInfo, 'page-console.log', diagnostics.log.join('\n') || '(no output)');
    }
  },

  // Playwright reads a fixture's dependencies from this pattern: an empty one means none.
  // eslint-disable-next-line no-empty-pattern
  home: async ({}, use) => {
    const home = await mkdtemp(join(tmpdir(), 'sealcheck-e2e-home-'));
    await use(home);
    await rm(home, { recursive: true, force: true });
  },

  // eslint-disable-next-line no-empty-pattern
  dialogs: async ({}, use, testInfo) => {
    const saved: ScriptedDialogs['saved'] = [];
    const dialogs: ScriptedDialogs = {
      saved,
      nextCertificate: null,
      async save(name, content) {
        const path = testInfo.outputPath(name);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, content, 'utf8');
        saved.push({ name, path, content });
        return path;
      },
      async openCertificate() {
        const next = dialogs.nextCertificate;
        dialogs.nextCertificate = null;
        return next;
      },
    };
    await use(dialogs);
  },

  ipc: async ({ page, dialogs, home, dns, world }, use, testInfo) => {
    const bridgePath = process.env[ENV_BRIDGE];
    if (!bridgePath) throw new Error(`${ENV_BRIDGE} is not set: run through playwright.config.ts`);
    const dataDirectory = await mkdtemp(join(tmpdir(), 'sealcheck-e2e-data-'));
    const bed = bedForTests();
    const ipc = await connectPage(page, {
      credentialStore: createKeyringStore(),
      bridgePath,
      dataDirectory,
      dialogs,
      environment: { platform: 'linux', home, env: {} },
      ...(bed
        ? {
            network: {
              lookup: bedLookup,
              extraCa: [readFileSync(bed.rootCaFile, 'utf8')],
              // Discovery asks only the test's DNS server; no autoconfig server listens on port 1.
              ...(dns ? { dnsServers: [`127.0.0.1:${dns.port}`] } : {}),
              autoconfigPort: 1,
              // The domain check's world, when the spec asked for it; the options the
              // integration tests use, with the app's own timeout from its settings.
              ...(world
                ? {
                    domain: {
                      dnsServers: world.options.dnsServers ?? [],
                      httpsPort: world.options.httpsPort ?? 443,
                      connectTo: world.options.connectTo ?? [],
                      extraCa: [world.https.ca],
                      scan: 'off' as const,
                      // Long enough that a test can cancel a check of the blocked domain
                      // before its connections time out, short enough to wait for.
                      probeTimeouts: { connect: 4_000 },
                    },
                  }
                : {}),
            },
          }
        : {}),
    });
    await use(ipc);
    if (failed(testInfo)) {
      await keepArtifact(testInfo, 'ipc-log.json', JSON.stringify(ipc.log, null, 2));
    }
    await ipc.dispose();
    await rm(dataDirectory, { recursive: true, force: true });
  },

  // Depends on diagnostics and ipc so both are in place before the first document loads.
  shell: async ({ page, diagnostics, ipc }, use) => {
    void diagnostics;
    void ipc;
    const url = process.env[ENV_BASE_URL];
    if (!url) throw new Error(`${ENV_BASE_URL} is not set: run through playwright.config.ts`);
    const shell = new ShellPage(page);
    await shell.open(url);
    await use(shell);
  },
});

export { expect } from '@playwright/test';
