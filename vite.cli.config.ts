/**
 * Builds the `sealcheck` command line into one ESM file on Node (bin/sealcheck.mjs loads it).
 * Node built-ins and npm dependencies stay external; our own code is bundled.
 */
import { resolve } from 'node:path';
import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';
import pkg from './package.json' with { type: 'json' };

const root = import.meta.dirname;
const external = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  ...Object.keys(pkg.dependencies ?? {}),
];

export default defineConfig({
  build: {
    ssr: resolve(root, 'app/cli/index.ts'),
    outDir: resolve(root, 'out/cli'),
    emptyOutDir: true,
    target: 'node22',
    sourcemap: true,
    rolldownOptions: {
      external: (id) => external.some((e) => id === e || id.startsWith(`${e}/`)),
      output: { format: 'es', entryFileNames: 'sealcheck.mjs' },
    },
  },
});
