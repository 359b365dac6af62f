/**
 * The account operations core performs for the app, one method each, shared by both places core
 * runs (the Electron utility process, core-server.ts, and in-process, core-in-process.ts). No
 * electron here. Arguments were validated against the contract in main before they got here;
 * core's own schemas check them again where they are stored (the account store).
 *
 * Errors are translated once, here, into PublicErrors with messages safe for the window: store
 * and keychain errors say what happened in our words; anything else becomes 'internal'.
 * A password only ever goes into the keychain (setPassword): no method returns one.
 */
import { TlsSessionCache } from '../core/net/tls-sessions';
import { homedir } from 'node:os';
import { discoverAccount, type DiscoveryOptions } from '../core/accounts/discover';
import { importPidgin, pidginAccountsFile } from '../core/accounts/import/pidgin';
import {
  findThunderbirdProfiles,
  importThunderbirdProfile,
  type Environment,
} from '../core/accounts/import/thunderbird';
import { loginCheck, type LoginCheckOptions } from '../core/accounts/login-check';
import { credentialKey, type EndpointRole, type NewAccount } from '../core/accounts/model';
import { AccountStoreError, openAccountStore, type AccountStore } from '../core/accounts/store';
import { CredentialStoreError, type CredentialStore } from '../core/secrets/credential-store';
import { existsSync } from 'node:fs';
import type { CoreMethod } from './core-methods';
import { createChecks, type DomainNetwork, type RunContext } from './core-checks';
import { PublicError } from './errors';

export interface CoreServiceDeps {
  readonly credentialStore: CredentialStore;
  /** Where the account store, the history and the settings live (the app's data directory). */
  readonly dataDirectory: string;
  /** Sealcheck's version, for reports. */
  readonly version?: string;
  /** Where to look for other apps' setups (default: this user's home). */
  readonly environment?: Environment;
  /**
   * Name resolution, DNS servers and extra trust for discovery, the checks and the login check,
   * and the domain check's resolver and ports (tests only: the app's worker passes none).
   */
  readonly network?: Pick<
    DiscoveryOptions,
    'dnsServers' | 'lookup' | 'extraCa' | 'autoconfigPort'
  > &
    Pick<LoginCheckOptions, 'connectTo'> & { readonly domain?: DomainNetwork };
  /** The wall clock for certificate dates and the history (tests). */
  readonly clock?: () => Date;
}

/** Translates store and keychain failures into errors the window may show. */
function publicError(err: unknown): never {
  if (err instanceof PublicError) throw err;
  if (err instanceof AccountStoreError) {
    switch (err.kind) {
      case 'not-found':
        throw new PublicError('not-found', err.message);
      case 'invalid':
      case 'full':
        throw new PublicError('invalid-arguments', err.message);
      default:
        throw new PublicError('store-unavailable', err.message, { cause: err });
    }
  }
  if (err instanceof CredentialStoreError) {
    throw new PublicError('keychain-unavailable', `${err.message}.`, { cause: err });
  }
  throw new PublicError('internal', 'The account operation failed unexpectedly.', { cause: err });
}

async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    publicError(err);
  }
}

