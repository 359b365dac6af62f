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
// Main passes the app's data directory (where the account list lives) as --data-dir=….
const dataDirectory = process.argv
  .find((a) => a.startsWith('--data-dir='))
  ?.slice('--data-dir='.length);
if (!dataDirectory) {
  console.error('core-worker: started without --data-dir.');
  process.exit(70);
}
serveCore(port, { credentialStore: createKeyringStore(), dataDirectory });
