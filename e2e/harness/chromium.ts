/**
 * Launching Debian's Chromium for the tests (see ../shared/stack.md, "Playwright with Debian's
 * Chromium"). Playwright's own browser download is never used.
 */
import { existsSync } from 'node:fs';

/** SEALCHECK_CHROMIUM overrides the path, e.g. for a Chromium that lives elsewhere. */
export function chromiumExecutable(): string {
  const path = process.env.SEALCHECK_CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `Chromium not found at ${path}. Install Debian's chromium (scripts/install-system-deps.sh) ` +
        'or point SEALCHECK_CHROMIUM at a Chromium executable.',
    );
  }
  return path;
}

/** Each flag keeps Chromium quiet on a closed network or away from this machine's secrets. */
export const chromiumArgs: readonly string[] = [
  // Tests often run as root in containers, where Chromium's own sandbox cannot start.
  '--no-sandbox',
  '--disable-gpu',
  // Without these, Chromium floods the closed network with connection attempts.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Never touch the test keyring (or any keyring): the keychain belongs to the code under test.
  '--password-store=basic',
];
