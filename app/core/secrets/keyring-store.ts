/**
 * The OS keychain as a CredentialStore, through @napi-rs/keyring.
 *
 * - Linux: always the Secret Service (gnome-keyring, KWallet …). The library's default would
 *   silently fall back to the kernel keyutils store when there is no session bus, where a
 *   password lives only in RAM; we pin `secret-service` so that case is an error instead.
 *   macOS and Windows: the platform's own store.
 * - Every call is bounded by `timeoutMs`. The library's `Entry`/`AsyncEntry` constructors are
 *   synchronous and already talk D-Bus (connect, open a session), and a pending unlock prompt
 *   can keep a call waiting for a very long time, so calls run in a worker thread: the event
 *   loop never blocks and the caller gets a 'timeout' error on time. What cannot be done from
 *   JavaScript is to interrupt the native call itself: a timed-out worker is abandoned and
 *   terminated, but its thread ends only when the library returns (a hung D-Bus call returns
 *   after about 2 s; an unlock prompt only when the user answers it), and process exit waits
 *   for that thread.
 * - Library errors are translated here, once, into CredentialStoreError kinds. Secrets are
 *   never logged and never part of an error message.
 */
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import {
  CredentialStoreError,
  type CredentialStore,
  type KeychainStatus,
} from './credential-store';

export const DEFAULT_SERVICE = 'org.sealcheck.Sealcheck';
export const DEFAULT_TIMEOUT_MS = 5_000;
export const MAX_ACCOUNT_LENGTH = 256;
export const MAX_SECRET_LENGTH = 8_192;
/** The account name status() writes and deletes again; reserved, so no real account can use it. */
export const PROBE_ACCOUNT = 'sealcheck-keychain-probe';

/** With a screen to show an unlock prompt on, how long a call may wait for the user (cancellable). */
export const DEFAULT_PROMPT_TIMEOUT_MS = 120_000;

export interface KeyringStoreOptions {
  /** The service name items are stored under (attribute `service` in the Secret Service). */
  readonly service?: string;
  /** Upper bound for each call when no unlock prompt can be shown (Linux without a display). */
  readonly timeoutMs?: number;
  /**
   * Upper bound while the keychain may be showing an unlock prompt (macOS, Windows, Linux with a
   * display): the user needs time to type; the caller can cancel with a signal.
   */
  readonly promptTimeoutMs?: number;
  /** Whether an unlock prompt can appear (default: from the platform and DISPLAY / WAYLAND_DISPLAY). */
  readonly canPrompt?: boolean;
}

/** Can the keychain ask the user to unlock it? On Linux only with a graphical session. */
export function canShowUnlockPrompt(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY) || Boolean(env.WAYLAND_DISPLAY);
}

export type CredentialStoreErrorKind = CredentialStoreError['kind'];

type Operation = 'get' | 'has' | 'set' | 'delete' | 'probe';

interface WorkerRequest {
  readonly id: number;
  readonly op: Operation;
  readonly service: string;
  readonly account: string;
  readonly secret?: string;
}

type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly value: string | boolean | null }
  | { readonly id: number; readonly ok: false; readonly detail: string };

/**
 * Runs inside the worker thread (CommonJS, evaluated from this string so that the store works
 * the same from sources, the CLI bundle and the Electron bundles without a separate file).
 * It only forwards calls; classification happens on the calling side.
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { AsyncEntry } = require(workerData.modulePath);
const options = { linux: { store: 'secret-service' } };

async function run(req) {
  const entry = new AsyncEntry(req.service, req.account, options);
  switch (req.op) {
    case 'get':
      return await entry.getPassword();
    case 'has':
      // The secret stays in this thread: only whether there is one crosses back.
      return (await entry.getPassword()) !== null;
    case 'set':
      await entry.setPassword(req.secret);
      return null;
    case 'delete':
      return await entry.deleteCredential();
    case 'probe': {
      // Reading a missing item succeeds even on a locked keyring, so only a write tells the truth.
      await entry.setPassword(req.secret);
      const back = await entry.getPassword();
      const deleted = await entry.deleteCredential();
      if (back === null || !deleted) throw new Error('probe item did not round-trip');
      return true;
    }
    default:
      throw new Error('unknown operation');
  }
}

parentPort.on('message', (req) => {
  run(req).then(
    (value) => parentPort.postMessage({ id: req.id, ok: true, value }),
    (err) => {
      const message = err && typeof err.message === 'string' ? err.message : String(err);
      parentPort.postMessage({ id: req.id, ok: false, detail: message });
    },
  );
});
`;

/** The backend name for a platform, as reported by `backend` and status(). */
export function backendFor(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'macos-keychain';
    case 'win32':
      return 'windows-credential-manager';
    default:
      return 'secret-service';
  }
}

