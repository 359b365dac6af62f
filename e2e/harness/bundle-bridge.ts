/**
 * Bundles page-bridge.ts (with app/preload/api.ts and the contract) into one classic script
 * for page.addInitScript, so the page gets `window.sealcheck` from the preload's own code.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';

export interface BridgeBundle {
  readonly path: string;
  dispose(): Promise<void>;
}

export async function bundlePageBridge(): Promise<BridgeBundle> {
  const dir = await mkdtemp(join(tmpdir(), 'sealcheck-e2e-bridge-'));
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: dir,
      emptyOutDir: false,
      minify: false,
      target: 'es2022',
      lib: {
        entry: resolve(import.meta.dirname, 'page-bridge.ts'),
        formats: ['iife'],
        name: 'sealcheckHarnessBridge',
        fileName: () => 'bridge.js',
      },
    },
  });
  return {
    path: join(dir, 'bridge.js'),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
