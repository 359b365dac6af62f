/**
 * Facts from the TLS scanner (app/core/tls/scanner): which protocol versions and which kinds of
 * cipher suites a server accepts, learned from our own ClientHellos. What was seen, with no
 * judgement: findings/rules-scan.ts decides what it means.
 *
 * Every answer is kept as it came (`handshakes`), and every conclusion says how sure it is:
 * `true` needs a ServerHello that chose it; `false` needs a refusal (a TLS alert, or, from a
 * server that answered other hellos of the same scan, a clean close right after our hello:
 * Dovecot drops OpenSSL's alert); anything else (reset, timeout, garbage) stays 'unknown'.
 */
import type { ProbeErrorFact } from '../net/errors';

export const SCANNED_VERSIONS = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type ScannedVersion = (typeof SCANNED_VERSIONS)[number];

export type ScanTristate = boolean | 'unknown';

/** Weak families, as findings name them. */
export const WEAK_FAMILIES = ['null', 'anonymous', 'export', 'des', 'rc4', '3des'] as const;
export type WeakFamily = (typeof WEAK_FAMILIES)[number];

/** How a version's support is known. */
export interface VersionSupport {
  readonly accepted: ScanTristate;
  /**
   * 'server-hello': a ServerHello at this version; 'lower-version': a hello for it was answered
   * with an older version; 'alert': refused with a TLS alert; 'closed': the server closed the
   * connection without a word although it answered other hellos; 'unanswered': no answer that
   * settles it (reset, timeout, garbage, the connection could not be set up).
   */
  readonly basis: 'server-hello' | 'lower-version' | 'alert' | 'closed' | 'unanswered';
}

/** One ClientHello of the scan and what came back. */
export interface ScanHandshake {
  /** The question it belonged to, e.g. "version TLSv1.1", "modern client", "weak suites 2". */
  readonly question: string;
  /** The highest version offered and how many cipher suites. */
  readonly offered: { readonly version: ScannedVersion; readonly suites: number };
  readonly outcome:
    | 'server-hello'
    | 'hello-retry-request'
    | 'alert'
    | 'closed'
    | 'reset'
    | 'timeout'
    | 'invalid'
    | 'setup-failed'
    | 'cancelled'
    /** Not sent: the scan's connection cap was reached. */
    | 'skipped';
  /** The version and suite the server chose (IANA name), for a ServerHello or HRR. */
  readonly version?: string;
  readonly suite?: string;
  /** The key exchange group chosen (TLS 1.3 key share, or the TLS 1.2 ServerKeyExchange curve). */
  readonly group?: string;
  readonly alert?: string;
  /** Why an answer did not count: a protocol violation, what broke the set-up, … */
  readonly detail?: string;
  /** Milliseconds from the scan's start to the answer. */
  readonly ms: number;
}

export interface ModernClientFacts {
  /** What a current mail app (Thunderbird-like offer, post-quantum key share first) gets. */
  readonly version: string;
  readonly suite: string;
  readonly forwardSecrecy: boolean;
  /** The key exchange group, e.g. "X25519MLKEM768", "x25519"; null when not seen. */
  readonly group: string | null;
  /** Protected against later decryption by a quantum computer (a hybrid ML-KEM group)? */
  readonly postQuantum: ScanTristate;
  /** Answered only when offered without the post-quantum key share (the first offer failed). */
  readonly failedWithPostQuantumShare: boolean;
}

export interface ScanFacts {
  readonly mode: 'default' | 'detailed';
  readonly versions: Readonly<Record<ScannedVersion, VersionSupport>>;
  /** Null when the modern offer got no ServerHello. */
  readonly modernClient: ModernClientFacts | null;
  /** Whether any suite of each weak family is accepted (at any version the server speaks). */
  readonly weakFamilies: Readonly<Record<WeakFamily, ScanTristate>>;
  /** Static RSA / DH / ECDH key exchange (no forward secrecy) accepted at all? */
  readonly nonForwardSecretAccepted: ScanTristate;
  /** Finite-field DHE (not anonymous) accepted, and the smallest prime seen (bits). */
  readonly dhe: { readonly accepted: ScanTristate; readonly primeBits: number | null };
  /** Suites seen chosen (IANA names), each once, with the version: the evidence for the above. */
  readonly acceptedSuites: readonly { readonly version: string; readonly suite: string }[];
  /**
   * --detailed: every accepted suite per version, by elimination, in the order the server chose
   * them (its preference when it enforces one). `complete` false when a chain ended unanswered.
   */
  readonly detailed: Readonly<
    Partial<
      Record<ScannedVersion, { readonly suites: readonly string[]; readonly complete: boolean }>
    >
  > | null;
  /**
   * The certificates exactly as the server sent them (DER, base64, in order), from a TLS ≤ 1.2
   * Certificate message, which travels in clear; null when no such hello was answered with one
   * (TLS 1.3 only: the certificates are encrypted).
   */
  readonly chainAsSent: {
    readonly version: string;
    readonly certificates: readonly string[];
  } | null;
  /** A TLS 1.3 server that negotiated an older version said so in its random (RFC 8446 §4.1.3). */
  readonly downgradeSentinelSeen: boolean;
  readonly handshakes: readonly ScanHandshake[];
  /** TCP connections the scan opened. */
  readonly connections: number;
  /** Hellos the server refused (alert or close): what log watchers such as fail2ban may count. */
  readonly refusedHandshakes: number;
  readonly durationMs: number;
  /** Set when no hello could be sent at all (every connection failed to set up), or on cancel. */
  readonly error: ProbeErrorFact | null;
}
