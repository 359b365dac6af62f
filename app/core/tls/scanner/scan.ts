/**
 * The TLS scan: which versions and which kinds of cipher suites a server accepts, from our own
 * ClientHellos, in a handful of connections.
 *
 * Default scan, one parallel wave of disjoint questions:
 *   1. version questions: one hello each for SSL 3.0, TLS 1.0, 1.1 and 1.2, offering every suite
 *      servers implement at that version (a server that answers with an older version tells us
 *      that one instead);
 *   2. the modern client: what a current mail app gets (TLS 1.3 and 1.2, its suites in its order,
 *      a post-quantum X25519MLKEM768 key share first): TLS 1.3 support, the suite, the group,
 *      forward secrecy, "protected against future decryption";
 *   3. the weakness chain's first hello: every weak suite (NULL, anonymous, EXPORT, DES, RC4,
 *      3DES), every suite without forward secrecy and every finite-field DHE suite, at once.
 * A good server refuses 3 with one alert, and the whole scan is 6 connections. Only when a hello
 * of 3 is answered does the chain go on, by elimination: the chosen suite proves its categories,
 * the next offer keeps only suites of categories still unknown, until the server refuses (every
 * category left is absent) or nothing is left. Then, for servers that also speak TLS ≤ 1.1,
 * EXPORT and DES (which TLS 1.2 forbids) are asked at that version.
 * --detailed: every accepted suite per accepted version, by elimination (one chain per version).
 *
 * Answers: a ServerHello (or HelloRetryRequest) that chose an offered suite proves acceptance; a
 * TLS alert is a refusal; a clean close right after our hello is a refusal only from a server
 * that answered another hello of the same scan (Dovecot closes without sending OpenSSL's alert);
 * a reset, a timeout, garbage or a ServerHello breaking the rules settles nothing ('unknown').
 *
 * Bounded: every hello has a deadline, the caller's signal ends everything, the number of
 * connections is capped (15 by default), and at most `maxParallel` are open at once.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type {
  ModernClientFacts,
  ScanFacts,
  ScanHandshake,
  ScannedVersion,
  ScanTristate,
  VersionSupport,
  WeakFamily,
} from '../../facts/scan';
import { SCANNED_VERSIONS, WEAK_FAMILIES } from '../../facts/scan';
import { ProbeError, type ProbeErrorFact, type Step } from '../../net/errors';
import { buildClientHello, groupName, isPostQuantumGroup, VERSION_CODES } from './client-hello';
import type { KeyShareGroup, ProtocolVersion } from './client-hello';
import { exchangeHello } from './exchange';
import type { ExchangeOutcome } from './exchange';
import {
  categoriesOf,
  MODERN_CLIENT_SUITES,
  registrySuites,
  SUITE_CATEGORIES,
  versionOffer,
  weaknessOffer,
  type SuiteCategory,
} from './offers';
import { suiteInfo, suiteName } from './suites';

export type ScanMode = 'default' | 'detailed';

export interface ScanOptions {
  readonly mode: ScanMode;
  /** SNI (an A-label host name), or null for an IP literal. */
  readonly serverName: string | null;
  /** ALPN ids to offer, as the app would on implicit TLS (XMPP: xmpp-client); none by default. */
  readonly alpn?: readonly string[];
  /**
   * Opens a connection ready for a ClientHello: plain TCP for implicit TLS, or after the
   * protocol's STARTTLS dialog. Throws a ProbeError when that fails.
   */
  readonly open: (step: Step) => Promise<Socket>;
  readonly signal: AbortSignal;
  /** Deadline for one hello's answer (default 10 s). */
  readonly helloTimeoutMs?: number;
  /** Connections open at once (default 8). */
  readonly maxParallel?: number;
  /** Most connections in all (default 15, or 400 with --detailed). */
  readonly maxConnections?: number;
  readonly onProgress?: (step: 'scan-versions' | 'scan-ciphers', state: 'done') => void;
  readonly now?: () => number;
}

const DEFAULT_HELLO_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_PARALLEL = 8;
const DEFAULT_MAX_CONNECTIONS = 15;
const DETAILED_MAX_CONNECTIONS = 400;
/** Steps of one --detailed chain: more suites than any server accepts at one version. */
const MAX_DETAILED_CHAIN = 160;

