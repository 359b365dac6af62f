/**
 * Errors as data. Low-level failures (socket errors, TLS alerts, timeouts, limits) are translated
 * once, where they happen, into a ProbeError with the step and a kind; nothing else parses
 * error strings. A ProbeError becomes a `ProbeErrorFact` in the facts.
 */

/** The steps of a probe, in dialog order. Every deadline and every error names one. */
export type Step =
  | 'resolve'
  | 'connect'
  | 'greeting'
  | 'capabilities'
  | 'starttls'
  | 'handshake'
  | 'capabilities-after-tls'
  | 'login-probe'
  | 'injection-probe'
  /** The TLS scanner's questions: which protocol versions the server accepts … */
  | 'scan-versions'
  /** … and which kinds of cipher suites (weak families, no forward secrecy, the full list). */
  | 'scan-ciphers'
  | 'login'
  | 'close';

export type ProbeErrorKind =
  /** DNS gave no address or failed. */
  | 'dns'
  /** Nothing listens (ECONNREFUSED). */
  | 'refused'
  /** No network route, host unreachable. */
  | 'unreachable'
  /** The step's deadline (or the whole probe's) passed. */
  | 'timeout'
  /** The peer reset the connection (ECONNRESET, EPIPE). */
  | 'reset'
  /** The peer closed the connection cleanly when we expected more. */
  | 'closed'
  /** The TLS handshake failed: an alert from the peer, or our TLS library refused. */
  | 'tls'
  /** The peer said something the protocol does not allow (a garbage greeting, a wrong reply). */
  | 'protocol'
  /** The peer refused what we asked, in protocol terms (STARTTLS answered with an error). */
  | 'refused-by-server'
  /** A size limit was hit: line too long, too many lines, too many bytes. */
  | 'limit'
  /** The probe was cancelled. */
  | 'cancelled'
  /** We refused to do something unsafe (a secret over an unverified connection). */
  | 'unsafe';

export interface ProbeErrorFact {
  readonly step: Step;
  readonly kind: ProbeErrorKind;
  /** One short technical sentence, for the details pane; never shown as the explanation. */
  readonly message: string;
  /** Node's error code (ECONNRESET, ERR_SSL_…), when there was one. */
  readonly code?: string;
  /** The TLS alert's name, e.g. "handshake_failure", when the peer sent one. */
  readonly alert?: string;
  /** The offending line or bytes, escaped and truncated to a few hundred characters. */
  readonly evidence?: string;
  /** For `limit`: which limit and its value. */
  readonly limit?: { readonly name: string; readonly value: number };
}

export class ProbeError extends Error {
  readonly fact: ProbeErrorFact;
  constructor(fact: ProbeErrorFact, options?: { cause?: unknown }) {
    super(`${fact.step}: ${fact.message}`, options);
    this.name = 'ProbeError';
    this.fact = fact;
  }
}

export function isProbeError(err: unknown): err is ProbeError {
  return err instanceof ProbeError;
}
