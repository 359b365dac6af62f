/**
 * A screen's component loaded on first use: the first screen ships alone, the others come in
 * their own chunks (fetched while the window is idle, so a click rarely waits). Keeps the
 * component's prop types.
 */
import type { Component } from 'svelte';
import { words } from './words';

// Svelte's own bound for props (an interface has no index signature, so `unknown` would not fit).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyProps = Record<string, any>;

export interface LazyComponent<P extends AnyProps> {
  /** The component once loaded, else null. */
  readonly current: Component<P> | null;
  /** Why it could not be loaded, or null. */
  readonly error: string | null;
  load(): Promise<void>;
}

export function lazy<P extends AnyProps>(
  importer: () => Promise<{ default: Component<P> }>,
): LazyComponent<P> {
  let current = $state<Component<P> | null>(null);
  let error = $state<string | null>(null);
  let pending: Promise<void> | null = null;
  return {
    get current() {
      return current;
    },
    get error() {
      return error;
    },
    load() {
      pending ??= importer().then(
        (m) => {
          current = m.default;
        },
        (err: unknown) => {
          pending = null; // a later visit tries again
          error = words.app.screenNotLoaded(err instanceof Error ? err.message : String(err));
        },
      );
      return pending;
    },
  };
}

/** Runs `work` when the window is idle (or soon, where idle callbacks do not exist). */
export function whenIdle(work: () => void): void {
  if ('requestIdleCallback' in globalThis) requestIdleCallback(work, { timeout: 2000 });
  else setTimeout(work, 200);
}
