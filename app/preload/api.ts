/**
 * Builds `window.sealcheck` from the contract: one function per request (never a generic
 * invoke), one subscribe function per event (the listener gets the payload, never the
 * IpcRendererEvent, whose `sender` would hand the page the raw ipcRenderer).
 * Main validates every argument; nothing here trusts the page.
 */
import { events, listInvokes, type SealcheckApi } from '../contract';

/** The subset of Electron's ipcRenderer used here. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

/** Electron prefixes rejected invokes with "Error invoking remote method '<channel>': <name>: ". */
const REMOTE_PREFIX = /^Error invoking remote method '[^']*': (?:[A-Za-z]*Error: )?/;

function cleanError(err: unknown): Error {
  // Duck-typed: the error may come from another realm.
  const raw = (err as { message?: unknown } | null)?.message;
  const message = typeof raw === 'string' ? raw : String(err);
  return new Error(message.replace(REMOTE_PREFIX, ''));
}

export function buildApi(ipc: IpcRendererLike): SealcheckApi {
  const groups: Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>> = {};
  for (const { group, method, spec } of listInvokes()) {
    const channel = spec.channel;
    (groups[group] ??= {})[method] = (...args: unknown[]) =>
      ipc.invoke(channel, ...args).catch((err: unknown) => {
        throw cleanError(err);
      });
  }

  const on: Record<string, (listener: (payload: unknown) => void) => () => void> = {};
  for (const [name, spec] of Object.entries(events)) {
    const channel = spec.channel;
    on[name] = (listener) => {
      if (typeof listener !== 'function')
        throw new TypeError(`sealcheck.on.${name} needs a function`);
      const forward = (_event: unknown, payload: unknown): void => listener(payload);
      ipc.on(channel, forward);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        ipc.removeListener(channel, forward);
      };
    };
  }

  const api: Record<string, unknown> = {};
  for (const [group, methods] of Object.entries(groups)) api[group] = Object.freeze(methods);
  api.on = Object.freeze(on);
  return Object.freeze(api) as unknown as SealcheckApi;
}
