/**
 * The built `sealcheck` command as users run it: node bin/sealcheck.mjs (and npx sealcheck),
 * in child processes, checking stdout, stderr and exit codes.
 */
import { execFile, type ExecFileException } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { bin, ensureCliBuilt, root } from './support/build-cli';

const { version } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
  version: string;
};

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function exec(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  return new Promise((done) => {
    execFile(
      file,
      args,
      { cwd: root, env: { ...process.env, ...env }, timeout: 30_000 },
      (err: ExecFileException | null, stdout, stderr) => {
        done({ code: typeof err?.code === 'number' ? err.code : err ? -1 : 0, stdout, stderr });
      },
    );
  });
}

const sealcheck = (args: string[], env?: NodeJS.ProcessEnv): Promise<Outcome> =>
  exec(process.execPath, [bin, ...args], env);

beforeAll(() => ensureCliBuilt(), 120_000);

describe('sealcheck', () => {
  test('--help lists the commands and the exit codes, on stdout', async () => {
    const r = await sealcheck(['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const word of ['self-check', 'version', 'help', '--json'])
      expect(r.stdout).toContain(word);
    for (const code of ['0 ', '1 ', '2 ', '64', '70'])
      expect(r.stdout).toMatch(new RegExp(`^  ${code}`, 'm'));
    expect((await sealcheck(['help'])).stdout).toBe(r.stdout);
    expect((await sealcheck(['self-check', '-h'])).stdout).toBe(r.stdout);
  });

  test('--version and version print the package version', async () => {
    for (const args of [['--version'], ['-V'], ['version']]) {
      const r = await sealcheck(args);
      expect(r).toEqual({ code: 0, stdout: `sealcheck ${version}\n`, stderr: '' });
    }
  });

  test('an unknown option is a usage error: message and hint on stderr, exit 64', async () => {
    const r = await sealcheck(['--frobnicate']);
    expect(r.code).toBe(64);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("unknown option '--frobnicate'");
    expect(r.stderr).toContain("Run 'sealcheck --help' for usage.");
  });

  test('an unknown command, a stray argument, an option of another command: exit 64', async () => {
    expect((await sealcheck(['frobnicate'])).code).toBe(64);
    expect((await sealcheck(['self-check', 'extra'])).code).toBe(64);
    expect((await sealcheck(['version', '--json'])).code).toBe(64);
    expect((await sealcheck(['self-check', '--json=yes'])).code).toBe(64);
    expect((await sealcheck([])).code).toBe(64);
  });

  test('hostile arguments are echoed inert', async () => {
    const r = await sealcheck(['\u001b]0;pwned\u0007\u202e']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('\\x1b]0;pwned\\x07\\u202E');
    // eslint-disable-next-line no-control-regex
    expect(r.stderr).not.toMatch(/[\u001b\u0007\u202e]/);
  });

  test('self-check --json prints one JSON report with the three steps', async () => {
    const r = await sealcheck(['self-check', '--json']);
    const report = JSON.parse(r.stdout) as {
      runId: string;
      ok: boolean;
      items: { step: string; ok: boolean; facts: Record<string, unknown> }[];
    };
    expect(report.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(report.items.map((i) => i.step)).toEqual(['tls', 'roots', 'keychain']);
    expect(report.items.find((i) => i.step === 'keychain')?.facts.backend).toBe('secret-service');
    expect(r.code).toBe(report.ok ? 0 : 1);
    if (process.env.SEALCHECK_KEYRING === '1') {
      // Inside npm test's private keyring session everything is fine.
      expect(report.ok).toBe(true);
      expect(r.code).toBe(0);
    }
  });

  test('self-check without a session bus: the keychain step fails, exit 1, human-readable', async () => {
    const r = await sealcheck(['self-check'], {
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent',
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ok {4}tls /m);
    expect(r.stdout).toMatch(
      /^FAIL {2}keychain {2}backend=secret-service, available=false, reason=/m,
    );
    expect(r.stdout).toContain('1 problem found.');
  });

  test('npx sealcheck runs the bin of this package', async () => {
    const r = await exec('npx', ['--no', '--', 'sealcheck', '--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`sealcheck ${version}\n`);
  });
});
