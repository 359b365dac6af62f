/**
 * Probes one endpoint (host, port, protocol, mode) and returns its facts, never a judgement.
 *
 * 1. resolve — the host's A and AAAA addresses (or the --connect-to address instead);
 * 2. for EVERY address, in parallel (one stale node or an IPv6 address with another certificate
 *    is the classic "sometimes I get a warning"), on one TCP connection:
 *    a. connect — plain TCP; for implicit TLS the handshake follows at once (SNI = the reference
 *       identity unless it is an IP literal, ALPN from the dialog, OCSP stapling requested);
 *    b. greet — the whole greeting (a reject ends the dialog; IMAP PREAUTH skips STARTTLS);
 *    c. capabilities — listed before TLS (plain and STARTTLS modes) or inside TLS (implicit);
 *    d. login-probe — plain and STARTTLS modes only: would the server take a password before
 *       TLS? Starts a password mechanism without any secret and cancels;
 *    e. starttls — when offered, or when nothing says (POP3 without CAPA: try STLS anyway),
 *       also in plaintext mode (the server's ability is a fact), then the handshake over the
 *       same connection and the capabilities again inside TLS;
 *    f. close — a polite goodbye, sent without waiting for its answer.
 *    Once the capabilities allow STARTTLS, the command-injection test (injection.ts) runs on a
 *    second connection in parallel with the rest of the main dialog.
 *    The TLS scan (tls/scanner/scan.ts) runs on connections of its own, in parallel with the
 *    rest: which versions and suites the server accepts, and the chain exactly as sent. It
 *    starts right after connect for implicit TLS, and once the capabilities allow STARTTLS for
 *    the other modes (scan-transport.ts does each of its connections' STARTTLS dialog).
 * 3. Every error becomes data: the coarse status, the detailed error and everything seen before
 *    it (partial facts are always returned), with the transcript of each connection.
 *
 * The whole probe has one deadline (`overallTimeoutMs`) on top of each step's; a cancel through
 * `signal` ends it with status 'cancelled'. No credential is ever sent.
 *
 * Where facts go for implicit TLS: there is no "before TLS", so the capabilities listed on the
 * TLS connection are `capabilitiesAfterTls` and `capabilitiesBeforeTls`, `starttls` and
 * `loginBeforeTls` stay null.
 */
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  FACTS_SCHEMA,
  type AddressFacts,
  type Capabilities,
  type EndpointFacts,
  type EndpointTarget,
  type Greeting,
  type InjectionFacts,
  type LoginBeforeTlsFacts,
  type ProbeStatus,
  type ScanFacts,
  type StartTlsFacts,
  type TlsFacts,
} from '../facts/endpoint';
import { ProbeError, type ProbeErrorFact, type Step } from '../net/errors';
import { escapePreview } from '../net/escape';
import {
  applyConnectTo,
  resolveAddresses,
  type ConnectToRule,
  type LookupFunction,
} from '../net/resolve';
import { connect, sniName } from '../net/tcp-connection';
import type {
  Connection,
  ReadLimits,
  Timeouts,
  TlsStartOptions,
  TranscriptEntry,
} from '../net/types';
import type { Dialog, DialogContext } from '../protocols/dialog';
import type { TlsSessionCache } from '../net/tls-sessions';
import { dialogFor } from '../protocols/registry';
import { timeInLines } from '../protocols/server-time';
import { sameServerNames, type SameServerName } from './same-server';
import { scanTls, type ScanMode } from '../tls/scanner/scan';
import { DEFAULT_INJECTION_WAIT_MS, runInjectionTest, settleHandshakeRefusal } from './injection';
import { openForScan } from './scan-transport';
import { asProbeError, statusFor } from './status';

export const DEFAULT_OVERALL_TIMEOUT_MS = 30_000;
/** After the overall deadline, how long an address's probe may take to wind down before its facts are taken as they are. */
const WIND_DOWN_MS = 1_000;

export interface ProbeProgress {
  /** The address the step ran on; absent for 'resolve'. */
  readonly address?: string;
  readonly step: Step;
  readonly state: 'started' | 'done' | 'failed';
}

