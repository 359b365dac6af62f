/** main() in process, with captured output and a fake keychain: fast checks of the dispatch. */
import { describe, expect, test } from 'vitest';
import { main, ExitCode } from '../../app/cli';
import type { CredentialStore, KeychainStatus } from '../../app/core/secrets';

function capture() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: (t: string) => void (out.stdout += t),
      stderr: (t: string) => void (out.stderr += t),
    },
  };
}

function fakeStore(status: KeychainStatus | Error): () => CredentialStore {
  return () => ({
    backend: 'fake',
    status: async () => {
      if (status instanceof Error) throw status;
      return status;
    },
    get: async () => null,
    has: async () => false,
    set: async () => undefined,
    delete: async () => false,
  });
}

describe('main', () => {
  test('exit code constants', () => {
    expect(ExitCode).toEqual({
      Ok: 0,
      ProblemsFound: 1,
      CouldNotCheck: 2,
      Usage: 64,
      Internal: 70,
    });
  });

  test('self-check with a working keychain: exit 0, one line per step', async () => {
    const { out, io } = capture();
    const code = await main(['self-check'], {
      io,
      credentialStore: fakeStore({ available: true, backend: 'fake' }),
    });
    expect(code).toBe(0);
    expect(out.stdout.split('\n').filter(Boolean)).toHaveLength(4);
    expect(out.stdout).toMatch(/^ok {4}keychain {2}backend=fake, available=true$/m);
    expect(out.stdout).toContain('All checks passed.');
    expect(out.stderr).toBe('');
  });

  test('self-check: environment text in the report is escaped', async () => {
    const { out, io } = capture();
    const reason = 'locked\n\u001b[32mok    keychain  fine\u001b[0m';
    const code = await main(['self-check'], {
      io,
      credentialStore: fakeStore({ available: false, backend: 'fake', reason }),
    });
    expect(code).toBe(1);
    expect(out.stdout).toContain('reason=locked\\n\\x1b[32mok    keychain  fine\\x1b[0m');
    expect(out.stdout.split('\n').filter(Boolean)).toHaveLength(4);
  });

  test('self-check --json: JSON with C1 and bidi characters escaped, same value', async () => {
    const { out, io } = capture();
    const reason = 'x\u009b\u202ey';
    await main(['self-check', '--json'], {
      io,
      credentialStore: fakeStore({ available: false, backend: 'fake', reason }),
    });
    expect(out.stdout).toContain('x\\u009b\\u202ey');
    const report = JSON.parse(out.stdout) as { items: { facts: Record<string, unknown> }[] };
    expect(report.items[2]?.facts.reason).toBe(reason);
  });

  test('a keychain whose status() throws is a failed step, not a crash', async () => {
    const { out, io } = capture();
    const code = await main(['self-check'], { io, credentialStore: fakeStore(new Error('boom')) });
    expect(code).toBe(1);
    expect(out.stdout).toMatch(/^FAIL {2}keychain {2}error=Error: boom$/m);
  });

  test('a bug is exit 70 with a message on stderr', async () => {
    const { out, io } = capture();
    const code = await main(['self-check'], {
      io,
      credentialStore: () => {
        throw new TypeError('wiring broken');
      },
    });
    expect(code).toBe(70);
    expect(out.stderr).toContain('internal error: TypeError: wiring broken');
  });

  test('options may come before the command', async () => {
    const { out, io } = capture();
    const code = await main(['--json', 'self-check'], {
      io,
      credentialStore: fakeStore({ available: true, backend: 'fake' }),
    });
    expect(code).toBe(0);
    expect(() => JSON.parse(out.stdout) as unknown).not.toThrow();
  });
});
