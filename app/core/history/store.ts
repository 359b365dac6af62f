/**
 * Check history: a short record of every endpoint check, kept per endpoint so the next check
 * can say what changed (a new certificate, STARTTLS no longer offered, a worse verdict): trust on
 * first use made visible. Classifying a change (renewal or attack) is the root-cause work's.
 *
 * One JSON file (`history.json`, schema `sealcheck.history/1`) beside the account list, with the
 * same atomic, locked writes (storage/json-file.ts). Capped: at most MAX_PER_ENDPOINT records per
 * endpoint and MAX_ENDPOINTS endpoints, nothing older than the retention period (default 180
 * days). Records hold no transcript, no server text beyond ids and fingerprints, no password.
 */
import { X509Certificate } from 'node:crypto';
import * as v from 'valibot';
import type { AddressFacts } from '../facts/endpoint';
import type { Judgement } from '../findings/judge';
import { sha256Of } from '../findings/rules-account';
import { jsonFile } from '../storage/json-file';

export const HISTORY_SCHEMA = 'sealcheck.history/1';
export const HISTORY_FILE = 'history.json';
export const MAX_PER_ENDPOINT = 20;
export const MAX_ENDPOINTS = 500;
export const DEFAULT_RETENTION_DAYS = 180;

const Record_ = v.strictObject({
  checkedAt: v.pipe(v.string(), v.isoTimestamp()),
  verdict: v.picklist([
    'encrypted-verified',
    'encrypted-unverified',
    'encryption-removable',
    'not-encrypted',
    'could-not-check',
    'not-served',
  ]),
  findingIds: v.pipe(v.array(v.pipe(v.string(), v.maxLength(64))), v.maxLength(100)),
  /** The server certificate's SHA-256 on the first address with TLS, or null. */
  leafSha256: v.nullable(v.pipe(v.string(), v.maxLength(95))),
  /** Whether STARTTLS was offered (null for implicit TLS, or when nothing was seen). */
  starttlsOffered: v.nullable(v.boolean()),
  /** What a changed certificate is compared by (absent in records of older versions). */
  certificate: v.optional(
    v.strictObject({
      /** The names it is valid for, sorted (DNS names and IP addresses). */
      names: v.pipe(v.array(v.pipe(v.string(), v.maxLength(253))), v.maxLength(32)),
      /** The issuing authority's subject. */
      issuer: v.pipe(v.string(), v.maxLength(512)),
      /** Where its path ends: a public root, one only this system trusts, an interception product's, or nowhere. */
      anchor: v.picklist(['public', 'private', 'interception', 'none']),
      /** SHA-256 of the public key (SubjectPublicKeyInfo), to tell a re-key from the same key. */
      keySha256: v.nullable(v.pipe(v.string(), v.maxLength(95))),
    }),
  ),
});
export type HistoryRecord = v.InferOutput<typeof Record_>;

const HistoryFile = v.strictObject({
  schema: v.literal(HISTORY_SCHEMA),
  endpoints: v.record(
    v.pipe(v.string(), v.maxLength(600)),
    v.pipe(v.array(Record_), v.maxLength(MAX_PER_ENDPOINT)),
  ),
});
type HistoryFile = v.InferOutput<typeof HistoryFile>;

/**
 * How a new certificate compares with the last one seen: a routine renewal (same names, from a
 * public authority as before), or something to look at, with the reasons.
 */
export type CertificateChangeKind = 'renewal' | 'look-closer' | 'unknown';
export type CertificateChangeReason =
  | 'names-changed'
  | 'now-private-authority'
  | 'now-interception-product'
  | 'no-longer-trusted'
  | 'other-public-authority'
  | 'same-key'
  | 'new-key';

export type Change =
  | {
      readonly kind: 'certificate-changed';
      readonly since: string;
      readonly from: string;
      readonly to: string;
      readonly assessment: CertificateChangeKind;
      readonly reasons: readonly CertificateChangeReason[];
    }
  | { readonly kind: 'starttls-gone'; readonly since: string }
  | {
      readonly kind: 'verdict-changed';
      readonly since: string;
      readonly from: HistoryRecord['verdict'];
      readonly to: HistoryRecord['verdict'];
    };

