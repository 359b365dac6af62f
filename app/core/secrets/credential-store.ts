/**
 * Where passwords live: only in the operating system's keychain.
 * Every implementation bounds each call with a timeout, because a keychain that
 * shows an unlock prompt (or has no session bus) can otherwise block forever.
 */
export type KeychainStatus =
  | { readonly available: true; readonly backend: string }
  | { readonly available: false; readonly backend: string; readonly reason: string };

/** Per call: a cancel (the user closed the dialog that waits for an unlock prompt). */
export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface CredentialStore {
  /** A short, stable name of the backend, e.g. "secret-service". */
  readonly backend: string;
  /** Is the keychain reachable and unlocked right now? Never throws. */
  status(): Promise<KeychainStatus>;
  /** The stored secret, or null when there is none. Throws CredentialStoreError when the keychain fails. */
  get(account: string, options?: CallOptions): Promise<string | null>;
  /** Whether a secret is stored, without handing the secret out. */
  has(account: string, options?: CallOptions): Promise<boolean>;
  set(account: string, secret: string, options?: CallOptions): Promise<void>;
  /** True when a secret was deleted. */
  delete(account: string, options?: CallOptions): Promise<boolean>;
}

export class CredentialStoreError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'unavailable' | 'locked' | 'failed' | 'cancelled',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CredentialStoreError';
  }
}
