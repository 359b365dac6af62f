/** What page functions (page.evaluate) may use: the API the preload or the harness provides. */
import type { SealcheckApi } from '../../app/contract';

declare global {
  interface Window {
    readonly sealcheck: SealcheckApi;
  }
}

export {};