/**
 * Translates a library error message into a kind. The only place that reads these strings.
 * Messages seen from @napi-rs/keyring 2.1 (keyring-rs with dbus-secret-service):
 * - "Platform failure: DBus error: Failed to connect to socket …" (no session bus)
 * - "… Using X11 for dbus-daemon autolaunch was disabled …" (DBUS_SESSION_BUS_ADDRESS unset)
 * - "Couldn't access platform storage: Secret Service: unlock prompt was dismissed" (locked, or
 *   no display to prompt on)
 * - "Couldn't access platform storage: Secret Service: no result found" (no default keyring)
 * - "… DBus error: Did not receive a reply …" (the service hangs; libdbus gives up after ~2 s)
 */
export function classifyKeyringError(detail: string): CredentialStoreErrorKind {
  const d = detail.toLowerCase();
  if (/prompt was dismissed|is locked|\blocked\b|cannot unlock|unlock/.test(d)) return 'locked';
  if (/did not receive a reply|timed? ?out|timeout/.test(d)) return 'timeout';
  if (
    /failed to connect to socket|autolaunch|dbus_session_bus_address|no ?server|service ?unknown|serviceunknown|not provided by any \.service|name has no owner|no result found|no default (store|collection)|couldn't access platform storage|nostorageaccess|cannot find native binding|failed to load native binding/.test(
      d,
    )
  ) {
    return 'unavailable';
  }
  return 'failed';
}

const KIND_TEXT: Record<CredentialStoreErrorKind, string> = {
  unavailable: 'The system keychain is not available',
  locked: 'The system keychain is locked',
  timeout: 'The system keychain did not answer in time',
  failed: 'The system keychain reported an error',
  cancelled: 'The keychain request was cancelled',
};

/** Keeps library detail short and free of the secret that was being stored. */
function safeDetail(detail: string, secret: string | undefined): string {
  if (secret !== undefined && secret.length > 0 && detail.includes(secret)) {
    return '(detail withheld)';
  }
  const oneLine = detail.replace(/\s+/g, ' ').trim();
  return oneLine.length > 300 ? `${oneLine.slice(0, 300)}…` : oneLine;
}

function checkName(what: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ACCOUNT_LENGTH) {
    throw new RangeError(`${what} must be a string of 1 to ${MAX_ACCOUNT_LENGTH} characters`);
  }
  // Control characters have no place in a name and NUL is not even valid on D-Bus.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new RangeError(`${what} must not contain control characters`);
  }
  return value;
}

function checkAccount(account: unknown): string {
  const name = checkName('account name', account);
  if (name === PROBE_ACCOUNT) throw new RangeError('account name is reserved');
  return name;
}

function checkSecret(secret: unknown): string {
  if (typeof secret !== 'string' || secret.length === 0 || secret.length > MAX_SECRET_LENGTH) {
    // Never echo the value.
    throw new RangeError(`secret must be a string of 1 to ${MAX_SECRET_LENGTH} characters`);
  }
  return secret;
}

interface Pending {
  readonly resolve: (reply: WorkerReply) => void;
  readonly reject: (error: CredentialStoreError) => void;
  readonly timer: NodeJS.Timeout;
}