const LEGACY_VERSIONS: readonly ProtocolVersion[] = ['SSLv3', 'TLSv1', 'TLSv1.1'];
/** Alerts after which the modern offer is asked again without the post-quantum key share. */
const RETRY_ALERTS = new Set([
  'illegal_parameter',
  'decode_error',
  'unexpected_message',
  'internal_error',
]);

interface Ask {
  readonly question: string;
  readonly step: Step;
  readonly version: ProtocolVersion;
  readonly suites: readonly number[];
  /** TLS 1.3 hellos: the versions in supported_versions. */
  readonly supportedVersions?: readonly ProtocolVersion[];
  readonly keyShares?: readonly KeyShareGroup[];
}

/** A ServerHello (or HRR) that follows the rules for what we offered. */
interface Hello {
  readonly kind: 'hello';
  readonly version: ProtocolVersion;
  readonly suite: number;
  readonly group: number | null;
  readonly hrr: boolean;
  readonly certificates: readonly Buffer[] | undefined;
  readonly dhPrimeBits: number | undefined;
  readonly sentinel: boolean;
}
interface Refused {
  readonly kind: 'refused';
  /** 'closed' counts only when corroborated (see the file comment). */
  readonly basis: 'alert' | 'closed';
  readonly alert?: string;
}
interface Unanswered {
  readonly kind: 'unanswered';
  readonly timedOut?: true;
}
type Answer = Hello | Refused | Unanswered;

class Semaphore {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

/** What the scan has learned so far; the facts are derived from it at the end. */
class Knowledge {
  readonly handshakes: ScanHandshake[] = [];
  /** Chosen suites per negotiated version. */
  readonly accepted = new Map<ProtocolVersion, number[]>();
  /** Categories proven absent by a refusal (or a provisional close, checked at the end). */
  readonly absent = new Map<SuiteCategory, Refused>();
  certificates: { version: ProtocolVersion; suite: number; certs: readonly Buffer[] } | null = null;
  dhPrimeBits: number | null = null;
  sentinel = false;
  connections = 0;
  /** A ServerHello came on some connection: the server speaks TLS to us. */
  anyHello = false;
  firstSetupError: ProbeErrorFact | null = null;

  record(version: ProtocolVersion, suite: number): void {
    const list = this.accepted.get(version) ?? [];
    if (!list.includes(suite)) list.push(suite);
    this.accepted.set(version, list);
  }

  acceptedCategories(): Set<SuiteCategory> {
    const out = new Set<SuiteCategory>();
    for (const suites of this.accepted.values()) {
      for (const code of suites) {
        const info = suiteInfo(code);
        if (info) for (const c of categoriesOf(info)) out.add(c);
      }
    }
    return out;
  }

