import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const root = import.meta.dirname;

export default defineConfig({
  plugins: [svelte({ configFile: resolve(root, 'svelte.config.js') })],
  test: {
    include: [
      'app/**/*.test.ts',
      'renderer/**/*.test.ts',
      'test/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    // Starts the real-server bed unless `npm test` already did (SEALCHECK_BED set).
    globalSetup: ['test/bed/vitest-global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
