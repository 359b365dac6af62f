/**
 * `sealcheck check`'s human output. Per endpoint: the verdict sentence first (voice.md), then
 * each finding that needs attention with what it means, the risk, what to do and who can fix
 * it (words from core/explain), the things worth knowing in one line each, and a compact block
 * of technical details (addresses, TLS version, cipher, certificate, STARTTLS). One summary line
 * at the end. Every piece of text that came from a server, a certificate or the command line
 * goes through terminalSafe.
 */
import type {
  AddressFacts,
  EndpointTarget,
  LoginBeforeTlsFacts,
  Security,
  Tristate,
} from '../core/facts/endpoint';
import type { ScanFacts } from '../core/facts/scan';
import { SCANNED_VERSIONS, WEAK_FAMILIES } from '../core/facts/scan';
import type { Judgement } from '../core/findings/judge';
import type { Finding } from '../core/findings/types';
import type {
  CertAnalysis,
  ClientReaction,
  FingerprintComparison,
  PublicRootsSnapshot,
} from '../core/cert';
import { explain, whoCanFixText, type Explanation } from '../core/explain/catalog';
import {
  clientSentence,
  CLIENTS_CAVEAT,
  fingerprintWords,
  publicRootsText,
} from '../core/explain/clients';
import { verdictHeadline, verdictSentence } from '../core/explain/verdicts';
import { tlsVersion, weakFamilyName } from '../core/explain/words';
import type { EndpointStatus } from './check-exit';
import { terminalSafe } from './terminal';

const MODE: Readonly<Record<Security, string>> = {
  implicit: 'implicit TLS',
  starttls: 'STARTTLS',
  none: 'no TLS',
};

const STATUS_TEXT: Readonly<Record<AddressFacts['status'], string>> = {
  success: 'completed',
  'dns-error': 'name not resolved',
  'connection-refused': 'connection refused',
  'connection-timeout': 'connection timed out',
  'connection-error': 'connection failed',
  'protocol-error': 'protocol error',
  'starttls-refused': 'STARTTLS refused',
  'tls-error': 'TLS handshake failed',
  'io-timeout': 'timed out',
  'limit-exceeded': 'size limit exceeded',
  cancelled: 'cancelled',
};

/** Longest server line shown in the human output (the JSON has them whole). */
const MAX_LINE = 120;

function clip(text: string): string {
  return text.length > MAX_LINE ? `${text.slice(0, MAX_LINE)}…` : text;
}

function tri(value: Tristate, yes: string, no: string): string {
  return value === 'unknown' ? 'unknown' : value ? yes : no;
}

export function endpointTitle(target: EndpointTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const via = target.connectTo ? ` via ${target.connectTo.host}:${target.connectTo.port}` : '';
  const xmpp =
    target.protocol === 'xmpp' &&
    target.xmppDomain !== undefined &&
    target.xmppDomain !== target.host
      ? `, XMPP domain ${target.xmppDomain}`
      : '';
  return terminalSafe(
    `${target.protocol} ${host}:${target.port} (${MODE[target.security]}${xmpp})${via}`,
  );
}

function loginLine(login: LoginBeforeTlsFacts | null): string {
  if (login === null) return 'not tested';
  const what = clip(login.command);
  if (login.invited === true) return `possible (the server invited credentials after ${what})`;
  if (login.invited === false) return `not possible (${what} refused)`;
  return `unknown (${what})`;
}

