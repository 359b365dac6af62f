/**
 * The window's benchmark (issue 8): the renderer's JavaScript size against its 200 KB gzipped
 * budget, and the time from navigation to the first screen's button being enabled (budget:
 * 500 ms), in Debian's Chromium, with window.sealcheck served by the real handlers and core
 * in-process, as in the end-to-end tests. Two first screens: no accounts (the empty overview's
 * "Add an account"), and 5 and 50 accounts with two endpoints each ("Check all"). The budget
 * is on the median; the p90 is shown beside it.
 *
 * The test browser's window.sealcheck goes through Playwright's page bindings (a DevTools
 * round trip per call, where Electron's IPC takes about a millisecond), so these times are an
 * upper bound of the app's.
 *
 * The keychain here is an empty stand-in (the first screen never reads a password); the store
 * and history are real files in a temporary directory. Each run is a fresh browser context, so
 * nothing is cached between runs except what Chromium keeps per process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { openAccountStore } from '../app/core/accounts/store';
import type { CredentialStore } from '../app/core/secrets/credential-store';
import { buildIfStale } from '../e2e/harness/build';
import { bundlePageBridge } from '../e2e/harness/bundle-bridge';
import { chromiumArgs, chromiumExecutable } from '../e2e/harness/chromium';
import { connectPage } from '../e2e/harness/ipc-host';
import { rendererOut } from '../e2e/harness/paths';
import { serveRenderer } from '../e2e/harness/serve';
import { RENDERER_JS_BUDGET_BYTES, rendererSize } from '../scripts/renderer-budget';

const INTERACTIVE_BUDGET_MS = 500;
const WARMUP = 2;

const emptyKeychain: CredentialStore = {
  backend: 'bench',
  status: async () => ({ available: true, backend: 'bench' }),
  get: async () => null,
  has: async () => false,
  set: async () => undefined,
  delete: async () => false,
};

/**
 * Runs in the page before its first script: notes performance.now() (milliseconds since the
 * navigation started) the first time the first screen's main button is on screen and enabled.
 */
const RECORD_FIRST_BUTTON = `(() => {
  const selector = 'main button.primary';
  const check = () => {
    const b = document.querySelector(selector);
    if (b && !b.disabled && b.getClientRects().length > 0) {
      globalThis.__firstButtonAt = performance.now();
      globalThis.__firstButtonText = b.textContent.trim();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, attributes: true });
})();`;

export interface UiBenchRow {
  readonly screen: string;
  readonly button: string;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly runs: number;
  readonly pass: boolean;
}

export interface UiBenchResult {
  readonly jsGzipBytes: number;
  readonly cssGzipBytes: number;
  readonly bundlePass: boolean;
  readonly rows: readonly UiBenchRow[];
}

async function seedAccounts(directory: string, count: number): Promise<void> {
  const store = openAccountStore({ directory });
  for (let i = 0; i < count; i++) {
    await store.add({
      displayName: `Account ${i + 1}`,
      address: `user${i + 1}@example.org`,
      username: `user${i + 1}@example.org`,
      incoming: { protocol: 'imap', host: 'imap.example.org', port: 993, security: 'implicit' },
      outgoing: {
        protocol: 'submission',
        host: 'smtp.example.org',
        port: 465,
        security: 'implicit',
      },
      chat: null,
    });
  }
}

async function firstScreenTimes(
  browser: Browser,
  url: string,
  bridgePath: string,
  accounts: number,
  runs: number,
): Promise<{ times: number[]; button: string }> {
  const times: number[] = [];
  let button = '';
  for (let i = 0; i < runs + WARMUP; i++) {
    const dataDirectory = await mkdtemp(join(tmpdir(), 'sealcheck-ui-bench-'));
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    try {
      await seedAccounts(dataDirectory, accounts);
      const page = await context.newPage();
      const ipc = await connectPage(page, {
        credentialStore: emptyKeychain,
        bridgePath,
        dataDirectory,
        dialogs: { save: async () => null, openCertificate: async () => null },
      });
      await page.addInitScript(RECORD_FIRST_BUTTON);
      await page.goto(url);
      const at = await page.waitForFunction(
        () => (globalThis as { __firstButtonAt?: number }).__firstButtonAt,
        undefined,
        { timeout: 20_000 },
      );
      const ms = (await at.jsonValue()) as number;
      button = await page.evaluate(
        () => (globalThis as { __firstButtonText?: string }).__firstButtonText ?? '',
      );
      if (i >= WARMUP) times.push(ms);
      await ipc.dispose();
    } finally {
      await context.close();
      await rm(dataDirectory, { recursive: true, force: true });
    }
  }
  return { times: times.sort((a, b) => a - b), button };
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

export async function runUiBench(runs: number): Promise<UiBenchResult> {
  await buildIfStale();
  const size = rendererSize(rendererOut);
  const bridge = await bundlePageBridge();
  const server = await serveRenderer();
  const browser = await chromium.launch({
    executablePath: chromiumExecutable(),
    args: [...chromiumArgs],
  });
  try {
    const rows: UiBenchRow[] = [];
    for (const [screen, accounts] of [
      ['overview, no accounts', 0],
      ['overview, 5 accounts', 5],
      ['overview, 50 accounts', 50],
    ] as const) {
      const { times, button } = await firstScreenTimes(
        browser,
        server.url,
        bridge.path,
        accounts,
        runs,
      );
      const medianMs = quantile(times, 0.5);
      rows.push({
        screen,
        button,
        medianMs,
        p90Ms: quantile(times, 0.9),
        runs: times.length,
        pass: medianMs < INTERACTIVE_BUDGET_MS,
      });
    }
    const result = {
      jsGzipBytes: size.jsGzip,
      cssGzipBytes: size.cssGzip,
      bundlePass: size.jsGzip < RENDERER_JS_BUDGET_BYTES,
      rows,
    };
    console.log(formatUiBench(result));
    return result;
  } finally {
    await browser.close();
    await server.close();
    await bridge.dispose();
  }
}

export function formatUiBench(r: UiBenchResult): string {
  const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
  const lines = [
    '',
    'Window: the built renderer, and the first screen in Chromium',
    '',
    `  JavaScript ${kb(r.jsGzipBytes)} gzipped (budget ${kb(RENDERER_JS_BUDGET_BYTES)}): ${r.bundlePass ? 'within' : 'OVER'}; CSS ${kb(r.cssGzipBytes)}`,
    '',
    `  first screen               button            median     p90   runs  median < ${INTERACTIVE_BUDGET_MS} ms`,
    ...r.rows.map(
      (row) =>
        `  ${row.screen.padEnd(26)} ${`"${row.button}"`.padEnd(17)} ${row.medianMs.toFixed(0).padStart(6)} ms ${row.p90Ms.toFixed(0).padStart(4)} ms ${String(row.runs).padStart(5)}  ${row.pass ? 'within' : 'OVER'}`,
    ),
  ];
  return lines.join('\n');
}
