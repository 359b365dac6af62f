/** Unit tests that need no keychain: error translation, platform names, input validation. */
import { describe, expect, test } from 'vitest';
import {
  backendFor,
  classifyKeyringError,
  createKeyringStore,
  MAX_ACCOUNT_LENGTH,
  MAX_SECRET_LENGTH,
  PROBE_ACCOUNT,
} from './keyring-store';

describe('classifyKeyringError', () => {
  // Messages as @napi-rs/keyring 2.1 produced them on Debian 12 with gnome-keyring.
  test.each([
    [
      'Platform failure: DBus error: Failed to connect to socket /nonexistent: No such file or directory',
      'unavailable',
    ],
    [
      'Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead',
      'unavailable',
    ],
    ["Couldn't access platform storage: Secret Service: no result found", 'unavailable'],
    ["Couldn't access platform storage: Secret Service: unlock prompt was dismissed", 'locked'],
    [
      'Platform failure: DBus error: Did not receive a reply. Possible causes include: the remote application did not send a reply, the message bus security policy blocked the reply, the reply timeout expired, or the network connection was broken.',
      'timeout',
    ],
    ['Cannot find native binding. npm has a bug related to optional dependencies', 'unavailable'],
    ['probe item did not round-trip', 'failed'],
    ["Attribute 'username' is longer than the platform limit of 512 chars", 'failed'],
  ] as const)('%s → %s', (message, kind) => {
    expect(classifyKeyringError(message)).toBe(kind);
  });
});

test('backendFor names the platform store', () => {
  expect(backendFor('linux')).toBe('secret-service');
  expect(backendFor('freebsd')).toBe('secret-service');
  expect(backendFor('darwin')).toBe('macos-keychain');
  expect(backendFor('win32')).toBe('windows-credential-manager');
});

describe('input validation (before any keychain call)', () => {
  const store = createKeyringStore({ service: 'org.sealcheck.Unit' });

  test.each([
    ['empty', ''],
    ['too long', 'a'.repeat(MAX_ACCOUNT_LENGTH + 1)],
    ['NUL', 'a\u0000b'],
    ['newline', 'alice\nbob'],
    ['escape', 'alice\u001b[31m'],
    ['reserved', PROBE_ACCOUNT],
  ])('account name: %s', async (_label, account) => {
    await expect(store.get(account)).rejects.toThrow(RangeError);
    await expect(store.set(account, 'x')).rejects.toThrow(RangeError);
    await expect(store.delete(account)).rejects.toThrow(RangeError);
  });

  test('non-string account', async () => {
    await expect(store.get(42 as unknown as string)).rejects.toThrow(RangeError);
  });

  test('the longest allowed account name passes validation', () => {
    // Only checks that validation does not reject it; nothing is sent to a keychain here.
    expect(() => createKeyringStore({ service: 'a'.repeat(MAX_ACCOUNT_LENGTH) })).not.toThrow();
  });

  test('secrets: empty or too long are rejected without echoing the value', async () => {
    await expect(store.set('alice', '')).rejects.toThrow(RangeError);
    const long = `tell-no-one-${'x'.repeat(MAX_SECRET_LENGTH)}`;
    const err: unknown = await store.set('alice', long).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RangeError);
    expect(String(err)).not.toContain('tell-no-one');
  });

  test('options', () => {
    expect(() => createKeyringStore({ service: '' })).toThrow(RangeError);
    expect(() => createKeyringStore({ timeoutMs: 0 })).toThrow(RangeError);
    expect(() => createKeyringStore({ timeoutMs: Number.NaN })).toThrow(RangeError);
    expect(createKeyringStore().backend).toBe(backendFor(process.platform));
  });
});
