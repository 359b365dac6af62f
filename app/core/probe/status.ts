/**
 * From a ProbeError to the coarse ProbeStatus (zgrab2's status next to the detailed error).
 * One table; the detailed ProbeErrorFact is kept beside the status in the facts.
 */
import type { ProbeStatus } from '../facts/endpoint';
import { ProbeError, type Step } from '../net/errors';

/** Any thrown value as a ProbeError: a bug in a dialog must still end as a fact, not a crash. */
export function asProbeError(err: unknown, step: Step): ProbeError {
  if (err instanceof ProbeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ProbeError(
    {
      step,
      kind: 'protocol',
      message: `internal error: ${message.length > 300 ? `${message.slice(0, 300)}…` : message}`,
    },
    { cause: err },
  );
}

export function statusFor(error: ProbeError): ProbeStatus {
  const { kind, step } = error.fact;
  switch (kind) {
    case 'dns':
      return 'dns-error';
    case 'refused':
      return 'connection-refused';
    case 'unreachable':
      return 'connection-error';
    case 'timeout':
      return step === 'connect' ? 'connection-timeout' : 'io-timeout';
    case 'reset':
    case 'closed':
      // A peer that hangs up during the handshake rejected our TLS (no common version or suite).
      return step === 'handshake' ? 'tls-error' : 'connection-error';
    case 'tls':
      return 'tls-error';
    case 'protocol':
    case 'unsafe':
      return 'protocol-error';
    case 'refused-by-server':
      return step === 'starttls' ? 'starttls-refused' : 'protocol-error';
    case 'limit':
      return 'limit-exceeded';
    case 'cancelled':
      return 'cancelled';
  }
}
