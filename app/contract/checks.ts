/**
 * Schemas of the checks' channels: the views core sends the window (every word already chosen,
 * server text raw: the window escapes it), exports, the fingerprint comparison, history and the
 * settings. Results are described loosely where they are large (the window only reads them);
 * every input is strict.
 */
import * as v from 'valibot';
import { AccountId } from './accounts';
import { RunId } from './schemas';

const Severity = v.picklist(['critical', 'warning', 'info']);
const VerdictKind = v.picklist([
  'encrypted-verified',
  'encrypted-unverified',
  'encryption-removable',
  'not-encrypted',
  'could-not-check',
  'not-served',
]);

export const VerdictView = v.object({
  kind: VerdictKind,
  worst: v.nullable(Severity),
  headline: v.string(),
  sentence: v.string(),
});

const Detail = v.object({ label: v.string(), value: v.string() });

export const FindingView = v.object({
  id: v.string(),
  severity: Severity,
  title: v.string(),
  meaning: v.string(),
  risk: v.string(),
  action: v.string(),
  whoCanFix: v.string(),
  technicalTerm: v.string(),
  details: v.array(Detail),
  address: v.nullable(v.string()),
});

export const CertificateLinkView = v.object({
  subject: v.string(),
  issuer: v.string(),
  notBefore: v.string(),
  notAfter: v.string(),
  key: v.string(),
  signature: v.string(),
  sha256: v.string(),
  sha1: v.string(),
  origin: v.string(),
  problems: v.array(v.string()),
});

export const CertificateView = v.object({
  path: v.array(CertificateLinkView),
  broken: v.nullable(v.string()),
  referenceName: v.string(),
  validFor: v.array(v.string()),
  nameMatches: v.boolean(),
  timeline: v.nullable(
    v.object({
      notBefore: v.string(),
      notAfter: v.string(),
      now: v.string(),
      daysLeft: v.number(),
    }),
  ),
});

export const TranscriptEntry = v.object({
  at: v.number(),
  dir: v.picklist(['sent', 'received', 'note']),
  text: v.string(),
  tls: v.boolean(),
  redacted: v.optional(v.literal(true)),
  truncatedFrom: v.optional(v.number()),
});

export const EndpointView = v.object({
  role: v.nullable(v.picklist(['incoming', 'outgoing', 'chat'])),
  title: v.string(),
  protocol: v.picklist(['imap', 'pop3', 'submission', 'smtp', 'xmpp']),
  host: v.string(),
  port: v.number(),
  security: v.picklist(['implicit', 'starttls', 'none']),
  verdict: VerdictView,
  findings: v.array(FindingView),
  certificate: v.nullable(CertificateView),
  connection: v.nullable(v.string()),
  scan: v.array(Detail),
  transcript: v.array(TranscriptEntry),
  changes: v.array(v.string()),
  earlier: v.array(
    v.object({
      checkedAt: v.string(),
      verdict: VerdictKind,
      headline: v.string(),
      leafSha256: v.nullable(v.string()),
    }),
  ),
  /** Every connection and lookup the check made for this endpoint, and what for. */
  contacted: v.array(v.string()),
});

export const CheckView = v.object({
  runId: RunId,
  title: v.string(),
  checkedAt: v.string(),
  accountId: v.nullable(v.string()),
  /** The domain of the account's address, for the domain check; null without mail. */
  mailDomain: v.nullable(v.string()),
  verdict: VerdictView,
  endpoints: v.array(EndpointView),
  /** Rebuilt from a report file opened from disk: its name and the file's claims about itself. */
  savedReport: v.nullable(
    v.object({
      fileName: v.string(),
      claimedVersion: v.string(),
      claimedCheckedAt: v.string(),
      notes: v.array(v.string()),
    }),
  ),
});

/** A host name for a quick check: no ports, spaces or slashes. */
export const QuickHost = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, 'a server name is needed'),
  v.maxLength(253),
  v.regex(/^(?:\[[0-9A-Fa-f:.]+\]|[\p{L}\p{N}._-]+|[0-9A-Fa-f:.]+)$/u, 'not a server name'),
);

export const ExportFormat = v.picklist(['markdown', 'html', 'json']);

export const ExportResult = v.object({
  /** Null when the user cancelled the save dialog. */
  savedTo: v.nullable(v.string()),
});

export const FingerprintText = v.pipe(v.string(), v.maxLength(400));

export const FingerprintResult = v.object({
  match: v.picklist(['this-server', 'in-chain', 'different', 'unreadable']),
  given: v.string(),
  sentence: v.string(),
  meaning: v.string(),
});

/** The text or code a mail app showed, pasted (only the first 4,000 characters are read). */
export const WarningText = v.pipe(v.string(), v.minLength(1), v.maxLength(8000));

export const WarningResult = v.object({
  /** The code or message recognised; null when nothing was. */
  recognised: v.nullable(v.string()),
  causes: v.array(
    v.object({
      cause: v.string(),
      seenHere: v.boolean(),
      findings: v.array(v.string()),
      sentence: v.string(),
    }),
  ),
  conclusion: v.string(),
});

export const HistoryOwner = v.union([AccountId, v.literal('quick')]);
export const HistoryRecord = v.object({
  checkedAt: v.string(),
  verdict: VerdictKind,
  findingIds: v.array(v.string()),
  leafSha256: v.nullable(v.string()),
  starttlsOffered: v.nullable(v.boolean()),
});

export const LatestCheck = v.object({
  owner: v.string(),
  protocol: v.string(),
  host: v.string(),
  port: v.number(),
  checkedAt: v.string(),
  verdict: VerdictKind,
});

export const Settings = v.object({
  timeoutSeconds: v.number(),
  extraRoots: v.array(v.object({ label: v.string() })),
});
export const TimeoutSeconds = v.pipe(v.number(), v.integer(), v.minValue(5), v.maxValue(300));
export const RootLabel = v.pipe(v.string(), v.minLength(1), v.maxLength(300));

export type CheckView = v.InferOutput<typeof CheckView>;
export type EndpointView = v.InferOutput<typeof EndpointView>;
export type FindingView = v.InferOutput<typeof FindingView>;
export type CertificateView = v.InferOutput<typeof CertificateView>;
export type TranscriptEntry = v.InferOutput<typeof TranscriptEntry>;
export type VerdictView = v.InferOutput<typeof VerdictView>;
export type FingerprintResult = v.InferOutput<typeof FingerprintResult>;
export type WarningResult = v.InferOutput<typeof WarningResult>;
export type HistoryRecord = v.InferOutput<typeof HistoryRecord>;
export type LatestCheck = v.InferOutput<typeof LatestCheck>;
export type Settings = v.InferOutput<typeof Settings>;
export type ExportFormat = v.InferOutput<typeof ExportFormat>;
