/**
 * The only module that touches `window.sealcheck`. Everything else receives the API
 * (or a slice of it) as a constructor argument, so tests can pass a fake.
 */
import type { SealcheckApi } from '../../../app/contract';

/** The API the preload exposes, or null when the page runs outside the app (a plain browser). */
export function getSealcheckApi(): SealcheckApi | null {
  // The declared type says it is always there; a page opened outside the app has none.
  const api = (window as { sealcheck?: SealcheckApi }).sealcheck;
  return api ?? null;
}
