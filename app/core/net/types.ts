/**
 * The connection every protocol dialog talks through: bounded reads, deadlines per step,
 * a transcript written where data is sent or received, STARTTLS upgrade, and a hard rule
 * that secrets travel only over TLS whose server identity was verified.
 *
 * Implementations: tcp-connection.ts (real sockets). Tests may script a server in memory
 * by connecting to a loopback server they start themselves.
 */
import type { TlsSessionCache } from './tls-sessions';
import type { Step } from './errors';
import type { TlsFacts } from '../facts/endpoint';

/** Size caps for everything read from the peer. A read that would exceed one fails with kind 'limit'. */
export interface ReadLimits {
  /** Longest line, without its line ending. */
  readonly maxLineBytes: number;
  /** Most lines in one step (a multi-line reply, a capability list). */
  readonly maxLinesPerStep: number;
  /** Most bytes in one step, lines or chunks. */
  readonly maxBytesPerStep: number;
  /** Most bytes over the whole connection. */
  readonly maxBytesTotal: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = {
  maxLineBytes: 8 * 1024,
  maxLinesPerStep: 1000,
  maxBytesPerStep: 256 * 1024,
  maxBytesTotal: 2 * 1024 * 1024,
};

/** Deadlines in milliseconds. The whole probe's deadline is an AbortSignal passed separately. */
export interface Timeouts {
  readonly connect: number;
  /** Each step's reads (greeting, one command's reply, …). */
  readonly step: number;
  readonly handshake: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connect: 10_000, step: 15_000, handshake: 15_000 };

export type TranscriptDirection = 'sent' | 'received' | 'note';

export interface TranscriptEntry {
  /** Milliseconds since the probe started. */
  readonly at: number;
  readonly dir: TranscriptDirection;
  /** The text, with control characters escaped, truncated to a bounded length. */
  readonly text: string;
  /** True when the entry was sent or received inside TLS. */
  readonly tls: boolean;
  /** Present when `text` is a stand-in for a secret that was sent. */
  readonly redacted?: true;
  /** Original length in bytes, when `text` was truncated. */
  readonly truncatedFrom?: number;
}

export interface TlsStartOptions {
  /** SNI and the reference identity; null sends no SNI (for an IP literal). */
  readonly serverName: string | null;
  readonly alpn?: readonly string[];
  /** Extra trust anchors (PEM), added to Node's public roots. */
  readonly extraCa?: readonly string[];
  readonly requestOcsp?: boolean;
  /**
   * Version range to offer; defaults to Node's (TLS 1.2–1.3). A minimum below TLS 1.2 also lowers
   * OpenSSL's security level to 0 (to measure legacy servers); such a connection is never
   * identity-verified, so it can never carry a secret.
   */
  readonly minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  /**
   * SHA-256 fingerprints (upper-case colon hex) of certificates the user accepted for this
   * endpoint: a server certificate that matches one counts as verified although no trusted
   * authority vouches for it (identityBasis 'exception'). Never with a legacy version range.
   */
  readonly pinnedSha256?: readonly string[];
  /**
   * Sessions kept for the run (tls-sessions.ts): a full TLS 1.2 handshake leaves its session
   * there. With `resume`, a kept session for the same server is offered, and a resumed
   * handshake takes its certificate facts and verification from the handshake that made it.
   */
  readonly sessions?: TlsSessionCache;
  /** Offer a kept session (never for a check: its verdict comes from the handshake it sees). */
  readonly resume?: boolean;
}

export interface TlsUpgrade {
  readonly tls: TlsFacts;
  /**
   * Bytes the server sent in plaintext after its "go ahead" and before the handshake
   * (read, recorded and discarded: never treated as data inside TLS). Empty normally.
   */
  readonly plaintextAfterGoAhead: Buffer;
}

export interface Connection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly isTls: boolean;
  /**
   * True only after a TLS handshake whose chain is trusted and whose certificate names the
   * server, or whose certificate is one the user accepted (TlsStartOptions.pinnedSha256).
   */
  readonly identityVerified: boolean;
  /** How the identity was verified: a trusted authority, a user's exception; null when not. */
  readonly identityBasis: 'authority' | 'exception' | null;
  /** The transcript so far (read-only view). */
  readonly transcript: readonly TranscriptEntry[];

  /** One line without its CRLF/LF, within the step's deadline and the read limits. */
  readLine(step: Step): Promise<string>;
  /** Whatever bytes are available next (at least one), for stream parsers such as XMPP's. */
  readChunk(step: Step): Promise<Buffer>;
  /** Puts bytes back in front of the read buffer (a parser read past the end of an element). */
  unread(bytes: Buffer): void;
  /** Waits up to `ms` for bytes the peer sends unasked; returns them (possibly empty); never throws on timeout. */
  drain(step: Step, ms: number): Promise<Buffer>;
  /** Sends data; the transcript shows `shown` instead when given (still no secret in it!). */
  write(step: Step, data: string | Buffer, shown?: string): Promise<void>;
  /**
   * Sends data that carries a credential. Refuses with kind 'unsafe' unless `identityVerified`.
   * The transcript records only `shown`, which the caller writes with the secret removed.
   */
  writeSecret(step: Step, data: string | Buffer, shown: string): Promise<void>;
  /** Adds a note to the transcript (e.g. "STARTTLS pipelined with NOOP in one segment"). */
  note(text: string): void;
  /** Upgrades this connection to TLS (STARTTLS, or right after connect for implicit TLS). */
  startTls(options: TlsStartOptions): Promise<TlsUpgrade>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** The IP address to connect to (resolution happens before, see resolve.ts). */
  readonly address: string;
  readonly port: number;
  readonly timeouts?: Partial<Timeouts>;
  readonly limits?: Partial<ReadLimits>;
  /** The whole probe's deadline or a cancel. */
  readonly signal?: AbortSignal;
  /** Milliseconds clock for the transcript; defaults to performance.now(). */
  readonly now?: () => number;
  /** The transcript's time origin (the probe's start); defaults to connect time. */
  readonly startedAt?: number;
}
