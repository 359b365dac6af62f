/**
 * The one place that turns low-level failures (socket error codes, OpenSSL messages, aborts)
 * into ProbeErrors. Nothing else in Sealcheck parses error strings.
 */
import { ProbeError, type ProbeErrorKind, type Step } from './errors';

/** TLS alert descriptions, RFC 8446 §6 (with the TLS 1.2-era values, RFC 5246 §7.2). */
const TLS_ALERTS: Readonly<Record<number, string>> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  21: 'decryption_failed',
  22: 'record_overflow',
  30: 'decompression_failure',
  40: 'handshake_failure',
  41: 'no_certificate',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  60: 'export_restriction',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  100: 'no_renegotiation',
  109: 'missing_extension',
  110: 'unsupported_extension',
  111: 'certificate_unobtainable',
  112: 'unrecognized_name',
  113: 'bad_certificate_status_response',
  114: 'bad_certificate_hash_value',
  115: 'unknown_psk_identity',
  116: 'certificate_required',
  120: 'no_application_protocol',
};

/** The alert's name for its number, or `alert_<n>` for one not in the table. */
export function tlsAlertName(n: number): string {
  return TLS_ALERTS[n] ?? `alert_${n}`;
}

const KNOWN_ALERT_NAMES = new Set(Object.values(TLS_ALERTS));

/**
 * The alert a peer sent, from OpenSSL's message ("… SSL alert number 40") or Node's code
 * (ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE, ERR_SSL_TLSV1_UNRECOGNIZED_NAME). Undefined when the
 * failure was local (our library refused) rather than an alert from the peer.
 */
export function tlsAlertFrom(err: { message?: string; code?: string }): string | undefined {
  const m = /SSL alert number (\d{1,3})\b/.exec(err.message ?? '');
  if (m?.[1] !== undefined) return tlsAlertName(Number(m[1]));
  const c = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_]+)$/.exec(err.code ?? '');
  if (c?.[1] !== undefined) return c[1].toLowerCase();
  // OpenSSL names alert 112 without "ALERT".
  const u = /^ERR_SSL_TLSV1_([A-Z_]+)$/.exec(err.code ?? '');
  if (u?.[1] !== undefined && KNOWN_ALERT_NAMES.has(u[1].toLowerCase())) return u[1].toLowerCase();
  return undefined;
}

interface ErrnoLike {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly name?: unknown;
}

function kindForCode(code: string, step: Step): ProbeErrorKind {
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
    case 'ERR_STREAM_DESTROYED':
    case 'ERR_STREAM_WRITE_AFTER_END':
      return 'reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
    case 'EADDRNOTAVAIL':
    case 'EAFNOSUPPORT':
      return 'unreachable';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
      return 'dns';
    case 'ABORT_ERR':
      return 'cancelled';
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.startsWith('ERR_OSSL_')) {
    return 'tls';
  }
  return step === 'connect' ? 'unreachable' : 'reset';
}

/** Translates any thrown value at a socket boundary into a ProbeError for `step`. */
export function translateError(err: unknown, step: Step, evidence?: string): ProbeError {
  if (err instanceof ProbeError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as ErrnoLike;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message =
    typeof e.message === 'string' && e.message !== ''
      ? (e.message.split('\n')[0] ?? e.message)
      : String(err);
  let kind: ProbeErrorKind;
  if (code !== undefined) kind = kindForCode(code, step);
  else if (/SSL routines|alert number|wrong version number/i.test(message)) kind = 'tls';
  else kind = step === 'connect' ? 'unreachable' : 'reset';
  const alert = kind === 'tls' ? tlsAlertFrom({ message, ...(code ? { code } : {}) }) : undefined;
  return new ProbeError(
    {
      step,
      kind,
      message: message.length > 300 ? `${message.slice(0, 300)}…` : message,
      ...(code !== undefined ? { code } : {}),
      ...(alert !== undefined ? { alert } : {}),
      ...(evidence !== undefined && evidence !== '' ? { evidence } : {}),
    },
    { cause: err },
  );
}

/** The error for an aborted signal: 'timeout' when the reason is a TimeoutError, else 'cancelled'. */
export function abortError(signal: AbortSignal | undefined, step: Step): ProbeError {
  const reason: unknown = signal?.reason;
  const isTimeout =
    typeof reason === 'object' &&
    reason !== null &&
    (reason as { name?: unknown }).name === 'TimeoutError';
  return new ProbeError(
    {
      step,
      kind: isTimeout ? 'timeout' : 'cancelled',
      message: isTimeout ? 'the whole probe’s deadline passed' : 'the probe was cancelled',
    },
    { cause: reason },
  );
}

/** A step's own deadline passed. */
export function timeoutError(step: Step, ms: number, evidence?: string): ProbeError {
  return new ProbeError({
    step,
    kind: 'timeout',
    message: `no complete answer within ${ms} ms`,
    ...(evidence !== undefined && evidence !== '' ? { evidence } : {}),
  });
}
