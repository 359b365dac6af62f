import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const root = import.meta.dirname;
/**
 * The renderer's syntax target: the Chromium inside Electron 45 (Electron 40 shipped Chromium
 * 144 and each major since moves two). electron-vite's own table stops at Electron 44; a test
 * (test/app/packaging.test.ts) ties this to the Electron version in package.json.
 */
export const RENDERER_TARGET = 'chrome154';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      lib: {
        entry: {
          index: resolve(root, 'app/main/index.ts'),
          // Core runs in an Electron utility process beside main (see design.md).
          'core-worker': resolve(root, 'app/main/core-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload must be one CommonJS file.
      lib: { entry: resolve(root, 'app/preload/index.ts'), formats: ['cjs'] },
      // A sandboxed preload can require only 'electron': bundle everything else (the contract, valibot).
      externalizeDeps: false,
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    plugins: [svelte({ configFile: resolve(root, 'svelte.config.js') })],
    build: {
      outDir: resolve(root, 'out/renderer'),
      target: RENDERER_TARGET,
      // electron-vite leaves the renderer unminified; minified, the first screen parses faster.
      minify: true,
      rolldownOptions: { input: resolve(root, 'renderer/index.html') },
      // The CSP allows no inline script; keep Vite from adding its modulepreload polyfill.
      modulePreload: { polyfill: false },
    },
  },
});
