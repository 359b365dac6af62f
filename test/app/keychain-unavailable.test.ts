/**
 * Graceful degradation without a keychain: this test process has no Secret Service (its session
 * bus address points nowhere, as on a desktop without gnome-keyring or KWallet), and the window's
 * flows go through the real handlers and core with the real keyring binding.
 *
 * Expected: the account is stored; saving its password is refused with the one plain sentence
 * "The system keychain is not available."; the list still works and says "unknown" (null), not
 * "no password"; the account check runs in full (it needs no password); the login check says
 * 'keychain-error' without connecting; the self-check names the keychain step as failed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../app/core/accounts/model';
import type { LookupFunction } from '../../app/core/net/resolve';
import { createKeyringStore } from '../../app/core/secrets';
import { createInProcessCore } from '../../app/main/core-in-process';
import { PublicError } from '../../app/main/errors';
import { dispatchInvoke, type Handlers } from '../../app/main/ipc';
import { windowHandlers } from './support/window-handlers';
import { startDialogServer, type HostileServer } from '../hostile/servers';
import { HOSTILE_NAME, hostileCert } from '../hostile/tls-servers';

// Vitest runs each file in its own process: this reaches only the code under test here.
process.env.DBUS_SESSION_BUS_ADDRESS = 'unix:path=/nonexistent/sealcheck-test-bus';

const lookup: LookupFunction = (_h, _o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]);
let dataDirectory = '';
let handlers: Handlers;
let server: HostileServer;

beforeAll(async () => {
  dataDirectory = await mkdtemp(join(tmpdir(), 'sealcheck-no-keychain-'));
  server = await startDialogServer('imap', { implicit: true });
  const core = createInProcessCore({
    credentialStore: createKeyringStore({
      service: `org.sealcheck.Test.nokeychain-${randomBytes(4).toString('hex')}`,
    }),
    dataDirectory,
    network: { lookup, extraCa: [(await hostileCert()).cert] },
  });
  handlers = windowHandlers(core);
});

afterAll(async () => {
  await server.close();
  await rm(dataDirectory, { recursive: true, force: true });
});

const invoke = (channel: string, ...args: unknown[]) => dispatchInvoke(handlers, channel, args);

async function refusal(channel: string, ...args: unknown[]): Promise<PublicError> {
  const err = await invoke(channel, ...args).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PublicError);
  return err as PublicError;
}

describe('no keychain on this computer', () => {
  let account: Account;

  it('the account is stored; its password is refused in one plain sentence', async () => {
    account = (await invoke('accounts:add', {
      displayName: 'Alice',
      address: `alice@${HOSTILE_NAME}`,
      username: 'alice',
      incoming: { protocol: 'imap', host: HOSTILE_NAME, port: server.port, security: 'implicit' },
      outgoing: null,
      chat: null,
    })) as Account;
    const started = performance.now();
    const err = await refusal('accounts:set-password', account.id, 'a-password');
    expect(performance.now() - started).toBeLessThan(5000);
    expect(err.code).toBe('keychain-unavailable');
    expect(err.message).toBe('The system keychain is not available.');
    expect(err.message).not.toContain('a-password');
  });

  it('the list still works, and says "unknown" rather than "no password"', async () => {
    expect(await invoke('accounts:list')).toEqual([{ account, hasPassword: null }]);
  });

  it('the account check runs in full without it', async () => {
    const view = (await invoke('checks:run-account', 'run-nokeychain', account.id)) as {
      endpoints: readonly unknown[];
    };
    expect(view.endpoints).toHaveLength(1);
    expect(server.accepted).toBeGreaterThan(0);
  });

  it('the login check says the keychain could not be read, and connects nowhere', async () => {
    const before = server.accepted;
    const login = (await invoke('accounts:login-check', account.id, 'incoming')) as {
      outcome: string;
    };
    expect(login.outcome).toBe('keychain-error');
    expect(server.accepted).toBe(before);
  });

  it('the self-check names the keychain as the step that failed', async () => {
    const report = (await invoke('app:self-check', { runId: 'run-selfcheck' })) as {
      ok: boolean;
      items: { step: string; ok: boolean }[];
    };
    expect(report.ok).toBe(false);
    expect(report.items.find((i) => i.step === 'keychain')).toMatchObject({ ok: false });
  });
});