export interface LatestCheck {
  readonly owner: string;
  readonly protocol: string;
  readonly host: string;
  readonly port: number;
  readonly checkedAt: string;
  readonly verdict: HistoryRecord['verdict'];
}

/** The key of an endpoint in the history: whose, what protocol, where. */
export function historyKey(
  owner: string,
  target: { protocol: string; host: string; port: number },
): string {
  return `${owner}|${target.protocol}|${target.host.toLowerCase()}|${target.port}`;
}

function firstTls(addresses: readonly AddressFacts[]): AddressFacts | undefined {
  return addresses.find((a) => a.tls !== null);
}

/** The record of one judged endpoint. */
export function recordOf(j: Judgement, checkedAt: string): HistoryRecord {
  const tlsAddress = firstTls(j.facts.addresses);
  const leaf = tlsAddress?.tls?.peerChain[0];
  const before = j.facts.addresses.find((a) => a.capabilitiesBeforeTls !== null);
  const offered =
    j.facts.target.security === 'implicit' || before === undefined
      ? null
      : before.starttls?.outcome === 'accepted' || before.capabilitiesBeforeTls?.starttls === true
        ? true
        : before.capabilitiesBeforeTls?.starttls === false
          ? false
          : null;
  return {
    checkedAt,
    verdict: j.verdict.kind,
    findingIds: [...new Set(j.findings.map((f) => f.id))].slice(0, 100),
    leafSha256: leaf ? sha256Of(leaf) : null,
    starttlsOffered: offered,
    ...(certificateOf(j, leaf) ?? {}),
  };
}

/** What the next check compares a changed certificate by, from the first chain's analysis. */
function certificateOf(
  j: Judgement,
  leaf: string | undefined,
): { certificate: NonNullable<HistoryRecord['certificate']> } | null {
  const analysis = j.certificates[0];
  const info = analysis?.presented[0];
  if (!analysis || !info || leaf === undefined) return null;
  const intercepted = analysis.problems.some((p) => p.kind === 'intercepted');
  const anchor = analysis.path?.anchor ?? null;
  let keySha256: string | null = null;
  try {
    const spki = new X509Certificate(Buffer.from(leaf, 'base64')).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    keySha256 = sha256Of(spki.toString('base64'));
  } catch {
    keySha256 = null;
  }
  return {
    certificate: {
      names: [...info.dnsNames, ...info.ipAddresses]
        .map((n) => n.toLowerCase().slice(0, 253))
        .sort()
        .slice(0, 32),
      issuer: info.issuer.slice(0, 512),
      anchor: intercepted
        ? 'interception'
        : anchor === 'public'
          ? 'public'
          : anchor === null
            ? 'none'
            : 'private',
      keySha256,
    },
  };
}

/** A changed certificate, compared with the one before (pure). */
export function assessCertificateChange(
  before: HistoryRecord['certificate'],
  after: HistoryRecord['certificate'],
): { assessment: CertificateChangeKind; reasons: CertificateChangeReason[] } {
  if (!before || !after) return { assessment: 'unknown', reasons: [] };
  const reasons: CertificateChangeReason[] = [];
  if (before.names.join('\n') !== after.names.join('\n')) reasons.push('names-changed');
  if (after.anchor === 'interception' && before.anchor !== 'interception') {
    reasons.push('now-interception-product');
  } else if (after.anchor === 'private' && before.anchor === 'public') {
    reasons.push('now-private-authority');
  } else if (after.anchor === 'none' && before.anchor !== 'none') {
    reasons.push('no-longer-trusted');
  }
  const suspicious = reasons.length > 0;
  if (before.issuer !== after.issuer && after.anchor === 'public' && before.anchor === 'public') {
    reasons.push('other-public-authority');
  }
  if (before.keySha256 !== null && after.keySha256 !== null) {
    reasons.push(before.keySha256 === after.keySha256 ? 'same-key' : 'new-key');
  }
  const routine = !suspicious && after.anchor === 'public' && before.anchor === 'public';
  return { assessment: routine ? 'renewal' : 'look-closer', reasons };
}

