/// <reference types="svelte" />
/// <reference types="vite/client" />
import type { SealcheckApi } from '../../app/contract';

declare global {
  interface Window {
    readonly sealcheck: SealcheckApi;
  }
}
