/** Certificate analysis (pure, no network): see analyze.ts. */
export { analyzeChain, checkIdentity, CLOCK_SUSPECT_MS, EXPIRING_SOON_MS } from './analyze';
export {
  compareFingerprint,
  normaliseFingerprint,
  type FingerprintComparison,
} from './fingerprint';
export { publicRootsSnapshot, type PublicRootsSnapshot } from './bundle';
export {
  clientReactions,
  MAIL_CLIENTS,
  type ClientReaction,
  type ClientReason,
  type MailClient,
  type Reaction,
} from './clients';
export {
  INTERCEPTION_PRODUCTS,
  interceptionProduct,
  type InterceptionKind,
  type InterceptionMatch,
} from './interception';
export { colonHex, isWeakKey, isWeakSignature } from './parse';
export { anchorIndex, defaultTrustStores, splitPem } from './trust';
export type * from './types';