/** What changed from the previous record to this one (pure). */
export function changesBetween(previous: HistoryRecord | null, next: HistoryRecord): Change[] {
  if (previous === null) return [];
  const out: Change[] = [];
  const since = previous.checkedAt;
  if (
    previous.leafSha256 !== null &&
    next.leafSha256 !== null &&
    previous.leafSha256 !== next.leafSha256
  ) {
    out.push({
      kind: 'certificate-changed',
      since,
      from: previous.leafSha256,
      to: next.leafSha256,
      ...assessCertificateChange(previous.certificate, next.certificate),
    });
  }
  if (previous.starttlsOffered === true && next.starttlsOffered === false) {
    out.push({ kind: 'starttls-gone', since });
  }
  if (
    previous.verdict !== next.verdict &&
    next.verdict !== 'could-not-check' &&
    previous.verdict !== 'could-not-check'
  ) {
    out.push({ kind: 'verdict-changed', since, from: previous.verdict, to: next.verdict });
  }
  return out;
}

export interface HistoryStore {
  readonly path: string;
  /** Adds a record and returns the one before it (or null). */
  add(key: string, record: HistoryRecord): Promise<HistoryRecord | null>;
  /** The records of one endpoint, newest first. */
  list(key: string): Promise<HistoryRecord[]>;
  /** Every key whose owner is `owner` (an account id, or "quick"). */
  keysOf(owner: string): Promise<string[]>;
  /** The newest record of every endpoint, in one read (the overview's "last checked"). */
  latest(): Promise<LatestCheck[]>;
  startEmpty(): Promise<void>;
}

export interface HistoryOptions {
  readonly directory: string;
  readonly retentionDays?: number;
  readonly now?: () => Date;
}

export function openHistory(options: HistoryOptions): HistoryStore {
  const now = options.now ?? (() => new Date());
  const retentionMs = (options.retentionDays ?? DEFAULT_RETENTION_DAYS) * 86_400_000;
  const file = jsonFile<HistoryFile>({
    directory: options.directory,
    fileName: HISTORY_FILE,
    schemaName: 'sealcheck.history',
    version: 1,
    schema: HistoryFile,
    empty: () => ({ schema: HISTORY_SCHEMA, endpoints: {} }),
    label: 'check history',
    maxBytes: 16 * 1024 * 1024,
  });

  /** Drops what is past retention; keeps the newest endpoints within the cap. */
  function pruned(endpoints: HistoryFile['endpoints']): HistoryFile['endpoints'] {
    const cutoff = now().getTime() - retentionMs;
    const kept = Object.entries(endpoints)
      .map(([k, list]) => [k, list.filter((r) => Date.parse(r.checkedAt) >= cutoff)] as const)
      .filter(([, list]) => list.length > 0)
      .sort((a, b) => Date.parse(b[1][0]?.checkedAt ?? '') - Date.parse(a[1][0]?.checkedAt ?? ''))
      .slice(0, MAX_ENDPOINTS);
    return Object.fromEntries(kept);
  }

  return {
    path: file.path,
    add(key, record) {
      return file.change((current) => {
        const list = current.endpoints[key] ?? [];
        const previous = list[0] ?? null;
        const endpoints = pruned({
          ...current.endpoints,
          [key]: [record, ...list].slice(0, MAX_PER_ENDPOINT),
        });
        return { value: { ...current, endpoints }, result: previous };
      });
    },
    async list(key) {
      return [...((await file.read()).endpoints[key] ?? [])];
    },
    async keysOf(owner) {
      return Object.keys((await file.read()).endpoints).filter((k) => k.startsWith(`${owner}|`));
    },
    async latest() {
      const out: LatestCheck[] = [];
      for (const [key, list] of Object.entries((await file.read()).endpoints)) {
        const [owner, protocol, host, port] = key.split('|');
        const newest = list[0];
        if (!owner || !protocol || !host || !port || !newest) continue;
        out.push({
          owner,
          protocol,
          host,
          port: Number(port),
          checkedAt: newest.checkedAt,
          verdict: newest.verdict,
        });
      }
      return out;
    },
    startEmpty: () => file.startEmpty(),
  };
}