/** One worker thread that owns all calls into the native library. Replaced after a timeout. */
class KeyringThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  dead = false;

  constructor(modulePath: string) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      name: 'sealcheck-keyring',
      workerData: { modulePath },
    });
    this.worker.on('message', (reply: WorkerReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      clearTimeout(p.timer);
      p.resolve(reply);
    });
    this.worker.on('error', (err: unknown) => {
      // Only reachable when the worker itself fails, e.g. the native module cannot load.
      const detail = err instanceof Error ? err.message : String(err);
      this.fail(classifyKeyringError(detail), detail);
    });
    this.worker.on('exit', () => this.fail('failed', 'keychain worker ended'));
    // Listeners first: adding a 'message' listener re-references the port.
    this.worker.unref();
  }

  call(
    request: Omit<WorkerRequest, 'id'>,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<WorkerReply> {
    const id = this.nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new CredentialStoreError(KIND_TEXT.cancelled, 'cancelled'));
        return;
      }
      // This timer (referenced) keeps the process alive while a call is pending.
      const timer = setTimeout(() => {
        this.fail('timeout', `no answer within ${timeoutMs} ms`);
      }, timeoutMs);
      // A cancel retires the thread like a timeout: the native call cannot be interrupted.
      const onAbort = (): void => this.fail('cancelled', 'cancelled by the caller');
      signal?.addEventListener('abort', onAbort, { once: true });
      const done =
        <T>(f: (x: T) => void) =>
        (x: T): void => {
          signal?.removeEventListener('abort', onAbort);
          f(x);
        };
      this.pending.set(id, { resolve: done(resolve), reject: done(reject), timer });
      this.worker.postMessage({ id, ...request } satisfies WorkerRequest);
    });
  }

  /** Rejects everything pending and retires the thread; the next call starts a fresh one. */
  private fail(kind: CredentialStoreErrorKind, detail: string): void {
    const wasAlive = !this.dead;
    this.dead = true;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(new CredentialStoreError(KIND_TEXT[kind], kind, { cause: new Error(detail) }));
    }
    if (wasAlive) {
      // Resolves only once a blocked native call returns; nobody needs to wait for it.
      this.worker.terminate().catch(() => undefined);
    }
  }
}

export function createKeyringStore(options: KeyringStoreOptions = {}): CredentialStore {
  const service = checkName('service name', options.service ?? DEFAULT_SERVICE);
  const canPrompt = options.canPrompt ?? canShowUnlockPrompt();
  const timeoutMs = canPrompt
    ? (options.promptTimeoutMs ?? DEFAULT_PROMPT_TIMEOUT_MS)
    : (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError('timeoutMs must be a positive number');
  }
  const backend = backendFor(process.platform);
  let modulePath: string | undefined;
  let thread: KeyringThread | undefined;

  const threadForCall = (): KeyringThread => {
    modulePath ??= createRequire(import.meta.url).resolve('@napi-rs/keyring');
    if (!thread || thread.dead) thread = new KeyringThread(modulePath);
    return thread;
  };

  /** Runs one operation; returns its value or throws a translated CredentialStoreError. */
  const run = async (
    op: Operation,
    account: string,
    secret?: string,
    signal?: AbortSignal,
  ): Promise<string | boolean | null> => {
    let reply: WorkerReply;
    try {
      reply = await threadForCall().call({ op, service, account, secret }, timeoutMs, signal);
    } catch (err) {
      if (err instanceof CredentialStoreError) throw err;
      // e.g. the library cannot be resolved at all.
      const detail = safeDetail(err instanceof Error ? err.message : String(err), secret);
      throw new CredentialStoreError(KIND_TEXT.unavailable, 'unavailable', {
        cause: new Error(detail),
      });
    }
    if (reply.ok) return reply.value;
    // Classify the library's own words; only the redacted form leaves this function.
    const kind = classifyKeyringError(reply.detail);
    const detail = safeDetail(reply.detail, secret);
    throw new CredentialStoreError(KIND_TEXT[kind], kind, { cause: new Error(detail) });
  };

  return {
    backend,

    async status(): Promise<KeychainStatus> {
      try {
        await run('probe', PROBE_ACCOUNT, randomBytes(16).toString('hex'));
        return { available: true, backend };
      } catch (err) {
        if (err instanceof CredentialStoreError) {
          const detail = err.cause instanceof Error ? err.cause.message : '';
          return {
            available: false,
            backend,
            reason: detail ? `${err.message}: ${detail}` : err.message,
          };
        }
        return { available: false, backend, reason: KIND_TEXT.failed };
      }
    },

    async get(account, callOptions = {}): Promise<string | null> {
      const value = await run('get', checkAccount(account), undefined, callOptions.signal);
      return typeof value === 'string' ? value : null;
    },

    async has(account, callOptions = {}): Promise<boolean> {
      return (await run('has', checkAccount(account), undefined, callOptions.signal)) === true;
    },

    async set(account, secret, callOptions = {}): Promise<void> {
      await run('set', checkAccount(account), checkSecret(secret), callOptions.signal);
    },

    async delete(account, callOptions = {}): Promise<boolean> {
      return (await run('delete', checkAccount(account), undefined, callOptions.signal)) === true;
    },
  };
}
