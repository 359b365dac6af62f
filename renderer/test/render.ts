/**
 * Mounting a Svelte component for a component test (real Chromium, Vitest browser mode), and
 * unmounting everything after each test.
 */
import { flushSync, mount, unmount, type Component } from 'svelte';
import { afterEach } from 'vitest';

const mounted: ReturnType<typeof mount>[] = [];

afterEach(() => {
  for (const m of mounted.splice(0)) void unmount(m);
  document.body.innerHTML = '';
});

/** Mounts `component` with `props` into a fresh element and returns that element. */
// Svelte's own bound for props (an interface has no index signature, so `unknown` would not fit).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function render<P extends Record<string, any>>(
  component: Component<P>,
  props: NoInfer<P>,
): HTMLElement {
  const target = document.createElement('div');
  document.body.append(target);
  mounted.push(mount(component, { target, props }));
  flushSync();
  return target;
}

/** Lets Svelte apply pending state changes (after an event). */
export function settle(): void {
  flushSync();
}
