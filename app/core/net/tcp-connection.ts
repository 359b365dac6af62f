/**
 * The real Connection: a TCP socket (later a TLS socket on top of it) with one bounded read
 * buffer, one deadline per step, byte and line caps, a transcript, and STARTTLS.
 *
 * Usage (for dialogs and the probe):
 *
 *   const conn = await connect({ address: '127.0.0.1', port: 143, signal, timeouts, limits });
 *   const greeting = await conn.readLine('greeting');            // one line, no CRLF/LF
 *   await conn.write('capabilities', 'A1 CAPABILITY\r\n');
 *   const upgrade = await conn.startTls({ serverName: 'mail.example.org', extraCa });
 *   upgrade.tls.verification / conn.identityVerified / upgrade.plaintextAfterGoAhead
 *   await conn.writeSecret('login', `A3 LOGIN u ${pw}\r\n`, 'A3 LOGIN u <password>'); // only if verified
 *   await conn.close();                                           // idempotent, never throws
 *
 *   // Implicit TLS (handshake right after connect):
 *   const { connection, upgrade } = await connectTls({ address, port, tls: { serverName, alpn } });
 *
 * Every failure is a ProbeError (errors.ts) whose `fact` names the step and kind; nothing else
 * needs to look at socket errors. `address` must be an IP literal (resolve first, resolve.ts).
 *
 * Deadlines: connect has `timeouts.connect`; a step's deadline starts when the step begins (its
 * first read or write on this connection) and lasts `timeouts.step`: every read in that step
 * must finish by it, so a one-byte-per-second drip cannot stretch it. The handshake has
 * `timeouts.handshake`. The AbortSignal ends everything at once ('timeout' when its reason is a
 * TimeoutError, as from AbortSignal.timeout(), otherwise 'cancelled') and destroys the sockets.
 *
 * Accounting: bytes and lines are counted per step (reset when the step name changes) and in
 * total; bytes put back with unread() are not counted (or recorded) twice.
 */
import net from 'node:net';
import tls from 'node:tls';
import { domainToASCII } from 'node:url';
import { performance } from 'node:perf_hooks';
import { ProbeError, type Step } from './errors';
import { escapePreview, escapeText } from './escape';
import { abortError, timeoutError, translateError } from './translate';
import {
  DEFAULT_READ_LIMITS,
  DEFAULT_TIMEOUTS,
  type ConnectOptions,
  type Connection,
  type ReadLimits,
  type Timeouts,
  type TlsStartOptions,
  type TlsUpgrade,
  type TranscriptDirection,
  type TranscriptEntry,
} from './types';
import { tlsFactsFrom } from '../tls/handshake';
import { resumedFacts, sessionKey } from './tls-sessions';

/** Entries kept in a transcript; after that one note says it was truncated. */
export const MAX_TRANSCRIPT_ENTRIES = 400;
/** The read buffer pauses the socket at max(maxLineBytes + 2, this). */
const MIN_HIGH_WATER = 16 * 1024;
const EVIDENCE_CHARS = 200;
/** How long close() lets a polite end (FIN, TLS close_notify) take before destroying. */
const CLOSE_GRACE_MS = 1000;

const EMPTY = Buffer.alloc(0);

type Waiter = () => void;

/** Statistics for tests and benchmarks (not part of the Connection contract). */
export interface ConnectionStats {
  /** The most bytes the read buffer ever held. */
  readonly maxBufferedBytes: number;
  readonly bufferedBytes: number;
  readonly totalBytesRead: number;
}