export function createCoreService(deps: CoreServiceDeps) {
  const store: AccountStore = openAccountStore({ directory: deps.dataDirectory });
  const keychain = deps.credentialStore;
  const environment: Environment = deps.environment ?? {
    platform: process.platform,
    home: homedir(),
    env: process.env,
  };
  const network = deps.network ?? {};
  const requireAccount = async (id: string) => {
    const account = await store.get(id);
    if (!account) throw new PublicError('not-found', 'There is no such account.');
    return account;
  };
  // One per service: an account check's TLS 1.2 sessions let its login check skip a round trip.
  const sessions = new TlsSessionCache();
  const checks = createChecks({
    sessions,
    dataDirectory: deps.dataDirectory,
    version: deps.version ?? 'unknown',
    ...(deps.network ? { network: deps.network } : {}),
    ...(deps.clock ? { now: deps.clock } : {}),
  });

  return {
    // Runs get their run id first (for the window's bookkeeping) and the host's context last.
    'checks.runAccount': (_runId: string, accountId: string, ctx: RunContext) =>
      guarded(async () => checks['checks.runAccount'](await requireAccount(accountId), ctx)),
    'checks.runQuick': (_runId: string, host: string, ctx: RunContext) =>
      guarded(() => checks['checks.runQuick'](host, ctx)),
    'domain.check': (_runId: string, domain: string, ctx: RunContext) =>
      guarded(() => checks['domain.check'](domain, ctx)),
    'checks.history': (owner: string, protocol: string, host: string, port: number) =>
      guarded(() => checks['checks.history'](owner, protocol, host, port)),
    'checks.latest': () => guarded(() => checks['checks.latest']()),
    'checks.export': (runId: string, format: 'markdown' | 'html' | 'json') =>
      guarded(() => checks['checks.export'](runId, format)),
    'checks.openReport': (runId: string, fileName: string, text: string) =>
      guarded(() => checks['checks.openReport'](runId, fileName, text)),
    'checks.decodeWarning': (runId: string, endpointIndex: number, text: string) =>
      guarded(() => checks['checks.decodeWarning'](runId, endpointIndex, text)),
    'checks.compareFingerprint': (runId: string, endpointIndex: number, text: string) =>
      guarded(() => checks['checks.compareFingerprint'](runId, endpointIndex, text)),
    'settings.get': () => guarded(() => checks['settings.get']()),
    'settings.setTimeout': (seconds: number) =>
      guarded(() => checks['settings.setTimeout'](seconds)),
    'settings.addRoot': (label: string, pem: string) =>
      guarded(() => checks['settings.addRoot'](label, pem)),
    'settings.removeRoot': (label: string) => guarded(() => checks['settings.removeRoot'](label)),
    'accounts.list': () =>
      guarded(async () => {
        const accounts = await store.list();
        return Promise.all(
          accounts.map(async (account) => ({
            account,
            // A keychain that cannot be asked leaves the list usable: "unknown", not "no".
            hasPassword: await keychain.has(credentialKey(account.id)).catch(() => null),
          })),
        );
      }),
    'accounts.add': (input: NewAccount) => guarded(() => store.add(input)),
    'accounts.update': (id: string, changes: Partial<NewAccount>) =>
      guarded(() => store.update(id, changes)),
    'accounts.remove': (id: string) =>
      guarded(async () => {
        const removed = await store.remove(id);
        // The password goes with the account; a keychain that cannot be reached is reported.
        if (removed) await keychain.delete(credentialKey(id));
        return removed;
      }),
    'accounts.startEmpty': () => guarded(async () => (await store.startEmpty(), null)),
    'accounts.findImports': () =>
      guarded(async () => {
        const pidgin = pidginAccountsFile(environment);
        return {
          thunderbird: await findThunderbirdProfiles(environment),
          pidgin: { path: pidgin, exists: existsSync(pidgin) },
        };
      }),
    'accounts.readImport': (
      request: { source: 'thunderbird'; profilePath: string } | { source: 'pidgin' },
    ) =>
      guarded(async () => {
        if (request.source === 'pidgin') return importPidgin(pidginAccountsFile(environment));
        // Only a profile this machine lists: never an arbitrary path from the window.
        const profiles = await findThunderbirdProfiles(environment);
        const profile = profiles.find((p) => p.path === request.profilePath);
        if (!profile) throw new PublicError('not-found', 'There is no such Thunderbird profile.');
        return importThunderbirdProfile(profile.path);
      }),
    'accounts.discover': (address: string) =>
      guarded(async () => {
        try {
          return await discoverAccount(address, network);
        } catch (err) {
          if (err instanceof RangeError) throw new PublicError('invalid-arguments', err.message);
          throw err;
        }
      }),
    'accounts.setPassword': (id: string, password: string) =>
      guarded(async () => {
        await requireAccount(id);
        await keychain.set(credentialKey(id), password);
        return null;
      }),
    'accounts.clearPassword': (id: string) =>
      guarded(async () => {
        await requireAccount(id);
        return keychain.delete(credentialKey(id));
      }),
    'accounts.loginCheck': (id: string, role: EndpointRole) =>
      guarded(async () => {
        const account = await requireAccount(id);
        try {
          return await loginCheck(account, role, {
            credentials: keychain,
            sessions,
            ...(network.lookup ? { lookup: network.lookup } : {}),
            ...(network.extraCa ? { extraCa: network.extraCa } : {}),
            ...(network.connectTo ? { connectTo: network.connectTo } : {}),
          });
        } catch (err) {
          if (err instanceof RangeError) throw new PublicError('invalid-arguments', err.message);
          throw err;
        }
      }),
  };
}

export type CoreService = ReturnType<typeof createCoreService>;
// Every name in core-methods.ts is implemented here, and nothing else.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _methodsMatch: Same<keyof CoreService, CoreMethod> = true;
void _methodsMatch;
