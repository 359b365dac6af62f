/**
 * The last step of the one-way flow for the app's window: judgements → a view, plain data with
 * every word already chosen (explain/), ready to show. Pure.
 *
 * A CheckView holds, per endpoint: the verdict in words, the findings worst first with their
 * explanation, the certificate viewer's data (the chain as a path with the broken link marked,
 * the names it is valid for, validity against today, key, signature, fingerprints), what the
 * TLS scan saw, the redacted transcript, what changed since the last check and the earlier
 * checks (history/store.ts).
 * Server text stays raw here: the window escapes it (Svelte), exports escape it their own way.
 */
import type { CertAnalysis, CertInfo } from '../cert';
import { explain, whoCanFixText } from '../explain/catalog';
import { verdictHeadline, verdictSentence } from '../explain/verdicts';
import { tlsVersion, weakFamilyName } from '../explain/words';
import type { EndpointFacts, EndpointTarget, Protocol } from '../facts/endpoint';
import { SCANNED_VERSIONS, WEAK_FAMILIES } from '../facts/scan';
import type { Judgement } from '../findings/judge';
import type { HistoryRecord } from '../history/store';
import type { EndpointVerdict, Severity, VerdictKind } from '../findings/types';
import type { TranscriptEntry } from '../net/types';

export interface VerdictView {
  readonly kind: VerdictKind;
  readonly worst: Severity | null;
  readonly headline: string;
  readonly sentence: string;
}

export interface FindingView {
  readonly id: string;
  readonly severity: Severity;
  readonly title: string;
  readonly meaning: string;
  readonly risk: string;
  readonly action: string;
  readonly whoCanFix: string;
  readonly technicalTerm: string;
  readonly details: readonly { readonly label: string; readonly value: string }[];
  /** Set when the finding is about one address only. */
  readonly address: string | null;
}

export interface CertificateLinkView {
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly key: string;
  readonly signature: string;
  readonly sha256: string;
  readonly sha1: string;
  /** Where it came from: sent by the server (its position), or a trust store. */
  readonly origin: string;
  /** What is wrong with this link, in words; empty when nothing. */
  readonly problems: readonly string[];
}

export interface CertificateView {
  /** Leaf first, up to the anchor, or up to where the path breaks. */
  readonly path: readonly CertificateLinkView[];
  /** Why the path does not reach a trusted authority, or null when it does. */
  readonly broken: string | null;
  readonly referenceName: string;
  readonly validFor: readonly string[];
  readonly nameMatches: boolean;
  /** Validity of the server's own certificate against today, in days. */
  readonly timeline: {
    readonly notBefore: string;
    readonly notAfter: string;
    readonly now: string;
    readonly daysLeft: number;
  } | null;
}

export interface EndpointView {
  readonly role: 'incoming' | 'outgoing' | 'chat' | null;
  readonly title: string;
  readonly protocol: Protocol;
  readonly host: string;
  readonly port: number;
  readonly security: EndpointTarget['security'];
  readonly verdict: VerdictView;
  readonly findings: readonly FindingView[];
  readonly certificate: CertificateView | null;
  /** The connection the app makes: e.g. "TLS 1.3, TLS_AES_256_GCM_SHA384, X25519". */
  readonly connection: string | null;
  /** The TLS scan in a few lines (versions, weak suites, what a current app gets). */
  readonly scan: readonly { readonly label: string; readonly value: string }[];
  readonly transcript: readonly TranscriptEntry[];
  /** What changed since the last check of this endpoint (from history.ts). */
  readonly changes: readonly string[];
  /** The checks of this endpoint before this one, newest first (from history.ts). */
  readonly earlier: readonly EarlierCheckView[];
  /** Every connection and lookup the check made for this endpoint, and what for. */
  readonly contacted: readonly string[];
}

export interface EarlierCheckView {
  readonly checkedAt: string;
  readonly verdict: VerdictKind;
  readonly headline: string;
  /** The server certificate's SHA-256 then, or null when no TLS was seen. */
  readonly leafSha256: string | null;
}

export interface CheckView {
  readonly runId: string;
  readonly title: string;
  readonly checkedAt: string;
  readonly accountId: string | null;
  /** The domain mail to the account goes to, for the domain check; null without mail. */
  readonly mailDomain: string | null;
  readonly verdict: VerdictView;
  readonly endpoints: readonly EndpointView[];
  /**
   * Set when this view was rebuilt from a report file opened from disk: its name, and what the
   * file says about itself (claims nothing vouches for), with notes about the file.
   */
  readonly savedReport: SavedReportView | null;
}