export class TcpConnection implements Connection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Our side's address (for SMTP's EHLO address literal). Not in the transcript: it is the user's. */
  readonly localAddress: string;
  readonly localPort: number;

  private readonly raw: net.Socket;
  private sock: net.Socket;
  private tlsSock: tls.TLSSocket | null = null;
  private tlsActive = false;
  private verified = false;
  private basis: 'authority' | 'exception' | null = null;
  private upgrading = false;

  private readonly limits: ReadLimits;
  private readonly timeouts: Timeouts;
  private readonly signal: AbortSignal | undefined;
  private readonly clock: () => number;
  private readonly startedAt: number;

  private buf: Buffer = EMPTY;
  /** Bytes at the front of buf already known to hold no LF. */
  private scanned = 0;
  /** Bytes at the front of buf that were already counted and recorded (put back by unread). */
  private seenPrefix = 0;
  private readonly highWater: number;
  private paused = false;
  private maxBuffered = 0;

  private peerEnded = false;
  private sockClosed = false;
  private sockError: unknown = null;
  private closing = false;
  private readonly waiters = new Set<Waiter>();

  private step: Step | null = null;
  private stepStartedAt = 0;
  private stepBytes = 0;
  private stepLines = 0;
  private totalBytes = 0;

  private readonly entries: TranscriptEntry[] = [];
  private transcriptFull = false;

  private readonly onData = (chunk: Buffer): void => {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    if (this.buf.length > this.maxBuffered) this.maxBuffered = this.buf.length;
    if (this.buf.length >= this.highWater && !this.paused) {
      this.paused = true;
      this.sock.pause();
    }
    this.wakeAll();
  };
  private readonly onEnd = (): void => {
    this.peerEnded = true;
    this.wakeAll();
  };
  private readonly onClose = (): void => {
    this.sockClosed = true;
    this.wakeAll();
  };
  private readonly onError = (err: unknown): void => {
    this.sockError ??= err;
    this.wakeAll();
  };
  /** Pending handshake and writes; the one listener on the signal calls them (no listener per operation). */
  private readonly abortHooks = new Set<() => void>();
  private readonly onAbort = (): void => {
    for (const hook of [...this.abortHooks]) hook();
    this.abortHooks.clear();
    this.wakeAll();
    this.tlsSock?.destroy();
    this.raw.destroy();
  };

  constructor(
    socket: net.Socket,
    options: ConnectOptions,
    context: { readonly clock: () => number; readonly startedAt: number },
  ) {
    this.raw = socket;
    this.sock = socket;
    this.remoteAddress = options.address;
    this.remotePort = options.port;
    this.localAddress = socket.localAddress ?? '';
    this.localPort = socket.localPort ?? 0;
    this.limits = { ...DEFAULT_READ_LIMITS, ...options.limits };
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.signal = options.signal;
    this.clock = context.clock;
    this.startedAt = context.startedAt;
    this.highWater = Math.max(this.limits.maxLineBytes + 2, MIN_HIGH_WATER);
    this.attach(socket);
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get isTls(): boolean {
    return this.tlsActive;
  }
  get identityVerified(): boolean {
    return this.verified;
  }
  get identityBasis(): 'authority' | 'exception' | null {
    return this.basis;
  }
  get transcript(): readonly TranscriptEntry[] {
    return this.entries;
  }
  get stats(): ConnectionStats {
    return {
      maxBufferedBytes: this.maxBuffered,
      bufferedBytes: this.buf.length,
      totalBytesRead: this.totalBytes,
    };
  }

  // ── reading ────────────────────────────────────────────────────────────────────────────

  async readLine(step: Step): Promise<string> {
    this.enterStep(step);
    const deadline = this.stepDeadline();
    for (;;) {
      this.throwIfAborted(step);
      const line = this.takeLine(step);
      if (line !== null) return line;
      this.throwIfEnded(step);
      if (!(await this.waitForEvent(deadline))) {
        throw timeoutError(step, this.timeouts.step, this.partialEvidence());
      }
    }
  }

  async readChunk(step: Step): Promise<Buffer> {
    this.enterStep(step);
    const deadline = this.stepDeadline();
    for (;;) {
      this.throwIfAborted(step);
      if (this.buf.length > 0) return this.takeAll(step);
      this.throwIfEnded(step);
      if (!(await this.waitForEvent(deadline))) throw timeoutError(step, this.timeouts.step);
    }
  }

  unread(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.buf = this.buf.length === 0 ? Buffer.from(bytes) : Buffer.concat([bytes, this.buf]);
    this.seenPrefix += bytes.length;
    this.scanned = 0;
    if (this.buf.length > this.maxBuffered) this.maxBuffered = this.buf.length;
  }

  async drain(step: Step, ms: number): Promise<Buffer> {
    this.enterStep(step);
    const until = performance.now() + Math.max(0, ms);
    for (;;) {
      this.throwIfAborted(step);
      if (this.buf.length > 0) return this.takeAll(step);
      if (this.sockError !== null || this.peerEnded || this.sockClosed || this.closing)
        return EMPTY;
      if (!(await this.waitForEvent(until))) return EMPTY;
    }
  }

  // ── writing ────────────────────────────────────────────────────────────────────────────

  async write(step: Step, data: string | Buffer, shown?: string): Promise<void> {
    this.enterStep(step);
    this.record('sent', shown ?? stripLineEnd(data));
    await this.send(step, data);
  }

  async writeSecret(step: Step, data: string | Buffer, shown: string): Promise<void> {
    this.enterStep(step);
    if (!this.tlsActive || !this.verified) {
      throw new ProbeError({
        step,
        kind: 'unsafe',
        message: this.tlsActive
          ? 'refused to send a credential: the server’s identity was not verified'
          : 'refused to send a credential over a connection without TLS',
      });
    }
    this.record('sent', shown, true);
    await this.send(step, data);
  }

  note(text: string): void {
    this.record('note', text);
  }

  // ── TLS ────────────────────────────────────────────────────────────────────────────────

  async startTls(options: TlsStartOptions): Promise<TlsUpgrade> {
    const step: Step = 'handshake';
    if (this.tlsActive || this.upgrading) {
      throw new ProbeError({ step, kind: 'protocol', message: 'the connection already uses TLS' });
    }
    this.throwIfAborted(step);
    if (this.closing) throw closedError(step, 'the connection was closed');
    if (this.sockError !== null) throw translateError(this.sockError, step);
    this.upgrading = true;

    const plaintext = this.takePlaintextBeforeHandshake();
    if (this.peerEnded || this.sockClosed) {
      this.upgrading = false;
      throw closedError(step, 'the server closed the connection before the TLS handshake');
    }

    const sni = sniName(options.serverName);
    // OpenSSL 3 refuses TLS 1.0/1.1 at its default security level; asking for them lowers it to
    // 0 so legacy servers can be measured. Such a connection never counts as verified.
    const legacy = options.minVersion === 'TLSv1' || options.minVersion === 'TLSv1.1';
    const requestOcsp = options.requestOcsp ?? false;
    let ocspResponse: Buffer | null = null;
    const sessions = legacy ? undefined : options.sessions;
    const sessionKeyHere = sessions ? sessionKey(this.remoteAddress, this.remotePort, options) : '';
    const kept = sessions && options.resume === true ? sessions.find(sessionKeyHere) : null;
    const started = performance.now();
    const socket = tls.connect({
      socket: this.raw,
      secureContext: secureContextFor(options, legacy),
      ...(kept ? { session: kept.session } : {}),
      ...(sni !== undefined ? { servername: sni } : {}),
      ...(options.alpn && options.alpn.length > 0 ? { ALPNProtocols: [...options.alpn] } : {}),
      // Verification is judged from facts; the handshake must complete with a bad certificate.
      rejectUnauthorized: false,
      // Node's own name check (with its Common Name fallback) stays out: identity.ts decides.
      checkServerIdentity: () => undefined,
      requestOCSP: requestOcsp,
    });
    this.tlsSock = socket;
    socket.on('OCSPResponse', (response: Buffer) => {
      ocspResponse = response;
    });
    // A TLS 1.2 session may arrive before the handshake ends: held until its facts are known.
    let sessionSeen: Buffer | null = null;
    let onSession = (session: Buffer): void => {
      sessionSeen = session;
    };
    if (sessions) socket.on('session', (session: Buffer) => onSession(session));

    try {
      await this.handshake(socket);
    } catch (err) {
      const e = translateError(err, step);
      this.sockError ??= e;
      this.upgrading = false;
      socket.destroy();
      this.raw.destroy();
      this.wakeAll();
      throw e;
    }
    const seen = tlsFactsFrom(socket, {
      sniSent: sni ?? null,
      nameChecked: options.serverName,
      requestedOcsp: requestOcsp,
      ocspResponse,
      handshakeMs: performance.now() - started,
    });
    const resumed = kept !== null && seen.resumed;
    // Node checked nothing on a resumed socket: the certificate facts are the full handshake's.
    const facts = resumed ? resumedFacts(seen, kept.parent) : seen;
    this.sock = socket;
    this.tlsActive = true;
    this.upgrading = false;
    const byAuthority = facts.verification.chainTrusted && facts.verification.nameMatches;
    const seenSha256 = socket.getPeerCertificate(false).fingerprint256;
    const leafSha256 = resumed
      ? kept.leafSha256
      : typeof seenSha256 === 'string' && seenSha256 !== ''
        ? seenSha256
        : null;
    if (sessions) {
      onSession = (session: Buffer): void => {
        if (resumed) sessions.renew(sessionKeyHere, session, kept);
        else sessions.keep(sessionKeyHere, session, facts, leafSha256);
      };
      if (sessionSeen !== null) onSession(sessionSeen);
    }
    const byException =
      typeof leafSha256 === 'string' &&
      (options.pinnedSha256 ?? []).some((fp) => fp.toUpperCase() === leafSha256.toUpperCase());
    this.basis = legacy ? null : byAuthority ? 'authority' : byException ? 'exception' : null;
    this.verified = this.basis !== null;
    this.peerEnded = false;
    this.sockClosed = false;
    this.attach(socket);
    this.note(
      `TLS handshake complete${resumed ? ' (resumed a session of an earlier full handshake)' : ''}: ${facts.version}, ${facts.cipher.standardName}; identity ${this.basis === 'authority' ? 'verified' : this.basis === 'exception' ? 'matches an accepted exception' : 'NOT verified'}`,
    );
    return { tls: facts, plaintextAfterGoAhead: plaintext };
  }

  /**
   * Hands the raw TCP socket over for a handshake this connection does not do itself (the TLS
   * scanner writes its own ClientHello after the STARTTLS dialog). The connection is finished
   * afterwards: every further read, write or upgrade fails, and the caller owns (and destroys)
   * the socket. Plaintext the server sent after its go-ahead is taken out, as in startTls().
   */
  releaseSocket(step: Step): {
    readonly socket: net.Socket;
    readonly plaintextAfterGoAhead: Buffer;
  } {
    if (this.tlsActive || this.upgrading) {
      throw new ProbeError({ step, kind: 'protocol', message: 'the connection already uses TLS' });
    }
    this.throwIfAborted(step);
    if (this.closing) throw closedError(step, 'the connection was closed');
    if (this.sockError !== null) throw translateError(this.sockError, step);
    const plaintextAfterGoAhead = this.takePlaintextBeforeHandshake();
    if (this.peerEnded || this.sockClosed) {
      throw closedError(step, 'the server closed the connection before the TLS handshake');
    }
    this.closing = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.wakeAll();
    // Left paused: the new owner resumes it once its own 'data' listener is attached.
    return { socket: this.raw, plaintextAfterGoAhead };
  }

  /**
   * Whatever the server sent after its go-ahead is plaintext: takes it out of our buffer and out
   * of the socket's own buffer (node:tls would otherwise feed it into the handshake), and notes it.
   */
  private takePlaintextBeforeHandshake(): Buffer {
    this.detach(this.raw);
    this.raw.pause();
    const parts: Buffer[] = [];
    if (this.buf.length > 0) parts.push(this.buf);
    for (let b: unknown = this.raw.read(); b !== null; b = this.raw.read()) {
      if (Buffer.isBuffer(b)) parts.push(b);
    }
    this.buf = EMPTY;
    this.scanned = 0;
    this.seenPrefix = 0;
    this.paused = false;
    const plaintext = Buffer.concat(parts);
    if (plaintext.length > 0) {
      this.note(
        `${plaintext.length} byte(s) arrived in plaintext after the go-ahead, before the TLS handshake (discarded): ${escapePreview(plaintext, EVIDENCE_CHARS)}`,
      );
    }
    return plaintext;
  }

  private handshake(socket: tls.TLSSocket): Promise<void> {
    const ms = this.timeouts.handshake;
    return new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = (err?: unknown): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.abortHooks.delete(onAbort);
        socket.off('secureConnect', onSecure);
        socket.off('error', onFail);
        socket.off('close', onClose);
        // Keep an error listener: a late error must never become an uncaught exception.
        socket.on('error', ignore);
        if (err === undefined) resolve();
        else reject(err instanceof Error ? err : new Error(String(err)));
      };
      const onSecure = (): void => finish();
      const onFail = (err: unknown): void => finish(err);
      const onClose = (): void =>
        finish(
          closedError('handshake', 'the server closed the connection during the TLS handshake'),
        );
      const onAbort = (): void => finish(abortError(this.signal, 'handshake'));
      const timer = setTimeout(() => finish(timeoutError('handshake', ms)), ms);
      socket.once('secureConnect', onSecure);
      socket.on('error', onFail);
      socket.once('close', onClose);
      if (this.signal?.aborted) onAbort();
      else this.abortHooks.add(onAbort);
    });
  }

  // ── closing ────────────────────────────────────────────────────────────────────────────

  close(): Promise<void> {
    if (this.closing) return Promise.resolve();
    this.closing = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.wakeAll();
    try {
      const sock = this.sock;
      const destroyAll = (): void => {
        this.tlsSock?.destroy();
        this.raw.destroy();
      };
      if (sock.destroyed) {
        destroyAll();
      } else {
        const timer = setTimeout(destroyAll, CLOSE_GRACE_MS);
        timer.unref();
        sock.once('close', () => {
          clearTimeout(timer);
          destroyAll();
        });
        sock.end();
      }
    } catch {
      // close never throws
    }
    return Promise.resolve();
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────

  private attach(socket: net.Socket): void {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
  }

  /** Stops listening for data on `socket`; keeps an error listener so nothing goes uncaught. */
  private detach(socket: net.Socket): void {
    socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('close', this.onClose);
    socket.off('error', this.onError);
    socket.on('error', ignore);
  }

  private enterStep(step: Step): void {
    if (step === this.step) return;
    this.step = step;
    this.stepStartedAt = performance.now();
    this.stepBytes = 0;
    this.stepLines = 0;
  }

  private stepDeadline(): number {
    return this.stepStartedAt + this.timeouts.step;
  }

  private throwIfAborted(step: Step): void {
    if (this.signal?.aborted) throw abortError(this.signal, step);
  }

  /** Throws when no more data can come: the socket failed, the peer closed, or we closed. */
  private throwIfEnded(step: Step): void {
    const evidence = this.partialEvidence();
    if (this.sockError !== null) throw translateError(this.sockError, step, evidence);
    if (this.closing) throw closedError(step, 'the connection was closed by us', evidence);
    if (this.peerEnded || this.sockClosed) {
      throw closedError(step, 'the server closed the connection', evidence);
    }
    if (this.upgrading) {
      throw new ProbeError({ step, kind: 'protocol', message: 'read during the TLS handshake' });
    }
  }

  private partialEvidence(): string | undefined {
    return this.buf.length > 0 ? escapePreview(this.buf, EVIDENCE_CHARS) : undefined;
  }

  /** Resolves true on any socket event, false when `until` (performance.now() time) passes. */
  private waitForEvent(until: number): Promise<boolean> {
    const remaining = until - performance.now();
    if (remaining <= 0) return Promise.resolve(false);
    this.resumeIfRoom();
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(false);
      }, remaining);
      this.waiters.add(waiter);
    });
  }

  private wakeAll(): void {
    if (this.waiters.size === 0) return;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }

  private resumeIfRoom(): void {
    if (this.paused && this.buf.length < this.highWater && !this.upgrading) {
      this.paused = false;
      this.sock.resume();
    }
  }

  private limitError(step: Step, name: keyof ReadLimits, evidence?: Buffer): ProbeError {
    const value = this.limits[name];
    return new ProbeError({
      step,
      kind: 'limit',
      message: `read limit ${name} (${value}) exceeded`,
      limit: { name, value },
      ...(evidence && evidence.length > 0
        ? { evidence: escapePreview(evidence, EVIDENCE_CHARS) }
        : {}),
    });
  }

  /** Counts `n` bytes (and `lines` lines) taken from the front of the buffer; throws at a cap. */
  private account(step: Step, n: number, lines: number, evidence: Buffer): number {
    const fresh = Math.max(0, n - this.seenPrefix);
    if (fresh > 0) {
      if (this.stepBytes + fresh > this.limits.maxBytesPerStep) {
        throw this.limitError(step, 'maxBytesPerStep', evidence);
      }
      if (this.totalBytes + fresh > this.limits.maxBytesTotal) {
        throw this.limitError(step, 'maxBytesTotal', evidence);
      }
      if (lines > 0 && this.stepLines + lines > this.limits.maxLinesPerStep) {
        throw this.limitError(step, 'maxLinesPerStep', evidence);
      }
      this.stepBytes += fresh;
      this.totalBytes += fresh;
      if (lines > 0) this.stepLines += lines;
    }
    return fresh;
  }

  private consume(n: number): void {
    this.buf = n >= this.buf.length ? EMPTY : this.buf.subarray(n);
    this.seenPrefix = Math.max(0, this.seenPrefix - n);
    this.scanned = 0;
  }

  /** One complete line from the buffer, or null when none is there yet. Enforces the line limit while scanning. */
  private takeLine(step: Step): string | null {
    const lf = this.buf.indexOf(0x0a, this.scanned);
    if (lf < 0) {
      this.scanned = this.buf.length;
      // Even if the next byte were LF after a CR, this line is already too long.
      if (this.buf.length > this.limits.maxLineBytes + 1) {
        throw this.limitError(step, 'maxLineBytes', this.buf.subarray(0, EVIDENCE_CHARS * 4));
      }
      return null;
    }
    const end = lf > 0 && this.buf[lf - 1] === 0x0d ? lf - 1 : lf;
    const line = this.buf.subarray(0, end);
    if (end > this.limits.maxLineBytes) {
      throw this.limitError(step, 'maxLineBytes', line.subarray(0, EVIDENCE_CHARS * 4));
    }
    const fresh = this.account(step, lf + 1, 1, line);
    const text = line.toString('utf8');
    this.consume(lf + 1);
    if (fresh > 0) this.record('received', line);
    return text;
  }

  private takeAll(step: Step): Buffer {
    const data = Buffer.from(this.buf);
    const fresh = this.account(step, data.length, 0, data);
    this.consume(data.length);
    if (fresh > 0) this.record('received', data.subarray(data.length - fresh));
    return data;
  }

  private async send(step: Step, data: string | Buffer): Promise<void> {
    this.throwIfAborted(step);
    if (this.upgrading) {
      throw new ProbeError({ step, kind: 'protocol', message: 'write during the TLS handshake' });
    }
    if (this.sockError !== null) throw translateError(this.sockError, step);
    if (this.closing || this.sock.destroyed || this.sock.writableEnded) {
      throw closedError(step, 'the connection is closed');
    }
    const sock = this.sock;
    const deadline = this.stepDeadline();
    await new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = (err?: ProbeError): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.abortHooks.delete(onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = (): void => finish(abortError(this.signal, step));
      const timer = setTimeout(
        () => finish(timeoutError(step, this.timeouts.step)),
        Math.max(0, deadline - performance.now()),
      );
      this.abortHooks.add(onAbort);
      try {
        sock.write(data, (err) => finish(err ? translateError(err, step) : undefined));
      } catch (err) {
        finish(translateError(err, step));
      }
    });
  }

  private record(dir: TranscriptDirection, data: string | Buffer, redacted?: true): void {
    if (this.transcriptFull) return;
    const at = Math.round((this.clock() - this.startedAt) * 10) / 10;
    if (this.entries.length >= MAX_TRANSCRIPT_ENTRIES) {
      this.transcriptFull = true;
      this.entries.push({ at, dir: 'note', text: 'transcript truncated', tls: this.tlsActive });
      return;
    }
    const e = escapeText(data);
    this.entries.push({
      at,
      dir,
      text: e.text,
      tls: this.tlsActive,
      ...(redacted ? { redacted } : {}),
      ...(e.truncatedFrom !== undefined ? { truncatedFrom: e.truncatedFrom } : {}),
    });
  }
}

