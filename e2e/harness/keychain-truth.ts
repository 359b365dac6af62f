/**
 * What the real keychain says, read independently of Sealcheck's own keychain code:
 * a round trip through `secret-tool` (libsecret's command line) with a throwaway item.
 * The UI must then report the same state.
 */
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const TIMEOUT_MS = 5_000;

export type KeychainTruth =
  { readonly available: true } | { readonly available: false; readonly why: string };

export async function readKeychainTruth(): Promise<KeychainTruth> {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) {
    return { available: false, why: 'no D-Bus session bus in this environment' };
  }
  const service = 'sealcheck-e2e-probe';
  const account = randomUUID();
  const secret = randomUUID();
  const attrs = ['service', service, 'account', account];
  try {
    await storeSecret(attrs, secret);
    const { stdout } = await execFileAsync('secret-tool', ['lookup', ...attrs], {
      timeout: TIMEOUT_MS,
    });
    if (stdout.trim() !== secret) return { available: false, why: 'the secret did not read back' };
    return { available: true };
  } catch (err) {
    return { available: false, why: err instanceof Error ? err.message : String(err) };
  } finally {
    await execFileAsync('secret-tool', ['clear', ...attrs], { timeout: TIMEOUT_MS }).catch(
      () => undefined,
    );
  }
}

function storeSecret(attrs: readonly string[], secret: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('secret-tool', ['store', '--label', 'Sealcheck e2e probe', ...attrs], {
      stdio: ['pipe', 'ignore', 'pipe'],
      timeout: TIMEOUT_MS,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`secret-tool store exited ${code}: ${stderr.trim()}`)),
    );
    child.stdin.end(secret);
  });
}
