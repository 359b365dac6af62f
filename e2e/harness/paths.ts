/** Where the end-to-end harness finds the repository and its build output. */
import { resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const rendererOut = resolve(repoRoot, 'out/renderer');
export const mainOut = resolve(repoRoot, 'out/main/index.js');
/** Everything the harness writes that should survive a run (screenshots, logs). */
export const resultsDir = resolve(repoRoot, 'test-results');

/** Set by global-setup.ts for the worker processes. */
export const ENV_BASE_URL = 'SEALCHECK_E2E_BASE_URL';
export const ENV_BRIDGE = 'SEALCHECK_E2E_BRIDGE';