function ignore(): void {}

/**
 * One SecureContext per set of trust anchors and version range, reused by every connection:
 * building one loads every root into OpenSSL (milliseconds each time, per connection otherwise).
 * Keyed by the extra-anchors array itself (the probe passes one array for all its connections),
 * so a large --ca-file is never hashed.
 */
const secureContexts = new WeakMap<readonly string[], Map<string, tls.SecureContext>>();
const NO_EXTRA_CA: readonly string[] = [];

function secureContextFor(options: TlsStartOptions, legacy: boolean): tls.SecureContext {
  const extra = options.extraCa ?? NO_EXTRA_CA;
  const key = `${options.minVersion ?? ''}/${options.maxVersion ?? ''}/${legacy ? 'legacy' : ''}`;
  let contexts = secureContexts.get(extra);
  if (!contexts) {
    contexts = new Map();
    secureContexts.set(extra, contexts);
  }
  const cached = contexts.get(key);
  if (cached) return cached;
  const context = tls.createSecureContext({
    ca: [...tls.rootCertificates, ...extra],
    ...(options.minVersion ? { minVersion: options.minVersion } : {}),
    ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
    // OpenSSL 3 refuses TLS 1.0/1.1 at its default security level; see startTls.
    ...(legacy ? { ciphers: 'DEFAULT:@SECLEVEL=0' } : {}),
  });
  contexts.set(key, context);
  return context;
}

