/**
 * Graceful degradation when this computer has no network at all: the built `sealcheck` runs in
 * a network namespace the test creates (`unshare -n`: no interface up, not even loopback), so
 * name lookups cannot reach a name service and connections have no route. Nothing leaves it.
 *
 * Expected: every endpoint ends in a bounded time as "could not check" (exit 2, never 0), the
 * explanation says the computer may be offline and names the network as who can fix it, and
 * the JSON keeps the technical error (EAI_AGAIN, ENETUNREACH) for the help desk.
 */
import { execFile, execFileSync, type ExecFileException } from 'node:child_process';
import { beforeAll, describe, expect, test } from 'vitest';
import { bin, ensureCliBuilt, root } from './support/build-cli';

function canUnshare(): boolean {
  try {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly ms: number;
}

function offline(args: string[]): Promise<Outcome> {
  const started = performance.now();
  return new Promise((done) => {
    execFile(
      'unshare',
      ['-n', process.execPath, bin, ...args],
      { cwd: root, timeout: 60_000 },
      (err: ExecFileException | null, stdout) => {
        done({
          code: typeof err?.code === 'number' ? err.code : err ? -1 : 0,
          stdout,
          ms: performance.now() - started,
        });
      },
    );
  });
}

// Creating a network namespace needs root (as npm test runs) or user namespaces.
const unshare = canUnshare();

beforeAll(() => ensureCliBuilt(), 120_000);

describe.runIf(unshare)('no network at all (a private network namespace)', () => {
  test('a name: the name service cannot be reached; "may be offline", the network can fix it', async () => {
    const r = await offline(['check', 'mail.example.org', '--protocol', 'imap']);
    expect(r.code).toBe(2);
    expect(r.ms).toBeLessThan(30_000);
    expect(r.stdout).toContain('The name service of this network did not answer');
    expect(r.stdout).toContain('Check that this computer is online');
    expect(r.stdout).toContain('Who can fix it: your network');
  });

  test('an address: no route; every standard port is reported, each "could not check"', async () => {
    const r = await offline(['check', '127.0.0.1', '--json']);
    expect(r.code).toBe(2);
    const results = JSON.parse(r.stdout) as {
      facts: { addresses: { error: { kind: string; code?: string } | null }[] };
      verdict: { kind: string };
    }[];
    expect(results.length).toBeGreaterThan(3);
    for (const result of results) {
      expect(result.verdict.kind).toBe('could-not-check');
      expect(result.facts.addresses[0]?.error).toMatchObject({
        kind: 'unreachable',
        code: 'ENETUNREACH',
      });
    }
  });
});
