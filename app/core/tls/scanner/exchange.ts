/**
 * One raw hello exchange on an already connected socket (implicit TLS, or after a STARTTLS
 * dialog): write the ClientHello in one write, read until the parser can decide, then stop.
 * A reset, a close or a timeout before a decision is reported as such, never as a rejection.
 */
import type { Socket } from 'node:net';
import { MAX_FLIGHT_BYTES, parseServerFlight } from './server-hello';
import type { ServerFlight } from './server-hello';

export type ExchangeOutcome =
  | { readonly kind: 'flight'; readonly flight: ServerFlight }
  /** `received`: how many bytes came before the close (0: a clean close without a word). */
  | { readonly kind: 'closed'; readonly partial: ServerFlight; readonly received: number }
  | { readonly kind: 'reset'; readonly partial: ServerFlight; readonly error: string }
  | { readonly kind: 'timeout'; readonly partial: ServerFlight }
  | { readonly kind: 'cancelled'; readonly partial: ServerFlight };

export interface ExchangeOptions {
  readonly timeoutMs: number;
  /** For TLS ≤ 1.2: wait for the certificates (until ServerHelloDone), not just the hello. */
  readonly wantCertificates?: boolean;
  readonly signal?: AbortSignal;
}

function decided(f: ServerFlight, wantCertificates: boolean): boolean {
  if (f.kind === 'need-more') return false;
  if (f.kind === 'server-hello') return f.complete || !wantCertificates;
  return true;
}

/** Sends `hello` and reads the answer; resolves, never rejects. Leaves the socket to the caller. */
export function exchangeHello(
  socket: Socket,
  hello: Buffer,
  options: ExchangeOptions,
): Promise<ExchangeOutcome> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    let done = false;
    const current = (): ServerFlight => parseServerFlight(received);
    const finish = (outcome: ExchangeOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      if (received.length > MAX_FLIGHT_BYTES) received = received.subarray(0, MAX_FLIGHT_BYTES + 1);
      const f = current();
      if (f.kind === 'invalid' || decided(f, options.wantCertificates ?? false)) {
        finish({ kind: 'flight', flight: f });
      }
    };
    const onEnd = (): void => {
      const f = current();
      // A server that sent its hello and then closed still answered.
      if (f.kind !== 'need-more') finish({ kind: 'flight', flight: f });
      else finish({ kind: 'closed', partial: f, received: received.length });
    };
    const onError = (err: Error): void =>
      finish({ kind: 'reset', partial: current(), error: err.message });
    const onAbort = (): void => finish({ kind: 'cancelled', partial: current() });
    const timer = setTimeout(() => {
      const f = current();
      finish(
        f.kind === 'server-hello' ? { kind: 'flight', flight: f } : { kind: 'timeout', partial: f },
      );
    }, options.timeoutMs);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    // A socket handed over by a Connection is paused until its new owner listens.
    socket.resume();
    socket.write(hello);
  });
}