  /** A refusal counts; a close counts only from a server that answered some hello. */
  counts(r: Refused): boolean {
    return r.basis === 'alert' || this.anyHello;
  }
}

export async function scanTls(options: ScanOptions): Promise<ScanFacts> {
  const now = options.now ?? (() => performance.now());
  const t0 = now();
  const detailed = options.mode === 'detailed';
  const maxConnections =
    options.maxConnections ?? (detailed ? DETAILED_MAX_CONNECTIONS : DEFAULT_MAX_CONNECTIONS);
  const gate = new Semaphore(options.maxParallel ?? DEFAULT_MAX_PARALLEL);
  const k = new Knowledge();
  const helloTimeoutMs = options.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS;

  const ask = (a: Ask): Promise<Answer> =>
    gate.run(async () => {
      if (options.signal.aborted || k.connections >= maxConnections) {
        k.handshakes.push({
          question: a.question,
          offered: { version: a.version, suites: a.suites.length },
          outcome: options.signal.aborted ? 'cancelled' : 'skipped',
          ...(options.signal.aborted
            ? {}
            : { detail: `not sent: the scan's cap of ${maxConnections} connections was reached` }),
          ms: Math.round(now() - t0),
        });
        return { kind: 'unanswered' };
      }
      k.connections++;
      const answer = await askOnce(a);
      return answer;
    });

  async function askOnce(a: Ask): Promise<Answer> {
    const offered = { version: a.version, suites: a.suites.length };
    const row = (h: Omit<ScanHandshake, 'question' | 'offered' | 'ms'>): void => {
      k.handshakes.push({ question: a.question, offered, ...h, ms: Math.round(now() - t0) });
    };
    let socket: Socket;
    try {
      socket = await options.open(a.step);
    } catch (err) {
      const fact = err instanceof ProbeError ? err.fact : null;
      if (fact?.kind === 'cancelled' || options.signal.aborted) {
        row({ outcome: 'cancelled' });
      } else {
        row({ outcome: 'setup-failed', detail: fact?.message ?? String(err) });
        k.firstSetupError ??= fact ?? {
          step: a.step,
          kind: 'protocol',
          message: `internal error: ${String(err).slice(0, 200)}`,
        };
      }
      return { kind: 'unanswered' };
    }
    let outcome: ExchangeOutcome;
    try {
      const hello = buildClientHello({
        version: a.version,
        suites: a.suites,
        ...(options.serverName !== null ? { serverName: options.serverName } : {}),
        ...(options.alpn ? { alpn: options.alpn } : {}),
        ...(a.supportedVersions ? { supportedVersions: a.supportedVersions } : {}),
        ...(a.keyShares ? { keyShares: a.keyShares } : {}),
      });
      outcome = await exchangeHello(socket, hello, {
        timeoutMs: helloTimeoutMs,
        wantCertificates: true,
        signal: options.signal,
      });
    } finally {
      socket.destroy();
    }
    return interpret(a, outcome, row);
  }

  function interpret(
    a: Ask,
    outcome: ExchangeOutcome,
    row: (h: Omit<ScanHandshake, 'question' | 'offered' | 'ms'>) => void,
  ): Answer {
    switch (outcome.kind) {
      case 'closed':
        if (outcome.received > 0) {
          // Part of an answer, then a close: broken, not a refusal.
          row({
            outcome: 'invalid',
            detail: `closed after ${outcome.received} bytes of an incomplete answer`,
          });
          return { kind: 'unanswered' };
        }
        row({ outcome: 'closed' });
        return { kind: 'refused', basis: 'closed' };
      case 'reset':
        row({ outcome: 'reset', detail: outcome.error.slice(0, 200) });
        return { kind: 'unanswered' };
      case 'timeout':
        row({ outcome: 'timeout' });
        return { kind: 'unanswered', timedOut: true };
      case 'cancelled':
        row({ outcome: 'cancelled' });
        return { kind: 'unanswered' };
      case 'flight':
        break;
    }
    const f = outcome.flight;
    if (f.kind === 'alert') {
      row({ outcome: 'alert', alert: f.name });
      return { kind: 'refused', basis: 'alert', alert: f.name };
    }
    if (f.kind === 'invalid' || f.kind === 'need-more') {
      row({ outcome: 'invalid', detail: f.kind === 'invalid' ? f.reason : 'incomplete answer' });
      return { kind: 'unanswered' };
    }
    const offersTls13 = a.version === 'TLSv1.3';
    const maxCode = offersTls13 ? VERSION_CODES['TLSv1.3'] : VERSION_CODES[a.version];
    const violation = (detail: string): Answer => {
      row({
        outcome: 'invalid',
        detail,
        suite: suiteName(f.cipherSuite),
        ...(f.kind === 'server-hello' && f.versionName ? { version: f.versionName } : {}),
      });
      return { kind: 'unanswered' };
    };
    if (!a.suites.includes(f.cipherSuite)) {
      return violation('the server chose a cipher suite that was not offered');
    }
    const info = suiteInfo(f.cipherSuite);
    if (f.kind === 'hello-retry-request') {
      if (!offersTls13 || f.version !== VERSION_CODES['TLSv1.3']) {
        return violation('a HelloRetryRequest in answer to a hello without TLS 1.3');
      }
      const group = f.selectedGroup;
      row({
        outcome: 'hello-retry-request',
        version: 'TLSv1.3',
        suite: suiteName(f.cipherSuite),
        ...(group !== null ? { group: groupLabel(group) } : {}),
      });
      k.anyHello = true;
      k.record('TLSv1.3', f.cipherSuite);
      return {
        kind: 'hello',
        version: 'TLSv1.3',
        suite: f.cipherSuite,
        group,
        hrr: true,
        certificates: undefined,
        dhPrimeBits: undefined,
        sentinel: false,
      };
    }
    const version = f.versionName;
    if (version === null || f.version > maxCode || f.version < VERSION_CODES.SSLv3) {
      return violation(`the server chose version 0x${f.version.toString(16)}, not one offered`);
    }
    if (offersTls13 && version === 'TLSv1.3' && !(a.supportedVersions ?? []).includes('TLSv1.3')) {
      return violation('the server chose TLS 1.3, which was not offered');
    }
    if ((info?.tls13 ?? false) !== (version === 'TLSv1.3')) {
      return violation(`the suite ${suiteName(f.cipherSuite)} cannot be used with ${version}`);
    }
    if (f.compression !== 0)
      return violation('the server chose compression, which was not offered');
    const group = f.selectedGroup;
    row({
      outcome: 'server-hello',
      version,
      suite: suiteName(f.cipherSuite),
      ...(group !== null ? { group: groupLabel(group) } : {}),
    });
    k.anyHello = true;
    k.record(version, f.cipherSuite);
    const dhPrimeBits = f.serverKeyExchange?.dhPrimeBits;
    if (dhPrimeBits !== undefined && info?.keyExchange === 'DHE' && !info.flags.anonymous) {
      k.dhPrimeBits = k.dhPrimeBits === null ? dhPrimeBits : Math.min(k.dhPrimeBits, dhPrimeBits);
    }
    if (f.downgradeSentinel !== null) k.sentinel = true;
    if (f.certificates && f.certificates.length > 0)
      keepCertificates(version, f.cipherSuite, f.certificates);
    return {
      kind: 'hello',
      version,
      suite: f.cipherSuite,
      group,
      hrr: false,
      certificates: f.certificates,
      dhPrimeBits,
      sentinel: f.downgradeSentinel !== null,
    };
  }

  /** The chain as sent: prefer one from a suite a modern client offers, then the newest version. */
  function keepCertificates(
    version: ProtocolVersion,
    suite: number,
    certs: readonly Buffer[],
  ): void {
    const score = (v: ProtocolVersion, s: number): number =>
      (MODERN_CLIENT_SUITES.includes(s) ? 10 : 0) + VERSION_CODES[v] - 0x0300;
    if (
      k.certificates === null ||
      score(version, suite) > score(k.certificates.version, k.certificates.suite)
    ) {
      k.certificates = { version, suite, certs };
    }
  }

  // ── the wave ──────────────────────────────────────────────────────────────────────────
  const versionAsks = new Map<ProtocolVersion, Promise<Answer>>();
  for (const v of [...LEGACY_VERSIONS, 'TLSv1.2'] as const) {
    versionAsks.set(
      v,
      ask({
        question: `version ${v}`,
        step: 'scan-versions',
        version: v,
        suites: versionOffer(v, detailed),
      }),
    );
  }
  const modernAsk: Ask = {
    question: 'modern client',
    step: 'scan-ciphers',
    version: 'TLSv1.3',
    supportedVersions: ['TLSv1.3', 'TLSv1.2'],
    suites: MODERN_CLIENT_SUITES,
    keyShares: ['X25519MLKEM768', 'x25519', 'secp256r1'],
  };
  const modern = (async (): Promise<{ answer: Answer; retried: boolean }> => {
    const first = await ask(modernAsk);
    const retry =
      (first.kind === 'unanswered' && first.timedOut !== true) ||
      (first.kind === 'refused' &&
        (first.basis === 'closed' || RETRY_ALERTS.has(first.alert ?? '')));
    if (!retry || options.signal.aborted) return { answer: first, retried: false };
    const second = await ask({
      ...modernAsk,
      question: 'modern client, without the post-quantum key share',
      keyShares: ['x25519', 'secp256r1'],
    });
    return { answer: second.kind === 'hello' ? second : first, retried: second.kind === 'hello' };
  })();

  /** Categories the legacy-version chain asks about: the TLS 1.2 chain leaves them to it. */
  const legacyOwned = new Set<SuiteCategory>();
  const weakness = weaknessChain(SUITE_CATEGORIES, 'TLSv1.2', 'weak suites');
  const [versionAnswers, modernResult] = await Promise.all([
    Promise.all([...versionAsks.entries()].map(async ([v, p]) => [v, await p] as const)),
    modern,
  ]);
  const versionAnswerMap = new Map<ProtocolVersion, Answer>(versionAnswers);
  options.onProgress?.('scan-versions', 'done');

  // ── follow-ups that depend on the wave's answers ─────────────────────────────────────
  // They start as soon as the versions are known, beside the rest of the TLS 1.2 chain: a
  // question that waits for an unrelated answer costs a whole STARTTLS dialog of round trips.
  const versions = versionFacts(k, versionAnswerMap, modernResult.answer);
  const followUps: Promise<unknown>[] = [weakness];
  const newestLegacy = [...LEGACY_VERSIONS].reverse().find((v) => versions[v].accepted === true);
  if (versions['TLSv1.2'].accepted === true && newestLegacy !== undefined) {
    // TLS 1.2 forbids EXPORT and DES: a server may accept them only at an older version.
    const accepted = k.acceptedCategories();
    const open = (['export', 'des'] as const).filter((c) => !accepted.has(c));
    if (open.length > 0) {
      for (const c of open) {
        legacyOwned.add(c);
        k.absent.delete(c);
      }
      followUps.push(weaknessChain(open, newestLegacy, `weak suites at ${newestLegacy}`));
    }
  }
  let detailedLists: ScanFacts['detailed'] = null;
  if (detailed) {
    const lists: Partial<Record<ScannedVersion, { suites: string[]; complete: boolean }>> = {};
    detailedLists = lists;
    for (const v of SCANNED_VERSIONS) {
      if (versions[v].accepted !== true) continue;
      // The version question's answer is the chain's first step (it offered every suite).
      const first = v === 'TLSv1.3' ? modernResult.answer : versionAnswerMap.get(v);
      const start =
        first?.kind === 'hello' && first.version === v && v !== 'TLSv1.3' ? [first.suite] : [];
      followUps.push(
        detailedChain(v, start).then(({ suites, complete }) => {
          lists[v] = { suites: suites.map(suiteName), complete };
        }),
      );
    }
  }
  await Promise.all(followUps);
  options.onProgress?.('scan-ciphers', 'done');

  // ── facts ─────────────────────────────────────────────────────────────────────────────
  const finalVersions = versionFacts(k, versionAnswerMap, modernResult.answer);
  const accepted = k.acceptedCategories();
  const category = (c: SuiteCategory): ScanTristate => {
    if (accepted.has(c)) return true;
    const refused = k.absent.get(c);
    return refused !== undefined && k.counts(refused) ? false : 'unknown';
  };
  const weakFamilies = Object.fromEntries(WEAK_FAMILIES.map((f) => [f, category(f)])) as Record<
    WeakFamily,
    ScanTristate
  >;
  const refusedHandshakes = k.handshakes.filter(
    (h) => h.outcome === 'alert' || (h.outcome === 'closed' && k.anyHello),
  ).length;
  const cancelled = options.signal.aborted;
  return {
    mode: options.mode,
    versions: finalVersions,
    modernClient: modernFacts(modernResult.answer, modernResult.retried),
    weakFamilies,
    nonForwardSecretAccepted: category('no-forward-secrecy'),
    dhe: { accepted: category('dhe'), primeBits: k.dhPrimeBits },
    acceptedSuites: [...k.accepted.entries()].flatMap(([version, suites]) =>
      suites.map((s) => ({ version, suite: suiteName(s) })),
    ),
    detailed: detailedLists,
    chainAsSent: k.certificates
      ? {
          version: k.certificates.version,
          certificates: k.certificates.certs.map((c) => c.toString('base64')),
        }
      : null,
    downgradeSentinelSeen: k.sentinel,
    handshakes: k.handshakes,
    connections: k.connections,
    refusedHandshakes,
    durationMs: Math.round(now() - t0),
    error: cancelled ? cancelError(options.signal) : k.anyHello ? null : k.firstSetupError,
  };

  /**
   * Elimination over categories: offer every suite of a category still unknown; a chosen suite
   * proves its categories; a refusal proves the rest absent. Ends on a refusal, an unanswered
   * hello, an empty offer, or the connection cap.
   */
  async function weaknessChain(
    categories: readonly SuiteCategory[],
    version: ProtocolVersion,
    question: string,
  ): Promise<void> {
    // The TLS 1.2 chain leaves EXPORT and DES to the legacy chain once that one runs.
    const leftToOthers = (c: SuiteCategory): boolean => version === 'TLSv1.2' && legacyOwned.has(c);
    for (let round = 1; round <= categories.length + 1; round++) {
      const known = k.acceptedCategories();
      const unknown = new Set(
        categories.filter((c) => !known.has(c) && !k.absent.has(c) && !leftToOthers(c)),
      );
      const suites = weaknessOffer(unknown, version);
      if (unknown.size === 0 || suites.length === 0) return;
      const answer = await ask({
        question: `${question}${round > 1 ? ` ${round}` : ''}`,
        step: 'scan-ciphers',
        version,
        suites,
      });
      if (answer.kind === 'refused') {
        for (const c of unknown) {
          if (!k.acceptedCategories().has(c) && !leftToOthers(c)) k.absent.set(c, answer);
        }
        return;
      }
      if (answer.kind !== 'hello') return;
    }
  }

  /**
   * --detailed: every suite accepted at `version`, by elimination, in the order the server chose
   * them (its own preference when it has one). Only this chain's answers are removed from the
   * next offer, so suites seen elsewhere do not disturb that order. `complete` when it ended in
   * a refusal (or an empty offer).
   */
  async function detailedChain(
    version: ScannedVersion,
    start: readonly number[],
  ): Promise<{ suites: number[]; complete: boolean }> {
    const all = registrySuites(version).map((s) => s.code);
    const chosen = [...start];
    const done = (complete: boolean): { suites: number[]; complete: boolean } => ({
      suites: chosen,
      complete,
    });
    for (let i = 0; i < MAX_DETAILED_CHAIN; i++) {
      const suites = all.filter((s) => !chosen.includes(s));
      if (suites.length === 0) return done(true);
      const tls13 = version === 'TLSv1.3';
      const answer = await ask({
        question: `all suites ${version} ${i + 1}`,
        step: 'scan-ciphers',
        version,
        suites,
        ...(tls13
          ? { supportedVersions: ['TLSv1.3'] as const, keyShares: ['x25519', 'secp256r1'] as const }
          : {}),
      });
      if (answer.kind === 'refused') return done(k.counts(answer));
      if (answer.kind !== 'hello') return done(false);
      // An older version instead: no remaining suite is taken at this one.
      if (answer.version !== version) return done(true);
      chosen.push(answer.suite);
    }
    return done(false);
  }
}

function groupLabel(code: number): string {
  return groupName(code) ?? `0x${code.toString(16).padStart(4, '0')}`;
}

function cancelError(signal: AbortSignal): ProbeErrorFact {
  const reason: unknown = signal.reason;
  const timeout =
    typeof reason === 'object' &&
    reason !== null &&
    (reason as { name?: unknown }).name === 'TimeoutError';
  return {
    step: 'scan-ciphers',
    kind: timeout ? 'timeout' : 'cancelled',
    message: timeout
      ? 'the whole probe’s deadline passed during the TLS scan'
      : 'the scan was cancelled',
  };
}

/** Version support from every answer (a ServerHello at a version proves it, whatever was asked). */
function versionFacts(
  k: Knowledge,
  asked: ReadonlyMap<ProtocolVersion, Answer>,
  modern: Answer,
): Record<ScannedVersion, VersionSupport> {
  const out = {} as Record<ScannedVersion, VersionSupport>;
  for (const v of SCANNED_VERSIONS) {
    if ((k.accepted.get(v) ?? []).length > 0) {
      out[v] = { accepted: true, basis: 'server-hello' };
      continue;
    }
    const answer = v === 'TLSv1.3' ? modern : asked.get(v);
    if (answer?.kind === 'hello') {
      // Answered with another (older) version: this one is not accepted.
      out[v] = { accepted: false, basis: 'lower-version' };
    } else if (answer?.kind === 'refused' && k.counts(answer)) {
      out[v] = { accepted: false, basis: answer.basis };
    } else {
      out[v] = { accepted: 'unknown', basis: 'unanswered' };
    }
  }
  return out;
}

function modernFacts(answer: Answer, retried: boolean): ModernClientFacts | null {
  if (answer.kind !== 'hello') return null;
  const info = suiteInfo(answer.suite);
  const group = answer.group;
  return {
    version: answer.version,
    suite: suiteName(answer.suite),
    forwardSecrecy: info?.flags.forwardSecrecy ?? false,
    group: group !== null ? groupLabel(group) : null,
    // TLS 1.2 has no post-quantum key exchange; in TLS 1.3 the chosen group says it.
    postQuantum:
      answer.version !== 'TLSv1.3' ? false : group !== null ? isPostQuantumGroup(group) : 'unknown',
    failedWithPostQuantumShare: retried,
  };
}
