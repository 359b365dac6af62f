/**
 * The warning decoder: the text or code a mail app showed ("SEC_ERROR_UNKNOWN_ISSUER", Outlook's
 * "The name on the security certificate is invalid…", iOS's "Cannot Verify Server Identity")
 * mapped to its possible causes, and each cause held against this check's own evidence.
 *
 * Why both halves: more than half of real certificate warnings come from the client's side (a
 * wrong clock, antivirus or a proxy re-encrypting, a captive portal), not from the server (Acer
 * et al., CCS 2017). When Sealcheck sees the same problem from here, the server is the cause;
 * when the server looks right from here, the warning most likely comes from where the app is.
 * Pure: facts in, words out. The pasted text is never echoed back, only the code recognised.
 */
import type { Finding, FindingId } from '../findings/types';
import { explain } from './catalog';

/** What a warning can mean, whatever the app's words. */
export type WarningCause =
  | 'untrusted-issuer'
  | 'self-signed'
  | 'name-mismatch'
  | 'expired'
  | 'not-yet-valid'
  | 'revoked'
  | 'interception'
  | 'no-common-tls'
  | 'weak-certificate';

export type WarningClient = 'thunderbird' | 'outlook' | 'apple' | 'android' | 'openssl';

interface Signature {
  readonly client: WarningClient;
  /** What the user will recognise: the code, or the app and a short quote. */
  readonly label: string;
  readonly pattern: RegExp;
  readonly causes: readonly WarningCause[];
}

/** The most text looked at: a warning is a few lines. */
export const MAX_WARNING_CHARS = 4000;

/**
 * Error codes first (exact, the most specific), then the apps' own sentences. Written from the
 * codes' public names and the messages as users report them; matched case-insensitively on
 * text with runs of white space collapsed.
 */