export interface SavedReportView {
  readonly fileName: string;
  readonly claimedVersion: string;
  readonly claimedCheckedAt: string;
  readonly notes: readonly string[];
}

const MODE: Readonly<Record<EndpointTarget['security'], string>> = {
  implicit: 'TLS from the first byte',
  starttls: 'STARTTLS',
  none: 'no encryption',
};

export function verdictView(v: EndpointVerdict, protocol: Protocol): VerdictView {
  return {
    kind: v.kind,
    worst: v.worst,
    headline: verdictHeadline(v.kind),
    sentence: verdictSentence(v.kind, protocol),
  };
}

export function endpointTitle(t: EndpointTarget): string {
  return `${t.protocol.toUpperCase()} ${t.host}:${t.port} (${MODE[t.security]})`;
}

function keyText(c: CertInfo): string {
  const a = c.key.algorithm.toUpperCase();
  return c.key.curve ? `${a} ${c.key.curve}` : `${a} ${c.key.bits} bits`;
}

const PROBLEM_WORDS: Readonly<Record<string, string>> = {
  expired: 'expired',
  'not-yet-valid': 'not valid yet',
  'clock-suspect': 'dates off by a little: check this computer’s clock',
  'expiring-soon': 'expires soon',
  'self-signed': 'signed by itself',
  'untrusted-issuer': 'issued by an authority no trusted store knows',
  'missing-intermediate': 'the certificate linking it to a trusted authority was not sent',
  'weak-key': 'key too short',
  'weak-signature': 'weak signature (SHA-1 or older)',
  'no-server-auth': 'not meant for servers',
  'leaf-is-ca': 'an authority’s certificate used as a server’s',
  revoked: 'withdrawn by its issuer',
  'private-authority': 'trusted only by this computer',
  intercepted: 'issued by software that reads encrypted traffic',
};

export function certificateView(a: CertAnalysis): CertificateView | null {
  const path = a.path;
  if (!path || path.elements.length === 0) return null;
  const at = (i: number): string[] =>
    a.problems.filter((p) => 'at' in p && p.at === i).map((p) => PROBLEM_WORDS[p.kind] ?? p.kind);
  const links = path.elements.map((e, i): CertificateLinkView => ({
    subject: e.cert.subject,
    issuer: e.cert.issuer,
    notBefore: e.cert.notBefore,
    notAfter: e.cert.notAfter,
    key: keyText(e.cert),
    signature: e.cert.signatureAlgorithm,
    sha256: e.cert.sha256,
    sha1: e.cert.sha1,
    origin:
      e.presentedIndex !== null
        ? e.presentedIndex === 0
          ? 'sent by the server (its own)'
          : `sent by the server (#${e.presentedIndex + 1})`
        : `from the ${e.store ?? 'trust'} store`,
    problems: at(i),
  }));
  const broken =
    path.end === 'anchored'
      ? null
      : path.end === 'self-signed'
        ? 'The last certificate signed itself, and no trusted store knows it.'
        : 'The issuer of the last certificate was neither sent nor found in a trusted store.';
  const leaf = path.elements[0]?.cert;
  const now = new Date(a.now);
  const timeline = leaf
    ? {
        notBefore: leaf.notBefore,
        notAfter: leaf.notAfter,
        now: a.now,
        daysLeft: Math.floor((Date.parse(leaf.notAfter) - now.getTime()) / 86_400_000),
      }
    : null;
  return {
    path: links,
    broken,
    referenceName: a.referenceName,
    validFor: a.identity?.validFor ?? [],
    nameMatches: a.identity?.matches ?? false,
    timeline,
  };
}

function scanLines(j: Judgement): { label: string; value: string }[] {
  const s = j.facts.addresses.find((a) => a.scan !== null)?.scan;
  if (!s) return [];
  const versions = SCANNED_VERSIONS.filter((v) => s.versions[v].accepted === true).map(tlsVersion);
  const weak = WEAK_FAMILIES.filter((f) => s.weakFamilies[f] === true).map(weakFamilyName);
  const m = s.modernClient;
  return [
    { label: 'Versions the server accepts', value: versions.join(', ') || 'none seen' },
    {
      label: 'Weak kinds of encryption',
      value: weak.length > 0 ? weak.join(', ') : 'none accepted',
    },
    {
      label: 'What a current app gets',
      value: m
        ? `${tlsVersion(m.version)}, ${m.suite}${m.group ? `, ${m.group}` : ''}`
        : 'no answer',
    },
    {
      label: 'Protected against future decryption',
      value:
        m === null
          ? 'unknown'
          : m.postQuantum === true
            ? 'yes'
            : m.postQuantum === false
              ? 'no'
              : 'unknown',
    },
  ];
}

