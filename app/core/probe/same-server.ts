/**
 * "Right certificate, wrong name": a server whose certificate is trusted but valid for other
 * names (shared hosting: your domain's mail name versus the provider's own) may well answer on
 * those names at the very same address. Which of the certificate's names point to the address
 * that was probed is a fact; the finding then says which name to put in the app instead.
 *
 * Only when the chain is trusted and only the name is wrong; wildcard names cannot be looked up
 * and are skipped; a few names at most, each lookup bounded.
 */
import { X509Certificate } from 'node:crypto';
import type { TlsFacts } from '../facts/endpoint';
import { namesFromSubjectAltName } from '../tls/identity';
import { resolveAddresses, type LookupFunction } from '../net/resolve';

/** Names looked up at most, and how long all of them together may take. */
export const MAX_NAMES = 8;
export const LOOKUP_BUDGET_MS = 2000;

export interface SameServerName {
  readonly name: string;
  /** The name resolves to the probed address (true), to others only (false), or not at all. */
  readonly sameAddress: boolean | 'unknown';
}

/** The certificate's DNS names, without wildcards, at most MAX_NAMES. */
export function lookupNames(tls: TlsFacts): string[] {
  const leaf = tls.peerChain[0];
  if (leaf === undefined) return [];
  let san: string | undefined;
  try {
    san = new X509Certificate(Buffer.from(leaf, 'base64')).subjectAltName;
  } catch {
    return [];
  }
  const names = namesFromSubjectAltName(san).dnsNames.filter((n) => !n.includes('*'));
  return [...new Set(names.map((n) => n.toLowerCase()))].slice(0, MAX_NAMES);
}

export async function sameServerNames(
  tls: TlsFacts,
  address: string,
  options: { readonly lookup?: LookupFunction; readonly signal?: AbortSignal },
): Promise<SameServerName[]> {
  if (!tls.verification.chainTrusted || tls.verification.nameMatches) return [];
  const names = lookupNames(tls);
  if (names.length === 0) return [];
  const budget = AbortSignal.timeout(LOOKUP_BUDGET_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, budget]) : budget;
  return Promise.all(
    names.map(async (name): Promise<SameServerName> => {
      try {
        const found = await resolveAddresses(name, {
          ...(options.lookup ? { lookup: options.lookup } : {}),
          signal,
        });
        return { name, sameAddress: found.some((f) => f.address === address) };
      } catch {
        return { name, sameAddress: 'unknown' };
      }
    }),
  );
}
