/**
 * The keyring store against the real Secret Service (gnome-keyring on a private session bus).
 *
 * These tests need `npm test` or scripts/with-keyring.sh, which set SEALCHECK_KEYRING=1.
 * Without it they FAIL rather than skip: a green run must mean the keychain was really tested.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { createKeyringStore, PROBE_ACCOUNT } from '../../app/core/secrets';
import type { Step, StepResult } from './fixtures/store-child';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const child = resolve(import.meta.dirname, 'fixtures/store-child.ts');
const keyringState = resolve(import.meta.dirname, 'fixtures/keyring-state.sh');
const withKeyring = resolve(root, 'scripts/with-keyring.sh');

function requireRealKeyring(): void {
  if (process.env.SEALCHECK_KEYRING !== '1') {
    throw new Error(
      'This test needs a real, unlocked Secret Service on a private D-Bus session. ' +
        'Run it through `npm test`, or: bash scripts/with-keyring.sh npx vitest run test/keychain ' +
        '(it fails instead of skipping, so that a run without a keychain never looks green).',
    );
  }
}

/** A service name of its own per test, so parallel suites in the same keyring never meet. */
function freshService(): string {
  return `org.sealcheck.Test.${randomBytes(6).toString('hex')}`;
}

interface FoundItem {
  readonly secret: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** What `secret-tool` (libsecret, not our library) sees in the Secret Service. */
async function secretToolSearch(service: string): Promise<FoundItem[]> {
  // secret-tool prints label/secret on stdout and attributes on stderr, item by item.
  const { stdout, stderr } = await run('secret-tool', [
    'search',
    '--all',
    '--unlock',
    'service',
    service,
  ]);
  const secrets = [...stdout.matchAll(/^secret = (.*)$/gm)].map((m) => m[1] ?? '');
  const attributeBlocks = stderr
    .split(/\n(?=attribute\.service = )/)
    .filter((b) => b.includes('attribute.'));
  return secrets.map((secret, i) => {
    const attributes: Record<string, string> = {};
    for (const m of (attributeBlocks[i] ?? '').matchAll(/^attribute\.([^ ]+) = (.*)$/gm)) {
      attributes[m[1] ?? ''] = m[2] ?? '';
    }
    return { secret, attributes };
  });
}

interface ChildOutput {
  readonly results: StepResult[];
  readonly maxLoopGapMs: number;
}

/** Runs store calls in a separate Node process, optionally wrapped by a command prefix. */
async function runChild(
  steps: Step[],
  options: { env?: NodeJS.ProcessEnv; prefix?: string[]; service: string; timeoutMs?: number },
): Promise<ChildOutput> {
  const command = [
    ...(options.prefix ?? []),
    process.execPath,
    '--import',
    'tsx',
    child,
    JSON.stringify(steps),
  ];
  const { stdout } = await run(command[0] ?? '', command.slice(1), {
    cwd: root,
    timeout: 30_000,
    env: {
      ...process.env,
      ...options.env,
      SEALCHECK_TEST_SERVICE: options.service,
      SEALCHECK_TEST_TIMEOUT_MS: String(options.timeoutMs ?? 5000),
    },
  });
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as ChildOutput;
}

describe('keyring store in the real Secret Service', () => {
  test('round trip: set, get, overwrite, delete; secret-tool sees the item with our attributes', async () => {
    requireRealKeyring();
    const service = freshService();
    const store = createKeyringStore({ service });
    const account = 'imap:alice@mail.test.example';

    expect(await store.get(account)).toBeNull();
    expect(await store.has(account)).toBe(false);
    await store.set(account, 'first password');
    expect(await store.get(account)).toBe('first password');
    expect(await store.has(account)).toBe(true);

    const found = await secretToolSearch(service);
    expect(found).toHaveLength(1);
    expect(found[0]?.secret).toBe('first password');
    expect(found[0]?.attributes).toMatchObject({ service, username: account });

    await store.set(account, 'second password');
    expect(await store.get(account)).toBe('second password');
    const overwritten = await secretToolSearch(service);
    expect(overwritten).toHaveLength(1); // replaced, not a second item
    expect(overwritten[0]?.secret).toBe('second password');

    expect(await store.delete(account)).toBe(true);
    expect(await store.get(account)).toBeNull();
    expect(await store.delete(account)).toBe(false);
    expect(await secretToolSearch(service)).toEqual([]);
  });

  test('accounts are kept apart', async () => {
    requireRealKeyring();
    const service = freshService();
    const store = createKeyringStore({ service });
    await store.set('alice', 'a-secret');
    await store.set('bob', 'b-secret');
    expect(await store.get('alice')).toBe('a-secret');
    expect(await store.get('bob')).toBe('b-secret');
    await store.delete('alice');
    expect(await store.get('bob')).toBe('b-secret');
    await store.delete('bob');
    expect(await secretToolSearch(service)).toEqual([]);
  });

  test('unicode and unusual secrets come back byte for byte', async () => {
    requireRealKeyring();
    const service = freshService();
    const store = createKeyringStore({ service });
    const secrets = [
      'pässwörd-ß-ÆØÅ',
      '密码🔑👨‍👩‍👧',
      'שלום\u202Eevil', // right-to-left text and a bidi override: stored verbatim
      'e\u0301 vs \u00e9', // combining accent vs precomposed: no normalisation
      ' leading and trailing spaces ',
      'quote " backslash \\ dollar $ newline \n tab \t',
      'x'.repeat(4096),
    ];
    for (const [i, secret] of secrets.entries()) {
      const account = `account-${i}`;
      await store.set(account, secret);
      expect(await store.get(account), `secret #${i}`).toBe(secret);
    }
    // libsecret reads the same UTF-8 bytes (secret-tool prints the first line of each).
    const found = await secretToolSearch(service);
    expect(found.map((f) => f.secret).sort()).toContain('密码🔑👨‍👩‍👧');
    for (const i of secrets.keys()) await store.delete(`account-${i}`);
    expect(await secretToolSearch(service)).toEqual([]);
  });

  test('status() reports the Secret Service as available and leaves no trace', async () => {
    requireRealKeyring();
    const service = freshService();
    const store = createKeyringStore({ service });
    expect(store.backend).toBe('secret-service');
    expect(await store.status()).toEqual({ available: true, backend: 'secret-service' });
    expect(await secretToolSearch(service)).toEqual([]);
    // The probe's account name is reserved.
    await expect(store.get(PROBE_ACCOUNT)).rejects.toThrow(RangeError);
  });

  test('a locked keyring is reported as locked, by status() too (a read alone would not tell)', async () => {
    requireRealKeyring();
    const service = freshService();
    const out = await runChild(
      [
        { op: 'status' },
        { op: 'get', account: 'alice' },
        { op: 'get', account: 'nobody' },
        { op: 'set', account: 'carol', secret: 'never stored' },
      ],
      // A keyring session of its own, so locking it does not disturb other suites.
      { service, prefix: ['bash', withKeyring, 'bash', keyringState, 'locked', service] },
    );
    const [status, getSeeded, getMissing, set] = out.results;
    expect(status?.value).toMatchObject({ available: false, backend: 'secret-service' });
    expect((status?.value as { reason: string }).reason).toMatch(/locked/i);
    expect(getSeeded).toMatchObject({ ok: false, kind: 'locked' });
    // Searching works on a locked keyring: a missing item is truly missing.
    expect(getMissing).toMatchObject({ ok: true, value: null });
    expect(set).toMatchObject({ ok: false, kind: 'locked' });
    for (const r of out.results) expect(r.ms).toBeLessThan(3000);
    expect(JSON.stringify(out)).not.toContain('seeded-secret');
  });

  test('a hung Secret Service times out on time without blocking the event loop', async () => {
    requireRealKeyring();
    const service = freshService();
    const timeoutMs = 300;
    const out = await runChild([{ op: 'status' }, { op: 'get', account: 'alice' }], {
      service,
      timeoutMs,
      prefix: ['bash', withKeyring, 'bash', keyringState, 'stopped', service],
    });
    const [status, get] = out.results;
    expect(status?.value).toMatchObject({ available: false, backend: 'secret-service' });
    expect((status?.value as { reason: string }).reason).toMatch(/did not answer/);
    expect(get).toMatchObject({ ok: false, kind: 'timeout' });
    for (const r of out.results) {
      expect(r.ms).toBeGreaterThanOrEqual(timeoutMs - 5);
      expect(r.ms).toBeLessThan(timeoutMs + 1500);
    }
    // The library's constructor talks D-Bus synchronously; in the worker it cannot stall us.
    expect(out.maxLoopGapMs).toBeLessThan(250);
  });
});

describe('waiting for an unlock prompt', () => {
  test('with a screen to prompt on, a call waits; the caller can cancel it at once', async () => {
    requireRealKeyring();
    const service = freshService();
    // A hung Secret Service stands in for an unlock prompt nobody answers yet.
    const out = await runChild([{ op: 'get', account: 'alice', cancelAfterMs: 400 }], {
      service,
      timeoutMs: 20_000,
      env: { SEALCHECK_TEST_CAN_PROMPT: '1' },
      prefix: ['bash', withKeyring, 'bash', keyringState, 'stopped', service],
    });
    const [get] = out.results;
    expect(get).toMatchObject({ ok: false, kind: 'cancelled' });
    expect(get?.ms).toBeGreaterThanOrEqual(395);
    expect(get?.ms).toBeLessThan(2_000); // not the 20 s prompt time
  });
});

describe('keyring store without a session bus', () => {
  // Needs no keyring at all, so it runs everywhere.
  test('fails fast as unavailable and never falls back to another store', async () => {
    const service = freshService();
    const secret = `must-not-land-${randomBytes(4).toString('hex')}`;
    const out = await runChild(
      [
        { op: 'status' },
        { op: 'set', account: 'alice', secret },
        { op: 'get', account: 'alice' },
        { op: 'delete', account: 'alice' },
        // A secret that happens to occur in the library's message: withheld, still classified.
        { op: 'set', account: 'bob', secret: 'x' },
      ],
      { service, env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' } },
    );
    const [status, set, get, del, setShort] = out.results;
    expect(status?.value).toMatchObject({ available: false, backend: 'secret-service' });
    expect((status?.value as { reason: string }).reason).toMatch(/not available/);
    // An error, not null and not the value: nothing was stored anywhere the same process can read.
    // (Errors carry a kind only when translated into CredentialStoreError, and never the secret.)
    expect(set).toMatchObject({ ok: false, kind: 'unavailable' });
    expect(get).toMatchObject({ ok: false, kind: 'unavailable' });
    expect(del).toMatchObject({ ok: false, kind: 'unavailable' });
    expect(setShort).toMatchObject({ ok: false, kind: 'unavailable' });
    for (const r of out.results) expect(r.ms).toBeLessThan(2000);
    expect(JSON.stringify(out)).not.toContain(secret);
    // The library's keyutils fallback would leave a key named "keyring:alice@<service>" here.
    expect(readFileSync('/proc/keys', 'utf8')).not.toContain(service);
  });
});
