/**
 * One JSON file of the app's own data (the account list, the check history), kept safe:
 *
 * - Atomic: a write goes to a new temporary file in the same directory (mode 0600), is fsynced,
 *   renamed over the file, and the directory is fsynced. A process killed at any point leaves
 *   either the old file or the new one, never half of one. Renames that fail while another
 *   program (an antivirus on Windows) holds the file are retried for a while.
 * - Locked: every change reads, applies and writes under a lock (a directory renamed into place
 *   with its holder's entry in it; a lock whose process is gone, or that is older than
 *   STALE_LOCK_MS, is taken over, by one writer only: see lock()), so two writers never lose
 *   each other's change. Reads need no lock: they only ever see whole files. What a killed
 *   writer leaves (its lock, a temporary file) neither blocks the next one nor piles up.
 * - Validated: the file carries `schema: "<name>/<version>"` and is checked against its schema
 *   on every read. A file that is not valid JSON, not valid, or too large is copied aside
 *   (`<file>.damaged-<hash>.json`) and every call fails with an error naming the copy; nothing
 *   is replaced until the caller resets it. A higher version (a newer Sealcheck) is left alone.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as v from 'valibot';

/** A lock older than this belongs to a writer that died (a write takes milliseconds). */
export const STALE_LOCK_MS = 10_000;
const LOCK_WAIT_MS = 5_000;
const RENAME_RETRY_MS = 2_000;

export type StoreErrorKind =
  'damaged' | 'newer-schema' | 'locked' | 'not-found' | 'invalid' | 'full' | 'io';

