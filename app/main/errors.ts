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
  | 'cancelled';

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