const SIGNATURES: readonly Signature[] = [
  // Thunderbird (NSS and mozilla::pkix codes).
  ...(
    [
      ['MOZILLA_PKIX_ERROR_MITM_DETECTED', ['interception']],
      ['MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT', ['self-signed', 'interception']],
      ['SEC_ERROR_UNKNOWN_ISSUER', ['untrusted-issuer', 'interception']],
      ['SEC_ERROR_UNTRUSTED_ISSUER', ['untrusted-issuer', 'interception']],
      ['SEC_ERROR_UNTRUSTED_CERT', ['untrusted-issuer']],
      ['SEC_ERROR_CA_CERT_INVALID', ['untrusted-issuer']],
      ['SSL_ERROR_BAD_CERT_DOMAIN', ['name-mismatch']],
      ['SEC_ERROR_EXPIRED_CERTIFICATE', ['expired']],
      ['SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE', ['expired']],
      ['MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE', ['not-yet-valid']],
      ['MOZILLA_PKIX_ERROR_NOT_YET_VALID_ISSUER_CERTIFICATE', ['not-yet-valid']],
      ['SEC_ERROR_REVOKED_CERTIFICATE', ['revoked']],
      ['SSL_ERROR_NO_CYPHER_OVERLAP', ['no-common-tls']],
      ['SSL_ERROR_UNSUPPORTED_VERSION', ['no-common-tls']],
      ['SSL_ERROR_PROTOCOL_VERSION_ALERT', ['no-common-tls']],
      ['MOZILLA_PKIX_ERROR_INADEQUATE_KEY_SIZE', ['weak-certificate']],
      ['SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED', ['weak-certificate']],
    ] as const
  ).map(([code, causes]): Signature => ({
    client: 'thunderbird',
    label: code,
    pattern: new RegExp(`\\b${code}\\b`, 'i'),
    causes,
  })),
  {
    client: 'thunderbird',
    label: 'Thunderbird: “Wrong Site”',
    pattern: /\bwrong site\b|certificate belongs to a different site/i,
    causes: ['name-mismatch'],
  },
  {
    client: 'thunderbird',
    label: 'Thunderbird: “Unknown Identity”',
    pattern:
      /\bunknown identity\b|issuer certificate is unknown|not trusted because it (?:was|is) self[- ]signed/i,
    causes: ['untrusted-issuer', 'self-signed', 'interception'],
  },
  {
    client: 'thunderbird',
    label: 'Thunderbird: “Outdated Information”',
    pattern: /\boutdated information\b/i,
    causes: ['expired', 'not-yet-valid'],
  },
  // Outlook on Windows (Schannel).
  {
    client: 'outlook',
    label: 'Outlook: the name on the certificate does not match',
    pattern:
      /name on the security certificate is invalid|does not match the name of the site|target principal name is incorrect/i,
    causes: ['name-mismatch'],
  },
  {
    client: 'outlook',
    label: 'Outlook: issued by a company you have not chosen to trust',
    pattern:
      /issued by a company you have not chosen to trust|chain was issued by an authority that is not trusted/i,
    causes: ['untrusted-issuer', 'self-signed', 'interception'],
  },
  {
    client: 'outlook',
    label: 'Outlook: expired or not yet valid',
    pattern: /security certificate has expired or is not yet valid/i,
    causes: ['expired', 'not-yet-valid'],
  },
  {
    client: 'outlook',
    label: 'Outlook: a certificate that cannot be verified',
    pattern: /security certificate that cannot be verified/i,
    causes: ['untrusted-issuer', 'name-mismatch', 'expired', 'interception'],
  },
  // Apple Mail (iOS, iPadOS, macOS).
  {
    client: 'apple',
    label: 'Apple Mail: “Cannot Verify Server Identity”',
    pattern: /cannot verify server identity|identity of .{1,200}? cannot be verified/i,
    causes: ['untrusted-issuer', 'name-mismatch', 'expired', 'self-signed', 'interception'],
  },
  // Android apps (Java's and Android's words).
  {
    client: 'android',
    label: 'Android: trust anchor not found',
    pattern: /trust anchor for certification path not found/i,
    causes: ['untrusted-issuer', 'self-signed', 'interception'],
  },
  {
    client: 'android',
    label: 'Android: host name not verified',
    pattern: /hostname .{1,300}? not verified|host ?name .{1,100}? (?:does not|doesn't) match/i,
    causes: ['name-mismatch'],
  },
  // OpenSSL's words (curl, many Linux and command-line clients).
  {
    client: 'openssl',
    label: 'OpenSSL: unable to get local issuer certificate',
    pattern: /unable to get (?:local )?issuer certificate/i,
    causes: ['untrusted-issuer', 'interception'],
  },
  {
    client: 'openssl',
    label: 'OpenSSL: self-signed certificate',
    pattern: /self[- ]signed certificate/i,
    causes: ['self-signed', 'interception'],
  },
  {
    client: 'openssl',
    label: 'OpenSSL: certificate has expired',
    pattern: /certificate has expired/i,
    causes: ['expired'],
  },
  {
    client: 'openssl',
    label: 'OpenSSL: certificate is not yet valid',
    pattern: /certificate is not yet valid/i,
    causes: ['not-yet-valid'],
  },
  {
    client: 'openssl',
    label: 'a name that does not match the certificate',
    pattern:
      /does not match certificate's altnames|no alternative certificate subject name matches/i,
    causes: ['name-mismatch'],
  },
];

/** Which of this check's findings would explain each cause. */
const EVIDENCE: Readonly<Record<WarningCause, readonly FindingId[]>> = {
  'untrusted-issuer': [
    'cert.untrusted-issuer',
    'cert.missing-intermediate',
    'cert.self-signed',
    'cert.private-authority',
    'cert.intercepted',
  ],
  'self-signed': ['cert.self-signed', 'cert.private-authority', 'cert.intercepted'],
  'name-mismatch': ['cert.name-mismatch'],
  expired: ['cert.expired', 'clock.suspect'],
  'not-yet-valid': ['cert.not-yet-valid', 'clock.suspect'],
  revoked: ['cert.revoked'],
  interception: ['cert.intercepted'],
  'no-common-tls': ['starttls.failed', 'tls.none'],
  'weak-certificate': ['cert.weak-key', 'cert.weak-signature'],
};

/** The cause in words, as a reason the app could have had. */
const CAUSE_TEXT: Readonly<Record<WarningCause, string>> = {
  'untrusted-issuer': 'no one your app trusts vouches for the certificate',
  'self-signed': 'the certificate vouches for itself',
  'name-mismatch': 'the certificate is for another server name',
  expired: 'the certificate has run out',
  'not-yet-valid': 'the certificate is not valid yet',
  revoked: 'the certificate was withdrawn',
  interception: 'something on the way re-encrypts the connection',
  'no-common-tls': 'your app and the server share no kind of encryption',
  'weak-certificate': 'your app finds the certificate too weak',
};

/** Where the warning most likely comes from when the server looks right from here. */
const ELSEWHERE: Readonly<Record<WarningCause, string>> = {
  'untrusted-issuer':
    'More likely, something on your side re-encrypts your mail. Antivirus mail scans and work or hotel networks do this. Or your app uses another server.',
  'self-signed':
    'More likely, something on your side re-encrypts your mail. Antivirus mail scans and work or hotel networks do this. Or your app uses another server.',
  'name-mismatch':
    'More likely, your app is set to another server name. Or a network on the way answers for the server.',
  expired:
    'More likely, the clock on the device with the warning is wrong. Or a network on the way answers for the server.',
  'not-yet-valid':
    'More likely, the clock on the device with the warning is behind. Or a network on the way answers for the server.',
  revoked: 'More likely, a network on the way answers for the server.',
  interception: 'More likely, antivirus or a network on your side does this.',
  'no-common-tls': 'More likely, your app is old, or set to one old kind of encryption.',
  'weak-certificate': 'More likely, a network on the way answers for the server.',
};

export interface DecodedWarning {
  /** What was recognised (a code, or the app and its message); null when nothing was. */
  readonly recognised: string | null;
  readonly client: WarningClient | null;
  /** Every cause the recognised signatures allow, most specific signature first. */
  readonly causes: readonly WarningCause[];
}

/** Maps pasted text to what it can mean. Only the first MAX_WARNING_CHARS are read. */
export function decodeWarning(text: string): DecodedWarning {
  const s = text.slice(0, MAX_WARNING_CHARS).replace(/\s+/g, ' ');
  const hits = SIGNATURES.filter((sig) => sig.pattern.test(s));
  const first = hits[0];
  if (!first) return { recognised: null, client: null, causes: [] };
  const causes: WarningCause[] = [];
  for (const hit of hits) for (const c of hit.causes) if (!causes.includes(c)) causes.push(c);
  return {
    recognised: hits.map((h) => h.label).join(', '),
    client: first.client,
    causes,
  };
}

export interface CauseView {
  readonly cause: WarningCause;
  /** Whether this check sees a problem that explains it. */
  readonly seenHere: boolean;
  /** The titles of this check's findings that explain it. */
  readonly findings: readonly string[];
  readonly sentence: string;
}

export interface WarningView {
  readonly recognised: string | null;
  readonly causes: readonly CauseView[];
  /** The one sentence to act on. */
  readonly conclusion: string;
}

/**
 * The warning held against one endpoint's findings. `certificateSeen`: this check saw the
 * server's certificate (without it nothing can be said about the certificate from here).
 */
export function warningView(
  decoded: DecodedWarning,
  findings: readonly Finding[],
  host: string,
  certificateSeen: boolean,
): WarningView {
  if (decoded.recognised === null) {
    return {
      recognised: null,
      causes: [],
      conclusion:
        'Sealcheck does not recognise this text. Paste the whole message, or the error code if your app shows one (for example SEC_ERROR_UNKNOWN_ISSUER).',
    };
  }
  const causes = decoded.causes.map((cause): CauseView => {
    const matching = findings.filter((f) => EVIDENCE[cause].includes(f.id));
    const titles = [...new Set(matching.map((f) => explain(f).title))];
    const seenHere = titles.length > 0;
    return {
      cause,
      seenHere,
      findings: titles,
      sentence: seenHere
        ? `Possible cause: ${CAUSE_TEXT[cause]}. Sealcheck sees this from here too: ${titles.join('; ')}.`
        : certificateSeen
          ? `Possible cause: ${CAUSE_TEXT[cause]}. From here, ${host} shows no such problem. ${ELSEWHERE[cause]}`
          : `Possible cause: ${CAUSE_TEXT[cause]}. Sealcheck could not see the certificate from here, so it cannot tell.`,
    };
  });
  const seen = causes.filter((c) => c.seenHere);
  const conclusion =
    seen.length > 0
      ? 'The server is the likely cause: Sealcheck sees the same thing from here. See what to do under each finding.'
      : certificateSeen
        ? `From here, ${host} looks right. So the warning most likely comes from your side: the app, its clock, antivirus or the network. Do not accept the warning until you know which.`
        : 'Sealcheck could not see the certificate from here, so it cannot say where the warning comes from. Do not accept the warning. Try the check again.';
  return { recognised: decoded.recognised, causes, conclusion };
}
