/**
 * TLS sessions kept for the run, so that a later connection to the same server can resume one
 * and save a round trip: a resumed TLS 1.2 handshake lets the client send after one round trip
 * instead of two. That is a round trip saved wherever the client speaks first after the
 * handshake (after STARTTLS; XMPP); on implicit TLS with a server that greets first (IMAP, POP3,
 * SMTP) the greeting comes no sooner, since it waits for the client's Finished either way.
 *
 * The rules, because a resumed session proves less than a full handshake:
 *
 * 1. Only sessions of a full TLS 1.2 handshake are kept. A TLS 1.3 resumption takes as many round
 *    trips as a full handshake, so it would only hide the certificate and save nothing; a
 *    legacy-range connection (TLS 1.0/1.1 at security level 0) is never kept.
 * 2. A session is offered only to a connection to the same address and port, with the same SNI,
 *    reference identity, trust anchors, version range and ALPN (the key below). Anything else
 *    gets a full handshake.
 * 3. On a resumed socket Node checks nothing and may hold no chain: its certificate facts (chain,
 *    stapled OCSP response, trust and name results) are those of the full handshake that made
 *    the session, and the facts say `resumed: true`. Whether it may carry a credential is decided
 *    from those parent facts, exactly as for the parent: a trusted chain valid for the name, or
 *    a leaf the user accepted. An unverified parent makes an unverified child.
 * 4. A session is forgotten a few minutes after its full handshake (a resumed handshake's new
 *    session takes its place but not a new lifetime), so a replaced certificate is seen again.
 *
 * Checks never resume (their verdict must come from the handshake they see); they only leave
 * sessions behind for the login check that follows.
 */
import { createHash } from 'node:crypto';
import type { TlsFacts } from '../facts/endpoint';
import type { TlsStartOptions } from './types';

/** Sessions kept at most; the oldest go first. */
export const MAX_TLS_SESSIONS = 256;
/** How long a session is offered after its full handshake. */
export const TLS_SESSION_LIFETIME_MS = 5 * 60_000;

export interface KeptSession {
  /** The serialized session (tls.TLSSocket 'session' event). */
  readonly session: Buffer;
  /** The facts of the full handshake that made it (certificate facts come from here). */
  readonly parent: TlsFacts;
  /** The parent's leaf SHA-256 (upper-case colon hex), for the user's accepted exceptions. */
  readonly leafSha256: string | null;
  readonly keptAt: number;
}

const trustKeys = new WeakMap<readonly string[], string>();

function trustKeyOf(extraCa: readonly string[] | undefined): string {
  if (!extraCa || extraCa.length === 0) return '';
  let key = trustKeys.get(extraCa);
  if (key === undefined) {
    const hash = createHash('sha256');
    for (const pem of extraCa) hash.update(pem).update('\0');
    key = hash.digest('hex');
    trustKeys.set(extraCa, key);
  }
  return key;
}

/** Everything that must be the same for a session to be offered again. */
export function sessionKey(address: string, port: number, options: TlsStartOptions): string {
  return JSON.stringify([
    address.toLowerCase(),
    port,
    options.serverName === null ? null : options.serverName.toLowerCase(),
    trustKeyOf(options.extraCa),
    options.minVersion ?? '',
    options.maxVersion ?? '',
    options.alpn ?? [],
  ]);
}

export class TlsSessionCache {
  readonly #sessions = new Map<string, KeptSession>();
  readonly #max: number;
  readonly #lifetimeMs: number;
  readonly #clock: () => number;

  constructor(
    options: {
      readonly max?: number;
      readonly lifetimeMs?: number;
      readonly clock?: () => number;
    } = {},
  ) {
    this.#max = Math.max(1, options.max ?? MAX_TLS_SESSIONS);
    this.#lifetimeMs = options.lifetimeMs ?? TLS_SESSION_LIFETIME_MS;
    this.#clock = options.clock ?? Date.now;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Keeps the session of a full TLS 1.2 handshake; anything else is ignored (rule 1). */
  keep(key: string, session: Buffer, parent: TlsFacts, leafSha256: string | null): void {
    if (parent.resumed || parent.version !== 'TLSv1.2' || session.length === 0) return;
    this.#sessions.delete(key);
    this.#sessions.set(key, { session, parent, leafSha256, keptAt: this.#clock() });
    while (this.#sessions.size > this.#max) {
      const oldest = this.#sessions.keys().next();
      if (oldest.done === true) break;
      this.#sessions.delete(oldest.value);
    }
  }

  /** The session kept for this key, unless it is too old (then it is forgotten). */
  find(key: string): KeptSession | null {
    const kept = this.#sessions.get(key);
    if (!kept) return null;
    if (this.#clock() - kept.keptAt <= this.#lifetimeMs) return kept;
    this.#sessions.delete(key);
    return null;
  }

  /**
   * A resumed handshake's new session, kept under the same parent (its certificate facts are
   * still the full handshake's) and the parent's time, so the lifetime counts from what was seen.
   */
  renew(key: string, session: Buffer, kept: KeptSession): void {
    if (session.length === 0) return;
    this.#sessions.delete(key);
    this.#sessions.set(key, { ...kept, session });
  }
}

/**
 * The facts of a resumed handshake: version, suite, key exchange and ALPN as negotiated now, the
 * certificate facts of the full handshake that made the session (rule 3).
 */
export function resumedFacts(now: TlsFacts, parent: TlsFacts): TlsFacts {
  return {
    ...now,
    resumed: true,
    peerChain: parent.peerChain,
    chainSource: parent.chainSource,
    ocsp: { requested: now.ocsp.requested, response: parent.ocsp.response },
    verification: parent.verification,
  };
}