function closedError(step: Step, message: string, evidence?: string): ProbeError {
  return new ProbeError({
    step,
    kind: 'closed',
    message,
    ...(evidence !== undefined ? { evidence } : {}),
  });
}

/** What the transcript shows for sent data: without its final line ending. */
function stripLineEnd(data: string | Buffer): string | Buffer {
  if (typeof data === 'string') return data.replace(/\r?\n$/, '');
  let end = data.length;
  if (end > 0 && data[end - 1] === 0x0a) end--;
  if (end > 0 && data[end - 1] === 0x0d) end--;
  return data.subarray(0, end);
}

/** The SNI name: A-labels, no trailing dot; none for an IP literal or no name. */
export function sniName(serverName: string | null): string | undefined {
  if (serverName === null || serverName === '') return undefined;
  const n = serverName.endsWith('.') ? serverName.slice(0, -1) : serverName;
  // RFC 6066 §3: no IP literal in SNI, with a trailing dot or not.
  if (net.isIP(n.replace(/^\[|\]$/g, '')) !== 0) return undefined;
  const ascii = domainToASCII(n);
  return ascii !== '' ? ascii : n;
}

/** Opens a TCP connection to an IP address, within `timeouts.connect` and the signal. */
export async function connect(options: ConnectOptions): Promise<TcpConnection> {
  const clock = options.now ?? (() => performance.now());
  const startedAt = options.startedAt ?? clock();
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const step: Step = 'connect';
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal, step);
  const family = net.isIP(options.address);
  if (family === 0) {
    throw new ProbeError({
      step,
      kind: 'unreachable',
      message: 'not an IP address (resolve the name first)',
      evidence: escapePreview(options.address, EVIDENCE_CHARS),
    });
  }
  const socket = net.connect({ host: options.address, port: options.port, family, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: ProbeError): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      if (err) {
        socket.on('error', ignore);
        socket.destroy();
        reject(err);
      } else {
        resolve();
      }
    };
    const onConnect = (): void => finish();
    const onError = (err: unknown): void => finish(translateError(err, step));
    const onAbort = (): void => finish(abortError(signal, step));
    const timer = setTimeout(
      () =>
        finish(
          new ProbeError({
            step,
            kind: 'timeout',
            message: `no TCP connection within ${timeouts.connect} ms`,
          }),
        ),
      timeouts.connect,
    );
    socket.once('connect', onConnect);
    socket.on('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  const connection = new TcpConnection(socket, options, { clock, startedAt });
  const shownAddress = family === 6 ? `[${options.address}]` : options.address;
  connection.note(`connected to ${shownAddress}:${options.port}`);
  return connection;
}

/** Implicit TLS: connects and completes the handshake at once. Closes the connection on failure. */
export async function connectTls(
  options: ConnectOptions & { readonly tls: TlsStartOptions },
): Promise<{ connection: TcpConnection; upgrade: TlsUpgrade }> {
  const connection = await connect(options);
  try {
    const upgrade = await connection.startTls(options.tls);
    return { connection, upgrade };
  } catch (err) {
    await connection.close();
    throw err;
  }
}
