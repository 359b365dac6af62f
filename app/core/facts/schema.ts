/**
 * The runtime schema of EndpointFacts, for facts that come back from outside: a saved report
 * opened from disk (report/open.ts), which a help desk receives by mail and must treat as hostile.
 * Whoever wrote the file chose every byte of it, so the schema is strict about types and enums,
 * and caps every string and every array, so a file can neither crash the judge nor make us hold
 * or render unbounded data. Arrays are measured before their items are looked at.
 *
 * Objects are valibot `object`s: unknown keys are dropped, never copied (a newer Sealcheck may add
 * facts, which this one then does not judge), and the output is built afresh, so `__proto__` or
 * `constructor` keys in the file change nothing. The caps are generous next to what the probe
 * itself keeps (escaped lines of 512 characters, 400 transcript entries per connection, 16
 * certificates per chain); the compile-time checks at the end keep the schema and the types
 * in step.
 */
import { isIP } from 'node:net';
import * as v from 'valibot';
import type { ProbeErrorFact, ProbeErrorKind, Step } from '../net/errors';
import type { TranscriptEntry } from '../net/types';
import {
  FACTS_SCHEMA,
  type EndpointFacts,
  type Greeting,
  type Protocol,
  type ProbeStatus,
  type Security,
  type StartTlsFacts,
} from './endpoint';
import {
  SCANNED_VERSIONS,
  WEAK_FAMILIES,
  type ScanFacts,
  type ScanHandshake,
  type VersionSupport,
} from './scan';

/** Longest text of any one string in facts (greeting lines, error messages, transcript text). */
export const MAX_TEXT_CHARS = 16 * 1024;
/** Longest host name (RFC 1035's 253, plus room for an IPv6 literal with a zone). */
export const MAX_NAME_CHARS = 253;
/** Longest certificate or OCSP response, base64 (about 96 KB of DER). */
export const MAX_DER_BASE64_CHARS = 128 * 1024;
/** Most certificates in one chain (the probe keeps 16). */
export const MAX_CHAIN_CERTS = 32;
/** Most entries of any other list (lines, tokens, transcript entries, handshakes, suites). */
export const MAX_LIST_ENTRIES = 8192;
/** Most addresses one name resolved to. */
export const MAX_ADDRESSES = 256;
/** Largest count or duration (milliseconds, bytes, connections): about eleven days in ms. */
export const MAX_NUMBER = 1e9;

/**
 * A list of exactly the members of the union T (a member missing is a compile error), so the
 * picklists below follow the types.
 */
export function members<T extends string | number>() {
  return <const L extends readonly T[]>(
    list: L & ([T] extends [L[number]] ? unknown : { missing: Exclude<T, L[number]> }),
  ): L => list;
}

export const STEPS = members<Step>()([
  'resolve',
  'connect',
  'greeting',
  'capabilities',
  'starttls',
  'handshake',
  'capabilities-after-tls',
  'login-probe',
  'injection-probe',
  'scan-versions',
  'scan-ciphers',
  'login',
  'close',
]);
const ERROR_KINDS = members<ProbeErrorKind>()([
  'dns',
  'refused',
  'unreachable',
  'timeout',
  'reset',
  'closed',
  'tls',
  'protocol',
  'refused-by-server',
  'limit',
  'cancelled',
  'unsafe',
]);
const PROTOCOLS = members<Protocol>()(['imap', 'pop3', 'smtp', 'submission', 'xmpp']);
const SECURITIES = members<Security>()(['implicit', 'starttls', 'none']);
const STATUSES = members<ProbeStatus>()([
  'success',
  'dns-error',
  'connection-refused',
  'connection-timeout',
  'connection-error',
  'protocol-error',
  'starttls-refused',
  'tls-error',
  'io-timeout',
  'limit-exceeded',
  'cancelled',
]);
const GREETING_KINDS = members<Greeting['kind']>()(['ok', 'preauth', 'reject', 'other']);
const STARTTLS_OUTCOMES = members<StartTlsFacts['outcome']>()([
  'accepted',
  'refused',
  'temporarily-unavailable',
  'not-attempted',
]);
const DIRECTIONS = members<TranscriptEntry['dir']>()(['sent', 'received', 'note']);
const BASES = members<VersionSupport['basis']>()([
  'server-hello',
  'lower-version',
  'alert',
  'closed',
  'unanswered',
]);
const OUTCOMES = members<ScanHandshake['outcome']>()([
  'server-hello',
  'hello-retry-request',
  'alert',
  'closed',
  'reset',
  'timeout',
  'invalid',
  'setup-failed',
  'cancelled',
  'skipped',
]);

// ── Building blocks ──

/** A string of at most `max` characters. */
export const text = (max = MAX_TEXT_CHARS) => v.pipe(v.string(), v.maxLength(max));

/** A whole number from `min` to `max`. */
export const int = (min = 0, max = MAX_NUMBER) =>
  v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));

/** Milliseconds or another measure: finite (JSON's 1e400 parses to Infinity), not negative. */
export const measure = v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(MAX_NUMBER));

