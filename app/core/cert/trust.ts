/**
 * Trust stores: the default stores of this computer, and an index of parsed anchors by subject,
 * cached per PEM so that repeated analyses do not re-parse the public bundle.
 */
import { X509Certificate as NodeX509 } from 'node:crypto';
import * as tls from 'node:tls';
import { parseCertificate, type ParsedCert } from './parse';
import type { AnchorStore, TrustStores } from './types';

/** The public bundle (Node's copy of Mozilla's program), the system store where Node exposes it, and the user's extra roots. */
export function defaultTrustStores(extraRoots: readonly string[] = []): TrustStores {
  let systemRoots: readonly string[] | null = null;
  try {
    systemRoots = tls.getCACertificates('system');
  } catch {
    systemRoots = null;
  }
  return {
    publicRoots: tls.rootCertificates,
    publicRootsLabel: `Node ${process.versions.node} bundle (Mozilla, OpenSSL ${process.versions.openssl})`,
    systemRoots,
    extraRoots,
  };
}

const parsedPem = new Map<string, ParsedCert | null>();

function pemToDer(pem: string): Buffer | null {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem);
  if (!m?.[1]) return null;
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}

/** Parses one PEM certificate (cached); null when unreadable. A PEM file may hold several: see splitPem. */
export function parsePem(pem: string): ParsedCert | null {
  const cached = parsedPem.get(pem);
  if (cached !== undefined) return cached;
  let parsed: ParsedCert | null = null;
  const der = pemToDer(pem);
  if (der) {
    try {
      parsed = parseCertificate(der);
    } catch {
      parsed = null;
    }
  }
  parsedPem.set(pem, parsed);
  return parsed;
}

/** Every certificate block of a PEM text (a --ca-file may hold a bundle). */
export function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

export interface Anchor {
  /** SHA-256, upper-case colon hex (as CertInfo.sha256). */
  readonly fingerprint: string;
  /** The fully parsed certificate, parsed on first use (most anchors are never looked at). */
  readonly cert: ParsedCert;
  readonly stores: ReadonlySet<AnchorStore>;
}

export interface AnchorIndex {
  /** Anchors by Node's canonical subject string. */
  readonly bySubject: ReadonlyMap<string, readonly Anchor[]>;
  /** Store membership by SHA-256 fingerprint. */
  readonly byFingerprint: ReadonlyMap<string, Anchor>;
}

/** What the index (and the bundle's date) needs of an anchor, from Node's own native parse. */
export interface LightCert {
  readonly fingerprint: string;
  readonly subjectKey: string;
  /** notBefore, milliseconds since the epoch (NaN when unreadable). */
  readonly validFrom: number;
}

/** Cached per PEM text: each root is parsed once per process, whoever asks. */
const lightCache = new Map<string, LightCert | null>();

export function light(pem: string): LightCert | null {
  const cached = lightCache.get(pem);
  if (cached !== undefined) return cached;
  let l: LightCert | null = null;
  try {
    const x = new NodeX509(pem);
    l = {
      fingerprint: x.fingerprint256,
      subjectKey: x.subject,
      validFrom: Date.parse(x.validFrom),
    };
  } catch {
    l = null;
  }
  lightCache.set(pem, l);
  return l;
}

class LazyAnchor implements Anchor {
  readonly stores = new Set<AnchorStore>();
  #parsed: ParsedCert | null = null;
  constructor(
    readonly fingerprint: string,
    readonly subjectKey: string,
    private readonly pem: string,
  ) {}
  get cert(): ParsedCert {
    if (this.#parsed === null) {
      const p = parsePem(this.pem);
      if (p === null) throw new Error('a trust anchor that Node could read could not be parsed');
      this.#parsed = p;
    }
    return this.#parsed;
  }
}

const indexCache = new WeakMap<TrustStores, AnchorIndex>();

/** Builds (or reuses, per TrustStores object) the index of every anchor. */
export function anchorIndex(trust: TrustStores): AnchorIndex {
  const cached = indexCache.get(trust);
  if (cached) return cached;
  const byFingerprint = new Map<string, LazyAnchor>();
  const add = (pems: readonly string[] | null, store: AnchorStore): void => {
    for (const text of pems ?? []) {
      for (const pem of splitPem(text)) {
        const l = light(pem);
        if (!l) continue;
        let a = byFingerprint.get(l.fingerprint);
        if (!a) {
          a = new LazyAnchor(l.fingerprint, l.subjectKey, pem);
          byFingerprint.set(l.fingerprint, a);
        }
        a.stores.add(store);
      }
    }
  };
  add(trust.publicRoots, 'public');
  add(trust.systemRoots, 'system');
  add(trust.extraRoots, 'extra');
  const bySubject = new Map<string, LazyAnchor[]>();
  for (const a of byFingerprint.values()) {
    const list = bySubject.get(a.subjectKey);
    if (list) list.push(a);
    else bySubject.set(a.subjectKey, [a]);
  }
  const index: AnchorIndex = { bySubject, byFingerprint };
  indexCache.set(trust, index);
  return index;
}

/** The preferred store of an anchor: public, then the user's own (--ca-file), then the system's. */
export function preferredStore(stores: ReadonlySet<AnchorStore>): AnchorStore {
  if (stores.has('public')) return 'public';
  if (stores.has('extra')) return 'extra';
  return 'system';
}