function addressBlock(target: EndpointTarget, a: AddressFacts): string[] {
  const rows: [string, string][] = [];
  const conns = `${a.connections} ${a.connections === 1 ? 'connection' : 'connections'}`;
  const total = Math.max(0, ...Object.values(a.timings));
  let status = `${STATUS_TEXT[a.status]} (${total} ms, ${conns})`;
  if (a.error) {
    const alert = a.error.alert ? `, alert ${a.error.alert}` : '';
    status = `${STATUS_TEXT[a.status]} at ${a.error.step}: ${clip(a.error.message)}${alert}`;
  }
  rows.push(['status', status]);
  if (a.greeting) rows.push(['greeting', clip(a.greeting.lines[0] ?? '')]);

  if (target.security !== 'implicit') {
    const before = a.capabilitiesBeforeTls;
    if (before) {
      const offered = tri(before.starttls, 'offered', 'not offered');
      const required = tri(before.starttlsRequired, 'yes', 'no');
      const outcome = a.starttls ? a.starttls.outcome : 'not-attempted';
      rows.push(['STARTTLS', `${offered}, required: ${required}; ${outcome}`]);
    }
    if (a.starttls?.plaintextAfterGoAhead) {
      const p = a.starttls.plaintextAfterGoAhead;
      rows.push(['after go-ahead', `${p.bytes} bytes in plaintext: ${clip(p.preview)}`]);
    }
    if (a.greeting) rows.push(['password before TLS', loginLine(a.loginBeforeTls)]);
  }

  if (a.tls) {
    const kx = a.tls.keyExchange?.name ? `, ${a.tls.keyExchange.name}` : '';
    rows.push(['TLS', `${a.tls.version}, ${a.tls.cipher.standardName || a.tls.cipher.name}${kx}`]);
    const v = a.tls.verification;
    const problems: string[] = [];
    if (!v.chainTrusted) problems.push(`not trusted (${v.chainError ?? 'unknown error'})`);
    if (!v.nameMatches) problems.push(`not valid for ${v.nameChecked ?? 'the server name'}`);
    rows.push([
      'certificate',
      problems.length === 0
        ? `verified (valid for ${v.nameChecked ?? 'the server'})`
        : `not verified: ${problems.join('; ')}`,
    ]);
  } else if (target.security !== 'none' && a.status === 'success') {
    rows.push(['TLS', 'none']);
  }

  if (a.scan) rows.push(...scanRows(a.scan));

  if (a.injection) {
    const i = a.injection;
    const verdict =
      i.vulnerable === true
        ? `the server answered ${i.command} inside TLS`
        : i.vulnerable === false
          ? `no answer to ${i.command} inside TLS`
          : `inconclusive${i.error ? ` (${i.error.step}: ${clip(i.error.message)})` : ''}`;
    rows.push(['injection test', verdict]);
  }

  const width = Math.max(...rows.map(([k]) => k.length));
  const shownAddress = a.family === 6 ? `[${a.address}]` : a.address;
  return [
    `  ${shownAddress}`,
    ...rows.map(([k, v]) => `    ${`${k}:`.padEnd(width + 1)}  ${terminalSafe(v)}`),
  ];
}

/** The TLS scan in a few rows: versions, the modern app's result, weak suites, the chain. */
function scanRows(s: ScanFacts): [string, string][] {
  const rows: [string, string][] = [];
  const byAnswer = (want: boolean | 'unknown'): string[] =>
    SCANNED_VERSIONS.filter((v) => s.versions[v].accepted === want).map((v) => tlsVersion(v));
  const yes = byAnswer(true);
  const no = byAnswer(false);
  const unknown = byAnswer('unknown');
  const parts = [
    yes.length > 0 ? `accepted ${yes.join(', ')}` : 'none accepted',
    ...(no.length > 0 ? [`not ${no.join(', ')}`] : []),
    ...(unknown.length > 0 ? [`unknown ${unknown.join(', ')}`] : []),
  ];
  rows.push(['versions', parts.join('; ')]);
  const m = s.modernClient;
  rows.push([
    'a current app gets',
    m === null
      ? 'no answer'
      : `${m.version}, ${m.suite}${m.group !== null ? `, ${m.group}` : ''}; forward secrecy: ${m.forwardSecrecy ? 'yes' : 'no'}; protected against future decryption: ${tri(m.postQuantum, 'yes', 'no')}${m.failedWithPostQuantumShare ? ' (answered only without the post-quantum key share)' : ''}`,
  ]);
  const weak = WEAK_FAMILIES.filter((f) => s.weakFamilies[f] === true).map((f) =>
    weakFamilyName(f),
  );
  const weakUnknown = WEAK_FAMILIES.filter((f) => s.weakFamilies[f] === 'unknown').map((f) =>
    weakFamilyName(f),
  );
  rows.push([
    'weak suites',
    `${weak.length > 0 ? `accepted: ${weak.join(', ')}` : 'none accepted'}${weakUnknown.length > 0 ? `; unknown: ${weakUnknown.join(', ')}` : ''}`,
  ]);
  rows.push(['no forward secrecy', tri(s.nonForwardSecretAccepted, 'accepted', 'not accepted')]);
  if (s.dhe.accepted === true) {
    rows.push([
      'DHE',
      `accepted${s.dhe.primeBits !== null ? `, ${s.dhe.primeBits}-bit group` : ''}`,
    ]);
  }
  rows.push([
    'chain as sent',
    s.chainAsSent
      ? `${s.chainAsSent.certificates.length} ${s.chainAsSent.certificates.length === 1 ? 'certificate' : 'certificates'} (read in clear over ${s.chainAsSent.version})`
      : (['TLSv1.2', 'TLSv1.1', 'TLSv1', 'SSLv3'] as const).some(
            (v) => s.versions[v].accepted === true,
          )
        ? 'not seen'
        : 'not seen (TLS 1.3 sends it encrypted)',
  ]);
  for (const v of SCANNED_VERSIONS) {
    const d = s.detailed?.[v];
    if (d) {
      rows.push([
        `suites ${tlsVersion(v)}`,
        `${d.suites.join(', ') || 'none'}${d.complete ? '' : ' (list may be incomplete)'}`,
      ]);
    }
  }
  rows.push([
    'scan',
    `${s.connections} connections, ${s.refusedHandshakes} refused, ${s.durationMs} ms${s.error ? `; ${clip(s.error.message)}` : ''}`,
  ]);
  return rows;
}