export const tristate = v.union([v.boolean(), v.literal('unknown')]);

/**
 * A list of at most `max` items: the length is checked first, so a list of a million entries is
 * refused before any of them is looked at.
 */
export function list<const S extends v.GenericSchema>(item: S, max = MAX_LIST_ENTRIES) {
  return v.pipe(v.array(v.unknown()), v.maxLength(max), v.array(item));
}

/** Characters no host name holds: controls, spaces, bidi marks and overrides, invisible ones. */
const NOT_IN_NAMES =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0020\u007f-\u00a0\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/u;

/**
 * A host name or IP literal as configured: no controls, spaces or bidi characters (no Sealcheck
 * could have checked such a name), and no longer than a name can be. Other hostile text (`<`, `&`)
 * stays possible: every output escapes it.
 */
export const hostName = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(MAX_NAME_CHARS),
  v.check((s) => !NOT_IN_NAMES.test(s), 'is not a host name'),
);

/** An IP address as the resolver gave it (IPv6 with an optional zone). */
export const ipAddress = v.pipe(
  v.string(),
  v.maxLength(64),
  v.check((s) => isIP(s) !== 0, 'is not an IP address'),
);

/** Standard base64 (what Node's toString('base64') writes), for DER certificates and OCSP. */
export const der = v.pipe(v.string(), v.maxLength(MAX_DER_BASE64_CHARS), v.base64());

/** An ISO 8601 time as Date#toISOString writes it, that names a real moment. */
export const isoTime = v.pipe(
  v.string(),
  v.maxLength(40),
  v.isoTimestamp(),
  v.check((s) => Number.isFinite(Date.parse(s)), 'is not a real time'),
);

/** An object whose keys are the given names, each optional (a Partial<Record<K, …>>). */
function optionalKeys<const K extends string, S extends v.GenericSchema>(
  keys: readonly K[],
  value: S,
) {
  const entries = Object.fromEntries(keys.map((k) => [k, v.optional(value)])) as {
    [P in K]: v.OptionalSchema<S, undefined>;
  };
  return v.object(entries);
}

/** An object whose keys are the given names, each required (a Record<K, …>). */
function requiredKeys<const K extends string, S extends v.GenericSchema>(
  keys: readonly K[],
  value: S,
) {
  const entries = Object.fromEntries(keys.map((k) => [k, value])) as { [P in K]: S };
  return v.object(entries);
}

// ── The facts ──

export const ProbeErrorFactSchema = v.object({
  step: v.picklist(STEPS),
  kind: v.picklist(ERROR_KINDS),
  message: text(),
  code: v.optional(text(256)),
  alert: v.optional(text(256)),
  evidence: v.optional(text()),
  limit: v.optional(v.object({ name: text(256), value: measure })),
});

export const TranscriptEntrySchema = v.object({
  at: measure,
  dir: v.picklist(DIRECTIONS),
  text: text(),
  tls: v.boolean(),
  redacted: v.optional(v.literal(true)),
  truncatedFrom: v.optional(int()),
});

export const EndpointTargetSchema = v.object({
  host: hostName,
  port: int(1, 65535),
  protocol: v.picklist(PROTOCOLS),
  security: v.picklist(SECURITIES),
  xmppDomain: v.optional(hostName),
  connectTo: v.optional(v.object({ host: hostName, port: int(1, 65535) })),
});

export const GreetingSchema = v.object({
  lines: list(text()),
  kind: v.picklist(GREETING_KINDS),
  code: v.optional(int(0, 999)),
  serverTime: v.optional(v.object({ said: text(200), at: isoTime, receivedAt: isoTime })),
});

/** Protocol extras (SMTP SIZE, IMAP IDLE): counted first, then each key and value capped. */
const extensions = v.pipe(
  v.record(v.string(), v.unknown()),
  v.check((o) => Object.keys(o).length <= MAX_LIST_ENTRIES, 'has too many entries'),
  v.record(text(1024), v.union([text(), v.literal(true)])),
);

export const CapabilitiesSchema = v.object({
  raw: list(text()),
  listed: tristate,
  starttls: tristate,
  starttlsRequired: tristate,
  saslMechanisms: list(text(256)),
  passwordLogin: tristate,
  extensions,
});

export const StartTlsFactsSchema = v.object({
  attempted: v.boolean(),
  reply: list(text()),
  outcome: v.picklist(STARTTLS_OUTCOMES),
  plaintextAfterGoAhead: v.nullable(v.object({ bytes: int(), preview: text() })),
});

export const LoginBeforeTlsFactsSchema = v.object({
  command: text(1024),
  invited: tristate,
  reply: list(text()),
});

export const InjectionFactsSchema = v.object({
  tested: v.boolean(),
  command: text(1024),
  vulnerable: tristate,
  evidence: list(text()),
  error: v.optional(ProbeErrorFactSchema),
});

