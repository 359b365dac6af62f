/**
 * Runs the probe engine against a hostile server with short deadlines, and fails the test if it
 * rejects or does not resolve within the overall deadline plus a generous margin. Also the
 * checks every hostile case shares: facts are JSON data, and no server text appears raw.
 */
import { expect } from 'vitest';
import type {
  AddressFacts,
  EndpointFacts,
  Protocol,
  ProbeStatus,
  Security,
} from '../../app/core/facts/endpoint';
import type { ProbeErrorKind, Step } from '../../app/core/net/errors';
import type { ReadLimits, Timeouts } from '../../app/core/net/types';
import { probeEndpoint } from '../../app/core/probe';
import {
  HOSTILE_NAME,
  RAW_HOSTILE_CHARS,
  startHostileServer,
  type Behaviour,
  type HostileServer,
} from './servers';
import { hostileCert } from './tls-servers';

export const TIMEOUTS: Timeouts = { connect: 1000, step: 1000, handshake: 1000 };
export const OVERALL_MS = 5000;
/** How much later than the overall deadline a probe may resolve before the test calls it a hang. */
export const MARGIN_MS = 3000;

/** The standard port of each protocol in each mode (the probe reaches the server via connectTo). */
const PORTS: Record<Protocol, { implicit: number; starttls: number }> = {
  imap: { implicit: 993, starttls: 143 },
  pop3: { implicit: 995, starttls: 110 },
  smtp: { implicit: 465, starttls: 25 },
  submission: { implicit: 465, starttls: 587 },
  xmpp: { implicit: 5223, starttls: 5222 },
};

export interface HostileRun {
  readonly facts: EndpointFacts;
  /** The one address probed (127.0.0.1). */
  readonly address: AddressFacts;
  readonly elapsedMs: number;
  readonly server: HostileServer;
}

export interface RunOptions {
  readonly security?: Security;
  readonly limits?: Partial<ReadLimits>;
  readonly injectionTest?: boolean;
  readonly timeouts?: Partial<Timeouts>;
  readonly overallTimeoutMs?: number;
}

/** Starts `behaviour`, probes it as `protocol`, closes the server when the test ends. */
export async function probeHostile(
  protocol: Protocol,
  behaviour: Behaviour,
  options: RunOptions = {},
): Promise<HostileRun> {
  const server = await startHostileServer(behaviour);
  const security = options.security ?? 'starttls';
  const overall = options.overallTimeoutMs ?? OVERALL_MS;
  const port = security === 'implicit' ? PORTS[protocol].implicit : PORTS[protocol].starttls;
  const { cert } = await hostileCert();
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`probeEndpoint did not resolve within ${overall + MARGIN_MS} ms`)),
      overall + MARGIN_MS,
    );
  });
  try {
    const facts = await Promise.race([
      probeEndpoint(
        { host: HOSTILE_NAME, port, protocol, security },
        {
          connectTo: [{ host: HOSTILE_NAME, port, toHost: server.host, toPort: server.port }],
          extraCa: [cert],
          timeouts: { ...TIMEOUTS, ...options.timeouts },
          overallTimeoutMs: overall,
          injectionWaitMs: 200,
          ...(options.limits ? { limits: options.limits } : {}),
          ...(options.injectionTest !== undefined ? { injectionTest: options.injectionTest } : {}),
        },
      ),
      hang,
    ]);
    const elapsedMs = performance.now() - started;
    expect(facts.addresses).toHaveLength(1);
    const address = facts.addresses[0];
    if (address === undefined) throw new Error('no address probed');
    checkSharedInvariants(facts);
    expect(server.behaviourErrors).toEqual([]);
    return { facts, address, elapsedMs, server };
  } finally {
    clearTimeout(timer);
    await server.close();
  }
}

/** Facts are plain JSON, and no string anywhere in them carries a raw control or bidi character. */
export function checkSharedInvariants(facts: EndpointFacts): void {
  expect(JSON.parse(JSON.stringify(facts))).toEqual(facts);
  const offenders = rawStrings(facts);
  expect(offenders, 'raw control or bidi characters in the facts').toEqual([]);
  for (const entry of facts.addresses.flatMap((a) => a.transcript)) {
    expect(entry.text).not.toMatch(RAW_HOSTILE_CHARS);
  }
}

/** Paths of strings (values and keys) containing a raw control or bidi character. */
function rawStrings(value: unknown, path = '$'): string[] {
  if (typeof value === 'string') {
    return RAW_HOSTILE_CHARS.test(value) ? [`${path}: ${JSON.stringify(value.slice(0, 80))}`] : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => rawStrings(v, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => [
      ...(RAW_HOSTILE_CHARS.test(k) ? [`${path}: key ${JSON.stringify(k.slice(0, 80))}`] : []),
      ...rawStrings(v, `${path}.${k}`),
    ]);
  }
  return [];
}

export interface ExpectedFailure {
  readonly status: ProbeStatus;
  readonly step: Step | readonly Step[];
  readonly kind: ProbeErrorKind | readonly ProbeErrorKind[];
  readonly limit?: string;
  readonly alert?: string;
}

/** Asserts the address ended with this status and error, and within the deadline. */
export function expectFailure(run: HostileRun, expected: ExpectedFailure): void {
  const { address } = run;
  const summary = JSON.stringify({ status: address.status, error: address.error });
  expect(address.status, summary).toBe(expected.status);
  expect(address.error, summary).not.toBeNull();
  const steps: readonly Step[] =
    typeof expected.step === 'string' ? [expected.step] : expected.step;
  const kinds: readonly ProbeErrorKind[] =
    typeof expected.kind === 'string' ? [expected.kind] : expected.kind;
  expect(steps, summary).toContain(address.error?.step);
  expect(kinds, summary).toContain(address.error?.kind);
  if (expected.limit !== undefined)
    expect(address.error?.limit?.name, summary).toBe(expected.limit);
  if (expected.alert !== undefined) expect(address.error?.alert, summary).toBe(expected.alert);
  expect(run.elapsedMs).toBeLessThan(OVERALL_MS + MARGIN_MS);
}

/** The step at which a dialog reads the server's capabilities (XMPP: its features come with the greeting). */
export function capabilitiesStep(protocol: Protocol): Step {
  return protocol === 'xmpp' ? 'greeting' : 'capabilities';
}

export const LINE_PROTOCOLS = ['imap', 'pop3', 'smtp', 'submission'] as const;
export const ALL_PROTOCOLS: readonly Protocol[] = [...LINE_PROTOCOLS, 'xmpp'];
