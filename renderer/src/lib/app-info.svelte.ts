import type { AppInfo, SealcheckApi } from '../../../app/contract';

/** What AppInfoState needs from `window.sealcheck`. */
export type AppInfoApi = { readonly app: Pick<SealcheckApi['app'], 'getInfo'> };

/** Loads the app's version facts once and keeps the outcome for the view. */
export class AppInfoState {
  readonly #api: AppInfoApi;
  #info = $state<AppInfo | null>(null);
  #error = $state<string | null>(null);
  #loading = $state(false);

  constructor(api: AppInfoApi) {
    this.#api = api;
  }

  get info(): AppInfo | null {
    return this.#info;
  }

  /** Why the facts could not be read, in the words of the error; null when there was no error. */
  get error(): string | null {
    return this.#error;
  }

  get loading(): boolean {
    return this.#loading;
  }

  async load(): Promise<void> {
    this.#loading = true;
    this.#error = null;
    try {
      this.#info = await this.#api.app.getInfo();
    } catch (err) {
      this.#error = messageOf(err);
    } finally {
      this.#loading = false;
    }
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