export interface ProbeOptions {
  /** Name resolution (tests map names to loopback); defaults to the system resolver. */
  readonly lookup?: LookupFunction;
  /** curl-style --connect-to rules: reach HOST:PORT at another address, keeping the name for SNI and checks. */
  readonly connectTo?: readonly ConnectToRule[];
  /** Extra trust anchors (PEM) added to the public roots: the test bed's root, a company CA. */
  readonly extraCa?: readonly string[];
  readonly timeouts?: Partial<Timeouts>;
  readonly limits?: Partial<ReadLimits>;
  /** The whole probe's deadline, all addresses together (default 30 s). */
  readonly overallTimeoutMs?: number;
  /** Cancels the probe (status 'cancelled'). */
  readonly signal?: AbortSignal;
  /** The STARTTLS command-injection test; default on for STARTTLS endpoints, off for plaintext ones. */
  readonly injectionTest?: boolean;
  /**
   * For dialogs without a fence command (XMPP; POP3 when CAPA was refused): the least time the
   * injection test waits inside TLS for an unsolicited answer (default 400 ms; more on slow links).
   */
  readonly injectionWaitMs?: number;
  /**
   * The TLS scan of accepted versions and suites: 'default' (a handful of connections),
   * 'detailed' (every accepted suite, by elimination), or 'off'. Default 'default'.
   */
  readonly scan?: ScanMode | 'off';
  readonly onProgress?: (event: ProbeProgress) => void;
  /** Milliseconds clock (default performance.now). */
  readonly now?: () => number;
  /** Wall clock for `startedAt` (default Date.now). */
  readonly wallClock?: () => number;
  /** Sealcheck's version, recorded in the facts (the CLI and the app know it). */
  readonly version?: string;
  /**
   * Where full TLS 1.2 handshakes leave their sessions for a later login check to resume
   * (net/tls-sessions.ts). The probe itself never resumes: its facts are the handshake it sees.
   */
  readonly sessions?: TlsSessionCache;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Env {
  readonly target: EndpointTarget;
  readonly dialog: Dialog;
  readonly options: ProbeOptions;
  readonly signal: AbortSignal;
  readonly now: () => number;
  readonly t0: number;
  readonly port: number;
  readonly tls: TlsStartOptions;
  readonly xmppDomain: string | undefined;
}

export async function probeEndpoint(
  target: EndpointTarget,
  options: ProbeOptions = {},
): Promise<EndpointFacts> {
  const now = options.now ?? (() => performance.now());
  const t0 = now();
  const startedAt = new Date((options.wallClock ?? Date.now)()).toISOString();
  const dialog = dialogFor(target.protocol);
  const deadline = AbortSignal.timeout(options.overallTimeoutMs ?? DEFAULT_OVERALL_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;

  // The reference identity: the XMPP domain for XMPP (RFC 6120 §13.7.2.1), else the host name.
  const xmppDomain = target.protocol === 'xmpp' ? (target.xmppDomain ?? target.host) : undefined;
  const identity = xmppDomain ?? target.host;
  const tls: TlsStartOptions = {
    serverName: isIP(identity.replace(/^\[|\]$/g, '')) !== 0 ? null : identity,
    requestOcsp: true,
    ...(options.extraCa && options.extraCa.length > 0 ? { extraCa: options.extraCa } : {}),
    ...(options.sessions ? { sessions: options.sessions } : {}),
  };

  const route = applyConnectTo(options.connectTo ?? [], target.host, target.port);
  const reachable: EndpointTarget =
    route.rule !== null ? { ...target, connectTo: { host: route.host, port: route.port } } : target;
  const connectHost = route.host;
  const port = route.port;

  const progress = (event: ProbeProgress): void => {
    try {
      options.onProgress?.(event);
    } catch {
      // A listener's bug must not change the facts.
    }
  };

  let resolved: { address: string; family: 4 | 6 }[] = [];
  let resolveError: ProbeErrorFact | null = null;
  progress({ step: 'resolve', state: 'started' });
  try {
    resolved = (
      await resolveAddresses(connectHost, {
        ...(options.lookup ? { lookup: options.lookup } : {}),
        signal,
      })
    ).map((r) => ({ address: r.address, family: r.family }));
    progress({ step: 'resolve', state: 'done' });
  } catch (err) {
    resolveError = asProbeError(err, 'resolve').fact;
    progress({ step: 'resolve', state: 'failed' });
  }

  const env: Env = {
    target: reachable,
    dialog,
    options,
    signal,
    now,
    t0,
    port,
    tls,
    xmppDomain,
  };
  const addresses = await Promise.all(
    resolved.map(({ address, family }) => probeAddressBounded(env, address, family, progress)),
  );

  return {
    schema: FACTS_SCHEMA,
    target: reachable,
    startedAt,
    durationMs: Math.round(now() - t0),
    resolved: resolved.map((r) => r.address),
    resolveError,
    addresses,
    sealcheckVersion: options.version ?? 'unknown',
  };
}

/** What one address's probe has seen so far; a snapshot of it is the AddressFacts. */
class AddressRecord {
  status: ProbeStatus | null = null;
  error: ProbeErrorFact | null = null;
  greeting: Greeting | null = null;
  capabilitiesBeforeTls: Capabilities | null = null;
  starttls: StartTlsFacts | null = null;
  tls: TlsFacts | null = null;
  capabilitiesAfterTls: Capabilities | null = null;
  loginBeforeTls: LoginBeforeTlsFacts | null = null;
  injection: InjectionFacts | null = null;
  scan: ScanFacts | null = null;
  sameServer: readonly SameServerName[] = [];
  readonly timings: Mutable<Partial<Record<Step, number>>> = {};
  connections = 0;
  main: Connection | null = null;
  injectionConnection: Connection | null = null;
  readonly open = new Set<Connection>();

  constructor(
    readonly address: string,
    readonly family: 4 | 6,
  ) {}

  fail(error: ProbeError): void {
    if (this.status !== null) return;
    this.status = statusFor(error);
    this.error = error.fact;
  }

  snapshot(): AddressFacts {
    const transcript: TranscriptEntry[] = [...(this.main?.transcript ?? [])];
    if (this.injectionConnection) {
      transcript.push(
        {
          at: this.injectionConnection.transcript[0]?.at ?? transcript.at(-1)?.at ?? 0,
          dir: 'note',
          text: 'injection test: its own connection',
          tls: false,
        },
        ...this.injectionConnection.transcript,
      );
    }
    return {
      address: this.address,
      family: this.family,
      status: this.status ?? 'success',
      error: this.error,
      greeting: this.greeting,
      capabilitiesBeforeTls: this.capabilitiesBeforeTls,
      starttls: this.starttls,
      tls: this.tls,
      capabilitiesAfterTls: this.capabilitiesAfterTls,
      loginBeforeTls: this.loginBeforeTls,
      injection: this.injection,
      scan: this.scan,
      ...(this.sameServer.length > 0 ? { sameServerNames: this.sameServer } : {}),
      timings: { ...this.timings },
      connections: this.connections,
      transcript,
    };
  }
}

/**
 * Runs one address's probe, but returns its facts no later than shortly after the overall
 * deadline even if some step were to ignore the signal: the record is taken as it is and the
 * connections are destroyed.
 */
async function probeAddressBounded(
  env: Env,
  address: string,
  family: 4 | 6,
  progress: (event: ProbeProgress) => void,
): Promise<AddressFacts> {
  const record = new AddressRecord(address, family);
  const run = probeAddress(env, record, progress).catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const windDown = new Promise<'late'>((resolve) => {
    onAbort = (): void => {
      timer = setTimeout(() => resolve('late'), WIND_DOWN_MS);
    };
    if (env.signal.aborted) onAbort();
    else env.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const outcome = await Promise.race([run.then(() => 'done' as const), windDown]);
    if (outcome === 'late') {
      record.fail(abortProbeError(env.signal, 'close'));
      await Promise.all([...record.open].map((c) => c.close().catch(() => undefined)));
    }
  } finally {
    clearTimeout(timer);
    if (onAbort) env.signal.removeEventListener('abort', onAbort);
  }
  return record.snapshot();
}

function abortProbeError(signal: AbortSignal, step: Step): ProbeError {
  const reason: unknown = signal.reason;
  const timeout =
    typeof reason === 'object' &&
    reason !== null &&
    (reason as { name?: unknown }).name === 'TimeoutError';
  return new ProbeError({
    step,
    kind: timeout ? 'timeout' : 'cancelled',
    message: timeout ? 'the whole probe’s deadline passed' : 'the probe was cancelled',
  });
}

async function probeAddress(
  env: Env,
  record: AddressRecord,
  progress: (event: ProbeProgress) => void,
): Promise<void> {
  const { target, dialog, options, signal, now } = env;
  const { address } = record;
  const started = now();
  let injection: Promise<void> | null = null;
  let scan: Promise<void> | null = null;
  let sameServer: Promise<void> | null = null;
  /** After a handshake whose only fault is the name: which of its names are this server's. */
  const lookUpSameServer = (tls: TlsFacts): void => {
    sameServer = sameServerNames(tls, address, {
      ...(options.lookup ? { lookup: options.lookup } : {}),
      signal,
    }).then((names) => {
      record.sameServer = names;
    });
  };

  /** Runs one step: progress events, its timing, its errors recorded (then rethrown). */
  const step = async <T>(name: Step, fn: () => Promise<T>): Promise<T> => {
    progress({ address, step: name, state: 'started' });
    try {
      const value = await fn();
      record.timings[name] = Math.round(now() - started);
      progress({ address, step: name, state: 'done' });
      return value;
    } catch (err) {
      progress({ address, step: name, state: 'failed' });
      throw asProbeError(err, name);
    }
  };

  const open = async (): Promise<Connection> => {
    record.connections++;
    const connection = await connect({
      address,
      port: env.port,
      signal,
      now,
      startedAt: env.t0,
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
    });
    record.open.add(connection);
    return connection;
  };
  const context = (connection: Connection): DialogContext => ({
    serverName: target.host,
    localAddress: localAddressOf(connection, record.family),
    ...(env.xmppDomain !== undefined ? { xmppDomain: env.xmppDomain } : {}),
  });

  let connection: Connection | null = null;
  try {
    connection = await step('connect', open);
    record.main = connection;
    const c = connection;
    const scanOn = (options.scan ?? 'default') !== 'off';
    // Implicit TLS: the scan starts with the dialog; its hellos need nothing from it.
    if (scanOn && target.security === 'implicit') scan = runScan(env, record, progress, started);

    if (target.security === 'implicit') {
      const upgrade = await step('handshake', () =>
        c.startTls({ ...env.tls, ...(dialog.alpn.length > 0 ? { alpn: dialog.alpn } : {}) }),
      );
      record.tls = upgrade.tls;
      lookUpSameServer(upgrade.tls);
    }

    const session = dialog.create(c, context(c));
    const greeting = await step('greeting', () => session.greet());
    const receivedAt = (env.options.wallClock ?? Date.now)();
    const stated = timeInLines(greeting.lines);
    // A time in the greeting is evidence about this computer's clock (findings/rules-clock.ts).
    record.greeting = stated
      ? {
          ...greeting,
          serverTime: {
            said: stated.said,
            at: stated.at.toISOString(),
            receivedAt: new Date(receivedAt).toISOString(),
          },
        }
      : greeting;
    if (greeting.kind === 'reject') {
      throw new ProbeError({
        step: 'greeting',
        kind: 'refused-by-server',
        message: 'the server refused service in its greeting',
        evidence: escapePreview(greeting.lines.join(' | '), 300),
      });
    }

    if (target.security === 'implicit') {
      record.capabilitiesAfterTls = await step('capabilities', () =>
        session.capabilities('before-tls'),
      );
    } else {
      const before = await step('capabilities', () => session.capabilities('before-tls'));
      record.capabilitiesBeforeTls = before;
      const preauth = greeting.kind === 'preauth';
      // STARTTLS endpoints: the scan starts once the server may upgrade (offered, or nothing
      // says), never against one that greets badly or lists no STARTTLS; its connections do
      // their own dialog, in parallel with the rest of this one.
      if (scanOn && !preauth && before.starttls !== false)
        scan = runScan(env, record, progress, started);
      // The injection test too: its connection needs nothing more from this one, and started
      // here it is not the last to finish (a round trip matters more than a connection's order).
      if (
        !preauth &&
        before.starttls !== false &&
        (options.injectionTest ?? target.security === 'starttls')
      )
        injection = runInjection(env, record, open, context, progress, started);
      if (!preauth) {
        record.loginBeforeTls = await step('login-probe', () =>
          session.probeLoginBeforeTls(before),
        );
      }
      const tryStartTls = !preauth && before.starttls !== false;
      if (!tryStartTls) {
        record.starttls = {
          attempted: false,
          reply: [],
          outcome: 'not-attempted',
          plaintextAfterGoAhead: null,
        };
      } else {
        const reply = await step('starttls', () => session.requestStartTls());
        record.starttls = {
          attempted: true,
          reply: reply.reply,
          outcome: reply.outcome,
          plaintextAfterGoAhead: null,
        };
        if (reply.outcome !== 'accepted') {
          if (target.security === 'starttls') {
            throw new ProbeError({
              step: 'starttls',
              kind: 'refused-by-server',
              message:
                reply.outcome === 'temporarily-unavailable'
                  ? 'STARTTLS is temporarily unavailable'
                  : 'the server refused STARTTLS',
              evidence: escapePreview(reply.reply.join(' | '), 300),
            });
          }
        } else {
          const upgrade = await step('handshake', () => c.startTls(env.tls));
          record.tls = upgrade.tls;
          lookUpSameServer(upgrade.tls);
          const extra = upgrade.plaintextAfterGoAhead;
          record.starttls = {
            ...record.starttls,
            plaintextAfterGoAhead:
              extra.length > 0 ? { bytes: extra.length, preview: escapePreview(extra) } : null,
          };
          record.capabilitiesAfterTls = await step('capabilities-after-tls', () =>
            session.capabilities('after-tls'),
          );
        }
      }
    }

    await step('close', async () => {
      // The goodbye is sent, its answer not awaited: nothing is learnt from it, and waiting
      // would cost a round trip. One turn of the event loop lets the bytes reach the socket
      // before the end of the stream (which follows them in order).
      const goodbye = session.quit().catch(() => undefined);
      await Promise.race([goodbye, new Promise<void>((resolve) => setImmediate(resolve))]);
      await c.close();
    });
  } catch (err) {
    record.fail(
      signal.aborted && !(err instanceof ProbeError && err.fact.kind === 'timeout')
        ? abortProbeError(signal, asProbeError(err, 'close').fact.step)
        : asProbeError(err, 'close'),
    );
  } finally {
    if (connection) {
      await connection.close().catch(() => undefined);
      record.open.delete(connection);
    }
    if (scan) await scan;
    if (sameServer) await sameServer;
    if (injection) {
      await injection;
      if (record.starttls?.outcome !== 'accepted' && record.injection) {
        // Started before the main connection's STARTTLS answer: without its go-ahead the test
        // shows nothing about this server's upgrade, so it is not kept (its connection counts).
        record.injection = null;
        progress({ address, step: 'injection-probe', state: 'failed' });
      } else if (record.injection) {
        record.injection = settleHandshakeRefusal(record.injection, record.tls !== null);
        const state = record.injection.vulnerable === 'unknown' ? 'failed' : 'done';
        progress({ address, step: 'injection-probe', state });
      }
    }
  }
}

async function runInjection(
  env: Env,
  record: AddressRecord,
  open: () => Promise<Connection>,
  context: (connection: Connection) => DialogContext,
  progress: (event: ProbeProgress) => void,
  started: number,
): Promise<void> {
  const { address } = record;
  progress({ address, step: 'injection-probe', state: 'started' });
  const result = await runInjectionTest({
    dialog: env.dialog,
    open: async () => {
      const connection = await open();
      record.injectionConnection = connection;
      return connection;
    },
    context,
    tls: env.tls,
    waitMs: env.options.injectionWaitMs ?? DEFAULT_INJECTION_WAIT_MS,
    now: env.now,
  });
  if (result.connection) record.open.delete(result.connection);
  record.injection = result.facts;
  record.timings['injection-probe'] = Math.round(env.now() - started);
}

async function runScan(
  env: Env,
  record: AddressRecord,
  progress: (event: ProbeProgress) => void,
  started: number,
): Promise<void> {
  const { address } = record;
  const mode = env.options.scan === 'detailed' ? 'detailed' : 'default';
  progress({ address, step: 'scan-versions', state: 'started' });
  progress({ address, step: 'scan-ciphers', state: 'started' });
  const facts = await scanTls({
    mode,
    serverName: sniName(env.tls.serverName) ?? null,
    // Implicit TLS offers the protocol's ALPN id like the probe's own handshake; after STARTTLS
    // the protocol is already chosen, so none.
    ...(env.target.security === 'implicit' && env.dialog.alpn.length > 0
      ? { alpn: env.dialog.alpn }
      : {}),
    signal: env.signal,
    now: env.now,
    open: (step) =>
      openForScan(
        {
          target: env.target,
          dialog: env.dialog,
          address,
          family: record.family,
          port: env.port,
          xmppDomain: env.xmppDomain,
          signal: env.signal,
          ...(env.options.timeouts ? { timeouts: env.options.timeouts } : {}),
          ...(env.options.limits ? { limits: env.options.limits } : {}),
        },
        step,
      ),
    onProgress: (step, state) => progress({ address, step, state }),
  }).catch(() => null); // the scanner turns every failure it knows into facts; a bug leaves none
  if (facts === null) {
    progress({ address, step: 'scan-ciphers', state: 'failed' });
    return;
  }
  record.scan = facts;
  record.timings['scan-ciphers'] = Math.round(env.now() - started);
}

/** Our side's address for SMTP's EHLO literal; the unspecified address when the socket did not say. */
function localAddressOf(connection: Connection, family: 4 | 6): string {
  const local = (connection as { readonly localAddress?: unknown }).localAddress;
  if (typeof local === 'string' && isIP(local) !== 0) return local;
  return family === 6 ? '::' : '0.0.0.0';
}