export class StoreError extends Error {
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
    /** For 'damaged': where the damaged file was kept. */
    readonly keptAt?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

export interface JsonFileOptions<T extends { readonly schema: string }> {
  readonly directory: string;
  readonly fileName: string;
  /** e.g. "sealcheck.accounts"; the file's `schema` is "<name>/<version>". */
  readonly schemaName: string;
  readonly version: number;
  /** Validates the whole file, `schema` field included. */
  readonly schema: v.GenericSchema<unknown, T>;
  /** The content of a file that does not exist yet. */
  readonly empty: () => T;
  /** What the file is, in words for messages: "account list", "check history". */
  readonly label: string;
  readonly maxBytes: number;
  readonly lockWaitMs?: number;
}

export interface JsonFile<T> {
  readonly path: string;
  read(): Promise<T>;
  /** Runs `fn` on the current content under the lock and writes what it returns. */
  change<R>(fn: (current: T) => { readonly value: T; readonly result: R }): Promise<R>;
  /** After a damaged file: start again from `empty` (the damaged copy stays). */
  startEmpty(): Promise<void>;
}

/** Validation issues in one line, for error messages (never the file's contents). */
export function issuesText(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 3)
    .map((i) => {
      const path = i.path?.map((p) => String(p.key)).join('.') ?? '';
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}

export function jsonFile<T extends { readonly schema: string }>(
  options: JsonFileOptions<T>,
): JsonFile<T> {
  const { directory: dir, fileName, label } = options;
  const path = join(dir, fileName);
  const lockPath = `${path}.lock`;
  const lockWaitMs = options.lockWaitMs ?? LOCK_WAIT_MS;
  const schemaText = `${options.schemaName}/${options.version}`;
  const Label = `${label[0]?.toUpperCase() ?? ''}${label.slice(1)}`;

  const ensureDir = async (): Promise<void> => {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  };

  async function read(): Promise<T> {
    let bytes: Buffer;
    try {
      const s = await stat(path);
      if (s.size > options.maxBytes) {
        // Named by size and time rather than read whole: it may be huge. (Returned, not
        // awaited: its error is not an I/O error of this read.)
        const id = Buffer.from(`${s.size}-${s.mtimeMs}`);
        return damaged(`it is ${s.size} bytes, more than it can be`, id);
      }
      bytes = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return options.empty();
      throw ioError(label, 'read', err);
    }
    let data: unknown;
    try {
      data = JSON.parse(bytes.toString('utf8'));
    } catch {
      return damaged('it is not valid JSON', bytes);
    }
    const schema = (data as { schema?: unknown } | null)?.schema;
    if (typeof schema === 'string' && schema !== schemaText) {
      const m = /^(.+)\/(\d+)$/.exec(schema);
      if (m?.[1] === options.schemaName && Number(m[2]) > options.version) {
        throw new StoreError(
          'newer-schema',
          `The ${label} at ${path} was written by a newer Sealcheck (${schema}). Update Sealcheck to use it; the file was left as it is.`,
        );
      }
    }
    const parsed = v.safeParse(options.schema, data);
    if (!parsed.success) {
      return damaged(`it is not a valid ${label} (${issuesText(parsed.issues)})`, bytes);
    }
    return parsed.output;
  }

  /**
   * Keeps a copy of the damaged file aside and throws. The copy is named by the content's hash,
   * so reading the same damaged file again keeps no second copy.
   */
  async function damaged(why: string, bytes: Buffer): Promise<never> {
    const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
    const keptAt = join(dir, `${fileName.replace(/\.json$/, '')}.damaged-${digest}.json`);
    // Written whole under a temporary name, then linked into place (atomic, never over an
    // existing copy): a kill mid-copy must not leave a partial copy that looks complete.
    const part = `${keptAt}.${process.pid}.${randomBytes(6).toString('hex')}.part`;
    try {
      await writeFile(part, bytes, { mode: 0o600, flag: 'wx' });
      await link(part, keptAt);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        await unlink(part).catch(() => undefined);
        throw ioError(label, 'keep a copy of', err);
      }
    }
    await unlink(part).catch(() => undefined);
    throw new StoreError(
      'damaged',
      `${Label} at ${path} is damaged: ${why}. A copy was kept at ${keptAt}; nothing was changed.`,
      keptAt,
    );
  }

  async function write(value: T): Promise<void> {
    await ensureDir();
    const text = `${JSON.stringify(value, null, 2)}\n`;
    const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    let handle;
    try {
      handle = await open(tmp, 'wx', 0o600);
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } catch (err) {
      await handle?.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw ioError(label, 'write', err);
    }
    await handle.close();
    try {
      await renameWithRetry(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw ioError(label, 'replace', err);
    }
    await syncDirectory(dir);
  }

  return {
    path,
    read,
    async change(fn) {
      await ensureDir();
      const release = await lock(lockPath, lockWaitMs, label);
      try {
        await removeStaleTemporaries(dir, fileName);
        const { value, result } = fn(await read());
        await write(value);
        return result;
      } finally {
        await release();
      }
    },
    async startEmpty() {
      await ensureDir();
      const release = await lock(lockPath, lockWaitMs, label);
      try {
        try {
          await read();
          return; // not damaged: nothing to start over
        } catch (err) {
          if (!(err instanceof StoreError) || err.kind !== 'damaged') throw err;
        }
        await write(options.empty());
      } finally {
        await release();
      }
    },
  };
}

function ioError(label: string, what: string, err: unknown): StoreError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return new StoreError(
    'io',
    `Could not ${what} the ${label}${code ? ` (${code})` : ''}.`,
    undefined,
    {
      cause: err,
    },
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

/**
 * Leftovers of writers that died (only ever removed under the lock): data files they had not
 * renamed yet, and lock directories they were still building (`<file>.lock.<holder>.new`) when
 * their holder is gone.
 */
async function removeStaleTemporaries(dir: string, fileName: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const prefix = `${fileName}.`;
  const staging = `${fileName}.lock.`;
  await Promise.all(
    names.map(async (n) => {
      const path = join(dir, n);
      if (n.startsWith(prefix) && n.endsWith('.tmp')) {
        await unlink(path).catch(() => undefined);
      } else if (n.startsWith(staging) && n.endsWith('.new')) {
        const holder = n.slice(staging.length, -'.new'.length);
        if (await holderGone(holder, [join(path, holder), path])) {
          await rm(path, { recursive: true, force: true }).catch(() => undefined);
        }
      }
    }),
  );
}

/** This host's name as it may stand in a file name. */
function hostTag(): string {
  return hostname()
    .replace(/[^A-Za-z0-9.-]/g, '_')
    .slice(0, 100);
}

/**
 * The name of a lock holder's entry: `<pid>-<random>-<host>` (exported for tests that leave a
 * lock behind as a dead writer would).
 */
export function lockHolderName(pid: number = process.pid): string {
  return `${pid}-${randomBytes(6).toString('hex')}-${hostTag()}`;
}

/** rename() errors that mean "there is a lock in the way" (Linux, macOS, Windows). */
const LOCK_IN_THE_WAY = new Set([
  'ENOTEMPTY',
  'EEXIST',
  'ENOTDIR',
  'EISDIR',
  'EPERM',
  'EACCES',
  'EBUSY',
]);

/**
 * Takes the lock; returns its release. The lock is a directory, `<file>.lock`, holding one
 * entry named for its holder (lockHolderName). It is built aside (`<file>.lock.<holder>.new`)
 * and renamed into place, so a lock is never seen without its holder, and the rename fails
 * while another lock is there. A stale lock is broken by removing its holder's entry *by name*,
 * then the directory if it is empty: a writer that judged an old lock stale can never remove
 * the newer lock of another writer that broke it first (that one's entry has another name,
 * and a directory that is not empty is not removed). (A lock *file* checked and then deleted,
 * as before, let two writers that found the same stale lock both go ahead.)
 */
async function lock(lockPath: string, waitMs: number, label: string): Promise<() => Promise<void>> {
  const holder = lockHolderName();
  const staging = `${lockPath}.${holder}.new`;
  const staged = join(staging, holder);
  const deadline = Date.now() + waitMs;
  try {
    for (;;) {
      await stage(staging, staged, label);
      try {
        await rename(staging, lockPath);
        return async () => {
          // Our entry is gone only if we were taken over as stale; the directory then holds
          // another writer's entry, and stays.
          await unlink(join(lockPath, holder)).catch(() => undefined);
          await rmdir(lockPath).catch(() => undefined);
        };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        // ENOENT: our staging was removed (as a dead writer's): built again on the next round.
        if (code !== 'ENOENT' && !LOCK_IN_THE_WAY.has(code)) throw ioError(label, 'lock', err);
      }
      if (await breakIfStale(lockPath)) continue;
      if (Date.now() > deadline) {
        throw new StoreError(
          'locked',
          `Another program is changing the ${label} (${lockPath}). Try again in a moment.`,
        );
      }
      await sleep(15 + Math.random() * 30);
    }
  } catch (err) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}

/** Builds the lock aside (or refreshes its time: a lock's age counts from when it is taken). */
async function stage(staging: string, staged: string, label: string): Promise<void> {
  const now = new Date();
  try {
    await utimes(staged, now, now);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(label, 'lock', err);
  }
  try {
    await mkdir(staging, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(label, 'lock', err);
  }
  try {
    await writeFile(staged, '', { mode: 0o600 });
  } catch (err) {
    throw ioError(label, 'lock', err);
  }
}

/** Removes the lock in the way if its holder is gone; true when it is worth trying at once. */
async function breakIfStale(lockPath: string): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir(lockPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return true; // released meanwhile
    if (code === 'ENOTDIR' && (await isStaleLockFile(lockPath))) {
      await unlink(lockPath).catch(() => undefined);
      return true;
    }
    return false;
  }
  let removed = names.length === 0; // left empty by a writer that died releasing or breaking it
  for (const name of names) {
    const entry = join(lockPath, name);
    if (await holderGone(name, [entry])) {
      await unlink(entry).catch(() => undefined);
      removed = true;
    }
  }
  // Fails (and leaves the lock) while a holder's entry is in it.
  if (removed) await rmdir(lockPath).catch(() => undefined);
  return removed;
}

/**
 * Whether a lock's holder died: its process is gone (same host), or its newest time (of
 * `paths`, the first that exist) is older than STALE_LOCK_MS.
 */
async function holderGone(name: string, paths: readonly string[]): Promise<boolean> {
  const m = /^(\d+)-[0-9a-f]{12}-(.+)$/.exec(name);
  if (m?.[2] === hostTag()) {
    try {
      process.kill(Number(m[1]), 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
    }
  }
  const times = await Promise.all(
    paths.map((p) =>
      stat(p).then(
        (s) => s.mtimeMs,
        () => null,
      ),
    ),
  );
  const known = times.filter((t): t is number => t !== null);
  return known.length > 0 && Date.now() - Math.max(...known) > STALE_LOCK_MS;
}

/**
 * A lock *file* (an earlier Sealcheck's, `<pid> <host> <random>`): stale when its process is
 * gone (same host) or it is older than STALE_LOCK_MS. (Earlier versions wait for a lock
 * directory as for their own: it exists, and it is not a file they can read.)
 */
async function isStaleLockFile(lockPath: string): Promise<boolean> {
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
