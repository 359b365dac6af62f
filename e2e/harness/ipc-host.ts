/**
 * The harness's stand-in for app/main: it serves `window.sealcheck` in a Chromium page from the
 * same code the app's main process uses, running in the test's Node process.
 *
 * - Requests: page.exposeBinding('__sealcheckInvoke') → `dispatchInvoke` (app/main/ipc.ts)
 *   with `createHandlers` (app/main/handlers.ts), core in-process (app/main/core-in-process.ts)
 *   and the real OS keychain (app/core/secrets/keyring-store.ts).
 * - Events: the handlers' EventSink is main's own `createWebContentsEventSink`
 *   (app/main/register-ipc.ts), pointed at a stand-in webContents whose `send` delivers each
 *   payload into the page, in order, with page.evaluate.
 * - Ordering as in Electron: a reply leaves only after every event sent before it arrived.
 * - Everything that crosses is written to an IPC log, attached to the report when a test fails.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from '@playwright/test';
import type { WebContents } from 'electron';
import type { AppInfo } from '../../app/contract';
import type { CredentialStore } from '../../app/core/secrets/credential-store';
import { createInProcessCore } from '../../app/main/core-in-process';
import type { CoreServiceDeps } from '../../app/main/core-service';
import { createHandlers, type Dialogs } from '../../app/main/handlers';
import { dispatchInvoke } from '../../app/main/ipc';
import { ReportInbox } from '../../app/main/open-report';
import { createWebContentsEventSink } from '../../app/main/register-ipc';
import { repoRoot } from './paths';

export interface IpcLogEntry {
  /** Milliseconds since the page was connected. */
  readonly at: number;
  readonly kind: 'invoke' | 'reply' | 'error' | 'event' | 'undelivered';
  readonly channel: string;
  readonly data: unknown;
}

export interface HarnessIpc {
  readonly log: readonly IpcLogEntry[];
  /** The payloads of every event sent on `channel`, in order. */
  eventsOn(channel: string): unknown[];
  /**
   * Keeps replies on `channel` back (events still flow) until the returned function is called:
   * lets a test look at the page while a request is still running.
   */
  holdReplies(channel: string): () => void;
  /** Hands report files to the app as a double-click would (main's inbox, then its event). */
  reportsArrived(paths: readonly string[]): void;
  dispose(): Promise<void>;
}

export interface ConnectOptions {
  readonly credentialStore: CredentialStore;
  /** The app's data directory for this page (a temporary one per test). */
  readonly dataDirectory: string;
  /** The bundled page bridge (see bundle-bridge.ts). */
  readonly bridgePath: string;
  /** Scripted save and open dialogs. */
  readonly dialogs: Dialogs;
  /** Name resolution and trust for the bed; where other apps' setups are (a fixture home). */
  readonly network?: CoreServiceDeps['network'];
  readonly environment?: CoreServiceDeps['environment'];
}

const packageVersion = (
  JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')) as { version: string }
).version;

/** Call before the page loads its first document. */
export async function connectPage(page: Page, options: ConnectOptions): Promise<HarnessIpc> {
  const started = Date.now();
  const log: IpcLogEntry[] = [];
  const record = (kind: IpcLogEntry['kind'], channel: string, data: unknown) =>
    log.push({ at: Date.now() - started, kind, channel, data });

  // Events go into the page one at a time, in the order they were sent.
  let delivery: Promise<void> = Promise.resolve();
  const pageContents = {
    isDestroyed: () => page.isClosed(),
    send(channel: string, payload: unknown) {
      record('event', channel, payload);
      delivery = delivery.then(async () => {
        try {
          const listeners = await page.evaluate(
            ([c, p]) =>
              (
                globalThis as unknown as { __sealcheckDeliver(c: string, p: unknown): number }
              ).__sealcheckDeliver(c, p),
            [channel, payload] as const,
          );
          if (listeners === 0) record('undelivered', channel, 'no listener in the page');
        } catch (err) {
          record('undelivered', channel, String(err));
        }
      });
    },
  };

  const core = createInProcessCore({
    credentialStore: options.credentialStore,
    dataDirectory: options.dataDirectory,
    version: packageVersion,
    ...(options.network ? { network: options.network } : {}),
    ...(options.environment ? { environment: options.environment } : {}),
  });
  const appInfo = (): AppInfo => ({
    name: 'Sealcheck',
    version: packageVersion,
    versions: { node: process.versions.node, openssl: process.versions.openssl },
    platform: process.platform,
    coreHost: core.host,
  });
  // Only `isDestroyed` and `send` are used by the sink.
  const events = createWebContentsEventSink(() => pageContents as unknown as WebContents);
  const inbox = new ReportInbox();
  const handlers = createHandlers({
    core,
    appInfo,
    events,
    dialogs: options.dialogs,
    reports: inbox,
  });

  const holds = new Map<string, { readonly until: Promise<void>; readonly release: () => void }>();

  await page.exposeBinding(
    '__sealcheckInvoke',
    async (_source, channel: unknown, args: unknown) => {
      const name = String(channel);
      record('invoke', name, args);
      try {
        const result = await dispatchInvoke(handlers, channel, args as readonly unknown[]);
        await delivery;
        await holds.get(name)?.until;
        record('reply', name, result);
        return result;
      } catch (err) {
        await delivery;
        const error = err instanceof Error ? err : new Error(String(err));
        record('error', name, `${error.name}: ${error.message}`);
        // Electron hands the renderer only this text; the preload's buildApi strips the prefix.
        throw new Error(`Error invoking remote method '${name}': ${error.name}: ${error.message}`);
      }
    },
  );
  await page.addInitScript({ path: options.bridgePath });

  return {
    log,
    reportsArrived(paths) {
      events.reportsWaiting?.(inbox.add(paths));
    },
    eventsOn: (channel) =>
      log.filter((e) => e.kind === 'event' && e.channel === channel).map((e) => e.data),
    holdReplies(channel) {
      let release = () => {};
      const until = new Promise<void>((r) => (release = r));
      holds.set(channel, { until, release });
      return () => {
        holds.delete(channel);
        release();
      };
    },
    async dispose() {
      for (const hold of holds.values()) hold.release();
      holds.clear();
      await core.dispose();
    },
  };
}
