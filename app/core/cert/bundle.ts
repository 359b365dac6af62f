/**
 * The public root bundle's date. Node ships a snapshot of Mozilla's root program (NSS's
 * certdata) but publishes no date for it, so this records an honest lower bound instead: the
 * newest notBefore among the bundled roots ("includes authorities added up to at least that
 * date"), next to Node's version. Pure apart from reading the bundle given; cached per array.
 */
import * as tls from 'node:tls';
import { light } from './trust';

export interface PublicRootsSnapshot {
  /** Node's version, whose bundle this is, e.g. "24.11.0". */
  readonly node: string;
  /** ISO time of the newest notBefore among the roots; null when none could be read. */
  readonly newestRootNotBefore: string | null;
  /** How many roots the bundle holds. */
  readonly roots: number;
}

const cache = new WeakMap<readonly string[], PublicRootsSnapshot>();

/** The snapshot facts of a root bundle (default: Node's own, tls.rootCertificates). */
export function publicRootsSnapshot(
  roots: readonly string[] = tls.rootCertificates,
  node: string = process.versions.node,
): PublicRootsSnapshot {
  const cached = cache.get(roots);
  if (cached && cached.node === node) return cached;
  let newest: number | null = null;
  for (const pem of roots) {
    const from = light(pem)?.validFrom ?? NaN;
    if (!Number.isNaN(from) && (newest === null || from > newest)) newest = from;
  }
  const snapshot: PublicRootsSnapshot = {
    node,
    newestRootNotBefore: newest === null ? null : new Date(newest).toISOString(),
    roots: roots.length,
  };
  cache.set(roots, snapshot);
  return snapshot;
}
