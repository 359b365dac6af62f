/**
 * The account channels end to end, as the window uses them: dispatchInvoke (contract checks) →
 * the real handlers → core in-process → the real account store on disk, the real Secret Service
 * (npm test's private keyring session) and the bed's real servers for the login check.
 *
 * A canary password goes in through accounts:set-password and is then looked for everywhere it
 * must never be: the store file, every reply and event to the window, the login check's
 * transcript, the account check's facts and the help-desk report, and the logs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assessAccount } from '../../app/core/assess/account';
import { defaultTrustStores } from '../../app/core/cert';
import { helpdeskMarkdown } from '../../app/core/explain/helpdesk';
import { createKeyringStore } from '../../app/core/secrets';
import type { Account } from '../../app/core/accounts/model';
import { createInProcessCore } from '../../app/main/core-in-process';
import { PublicError } from '../../app/main/errors';
import { dispatchInvoke, type Handlers } from '../../app/main/ipc';
import { windowHandlers } from './support/window-handlers';
import { bedLookup, findEndpoint, loadBed, type BedDescription } from '../bed/endpoints';

let bed: BedDescription;
let dataDirectory: string;
let handlers: Handlers;
const sent: unknown[] = []; // every reply and event that would reach the window
const logged: string[] = [];
const canary = `canary-${randomBytes(12).toString('hex')}`;

beforeAll(async () => {
  if (process.env.SEALCHECK_KEYRING !== '1') {
    throw new Error('these tests need the private keyring session: run them through "npm test"');
  }
  bed = loadBed();
  dataDirectory = await mkdtemp(join(tmpdir(), 'sealcheck-accounts-ipc-'));
  for (const level of ['log', 'error', 'warn', 'info'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(' '));
    });
  }
  const core = createInProcessCore({
    credentialStore: createKeyringStore({
      service: `org.sealcheck.Test.ipc-${randomBytes(4).toString('hex')}`,
    }),
    dataDirectory,
    network: { lookup: bedLookup, extraCa: [readFileSync(bed.rootCaFile, 'utf8')] },
  });
  handlers = windowHandlers(core, { events: { progress: (e) => sent.push(e) } });
});
afterAll(async () => {
  vi.restoreAllMocks();
  await rm(dataDirectory, { recursive: true, force: true });
});

async function invoke(channel: string, ...args: unknown[]): Promise<unknown> {
  const result = await dispatchInvoke(handlers, channel, args);
  sent.push(result);
  return result;
}

async function refused(channel: string, ...args: unknown[]): Promise<PublicError> {
  const err = await dispatchInvoke(handlers, channel, args).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PublicError);
  sent.push((err as PublicError).message);
  return err as PublicError;
}

describe('account channels', () => {
  let account: Account;

  it('add an account; inputs that break the contract are refused before core sees them', async () => {
    const dovecot = findEndpoint(bed, 'dovecot-imap-implicit-good');
    const input = {
      displayName: 'Alice',
      address: 'alice@test.example',
      username: bed.user.name,
      incoming: {
        protocol: 'imap',
        host: 'mail.test.example',
        port: dovecot.port,
        security: 'implicit',
      },
      outgoing: null,
      chat: null,
    };
    account = (await invoke('accounts:add', input)) as Account;
    expect(account).toMatchObject({ address: 'alice@test.example', source: 'manual' });
    expect((await refused('accounts:add', { ...input, password: canary })).code).toBe(
      'invalid-arguments',
    );
    expect(
      (await refused('accounts:add', { ...input, incoming: { ...input.incoming, port: 0 } })).code,
    ).toBe('invalid-arguments');
    expect((await refused('accounts:update', 'Not An Id', {})).code).toBe('invalid-arguments');
    expect((await refused('accounts:update', 'no-such-account', {})).code).toBe('not-found');
    expect((await refused('accounts:set-password', account.id, '')).code).toBe('invalid-arguments');
  });

  it('a password goes into the keychain; the list says only that there is one', async () => {
    expect(await invoke('accounts:list')).toEqual([{ account, hasPassword: false }]);
    expect(await invoke('accounts:set-password', account.id, canary)).toBeNull();
    expect(await invoke('accounts:list')).toEqual([{ account, hasPassword: true }]);
  });

  it('the login check uses it, over a verified connection, and reports how', async () => {
    // The canary is not the bed's password: set the real one for the check, then the canary again.
    await invoke('accounts:set-password', account.id, bed.user.password);
    const ok = (await invoke('accounts:login-check', account.id, 'incoming')) as {
      outcome: string;
      mechanism: string;
    };
    expect(ok.outcome).toBe('success');
    await invoke('accounts:set-password', account.id, canary);
    const wrong = (await invoke('accounts:login-check', account.id, 'incoming')) as {
      outcome: string;
    };
    expect(wrong.outcome).toBe('rejected');
    expect((await refused('accounts:login-check', account.id, 'chat')).code).toBe(
      'invalid-arguments',
    );
  });

  it('the account check and its help-desk report carry no password', async () => {
    const assessment = await assessAccount(account, {
      trust: defaultTrustStores([readFileSync(bed.rootCaFile, 'utf8')]),
      lookup: bedLookup,
      extraCa: [readFileSync(bed.rootCaFile, 'utf8')],
      scan: 'off',
    });
    sent.push(assessment);
    sent.push(
      helpdeskMarkdown(
        assessment.endpoints.map((e) => e.judgement),
        { generatedAt: '2026-01-01T00:00:00Z', version: '0' },
      ),
    );
  });

  it('import sources and discovery answer without touching the keychain', async () => {
    const sources = (await invoke('accounts:find-imports')) as { thunderbird: unknown[] };
    expect(Array.isArray(sources.thunderbird)).toBe(true);
    expect(
      (await refused('accounts:read-import', { source: 'thunderbird', profilePath: '/etc' })).code,
    ).toBe('not-found');
    expect((await refused('accounts:discover', 'not an address')).code).toBe('invalid-arguments');
  });

  it('removing the account removes its password too', async () => {
    expect(await invoke('accounts:remove', account.id)).toBe(true);
    expect(await invoke('accounts:list')).toEqual([]);
    expect((await refused('accounts:clear-password', account.id)).code).toBe('not-found');
  });

  it('the canary appears nowhere: not in the store, not to the window, not in transcripts, reports or logs', async () => {
    const files = await readdir(dataDirectory);
    for (const f of files)
      expect(await readFile(join(dataDirectory, f), 'utf8'), f).not.toContain(canary);
    const forms = [
      canary,
      Buffer.from(canary).toString('base64'),
      Buffer.from(`\0${bed.user.name}\0${canary}`).toString('base64'),
    ];
    const everything = JSON.stringify(sent) + logged.join('\n');
    for (const form of forms) expect(everything).not.toContain(form);
    // The real password the check used is not there either.
    expect(everything).not.toContain(bed.user.password);
  });
});