export const TlsFactsSchema = v.object({
  version: text(64),
  cipher: v.object({ name: text(256), standardName: text(256) }),
  keyExchange: v.nullable(
    v.object({ type: text(64), name: v.nullable(text(256)), size: v.nullable(int()) }),
  ),
  alpn: v.nullable(text(256)),
  sniSent: v.nullable(text(1024)),
  resumed: v.boolean(),
  peerChain: list(der, MAX_CHAIN_CERTS),
  chainSource: v.picklist(['node-rebuilt', 'as-sent']),
  ocsp: v.object({ requested: v.boolean(), response: v.nullable(der) }),
  verification: v.object({
    chainTrusted: v.boolean(),
    chainError: v.nullable(text(256)),
    nameChecked: v.nullable(text(1024)),
    nameMatches: v.boolean(),
  }),
  handshakeMs: measure,
});

const scannedVersion = v.picklist(SCANNED_VERSIONS);

export const ScanHandshakeSchema = v.object({
  question: text(256),
  offered: v.object({ version: scannedVersion, suites: int() }),
  outcome: v.picklist(OUTCOMES),
  version: v.optional(text(64)),
  suite: v.optional(text(256)),
  group: v.optional(text(256)),
  alert: v.optional(text(256)),
  detail: v.optional(text()),
  ms: measure,
});

export const ScanFactsSchema = v.object({
  mode: v.picklist(['default', 'detailed']),
  versions: requiredKeys(
    SCANNED_VERSIONS,
    v.object({ accepted: tristate, basis: v.picklist(BASES) }),
  ),
  modernClient: v.nullable(
    v.object({
      version: text(64),
      suite: text(256),
      forwardSecrecy: v.boolean(),
      group: v.nullable(text(256)),
      postQuantum: tristate,
      failedWithPostQuantumShare: v.boolean(),
    }),
  ),
  weakFamilies: requiredKeys(WEAK_FAMILIES, tristate),
  nonForwardSecretAccepted: tristate,
  dhe: v.object({ accepted: tristate, primeBits: v.nullable(int()) }),
  acceptedSuites: list(v.object({ version: text(64), suite: text(256) })),
  detailed: v.nullable(
    optionalKeys(SCANNED_VERSIONS, v.object({ suites: list(text(256)), complete: v.boolean() })),
  ),
  chainAsSent: v.nullable(
    v.object({ version: text(64), certificates: list(der, MAX_CHAIN_CERTS) }),
  ),
  downgradeSentinelSeen: v.boolean(),
  handshakes: list(ScanHandshakeSchema),
  connections: int(),
  refusedHandshakes: int(),
  durationMs: measure,
  error: v.nullable(ProbeErrorFactSchema),
});

export const AddressFactsSchema = v.object({
  address: ipAddress,
  family: v.picklist([4, 6]),
  status: v.picklist(STATUSES),
  error: v.nullable(ProbeErrorFactSchema),
  greeting: v.nullable(GreetingSchema),
  capabilitiesBeforeTls: v.nullable(CapabilitiesSchema),
  starttls: v.nullable(StartTlsFactsSchema),
  tls: v.nullable(TlsFactsSchema),
  capabilitiesAfterTls: v.nullable(CapabilitiesSchema),
  loginBeforeTls: v.nullable(LoginBeforeTlsFactsSchema),
  injection: v.nullable(InjectionFactsSchema),
  scan: v.nullable(ScanFactsSchema),
  sameServerNames: v.optional(
    list(
      v.object({ name: hostName, sameAddress: v.union([v.boolean(), v.literal('unknown')]) }),
      8,
    ),
  ),
  timings: optionalKeys(STEPS, measure),
  connections: int(),
  transcript: list(TranscriptEntrySchema),
});

export const EndpointFactsSchema = v.object({
  schema: v.literal(FACTS_SCHEMA),
  target: EndpointTargetSchema,
  startedAt: isoTime,
  durationMs: measure,
  resolved: list(ipAddress, MAX_ADDRESSES),
  resolveError: v.nullable(ProbeErrorFactSchema),
  addresses: list(AddressFactsSchema, MAX_ADDRESSES),
  sealcheckVersion: text(64),
});

// ── The schema and the types agree (compile-time only) ──

type Assert<T extends true> = T;
type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** What the schema lets through is facts … */
export type SchemaOutputIsFacts = Assert<
  v.InferOutput<typeof EndpointFactsSchema> extends EndpointFacts ? true : false
>;
/** … and every shape the types allow gets through (the schema is no narrower in structure). */
export type FactsFitTheSchema = Assert<
  EndpointFacts extends DeepReadonly<v.InferOutput<typeof EndpointFactsSchema>> ? true : false
>;
export type Parts = Assert<
  [ScanFacts, ProbeErrorFact, TranscriptEntry] extends [
    DeepReadonly<v.InferOutput<typeof ScanFactsSchema>>,
    DeepReadonly<v.InferOutput<typeof ProbeErrorFactSchema>>,
    DeepReadonly<v.InferOutput<typeof TranscriptEntrySchema>>,
  ]
    ? true
    : false
>;
