/**
 * The account store on a real file system: round trip, validation, damaged and newer files,
 * locks, concurrent writers. Writers killed with SIGKILL at random moments, hundreds of times
 * (always exactly the old or the new store): test/durability/store-kill.test.ts; the lock
 * itself: storage/json-file.test.ts.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewAccount } from './model';
import { AccountStoreError, openAccountStore, STORE_FILE, STORE_SCHEMA } from './store';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sealcheck-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ALICE: NewAccount = {
  displayName: 'Alice at Example',
  address: 'alice@example.org',
  username: 'alice@example.org',
  incoming: { protocol: 'imap', host: 'imap.example.org', port: 993, security: 'implicit' },
  outgoing: { protocol: 'submission', host: 'smtp.example.org', port: 587, security: 'starttls' },
  chat: null,
};

async function expectStoreError(p: Promise<unknown>, kind: string): Promise<AccountStoreError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AccountStoreError);
  expect((err as AccountStoreError).kind).toBe(kind);
  return err as AccountStoreError;
}

describe('the account store', () => {
  it('round trip: add, list, get, update, remove; the file is versioned and private', async () => {
    const store = openAccountStore({ directory: join(dir, 'data') });
    expect(await store.list()).toEqual([]);
    const a = await store.add(ALICE);
    expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.source).toBe('manual');
    expect(await store.get(a.id)).toEqual(a);
    const b = await store.update(a.id, { displayName: 'Alice' });
    expect(b).toMatchObject({ id: a.id, displayName: 'Alice', createdAt: a.createdAt });
    const file = JSON.parse(await readFile(store.path, 'utf8')) as { schema: string };
    expect(file.schema).toBe(STORE_SCHEMA);
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'data'))).mode & 0o777).toBe(0o700);
    expect(await store.remove(a.id)).toBe(true);
    expect(await store.remove(a.id)).toBe(false);
    expect(await store.list()).toEqual([]);
    // No temporary files are left behind.
    expect((await readdir(join(dir, 'data'))).sort()).toEqual([STORE_FILE]);
  });

  it('refuses invalid accounts, and has no place for a password', async () => {
    const store = openAccountStore({ directory: dir });
    await expectStoreError(store.add({ ...ALICE, address: 'not an address' }), 'invalid');
    await expectStoreError(
      store.add({
        ...ALICE,
        incoming: {
          protocol: 'imap',
          host: 'imap.example.org',
          port: 70_000,
          security: 'implicit',
        },
      }),
      'invalid',
    );
    const withPassword = { ...ALICE, password: 'hunter2' } as unknown as NewAccount;
    await expectStoreError(store.add(withPassword), 'invalid');
    await expectStoreError(store.update('nope', { displayName: 'x' }), 'not-found');
    expect(await store.list()).toEqual([]);
  });

  it('a damaged file: a clear error naming the kept copy; nothing is replaced until asked', async () => {
    const store = openAccountStore({ directory: dir });
    await store.add(ALICE);
    await writeFile(store.path, '{"schema": "sealcheck.accounts/1", "accounts": [ {"id": ');
    const before = await readFile(store.path);
    const err = await expectStoreError(store.list(), 'damaged');
    expect(err.message).toMatch(/not valid JSON/);
    expect(err.keptAt).toBeDefined();
    expect(await readFile(err.keptAt ?? '')).toEqual(before);
    // Changes are refused too, and the damaged file stays as it was.
    await expectStoreError(store.add(ALICE), 'damaged');
    expect(await readFile(store.path)).toEqual(before);
    // Reading again keeps no second copy.
    await expectStoreError(store.list(), 'damaged');
    expect((await readdir(dir)).filter((n) => n.includes('damaged'))).toHaveLength(1);
    // The user chooses a fresh start: the copy stays.
    await store.startEmpty();
    expect(await store.list()).toEqual([]);
    expect(await readFile(err.keptAt ?? '')).toEqual(before);
  });

  it('a file that is JSON but not a valid store is damaged too', async () => {
    const store = openAccountStore({ directory: dir });
    await writeFile(store.path, JSON.stringify({ schema: STORE_SCHEMA, accounts: [{ id: 1 }] }));
    const err = await expectStoreError(store.list(), 'damaged');
    expect(err.message).toMatch(/not a valid account list/);
  });

  it('a file from a newer Sealcheck is left alone', async () => {
    const store = openAccountStore({ directory: dir });
    const newer = JSON.stringify({ schema: 'sealcheck.accounts/2', accounts: [], more: true });
    await writeFile(store.path, newer);
    await expectStoreError(store.list(), 'newer-schema');
    await expectStoreError(store.add(ALICE), 'newer-schema');
    expect(await readFile(store.path, 'utf8')).toBe(newer);
  });

  it('a lock left by a writer that died is taken over; a live one is waited for', async () => {
    // (Lock files as an earlier Sealcheck made them; today's lock: storage/json-file.test.ts.)
    const store = openAccountStore({ directory: dir, lockWaitMs: 300 });
    // A process id that does not exist (beyond pid_max on Linux).
    await writeFile(`${store.path}.lock`, `4194999 ${(await import('node:os')).hostname()} x\n`);
    await store.add(ALICE);
    // A lock held by this very process (alive): the change waits, then gives up clearly.
    await writeFile(
      `${store.path}.lock`,
      `${process.pid} ${(await import('node:os')).hostname()} y\n`,
    );
    await expectStoreError(store.add(ALICE), 'locked');
    expect(await store.list()).toHaveLength(1);
  });

  it('two stores changing one file at once lose nothing', async () => {
    const a = openAccountStore({ directory: dir });
    const b = openAccountStore({ directory: dir });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).add({ ...ALICE, displayName: `n${i}` }),
      ),
    );
    const names = (await a.list()).map((x) => x.displayName).sort();
    expect(names).toEqual(Array.from({ length: 20 }, (_, i) => `n${i}`).sort());
  });
});
