/**
 * The JSON file's lock on a real file system: many writers that find the same stale lock at
 * once take it over one at a time (no change lost), whatever a dead writer left behind (its
 * lock, an empty lock directory, a lock it was still building, a temporary file, an earlier
 * version's lock file) neither blocks the next change nor stays, and a live lock is waited for.
 * Writers killed for real: test/durability/store-kill.test.ts.
 */
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonFile, lockHolderName, STALE_LOCK_MS, StoreError } from './json-file';

const Counter = v.strictObject({
  schema: v.literal('sealcheck.test/1'),
  items: v.array(v.string()),
});
type Counter = v.InferOutput<typeof Counter>;

/** A process id that does not exist (beyond pid_max on Linux). */
const DEAD_PID = 4194999;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sealcheck-json-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function open(lockWaitMs?: number) {
  return jsonFile<Counter>({
    directory: dir,
    fileName: 'test.json',
    schemaName: 'sealcheck.test',
    version: 1,
    schema: Counter,
    empty: () => ({ schema: 'sealcheck.test/1', items: [] }),
    label: 'test file',
    maxBytes: 1024 * 1024,
    ...(lockWaitMs !== undefined ? { lockWaitMs } : {}),
  });
}

const append = (item: string) => (c: Counter) => ({
  value: { ...c, items: [...c.items, item] },
  result: null,
});

/** A lock directory as a dead writer leaves it: its entry, `ageMs` old. */
async function deadLock(path: string, holder: string, ageMs = 0): Promise<void> {
  await mkdir(`${path}.lock`);
  await writeFile(join(`${path}.lock`, holder), '');
  const t = new Date(Date.now() - ageMs);
  await utimes(join(`${path}.lock`, holder), t, t);
}

describe('the lock of a JSON file', () => {
  it.each([
    ['its process is gone', (path: string) => deadLock(path, lockHolderName(DEAD_PID))],
    [
      'it is old, of another host',
      (path: string) => deadLock(path, '1-0123456789ab-elsewhere', STALE_LOCK_MS + 5000),
    ],
    [
      "an earlier version's lock file",
      (path: string) => writeFile(`${path}.lock`, `${DEAD_PID} ${hostname()} x\n`),
    ],
  ])('many writers finding one stale lock (%s) take it over one at a time', async (_, leave) => {
    // Before the lock was a directory, about one round in ten lost a change here: two writers
    // that had both judged the old lock stale went ahead together.
    for (let round = 0; round < 12; round++) {
      const files = Array.from({ length: 6 }, () => open());
      const path = files[0]?.path ?? '';
      await rm(path, { force: true });
      await leave(path);
      await Promise.all(files.map((f, i) => f.change(append(`w${i}`))));
      expect((await open().read()).items.sort()).toEqual(files.map((_f, i) => `w${i}`));
      expect(await readdir(dir)).toEqual(['test.json']);
    }
  });

  it('what a dead writer left neither blocks the next change nor stays', async () => {
    const file = open(2000);
    await file.change(append('first'));
    const leftovers = [
      // A temporary file it had not renamed yet.
      async () => writeFile(`${file.path}.${DEAD_PID}.0123456789ab.tmp`, '{"half'),
      // Its lock, being built (killed before or after its entry was made).
      async () => mkdir(`${file.path}.lock.${lockHolderName(DEAD_PID)}.new`),
      async () => {
        const holder = lockHolderName(DEAD_PID);
        await mkdir(`${file.path}.lock.${holder}.new`);
        await writeFile(join(`${file.path}.lock.${holder}.new`, holder), '');
      },
      // Its lock, whole, or left empty (killed while releasing it).
      async () => deadLock(file.path, lockHolderName(DEAD_PID)),
      async () => mkdir(`${file.path}.lock`),
      // An earlier Sealcheck's lock file, of a dead process, or empty and not fresh.
      async () => writeFile(`${file.path}.lock`, `${DEAD_PID} ${hostname()} x\n`),
      async () => {
        await writeFile(`${file.path}.lock`, '');
        const t = new Date(Date.now() - 1500);
        await utimes(`${file.path}.lock`, t, t);
      },
    ];
    for (const [i, leave] of leftovers.entries()) {
      await leave();
      const started = Date.now();
      await file.change(append(`after ${i}`));
      expect(Date.now() - started).toBeLessThan(1000);
      expect(await readdir(dir)).toEqual(['test.json']);
    }
    expect((await file.read()).items).toHaveLength(1 + leftovers.length);
  });

  it('a live lock is waited for, then refused clearly; the file is unchanged', async () => {
    const file = open(300);
    await file.change(append('first'));
    const mine = lockHolderName(process.pid);
    await deadLock(file.path, mine);
    const err = await file.change(append('second')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).kind).toBe('locked');
    // The waiting writer's own lock, half built, is not left behind.
    expect((await readdir(dir)).sort()).toEqual(['test.json', 'test.json.lock']);
    await rm(join(`${file.path}.lock`, mine));
    await file.change(append('third'));
    expect((await file.read()).items).toEqual(['first', 'third']);
  });
});
