/**
 * Runs inside the test page before any of its scripts (bundled for the browser by
 * bundle-bridge.ts, loaded with page.addInitScript). It plays the preload's part: the real
 * `buildApi` from app/preload/api.ts builds `window.sealcheck` over a stand-in for Electron's
 * ipcRenderer whose
 * - `invoke` calls the `__sealcheckInvoke` binding the harness exposes (Node side:
 *   dispatchInvoke with the real handlers), and whose
 * - `on` / `removeListener` keep listeners that the harness feeds through
 *   `__sealcheckDeliver(channel, payload)`, as Electron's webContents.send would.
 *
 * Unlike in Electron, this runs in the page's own world (there is no isolated world here),
 * so the two hooks are visible to page scripts. They are test-only.
 */
import { buildApi, type IpcRendererLike } from '../../app/preload/api';

type Listener = (event: unknown, payload: unknown) => void;
type InvokeBinding = (channel: string, args: unknown[]) => Promise<unknown>;

const scope = globalThis as unknown as Record<string, unknown>;
const listeners = new Map<string, Set<Listener>>();

const ipc: IpcRendererLike = {
  invoke(channel, ...args) {
    const binding = scope.__sealcheckInvoke as InvokeBinding | undefined;
    if (typeof binding !== 'function') {
      return Promise.reject(new Error('the e2e harness did not expose __sealcheckInvoke'));
    }
    return binding(channel, args);
  },
  on(channel, listener) {
    let set = listeners.get(channel);
    if (!set) listeners.set(channel, (set = new Set()));
    set.add(listener);
    return ipc;
  },
  removeListener(channel, listener) {
    listeners.get(channel)?.delete(listener);
    return ipc;
  },
};

/** An empty stand-in for the IpcRendererEvent; buildApi never passes it on. */
const fakeEvent = Object.freeze({});

function deliver(channel: string, payload: unknown): number {
  const set = listeners.get(channel);
  for (const listener of [...(set ?? [])]) listener(fakeEvent, payload);
  return set?.size ?? 0;
}

Object.defineProperty(scope, '__sealcheckDeliver', { value: deliver });
// contextBridge.exposeInMainWorld makes a read-only, non-configurable property: do the same.
Object.defineProperty(scope, 'sealcheck', { value: buildApi(ipc), enumerable: true });
