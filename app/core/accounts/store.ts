/**
 * The account store: one JSON file in a directory the caller chooses (the app its data
 * directory, the CLI its own), schema-versioned, written atomically and read with validation.
 *
 * - Atomic: a write goes to a new temporary file in the same directory (mode 0600), is fsynced,
 *   renamed over the store, and the directory is fsynced. A process killed at any point leaves
 *   either the old file or the new one, never half of one. Renames that fail while another
 *   program (an antivirus on Windows) holds the file are retried for a while.
 * - Locked: every change reads, applies and writes under a lock file (created exclusively; a
 *   lock whose process is gone, or that is older than STALE_LOCK_MS, is taken over), so two
 *   writers never lose each other's change. Reads need no lock: they only ever see whole files.
 * - Damaged: a file that is not valid JSON or not a valid store is copied aside
 *   (`accounts.damaged-<hash>.json`) and every call fails with a clear error naming the copy.
 *   Nothing is replaced until the user asks for a fresh start (`startEmpty`).
 * - A file from a newer Sealcheck (a higher schema number) is left alone, with its own error.
 * - No password is ever in it: the model has no field for one (see model.ts).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as v from 'valibot';
import { AccountSchema, NewAccountSchema, type Account, type NewAccount } from './model';

export const STORE_SCHEMA = 'sealcheck.accounts/1';
export const STORE_FILE = 'accounts.json';
/** A store larger than this is not ours. */
export const MAX_STORE_BYTES = 8 * 1024 * 1024;
export const MAX_ACCOUNTS = 1000;
/** A lock older than this belongs to a writer that died (a write takes milliseconds). */
export const STALE_LOCK_MS = 10_000;
const LOCK_WAIT_MS = 5_000;
const RENAME_RETRY_MS = 2_000;

const StoreFileSchema = v.strictObject({
  schema: v.literal(STORE_SCHEMA),
  accounts: v.pipe(v.array(AccountSchema), v.maxLength(MAX_ACCOUNTS)),
});

export type AccountStoreErrorKind =
  'damaged' | 'newer-schema' | 'locked' | 'not-found' | 'invalid' | 'full' | 'io';

export class AccountStoreError extends Error {
  constructor(
    readonly kind: AccountStoreErrorKind,
    message: string,
    /** For 'damaged': where the damaged file was kept. */
    readonly keptAt?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AccountStoreError';
  }
}

export interface AccountStore {
  /** The store file's path (for messages). */
  readonly path: string;
  list(): Promise<Account[]>;
  get(id: string): Promise<Account | null>;
  add(input: NewAccount): Promise<Account>;
  /** Replaces the given fields; id, source and createdAt stay. */
  update(id: string, changes: Partial<NewAccount>): Promise<Account>;
  /** True when an account was removed. */
  remove(id: string): Promise<boolean>;
  /** After a damaged file: start with an empty list (the damaged copy stays where it was kept). */
  startEmpty(): Promise<void>;
}

export interface AccountStoreOptions {
  /** The directory of the store file (created 0700 when missing). */
  readonly directory: string;
  readonly fileName?: string;
  readonly now?: () => Date;
  /** How long a change waits for another writer's lock. */
  readonly lockWaitMs?: number;
}

interface StoreFile {
  readonly schema: typeof STORE_SCHEMA;
  readonly accounts: Account[];
}

