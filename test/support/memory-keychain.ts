/**
 * An in-memory stand-in for the keychain, for tests and benchmarks whose subject is not the
 * keychain (the real Secret Service is tested in test/keychain and used by the canary tests).
 * `passwords` maps credential keys (accounts/model.ts credentialKey) to passwords; `any` answers
 * every key with one password.
 */
import type { CredentialStore } from '../../app/core/secrets/credential-store';

export function memoryKeychain(
  passwords: Readonly<Record<string, string>> | { readonly any: string } = {},
): CredentialStore {
  const lookup = (key: string): string | null =>
    'any' in passwords && typeof passwords.any === 'string'
      ? passwords.any
      : ((passwords as Readonly<Record<string, string>>)[key] ?? null);
  return {
    backend: 'memory',
    status: async () => ({ available: true, backend: 'memory' }),
    get: async (key) => lookup(key),
    has: async (key) => lookup(key) !== null,
    set: async () => undefined,
    delete: async () => false,
  };
}
