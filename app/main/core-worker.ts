/**
 * Entry of the core utility process (started by app/main/core-utility.ts with
 * `utilityProcess.fork`). Talks to main over Electron's `process.parentPort`.
 */
import { createKeyringStore } from '../core/secrets/keyring-store';
import { serveCore, type ParentPortLike } from './core-server';

const port = (process as NodeJS.Process & { parentPort?: ParentPortLike }).parentPort;
if (!port) {
  console.error('core-worker: no parent port; this file runs only in an Electron utility process.');
  process.exit(70);
}
serveCore(port, { credentialStore: createKeyringStore() });
