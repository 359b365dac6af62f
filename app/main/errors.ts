/**
 * Errors whose message is safe to show in the renderer. Anything else that escapes a handler
 * is replaced by a generic message at the IPC boundary (app/main/ipc.ts), so stack traces,
 * paths and library messages never reach the page.
 */
export type PublicErrorCode =
  | 'unknown-channel'
  | 'invalid-arguments'
  | 'untrusted-sender'
  | 'internal'
  | 'core-unavailable'
  | 'cancelled'
  /** The account (or profile) asked for does not exist. */
  | 'not-found'
  /** The account list cannot be used: damaged, from a newer version, locked, unreadable. */
  | 'store-unavailable'
  /** The OS keychain is missing, locked or did not answer. */
  | 'keychain-unavailable';

export const PUBLIC_ERROR_CODES: readonly PublicErrorCode[] = [
  'unknown-channel',
  'invalid-arguments',
  'untrusted-sender',
  'internal',
  'core-unavailable',
  'cancelled',
  'not-found',
  'store-unavailable',
  'keychain-unavailable',
];

export class PublicError extends Error {
  override readonly name = 'SealcheckError';

  constructor(
    readonly code: PublicErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
