/**
 * Loads the BUILT preload (out/preload/index.cjs) the way a sandboxed renderer does: in a
 * fresh V8 context whose `require` knows only `electron` (stubbed here), and proves that
 * `window.sealcheck` is exactly the contract: one function per request, one subscribe
 * function per event, frozen, and never the raw ipcRenderer or its event objects.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { events, invokes } from '../../app/contract';
import { ensureBuilt, outDir } from './support/built';

type Listener = (event: unknown, payload: unknown) => void;

interface Harness {
  exposed: Array<{ key: string; api: unknown }>;
  invokes: Array<{ channel: string; args: unknown[] }>;
  listeners: Map<string, Listener[]>;
  removed: Array<{ channel: string; listener: Listener }>;
  ipcRenderer: Record<string, unknown>;
  invokeResult: () => Promise<unknown>;
}

function loadPreload(): Harness {
  const h: Harness = {
    exposed: [],
    invokes: [],
    listeners: new Map(),
    removed: [],
    ipcRenderer: {},
    invokeResult: async () => 'reply',
  };
  h.ipcRenderer = {
    invoke: (channel: string, ...args: unknown[]) => {
      h.invokes.push({ channel, args });
      return h.invokeResult();
    },
    on: (channel: string, listener: Listener) => {
      h.listeners.set(channel, [...(h.listeners.get(channel) ?? []), listener]);
      return h.ipcRenderer;
    },
    removeListener: (channel: string, listener: Listener) => {
      h.removed.push({ channel, listener });
      h.listeners.set(
        channel,
        (h.listeners.get(channel) ?? []).filter((l) => l !== listener),
      );
      return h.ipcRenderer;
    },
    send: () => {
      throw new Error('the preload must not use send');
    },
    sendSync: () => {
      throw new Error('the preload must not use sendSync');
    },
  };
  const electron = {
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => void h.exposed.push({ key, api }),
    },
    ipcRenderer: h.ipcRenderer,
  };
  const requested: string[] = [];
  const sandboxRequire = (id: string): unknown => {
    requested.push(id);
    if (id === 'electron') return electron;
    throw new Error(`module "${id}" is not available to a sandboxed preload; bundle it`);
  };

  const code = readFileSync(join(outDir, 'preload/index.cjs'), 'utf8');
  const module = { exports: {} };
  const wrapper = vm.runInNewContext(
    `(function (require, module, exports) {\n${code}\n})`,
    {},
    {
      filename: 'out/preload/index.cjs',
    },
  ) as (r: typeof sandboxRequire, m: typeof module, e: unknown) => void;
  wrapper(sandboxRequire, module, module.exports);
  expect(requested).toEqual(['electron']);
  return h;
}

function exposedApi(h: Harness): Record<string, Record<string, (...args: unknown[]) => unknown>> {
  expect(h.exposed).toHaveLength(1);
  expect(h.exposed[0]?.key).toBe('sealcheck');
  return h.exposed[0]?.api as Record<string, Record<string, (...args: unknown[]) => unknown>>;
}

/** Every object reachable from `value` through own properties. */
function reachable(value: unknown, seen = new Set<unknown>()): Set<unknown> {
  if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
    if (seen.has(value)) return seen;
    seen.add(value);
    for (const key of Reflect.ownKeys(value as object)) {
      const desc = Object.getOwnPropertyDescriptor(value, key);
      if (desc && 'value' in desc) reachable(desc.value, seen);
    }
  }
  return seen;
}

describe('built preload', () => {
  beforeAll(() => ensureBuilt(), 180_000);

  it('needs nothing but electron (a sandboxed preload cannot require npm packages)', () => {
    loadPreload();
  });

  it('exposes exactly the contract as window.sealcheck, frozen', () => {
    const api = exposedApi(loadPreload());
    const expected = [...Object.keys(invokes), 'on'].sort();
    expect(Object.keys(api).sort()).toEqual(expected);
    for (const [group, methods] of Object.entries(invokes)) {
      expect(Object.keys(api[group] ?? {}).sort()).toEqual(Object.keys(methods).sort());
      for (const method of Object.keys(methods))
        expect(typeof api[group]?.[method]).toBe('function');
      expect(Object.isFrozen(api[group])).toBe(true);
    }
    expect(Object.keys(api.on ?? {}).sort()).toEqual(Object.keys(events).sort());
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.isFrozen(api.on)).toBe(true);
  });

  it('never hands out the ipcRenderer', () => {
    const h = loadPreload();
    const objects = reachable(exposedApi(h));
    expect(objects.has(h.ipcRenderer)).toBe(false);
    for (const fn of Object.values(h.ipcRenderer)) expect(objects.has(fn)).toBe(false);
  });

  it('sends each request on its channel with its arguments', async () => {
    const h = loadPreload();
    const api = exposedApi(h);
    await expect(api.app?.getInfo?.()).resolves.toBe('reply');
    await expect(api.app?.selfCheck?.({ runId: 'run-1' })).resolves.toBe('reply');
    expect(h.invokes).toEqual([
      { channel: invokes.app.getInfo.channel, args: [] },
      { channel: invokes.app.selfCheck.channel, args: [{ runId: 'run-1' }] },
    ]);
  });

  it('passes main’s error message on without Electron’s prefix', async () => {
    const h = loadPreload();
    h.invokeResult = async () => {
      throw new Error(
        "Error invoking remote method 'app:get-info': SealcheckError: Request refused.",
      );
    };
    await expect(exposedApi(h).app?.getInfo?.()).rejects.toThrow(/^Request refused\.$/);
  });

  it('gives event listeners the payload only, and unsubscribes', () => {
    const h = loadPreload();
    const api = exposedApi(h);
    const calls: unknown[][] = [];
    const unsubscribe = api.on?.progress?.((...args: unknown[]) => calls.push(args)) as () => void;
    const channel = events.progress.channel;
    expect(h.listeners.get(channel)).toHaveLength(1);

    const payload = { runId: 'r', step: 'tls', state: 'started', at: 1 };
    const ipcEvent = { sender: h.ipcRenderer, senderId: 0, ports: [] };
    for (const l of h.listeners.get(channel) ?? []) l(ipcEvent, payload);
    expect(calls).toEqual([[payload]]);

    unsubscribe();
    unsubscribe(); // idempotent
    expect(h.removed).toHaveLength(1);
    expect(h.removed[0]?.channel).toBe(channel);
    for (const l of h.listeners.get(channel) ?? []) l(ipcEvent, payload);
    expect(calls).toHaveLength(1);
  });

  it('refuses a listener that is not a function', () => {
    const api = exposedApi(loadPreload());
    expect(() => api.on?.progress?.('nope')).toThrow(/needs a function/);
  });
});
