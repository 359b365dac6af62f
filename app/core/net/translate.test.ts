import { describe, expect, it } from 'vitest';
import { ProbeError } from './errors';
import { abortError, tlsAlertFrom, tlsAlertName, translateError } from './translate';

const errno = (code: string, message = `connect ${code}`): Error & { code: string } =>
  Object.assign(new Error(message), { code });

describe('translateError', () => {
  it.each([
    ['ECONNREFUSED', 'connect', 'refused'],
    ['ETIMEDOUT', 'connect', 'timeout'],
    ['ECONNRESET', 'greeting', 'reset'],
    ['EPIPE', 'capabilities', 'reset'],
    ['EHOSTUNREACH', 'connect', 'unreachable'],
    ['ENETUNREACH', 'connect', 'unreachable'],
    ['ENOTFOUND', 'resolve', 'dns'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'handshake', 'tls'],
  ] as const)('%s at %s → %s', (code, step, kind) => {
    const e = translateError(errno(code), step);
    expect(e).toBeInstanceOf(ProbeError);
    expect(e.fact).toMatchObject({ step, kind, code });
  });

  it('reads the alert from OpenSSL’s message or Node’s code', () => {
    const msg =
      'C0:error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version:../ssl/record/rec_layer_s3.c:916:SSL alert number 70\n';
    const e = translateError(errno('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', msg), 'handshake');
    expect(e.fact).toMatchObject({ kind: 'tls', alert: 'protocol_version' });
    expect(e.fact.message).not.toContain('\n');
    expect(tlsAlertFrom({ code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' })).toBe(
      'handshake_failure',
    );
    expect(tlsAlertFrom({ code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' })).toBe('unknown_ca');
    expect(tlsAlertFrom({ code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' })).toBe(
      'certificate_required',
    );
    expect(tlsAlertFrom({ code: 'ERR_SSL_TLSV1_UNRECOGNIZED_NAME' })).toBe('unrecognized_name');
    expect(tlsAlertFrom({ message: 'x SSL alert number 40' })).toBe('handshake_failure');
    expect(tlsAlertFrom({ code: 'ERR_SSL_WRONG_VERSION_NUMBER' })).toBeUndefined();
    expect(tlsAlertName(250)).toBe('alert_250');
    expect(tlsAlertName(120)).toBe('no_application_protocol');
  });

  it('passes ProbeErrors through and keeps evidence', () => {
    const p = new ProbeError({ step: 'greeting', kind: 'protocol', message: 'x' });
    expect(translateError(p, 'connect')).toBe(p);
    expect(translateError(errno('ECONNRESET'), 'greeting', 'partial').fact.evidence).toBe(
      'partial',
    );
    expect(translateError('weird', 'greeting').fact.kind).toBe('reset');
  });
});

describe('abortError', () => {
  it('is "timeout" for a TimeoutError reason and "cancelled" otherwise', async () => {
    const t = AbortSignal.timeout(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(abortError(t, 'greeting').fact.kind).toBe('timeout');
    expect(abortError(AbortSignal.abort(), 'greeting').fact.kind).toBe('cancelled');
    expect(abortError(undefined, 'greeting').fact.kind).toBe('cancelled');
  });
});