/** Validation issues in one line, for error messages (never the file's contents). */
function issuesText(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 3)
    .map((i) => {
      const path = i.path?.map((p) => String(p.key)).join('.') ?? '';
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}

export function openAccountStore(options: AccountStoreOptions): AccountStore {
  const dir = options.directory;
  const fileName = options.fileName ?? STORE_FILE;
  const path = join(dir, fileName);
  const lockPath = `${path}.lock`;
  const now = options.now ?? (() => new Date());
  const lockWaitMs = options.lockWaitMs ?? LOCK_WAIT_MS;

  async function ensureDir(): Promise<void> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }

  /** Reads and validates the file; a missing file is an empty store. */
  async function read(): Promise<StoreFile> {
    let bytes: Buffer;
    try {
      const s = await stat(path);
      if (s.size > MAX_STORE_BYTES) {
        // Named by size and time rather than read whole: it may be huge. (Returned, not
        // awaited: its error is not an I/O error of this read.)
        const id = Buffer.from(`${s.size}-${s.mtimeMs}`);
        return damaged(`it is ${s.size} bytes, more than a store can be`, id);
      }
      bytes = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return { schema: STORE_SCHEMA, accounts: [] };
      }
      throw ioError('read', err);
    }
    let data: unknown;
    try {
      data = JSON.parse(bytes.toString('utf8'));
    } catch {
      return damaged('it is not valid JSON', bytes);
    }
    const schema = (data as { schema?: unknown } | null)?.schema;
    if (typeof schema === 'string' && schema !== STORE_SCHEMA) {
      const m = /^sealcheck\.accounts\/(\d+)$/.exec(schema);
      if (m && Number(m[1]) > 1) {
        throw new AccountStoreError(
          'newer-schema',
          `The account list at ${path} was written by a newer Sealcheck (${schema}). Update Sealcheck to use it; the file was left as it is.`,
        );
      }
    }
    const parsed = v.safeParse(StoreFileSchema, data);
    if (!parsed.success) {
      return damaged(`it is not a valid account list (${issuesText(parsed.issues)})`, bytes);
    }
    return parsed.output;
  }

  /**
   * Keeps a copy of the damaged file aside and throws. The copy is named by the content's hash,
   * so reading the same damaged file again keeps no second copy.
   */
  async function damaged(why: string, bytes?: Buffer): Promise<never> {
    let content: Buffer;
    try {
      content = bytes ?? (await readFile(path));
    } catch (err) {
      throw ioError('read', err);
    }
    const digest = createHash('sha256').update(content).digest('hex').slice(0, 16);
    const keptAt = join(dir, `${fileName.replace(/\.json$/, '')}.damaged-${digest}.json`);
    try {
      await copyFile(path, keptAt, constants.COPYFILE_EXCL);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError('keep a copy of', err);
    }
    throw new AccountStoreError(
      'damaged',
      `The account list at ${path} is damaged: ${why}. A copy was kept at ${keptAt}; nothing was changed.`,
      keptAt,
    );
  }

  async function write(file: StoreFile): Promise<void> {
    await ensureDir();
    const text = `${JSON.stringify(file, null, 2)}\n`;
    const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    let handle;
    try {
      handle = await open(tmp, 'wx', 0o600);
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } catch (err) {
      await handle?.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw ioError('write', err);
    }
    await handle.close();
    try {
      await renameWithRetry(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw ioError('replace', err);
    }
    await syncDirectory(dir);
  }

  /** Runs `change` on the current file under the lock and writes what it returns. */
  async function change<T>(fn: (file: StoreFile) => { file: StoreFile; result: T }): Promise<T> {
    await ensureDir();
    const release = await lock(lockPath, lockWaitMs);
    try {
      await removeStaleTemporaries(dir, fileName);
      const { file, result } = fn(await read());
      await write(file);
      return result;
    } finally {
      await release();
    }
  }

  return {
    path,
    async list() {
      return (await read()).accounts;
    },
    async get(id) {
      return (await read()).accounts.find((a) => a.id === id) ?? null;
    },
    async add(input) {
      const parsed = v.safeParse(NewAccountSchema, input);
      if (!parsed.success) {
        throw new AccountStoreError(
          'invalid',
          `The account is not valid: ${issuesText(parsed.issues)}`,
        );
      }
      const time = now().toISOString();
      const account: Account = {
        ...parsed.output,
        id: randomUUID(),
        createdAt: time,
        updatedAt: time,
      };
      return change((file) => {
        if (file.accounts.length >= MAX_ACCOUNTS) {
          throw new AccountStoreError(
            'full',
            `The account list holds at most ${MAX_ACCOUNTS} accounts.`,
          );
        }
        return { file: { ...file, accounts: [...file.accounts, account] }, result: account };
      });
    },
    async update(id, changes) {
      return change((file) => {
        const i = file.accounts.findIndex((a) => a.id === id);
        const old = file.accounts[i];
        if (old === undefined)
          throw new AccountStoreError('not-found', `There is no account ${id}.`);
        const { id: _id, createdAt, updatedAt: _u, ...rest } = old;
        const parsed = v.safeParse(NewAccountSchema, { ...rest, ...changes });
        if (!parsed.success) {
          throw new AccountStoreError(
            'invalid',
            `The account is not valid: ${issuesText(parsed.issues)}`,
          );
        }
        const updated: Account = {
          ...parsed.output,
          source: old.source,
          id,
          createdAt,
          updatedAt: now().toISOString(),
        };
        const accounts = [...file.accounts];
        accounts[i] = updated;
        return { file: { ...file, accounts }, result: updated };
      });
    },
    async remove(id) {
      return change((file) => {
        const accounts = file.accounts.filter((a) => a.id !== id);
        return { file: { ...file, accounts }, result: accounts.length !== file.accounts.length };
      });
    },
    async startEmpty() {
      await ensureDir();
      const release = await lock(lockPath, lockWaitMs);
      try {
        try {
          await read();
          return; // not damaged: nothing to start over
        } catch (err) {
          if (!(err instanceof AccountStoreError) || err.kind !== 'damaged') throw err;
        }
        await write({ schema: STORE_SCHEMA, accounts: [] });
      } finally {
        await release();
      }
    },
  };
}