const SEVERITY_MARK: Readonly<Record<Finding['severity'], string>> = {
  critical: 'critical',
  warning: 'warning',
  info: 'info',
};

/** Width of the wrapped explanation text. */
const WRAP = 88;

/**
 * Wraps plain words at spaces: the first line gets `indent`, the others `hanging` (default the
 * same). The text is escaped first, so server text can neither break lines nor colour them.
 */
export function wrap(text: string, indent: string, hanging = indent): string[] {
  const words = terminalSafe(text).split(' ');
  const lines: string[] = [];
  let line = '';
  const prefix = (): string => (lines.length === 0 ? indent : hanging);
  for (const w of words) {
    if (line !== '' && prefix().length + line.length + 1 + w.length > WRAP) {
      lines.push(`${prefix()}${line}`);
      line = w;
    } else {
      line = line === '' ? w : `${line} ${w}`;
    }
  }
  if (line !== '') lines.push(`${prefix()}${line}`);
  return lines;
}

/** A finding that needs attention, in words: title with severity, then what, risk, step, who. */
export function explanationBlock(
  e: Pick<Explanation, 'title' | 'meaning' | 'risk' | 'action' | 'technicalTerm'>,
  severity: Finding['severity'],
  where: string,
  whoCanFix: string,
): string[] {
  return [
    ...wrap(`! ${e.title} [${SEVERITY_MARK[severity]}]${where}`, '  ', '    '),
    ...wrap(e.meaning, '    '),
    ...wrap(`Risk: ${e.risk}`, '    ', '      '),
    ...wrap(`What to do: ${e.action}`, '    ', '      '),
    ...wrap(`Who can fix it: ${whoCanFix}.`, '    ', '      '),
    ...wrap(`Help-desk term: ${e.technicalTerm}`, '    ', '      '),
  ];
}

function findingBlock(f: Finding): string[] {
  const e = explain(f);
  const where = f.subject.address !== undefined ? ` (on ${f.subject.address} only)` : '';
  return explanationBlock(e, f.severity, where, whoCanFixText(e.whoCanFix, f.subject.protocol));
}

/** The plain text of an info line (unescaped, unwrapped): also the key for shared notes. */
export function infoText(f: Finding): string {
  const e = explain(f);
  return `${e.title}. ${e.meaning} [${e.technicalTerm}]`;
}

function infoLine(f: Finding): string[] {
  return wrap(`- ${infoText(f)}`, '    ', '      ');
}

/** Info notes shared by every endpoint, printed once after them all (all-ports mode). */
export function formatSharedInfo(texts: readonly string[]): string {
  if (texts.length === 0) return '';
  const lines = ['Worth knowing for every endpoint above:'];
  for (const t of texts) lines.push(...wrap(`- ${t}`, '  ', '    '));
  return `${lines.join('\n')}\n`;
}

