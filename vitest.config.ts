import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { chromiumArgs, chromiumExecutable } from './e2e/harness/chromium.ts';

const root = import.meta.dirname;
/** Svelte components rendered in real Chromium (Debian's, as for the end-to-end tests). */
const COMPONENT_TESTS = 'renderer/**/*.component.test.ts';

/** Chromium's path; when it is missing, the component tests fail with the reason, not the config. */
function chromium(): string {
  try {
    return chromiumExecutable();
  } catch (err) {
    console.warn(`component tests: ${(err as Error).message}`);
    return process.env.SEALCHECK_CHROMIUM || '/usr/bin/chromium';
  }
}

export default defineConfig({
  plugins: [svelte({ configFile: resolve(root, 'svelte.config.js') })],
  test: {
    // Starts the real-server bed unless `npm test` already did (SEALCHECK_BED set).
    globalSetup: ['test/bed/vitest-global-setup.ts'],
    testTimeout: 30_000,
    // Failure screenshots of the component tests land with the other test artifacts.
    attachmentsDir: 'test-results/vitest-attachments',
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: [
            'app/**/*.test.ts',
            'renderer/**/*.test.ts',
            'test/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
          exclude: [COMPONENT_TESTS],
          pool: 'forks',
        },
      },
      {
        extends: true,
        test: {
          name: 'components',
          include: [COMPONENT_TESTS],
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: {
                executablePath: chromium(),
                args: [...chromiumArgs],
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
          // Only loopback: the page is served by Vitest on 127.0.0.1.
          api: { host: '127.0.0.1' },
        },
      },
    ],
  },
});
