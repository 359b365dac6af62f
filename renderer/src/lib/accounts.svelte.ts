/**
 * The accounts the window shows, with the latest verdict of each endpoint from the history
 * (so the overview knows when each was last checked, across restarts).
 */
import type { accounts as A, checks as C, SealcheckApi } from '../../../app/contract';
import { messageOf } from './app-info.svelte';
import { words } from './words';

export type AccountsApi = {
  readonly accounts: Pick<
    SealcheckApi['accounts'],
    'list' | 'add' | 'update' | 'remove' | 'setPassword' | 'clearPassword' | 'startEmpty'
  >;
  readonly checks: Pick<SealcheckApi['checks'], 'latest'>;
};

export type Role = 'incoming' | 'outgoing' | 'chat';

export interface LastCheck {
  readonly checkedAt: string;
  readonly verdict: C.HistoryRecord['verdict'];
}

export function endpointsOf(
  a: A.Account,
): { role: Role; protocol: string; host: string; port: number }[] {
  const out: { role: Role; protocol: string; host: string; port: number }[] = [];
  if (a.incoming) out.push({ role: 'incoming', ...a.incoming });
  if (a.outgoing) out.push({ role: 'outgoing', ...a.outgoing });
  if (a.chat) out.push({ role: 'chat', ...a.chat });
  return out;
}

/** The last check of each account endpoint, keyed "accountId|role", from the history's newest records. */
export function lastChecks(
  list: readonly A.AccountSummary[],
  latest: readonly C.LatestCheck[],
): Record<string, LastCheck | null> {
  const byEndpoint: Record<string, C.LatestCheck> = Object.fromEntries(
    latest.map((r) => [`${r.owner}|${r.protocol}|${r.host.toLowerCase()}|${r.port}`, r]),
  );
  const out: Record<string, LastCheck | null> = {};
  for (const { account } of list) {
    for (const e of endpointsOf(account)) {
      const r = byEndpoint[`${account.id}|${e.protocol}|${e.host.toLowerCase()}|${e.port}`];
      out[`${account.id}|${e.role}`] = r ? { checkedAt: r.checkedAt, verdict: r.verdict } : null;
    }
  }
  return out;
}

export class AccountsState {
  readonly #api: AccountsApi;
  #list = $state<A.AccountSummary[]>([]);
  #last = $state<Record<string, LastCheck | null>>({});
  #loading = $state(false);
  #error = $state<string | null>(null);
  #notice = $state<string | null>(null);

  constructor(api: AccountsApi) {
    this.#api = api;
  }

  get list(): readonly A.AccountSummary[] {
    return this.#list;
  }
  get loading(): boolean {
    return this.#loading;
  }
  /** Why the list could not be read (a damaged file, a locked keychain …), or null. */
  get error(): string | null {
    return this.#error;
  }

  /** The latest check of one endpoint, or null when it was never checked. */
  last(accountId: string, role: Role): LastCheck | null {
    return this.#last[`${accountId}|${role}`] ?? null;
  }

  /**
   * Reads the list, shows it, then fills in when each endpoint was last checked (one call for
   * all of them): the overview is usable before the history has been read.
   */
  async load(): Promise<void> {
    this.#loading = true;
    this.#error = null;
    let list: A.AccountSummary[];
    try {
      list = await this.#api.accounts.list();
      this.#list = list;
    } catch (err) {
      this.#error = messageOf(err);
      return;
    } finally {
      this.#loading = false;
    }
    try {
      this.#last = lastChecks(list, await this.#api.checks.latest());
    } catch {
      // Without the history the overview still works; it just cannot say when.
      this.#last = {};
    }
  }

  /**
   * Saves the account, then its password. A keychain that refuses the password does not undo
   * the account (checks need no password; only the login check does): the account is kept and
   * `passwordError` says why the password was not stored, so the form is not sent twice.
   */
  async add(
    input: A.NewAccount,
    password: string | null,
  ): Promise<{ account: A.Account; passwordError: string | null }> {
    const account = await this.#api.accounts.add(input);
    let passwordError: string | null = null;
    if (password) {
      try {
        await this.#api.accounts.setPassword(account.id, password);
      } catch (err) {
        passwordError = messageOf(err);
      }
    }
    this.#notice = passwordError === null ? null : words.overview.passwordNotSaved(passwordError);
    await this.load();
    return { account, passwordError };
  }

  /** Something the user should know after an action that otherwise worked, or null. */
  get notice(): string | null {
    return this.#notice;
  }

  dismissNotice(): void {
    this.#notice = null;
  }

  async remove(id: string): Promise<void> {
    await this.#api.accounts.remove(id);
    await this.load();
  }

  async setPassword(id: string, password: string): Promise<void> {
    await this.#api.accounts.setPassword(id, password);
    await this.load();
  }

  async clearPassword(id: string): Promise<void> {
    await this.#api.accounts.clearPassword(id);
    await this.load();
  }

  /** After a damaged account file: start empty (the damaged copy stays kept). */
  async startEmpty(): Promise<void> {
    await this.#api.accounts.startEmpty();
    await this.load();
  }
}