/** The certificate facts that go beside the findings: the "Your app" row, a fingerprint check. */
export interface CertificateExtras {
  readonly analysis: CertAnalysis;
  readonly clients: readonly ClientReaction[];
  readonly snapshot: PublicRootsSnapshot;
  /** The fingerprint the user gave, and how it compares; absent without --fingerprint. */
  readonly fingerprint?: {
    readonly given: string;
    readonly comparison: FingerprintComparison;
    /** The analysis it was compared with (the best match over the endpoint's addresses). */
    readonly against: CertAnalysis;
  };
}

export interface FormatOptions {
  readonly certificate?: CertificateExtras | null;
  /** Info texts (infoText) printed once at the end instead. */
  readonly sharedInfo?: ReadonlySet<string>;
}

/** Problems that say nothing about whether an app would warn. */
const QUIET = new Set<CertAnalysis['problems'][number]['kind']>([
  'revocation-not-checked',
  'expiring-soon',
]);

/** "Your app:" only when the certificate has a problem an app might warn about. */
export function showClients(analysis: CertAnalysis): boolean {
  return analysis.problems.some((p) => !QUIET.has(p.kind));
}

function clientsBlock(c: CertificateExtras): string[] {
  const lines = ['', '  Your app:'];
  for (const r of c.clients) lines.push(...wrap(`- ${clientSentence(r)}`, '    ', '      '));
  lines.push(...wrap(CLIENTS_CAVEAT, '    '));
  return lines;
}

function fingerprintBlock(c: CertificateExtras, host: string): string[] {
  if (!c.fingerprint) return [];
  const w = fingerprintWords(
    c.fingerprint.comparison,
    host,
    c.fingerprint.against,
    c.fingerprint.given,
  );
  return [
    '',
    '  The fingerprint you gave:',
    `    ${terminalSafe(c.fingerprint.given)}`,
    ...wrap(w.result, '    '),
    ...wrap(w.meaning, '    '),
  ];
}

/** One endpoint's block. Not served endpoints (check HOST, refused) get a single line. */
export function formatEndpoint(
  j: Judgement,
  status: EndpointStatus,
  options: FormatOptions = {},
): string {
  const facts = j.facts;
  const title = endpointTitle(facts.target);
  if (status === 'not-served') return `${title}: not served (connection refused)\n`;
  const lines = [title];
  const kind = j.verdict.kind;
  lines.push(
    ...wrap(`${verdictHeadline(kind)}. ${verdictSentence(kind, facts.target.protocol)}`, '  '),
  );
  const attention = j.findings.filter((f) => f.severity !== 'info');
  const info = j.findings.filter((f) => f.severity === 'info');
  for (const f of attention) lines.push('', ...findingBlock(f));
  const cert = options.certificate ?? null;
  if (cert !== null && showClients(cert.analysis)) lines.push(...clientsBlock(cert));
  if (cert !== null) lines.push(...fingerprintBlock(cert, facts.target.host));
  const ownInfo = info.filter((f) => !(options.sharedInfo?.has(infoText(f)) ?? false));
  if (ownInfo.length > 0) {
    lines.push('', '  Worth knowing:');
    for (const f of ownInfo) lines.push(...infoLine(f));
  }
  lines.push('', '  Details:');
  if (facts.resolveError) {
    lines.push(`  name not resolved: ${terminalSafe(clip(facts.resolveError.message))}`);
  }
  for (const a of facts.addresses) lines.push(...addressBlock(facts.target, a));
  if (cert !== null) {
    lines.push(`  public roots: ${terminalSafe(publicRootsText(cert.snapshot))}`);
    const leaf = cert.analysis.presented[0];
    if (leaf) {
      lines.push(
        `  server certificate SHA-256: ${terminalSafe(leaf.sha256)}`,
        `  server certificate SHA-1:   ${terminalSafe(leaf.sha1)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export function formatSummary(statuses: readonly EndpointStatus[]): string {
  const count = (v: EndpointStatus): number => statuses.filter((x) => x === v).length;
  const parts = [
    `${count('ok')} ok`,
    `${count('problems')} with problems`,
    `${count('could-not-check')} could not be checked`,
  ];
  const notServed = count('not-served');
  if (notServed > 0) parts.push(`${notServed} not served`);
  const n = statuses.length;
  return `${n} ${n === 1 ? 'endpoint' : 'endpoints'}: ${parts.join(', ')}.\n`;
}