function ioError(what: string, err: unknown): AccountStoreError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return new AccountStoreError(
    'io',
    `Could not ${what} the account list${code ? ` (${code})` : ''}.`,
    undefined,
    { cause: err },
  );
}

/** rename(), retried while another program holds the target (Windows: EPERM, EACCES, EBUSY). */
async function renameWithRetry(from: string, to: string): Promise<void> {
  const deadline = Date.now() + RENAME_RETRY_MS;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    try {
      await rename(from, to);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const busy = code === 'EPERM' || code === 'EACCES' || code === 'EBUSY';
      if (!busy || Date.now() + delay > deadline) throw err;
      await sleep(delay);
    }
  }
}

/** fsync the directory so the rename itself is on disk (not possible on Windows). */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Temporary files of writers that died before their rename (only ever removed under the lock). */
async function removeStaleTemporaries(dir: string, fileName: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const prefix = `${fileName}.`;
  await Promise.all(
    names
      .filter((n) => n.startsWith(prefix) && n.endsWith('.tmp'))
      .map((n) => unlink(join(dir, n)).catch(() => undefined)),
  );
}

/** Takes the lock file (exclusive create); returns its release. */
async function lock(lockPath: string, waitMs: number): Promise<() => Promise<void>> {
  const mine = `${process.pid} ${hostname()} ${randomBytes(6).toString('hex')}\n`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      try {
        await handle.writeFile(mine, 'utf8');
      } finally {
        await handle.close();
      }
      return async () => {
        try {
          if ((await readFile(lockPath, 'utf8')) === mine) await unlink(lockPath);
        } catch {
          // Already gone (taken over as stale): nothing to release.
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError('lock', err);
    }
    if (await isStale(lockPath)) {
      await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) {
      throw new AccountStoreError(
        'locked',
        `Another program is changing the account list (${lockPath}). Try again in a moment.`,
      );
    }
    await sleep(15 + Math.random() * 30);
  }
}

/** A lock whose writer died: its process is gone (same host), or it is older than STALE_LOCK_MS. */
async function isStale(lockPath: string): Promise<boolean> {
  let text: string;
  let mtime: number;
  try {
    text = await readFile(lockPath, 'utf8');
    mtime = (await stat(lockPath)).mtimeMs;
  } catch {
    return false; // gone already: the next attempt will take it
  }
  if (Date.now() - mtime > STALE_LOCK_MS) return true;
  const [pid, host] = text.trim().split(' ');
  if (host !== hostname() || pid === undefined || !/^\d+$/.test(pid)) {
    // Half-written by a writer that died between create and write: stale once it is not fresh.
    return text === '' && Date.now() - mtime > 1_000;
  }
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