export interface EndpointInput {
  readonly role: EndpointView['role'];
  readonly judgement: Judgement;
  readonly changes?: readonly string[];
  readonly earlier?: readonly HistoryRecord[];
}

export function endpointView(input: EndpointInput): EndpointView {
  const j = input.judgement;
  const t = j.facts.target;
  const first = j.facts.addresses.find((a) => a.tls !== null);
  const tls = first?.tls ?? null;
  const analysis = j.certificates[0];
  return {
    role: input.role,
    title: endpointTitle(t),
    protocol: t.protocol,
    host: t.host,
    port: t.port,
    security: t.security,
    verdict: verdictView(j.verdict, t.protocol),
    findings: j.findings.map((f): FindingView => {
      const e = explain(f);
      return {
        id: f.id,
        severity: f.severity,
        title: e.title,
        meaning: e.meaning,
        risk: e.risk,
        action: e.action,
        whoCanFix: whoCanFixText(e.whoCanFix, f.subject.protocol),
        technicalTerm: e.technicalTerm,
        details: e.details,
        address: f.subject.address ?? null,
      };
    }),
    certificate: analysis ? certificateView(analysis) : null,
    connection: tls
      ? `${tlsVersion(tls.version)}, ${tls.cipher.standardName}${tls.keyExchange?.name ? `, ${tls.keyExchange.name}` : ''}`
      : null,
    scan: scanLines(j),
    transcript: j.facts.addresses.flatMap((a) => a.transcript),
    changes: input.changes ?? [],
    earlier: (input.earlier ?? []).map((r) => ({
      checkedAt: r.checkedAt,
      verdict: r.verdict,
      headline: verdictHeadline(r.verdict),
      leafSha256: r.leafSha256,
    })),
    contacted: contactedLines(j.facts),
  };
}

const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * What the check contacted, from its facts: the name lookup, and per address the connections
 * of the dialog (with the login-before-TLS question and the injection test) and of the TLS
 * scan, and the names looked up for "right certificate, wrong name". Nothing else leaves.
 */
export function contactedLines(facts: EndpointFacts): string[] {
  const t = facts.target;
  const via = t.connectTo ? ` (reached at ${t.connectTo.host}:${t.connectTo.port})` : '';
  const lines = [`Name lookup of ${t.host} with this computer's resolver${via}.`];
  for (const a of facts.addresses) {
    const at =
      a.family === 6
        ? `[${a.address}]:${t.connectTo?.port ?? t.port}`
        : `${a.address}:${t.connectTo?.port ?? t.port}`;
    const extra = a.injection?.tested ? ', one of them for the injection test' : '';
    lines.push(
      `${at}: ${count(a.connections, 'connection', 'connections')} for the ${t.protocol.toUpperCase()} dialog${extra}.`,
    );
    if (a.scan)
      lines.push(
        `${at}: ${count(a.scan.connections, 'connection', 'connections')} for the TLS scan.`,
      );
    const names = a.sameServerNames ?? [];
    if (names.length > 0) {
      lines.push(
        `Name lookups of ${names.map((n) => n.name).join(', ')}, the names the certificate is for.`,
      );
    }
  }
  return lines;
}

export function checkView(input: {
  readonly runId: string;
  readonly title: string;
  readonly checkedAt: string;
  readonly accountId: string | null;
  readonly mailDomain?: string | null;
  readonly verdict: EndpointVerdict;
  readonly endpoints: readonly EndpointInput[];
}): CheckView {
  const protocol = input.endpoints[0]?.judgement.facts.target.protocol ?? 'imap';
  return {
    runId: input.runId,
    title: input.title,
    checkedAt: input.checkedAt,
    accountId: input.accountId,
    mailDomain: input.mailDomain ?? null,
    verdict: verdictView(input.verdict, protocol),
    endpoints: input.endpoints.map(endpointView),
    savedReport: null,
  };
}
