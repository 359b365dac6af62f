/**
 * AccountsState when the keychain refuses a password: the account stays saved (no second
 * submit, no duplicate), and the overview's notice says what was not stored and what still works.
 */
import { describe, expect, it } from 'vitest';
import type { accounts as A } from '../../../app/contract';
import { AccountsState, type AccountsApi } from './accounts.svelte';

const account = { id: 'acct-1', displayName: 'Alice', address: 'alice@example.org' } as A.Account;

function api(setPassword: () => Promise<null>): { api: AccountsApi; added: number } {
  const state = { added: 0 };
  const stub = {
    accounts: {
      list: async () => (state.added > 0 ? [{ account, hasPassword: null }] : []),
      add: async () => {
        state.added += 1;
        return account;
      },
      update: async () => account,
      remove: async () => true,
      setPassword,
      clearPassword: async () => true,
      startEmpty: async () => null,
    },
    checks: { latest: async () => [] },
  } as unknown as AccountsApi;
  return {
    api: stub,
    get added() {
      return state.added;
    },
  };
}

describe('AccountsState.add', () => {
  it('keeps the account when the keychain refuses its password, and says so', async () => {
    const fake = api(async () => {
      throw new Error('The system keychain is not available.');
    });
    const accounts = new AccountsState(fake.api);
    const { account: saved, passwordError } = await accounts.add({} as A.NewAccount, 'pw');
    expect(saved.id).toBe('acct-1');
    expect(passwordError).toBe('The system keychain is not available.');
    expect(fake.added).toBe(1);
    expect(accounts.list).toHaveLength(1);
    expect(accounts.notice).toMatch(
      /^The account is saved, but not its password: The system keychain is not available\. Checks work without it/,
    );
    expect(accounts.notice).not.toContain('pw');
    accounts.dismissNotice();
    expect(accounts.notice).toBeNull();
  });

  it('with a working keychain there is no notice', async () => {
    const accounts = new AccountsState(api(async () => null).api);
    expect((await accounts.add({} as A.NewAccount, 'pw')).passwordError).toBeNull();
    expect(accounts.notice).toBeNull();
  });
});
