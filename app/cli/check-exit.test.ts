/** The exit-code rules of `sealcheck check`, on hand-made judgements (no network). */
import { describe, expect, test } from 'vitest';
import {
  FACTS_SCHEMA,
  type AddressFacts,
  type EndpointFacts,
  type ProbeStatus,
} from '../core/facts/endpoint';
import type { Judgement } from '../core/findings/judge';
import type { Finding, Severity, VerdictKind } from '../core/findings/types';
import { endpointStatus, exitCodeFor, isNotServed } from './check-exit';

function address(status: ProbeStatus, addr = '192.0.2.1'): AddressFacts {
  return {
    address: addr,
    family: 4,
    status,
    error: null,
    greeting: null,
    capabilitiesBeforeTls: null,
    starttls: null,
    tls: null,
    capabilitiesAfterTls: null,
    loginBeforeTls: null,
    injection: null,
    scan: null,
    timings: {},
    connections: 1,
    transcript: [],
  };
}

function facts(host: string, statuses: ProbeStatus[]): EndpointFacts {
  return {
    schema: FACTS_SCHEMA,
    target: { host, port: 993, protocol: 'imap', security: 'implicit' },
    startedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 10,
    resolved: statuses.map((_s, i) => `192.0.2.${i + 1}`),
    resolveError: null,
    addresses: statuses.map((s, i) => address(s, `192.0.2.${i + 1}`)),
    sealcheckVersion: 'test',
  };
}

function finding(severity: Severity): Finding {
  return {
    id: 'tls.no-tls13',
    severity,
    subject: { host: 'mail.example.org', port: 993, protocol: 'imap', security: 'implicit' },
    evidence: { version: 'TLSv1.2' },
  };
}

function judged(
  kind: VerdictKind,
  severities: Severity[] = [],
  f: EndpointFacts = facts('mail.example.org', ['success']),
): Judgement {
  const findings = severities.map(finding);
  const worst = severities.includes('critical')
    ? 'critical'
    : severities.includes('warning')
      ? 'warning'
      : severities.includes('info')
        ? 'info'
        : null;
  return { facts: f, findings, verdict: { kind, worst, findings }, certificates: [] };
}

const one = { standardPorts: false };
const std = { standardPorts: true };

describe('endpoint status', () => {
  test('verified with no findings, or info only: ok (exit 0)', () => {
    expect(endpointStatus(judged('encrypted-verified'), one)).toBe('ok');
    expect(endpointStatus(judged('encrypted-verified', ['info', 'info']), one)).toBe('ok');
    expect(exitCodeFor([judged('encrypted-verified', ['info'])], one)).toBe(0);
  });

  test('a warning or a critical finding: problems (exit 1)', () => {
    for (const s of ['warning', 'critical'] as const) {
      expect(endpointStatus(judged('encrypted-verified', ['info', s]), one)).toBe('problems');
      expect(exitCodeFor([judged('encrypted-verified', [s])], one)).toBe(1);
    }
  });

  test('fails closed: a verdict short of verified is a problem even without findings', () => {
    for (const kind of ['encrypted-unverified', 'encryption-removable', 'not-encrypted'] as const) {
      expect(endpointStatus(judged(kind), one), kind).toBe('problems');
    }
  });

  test('could-not-check (and not-served when the port was named): exit 2', () => {
    expect(endpointStatus(judged('could-not-check', ['warning']), one)).toBe('could-not-check');
    const refused = facts('mail.example.org', ['connection-refused']);
    expect(endpointStatus(judged('not-served', [], refused), one)).toBe('could-not-check');
    expect(endpointStatus(judged('could-not-check', [], refused), one)).toBe('could-not-check');
    expect(exitCodeFor([judged('could-not-check', [], refused)], one)).toBe(2);
  });

  test('standard ports: refused everywhere is not served; refused on one address is not', () => {
    const refused = facts('mail.example.org', ['connection-refused']);
    expect(isNotServed(refused, std)).toBe(true);
    expect(isNotServed(refused, one)).toBe(false);
    expect(endpointStatus(judged('could-not-check', [], refused), std)).toBe('not-served');
    const half = facts('mail.example.org', ['connection-refused', 'io-timeout']);
    expect(endpointStatus(judged('could-not-check', [], half), std)).toBe('could-not-check');
    const unresolved: EndpointFacts = {
      ...facts('mail.example.org', []),
      resolveError: { step: 'resolve', kind: 'dns', message: 'ENOTFOUND' },
    };
    expect(isNotServed(unresolved, std)).toBe(false);
  });
});

describe('exit code over a run', () => {
  test('worst wins: 2 over 1 over 0', () => {
    const ok = judged('encrypted-verified');
    const bad = judged('encrypted-unverified', ['critical']);
    const broken = judged('could-not-check');
    expect(exitCodeFor([ok, ok], one)).toBe(0);
    expect(exitCodeFor([ok, bad], one)).toBe(1);
    expect(exitCodeFor([bad, broken, ok], one)).toBe(2);
    expect(exitCodeFor([], one)).toBe(2);
  });

  test('standard ports: a host with nothing served could not be checked; some served is enough', () => {
    const refusedA = judged('could-not-check', [], facts('a.example', ['connection-refused']));
    const okA = judged('encrypted-verified', [], facts('a.example', ['success']));
    const refusedB = judged('could-not-check', [], facts('b.example', ['connection-refused']));
    expect(exitCodeFor([refusedA, refusedA], std)).toBe(2);
    expect(exitCodeFor([refusedA, okA], std)).toBe(0);
    expect(exitCodeFor([refusedA, okA, refusedB], std)).toBe(2);
  });
});
