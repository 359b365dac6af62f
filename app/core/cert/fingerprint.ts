/**
 * Compare a fingerprint a user copied from a mail client's warning with what this server presents.
 */
import type { CertAnalysis } from './types';

export type FingerprintComparison =
  | { readonly result: 'this-server'; readonly algorithm: 'sha256' | 'sha1' }
  | { readonly result: 'in-chain'; readonly index: number; readonly algorithm: 'sha256' | 'sha1' }
  | { readonly result: 'different'; readonly algorithm: 'sha256' | 'sha1' }
  | { readonly result: 'unreadable' };

/**
 * Normalises a pasted fingerprint (colons, spaces, dashes, lower case, a "SHA-256:" / "SHA1 Fingerprint=" prefix)
 * to upper-case colon hex; null when it is neither 20 (SHA-1) nor 32 (SHA-256) bytes of hex.
 */
export function normaliseFingerprint(
  input: string,
): { readonly algorithm: 'sha256' | 'sha1'; readonly colonHex: string } | null {
  let s = input.trim();
  s = s.replace(/^(?:sha-?(?:256|1))(?:\s*fingerprint)?\s*[:=]?\s*/i, '');
  const hex = s.replace(/[\s:.-]/g, '').toUpperCase();
  if (!/^[0-9A-F]*$/.test(hex)) return null;
  const algorithm = hex.length === 64 ? 'sha256' : hex.length === 40 ? 'sha1' : null;
  if (algorithm === null) return null;
  return { algorithm, colonHex: hex.replace(/(..)(?!$)/g, '$1:') };
}

/** Is the pasted fingerprint the server's own certificate, another in its chain, or a different one? */
export function compareFingerprint(
  analysis: CertAnalysis,
  userFingerprint: string,
): FingerprintComparison {
  const fp = normaliseFingerprint(userFingerprint);
  if (fp === null) return { result: 'unreadable' };
  const index = analysis.presented.findIndex(
    (c) => c !== null && (fp.algorithm === 'sha256' ? c.sha256 : c.sha1) === fp.colonHex,
  );
  if (index === 0) return { result: 'this-server', algorithm: fp.algorithm };
  if (index > 0) return { result: 'in-chain', index, algorithm: fp.algorithm };
  // A root the path reached in a store also counts as "in the chain".
  const pathIndex =
    analysis.path?.elements.findIndex(
      (e) => (fp.algorithm === 'sha256' ? e.cert.sha256 : e.cert.sha1) === fp.colonHex,
    ) ?? -1;
  if (pathIndex > 0) return { result: 'in-chain', index: pathIndex, algorithm: fp.algorithm };
  return { result: 'different', algorithm: fp.algorithm };
}
