/** Which screen is showing: one small state object the whole window shares. */
export type Screen =
  | { readonly name: 'overview' }
  | { readonly name: 'add' }
  | { readonly name: 'import' }
  | { readonly name: 'quick' }
  | { readonly name: 'result'; readonly runId: string }
  | { readonly name: 'settings' }
  | { readonly name: 'system' };

export class Navigation {
  #screen = $state<Screen>({ name: 'overview' });

  get screen(): Screen {
    return this.#screen;
  }

  go(screen: Screen): void {
    this.#screen = screen;
    // Screen changes move focus to the new heading (see App.svelte), like a page load would.
  }
}
