/** Where passwords live: the CredentialStore interface and the OS keychain implementation. */
export {
  CredentialStoreError,
  type CredentialStore,
  type KeychainStatus,
} from './credential-store';
export {
  createKeyringStore,
  backendFor,
  classifyKeyringError,
  DEFAULT_SERVICE,
  DEFAULT_TIMEOUT_MS,
  MAX_ACCOUNT_LENGTH,
  MAX_SECRET_LENGTH,
  PROBE_ACCOUNT,
  type CredentialStoreErrorKind,
  type KeyringStoreOptions,
} from './keyring-store';
