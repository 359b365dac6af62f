/**
 * The account store: one JSON file (`accounts.json`, schema `sealcheck.accounts/1`) in a
 * directory the caller chooses (the app its data directory, the CLI its own). Atomic, locked
 * and validated writes, damaged files kept aside: see storage/json-file.ts.
 * No password is ever in it: the model has no field for one (see model.ts).
 */
import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import { issuesText, jsonFile, StoreError } from '../storage/json-file';
import { AccountId, AccountSchema, NewAccountSchema, type Account, type NewAccount } from './model';

export {
  StoreError as AccountStoreError,
  type StoreErrorKind as AccountStoreErrorKind,
} from '../storage/json-file';
export { STALE_LOCK_MS } from '../storage/json-file';

export const STORE_SCHEMA = 'sealcheck.accounts/1';
export const STORE_FILE = 'accounts.json';
/** A store larger than this is not ours. */
export const MAX_STORE_BYTES = 8 * 1024 * 1024;
export const MAX_ACCOUNTS = 1000;

const StoreFileSchema = v.strictObject({
  schema: v.literal(STORE_SCHEMA),
  accounts: v.pipe(v.array(AccountSchema), v.maxLength(MAX_ACCOUNTS)),
});
type StoreFile = v.InferOutput<typeof StoreFileSchema>;

export interface AccountStore {
  /** The store file's path (for messages). */
  readonly path: string;
  list(): Promise<Account[]>;
  get(id: string): Promise<Account | null>;
  add(input: NewAccount): Promise<Account>;
  /** Replaces the given fields; id, source and createdAt stay. */
  update(id: string, changes: Partial<NewAccount>): Promise<Account>;
  /** True when an account was removed. */
  remove(id: string): Promise<boolean>;
  /** After a damaged file: start with an empty list (the damaged copy stays where it was kept). */
  startEmpty(): Promise<void>;
}

export interface AccountStoreOptions {
  /** The directory of the store file (created 0700 when missing). */
  readonly directory: string;
  readonly fileName?: string;
  readonly now?: () => Date;
  /** A new account's id (default: a random UUID); for tests that must know it beforehand. */
  readonly newId?: () => string;
  /** How long a change waits for another writer's lock. */
  readonly lockWaitMs?: number;
}

function validNew(input: unknown): v.InferOutput<typeof NewAccountSchema> {
  const parsed = v.safeParse(NewAccountSchema, input);
  if (!parsed.success) {
    throw new StoreError('invalid', `The account is not valid: ${issuesText(parsed.issues)}`);
  }
  return parsed.output;
}

export function openAccountStore(options: AccountStoreOptions): AccountStore {
  const now = options.now ?? (() => new Date());
  const newId = options.newId ?? randomUUID;
  const file = jsonFile<StoreFile>({
    directory: options.directory,
    fileName: options.fileName ?? STORE_FILE,
    schemaName: 'sealcheck.accounts',
    version: 1,
    schema: StoreFileSchema,
    empty: () => ({ schema: STORE_SCHEMA, accounts: [] }),
    label: 'account list',
    maxBytes: MAX_STORE_BYTES,
    ...(options.lockWaitMs !== undefined ? { lockWaitMs: options.lockWaitMs } : {}),
  });

  return {
    path: file.path,
    async list() {
      return (await file.read()).accounts;
    },
    async get(id) {
      return (await file.read()).accounts.find((a) => a.id === id) ?? null;
    },
    async add(input) {
      const time = now().toISOString();
      const id = newId();
      if (!v.is(AccountId, id)) throw new StoreError('invalid', `${id} is not an account id.`);
      const account: Account = {
        ...validNew(input),
        id,
        createdAt: time,
        updatedAt: time,
      };
      return file.change((current) => {
        if (current.accounts.length >= MAX_ACCOUNTS) {
          throw new StoreError('full', `The account list holds at most ${MAX_ACCOUNTS} accounts.`);
        }
        return { value: { ...current, accounts: [...current.accounts, account] }, result: account };
      });
    },
    async update(id, changes) {
      return file.change((current) => {
        const i = current.accounts.findIndex((a) => a.id === id);
        const old = current.accounts[i];
        if (old === undefined) throw new StoreError('not-found', `There is no account ${id}.`);
        const { id: _id, createdAt, updatedAt: _u, ...rest } = old;
        const updated: Account = {
          ...validNew({ ...rest, ...changes }),
          source: old.source,
          id,
          createdAt,
          updatedAt: now().toISOString(),
        };
        const accounts = [...current.accounts];
        accounts[i] = updated;
        return { value: { ...current, accounts }, result: updated };
      });
    },
    async remove(id) {
      return file.change((current) => {
        const accounts = current.accounts.filter((a) => a.id !== id);
        return {
          value: { ...current, accounts },
          result: accounts.length !== current.accounts.length,
        };
      });
    },
    startEmpty: () => file.startEmpty(),
  };
}
