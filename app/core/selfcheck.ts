/**
 * Self-check: what this installation can do before it probes anything.
 *
 * Steps, in order:
 *   1. tls      — the TLS library's version and default protocol range, and that a secure context can be created;
 *   2. roots    — how many trust anchors are bundled with Node, and how many the operating system offers;
 *   3. keychain — whether the credential store is reachable and unlocked.
 *
 * Facts only: the renderer and the CLI turn them into words. Each step emits
 * `started` and then `done` or `failed`; a step that throws fails, the run goes on.
 */
import * as tls from 'node:tls';
import type { CredentialStore, KeychainStatus } from './secrets/credential-store';

export type SelfCheckStepName = 'tls' | 'roots' | 'keychain';

export type FactValue = string | number | boolean;

export interface SelfCheckItem {
  readonly step: SelfCheckStepName;
  readonly ok: boolean;
  readonly facts: Readonly<Record<string, FactValue>>;
  readonly error?: string;
}

export interface SelfCheckReport {
  readonly runId: string;
  /** True only when every step completed and was ok (fails closed). */
  readonly ok: boolean;
  readonly items: readonly SelfCheckItem[];
}

export interface SelfCheckProgress {
  readonly runId: string;
  readonly step: SelfCheckStepName;
  readonly state: 'started' | 'done' | 'failed';
  /** Milliseconds since the epoch, from the injected clock. */
  readonly at: number;
}

/** The parts of node:tls the self-check reads; injectable so tests can model older Node versions. */
export interface TlsFacts {
  readonly opensslVersion: string;
  readonly defaultMinVersion: string;
  readonly defaultMaxVersion: string;
  createSecureContext(): unknown;
  readonly rootCertificates: readonly string[];
  /** Node ≥ 22.15 / 23.5: `tls.getCACertificates('system')`; undefined where it does not exist. */
  readonly getSystemCertificates: (() => readonly string[]) | undefined;
}

export interface SelfCheckOptions {
  readonly runId: string;
  readonly credentialStore: CredentialStore;
  readonly onProgress?: (event: SelfCheckProgress) => void;
  /** Aborting stops the run before its next step; the promise then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  /** Upper bound for the keychain status call (the store bounds its own calls too). */
  readonly keychainTimeoutMs?: number;
  readonly tlsFacts?: TlsFacts;
}

const DEFAULT_KEYCHAIN_TIMEOUT_MS = 5_000;

export function nodeTlsFacts(): TlsFacts {
  const getCA = (tls as { getCACertificates?: (type?: 'system') => string[] }).getCACertificates;
  return {
    opensslVersion: process.versions.openssl ?? 'unknown',
    defaultMinVersion: tls.DEFAULT_MIN_VERSION,
    defaultMaxVersion: tls.DEFAULT_MAX_VERSION,
    createSecureContext: () => tls.createSecureContext(),
    rootCertificates: tls.rootCertificates,
    getSystemCertificates: typeof getCA === 'function' ? () => getCA('system') : undefined,
  };
}

type StepResult = Omit<SelfCheckItem, 'step'>;

function checkTls(t: TlsFacts): StepResult {
  const facts: Record<string, FactValue> = {
    openssl: t.opensslVersion,
    minVersion: t.defaultMinVersion,
    maxVersion: t.defaultMaxVersion,
  };
  try {
    t.createSecureContext();
    facts.secureContext = true;
    return { ok: true, facts };
  } catch (err) {
    facts.secureContext = false;
    return { ok: false, facts, error: errorText(err) };
  }
}

function checkRoots(t: TlsFacts): StepResult {
  const bundled = t.rootCertificates.length;
  let system: number | 'unknown' = 'unknown';
  if (t.getSystemCertificates) {
    try {
      system = t.getSystemCertificates().length;
    } catch {
      // The OS store could not be read: that is itself the fact.
      system = 'unknown';
    }
  }
  return { ok: bundled > 0, facts: { bundled, system } };
}

async function checkKeychain(store: CredentialStore, timeoutMs: number): Promise<StepResult> {
  const status = await withTimeout(store.status(), timeoutMs, (): KeychainStatus => ({
    available: false,
    backend: store.backend,
    reason: `no answer within ${timeoutMs} ms`,
  }));
  if (status.available) {
    return { ok: true, facts: { backend: status.backend, available: true } };
  }
  return { ok: false, facts: { backend: status.backend, available: false, reason: status.reason } };
}

export async function runSelfCheck(options: SelfCheckOptions): Promise<SelfCheckReport> {
  const { runId, credentialStore, signal } = options;
  const now = options.now ?? Date.now;
  const t = options.tlsFacts ?? nodeTlsFacts();
  const keychainTimeoutMs = options.keychainTimeoutMs ?? DEFAULT_KEYCHAIN_TIMEOUT_MS;

  const emit = (step: SelfCheckStepName, state: SelfCheckProgress['state']): void => {
    try {
      options.onProgress?.({ runId, step, state, at: now() });
    } catch {
      // A failing listener must not change the result of the check.
    }
  };

  const steps: ReadonlyArray<readonly [SelfCheckStepName, () => StepResult | Promise<StepResult>]> =
    [
      ['tls', () => checkTls(t)],
      ['roots', () => checkRoots(t)],
      ['keychain', () => checkKeychain(credentialStore, keychainTimeoutMs)],
    ];

  const items: SelfCheckItem[] = [];
  for (const [step, run] of steps) {
    signal?.throwIfAborted();
    emit(step, 'started');
    let result: StepResult;
    try {
      result = await run();
    } catch (err) {
      result = { ok: false, facts: {}, error: errorText(err) };
    }
    items.push({ step, ...result });
    emit(step, result.ok ? 'done' : 'failed');
  }
  return { runId, ok: items.every((i) => i.ok), items };
}

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
