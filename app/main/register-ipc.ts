/**
 * Electron glue for the contract: one ipcMain.handle per channel, each checking that the
 * request comes from the main frame of a page on our own origin before `dispatchInvoke`
 * validates it; and the sink that sends events to the window on the contract's channels.
 * Electron is imported for types only: main passes `ipcMain` in, tests pass a fake.
 */
import * as v from 'valibot';
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { events } from '../contract';
import { PublicError } from './errors';
import type { EventSink } from './handlers';
import { channels, dispatchInvoke, type Handlers } from './ipc';
import { isUrlInOrigins } from './protocol';

export interface RegisterIpcOptions {
  /** Origins ("scheme://host[:port]") whose pages may call: app://sealcheck, plus the dev server in dev. */
  readonly trustedOrigins: readonly string[];
  readonly log?: (message: string) => void;
}

/** A request is trusted when it comes from a live main frame whose URL is on a trusted origin. */
export function isTrustedSender(
  event: Pick<IpcMainInvokeEvent, 'senderFrame'>,
  trustedOrigins: readonly string[],
): boolean {
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && isUrlInOrigins(frame.url, trustedOrigins);
}

/** Registers every contract channel; returns a function that removes them again. */
export function registerIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  handlers: Handlers,
  options: RegisterIpcOptions,
): () => void {
  const log = options.log ?? ((message: string) => console.error(`ipc: ${message}`));
  const registered = channels();
  for (const channel of registered) {
    ipcMain.handle(channel, async (event, ...args: unknown[]) => {
      if (!isTrustedSender(event, options.trustedOrigins)) {
        log(`refused ${channel} from an untrusted frame`);
        throw new PublicError('untrusted-sender', 'Request refused.');
      }
      try {
        return await dispatchInvoke(handlers, channel, args);
      } catch (err) {
        if (err instanceof PublicError && err.code === 'internal')
          log(`${channel}: ${String(err.cause ?? err)}`);
        // Electron passes only the message on to the renderer.
        throw err;
      }
    });
  }
  return () => {
    for (const channel of registered) ipcMain.removeHandler(channel);
  };
}

/** Sends events to one window's page; drops them once the window is gone. */
export function createWebContentsEventSink(target: () => WebContents | undefined): EventSink {
  return {
    progress(event) {
      const contents = target();
      if (!contents || contents.isDestroyed()) return;
      // Only what the contract describes crosses the boundary.
      contents.send(events.progress.channel, v.parse(events.progress.payload, event));
    },
    reportsWaiting(count) {
      const contents = target();
      if (!contents || contents.isDestroyed()) return;
      contents.send(
        events.reportsWaiting.channel,
        v.parse(events.reportsWaiting.payload, { count }),
      );
    },
  };
}
