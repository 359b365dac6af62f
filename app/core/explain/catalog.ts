/**
 * The explanation catalog: one entry per finding id, turning a finding's evidence into words
 * (voice.md). Every entry gives a title (under ten words), what it means for you, the risk (who
 * could read or change your mail, and when), one step to follow, who can fix it, the technical
 * term once (for help desks) and the technical details for the folded section.
 *
 * The catalog returns PLAIN strings. Evidence is server-supplied and hostile: each output escapes
 * it its own way (terminalSafe for the terminal, markdownSafe for Markdown, Svelte for the UI).
 *
 * Words kept out of first sentences (voice.md): X.509, SAN, CN, PKI, cipher suite, handshake,
 * SNI, ASN.1, OCSP, chain, STARTTLS, PFS, aNULL. They may appear in technicalTerm and details.
 */
import type {
  CertRef,
  Finding,
  FindingEvidence,
  FindingId,
  FindingSubject,
  Severity,
} from '../findings/types';
import type { ProbeErrorFact } from '../net/errors';
import {
  app,
  certName,
  count,
  day,
  duration,
  implicitTlsStep,
  list,
  messages,
  provider,
  sentenceStart,
  tlsVersion,
  weakFamilyName,
  whichCert,
} from './words';

/** voice.md principle 3: always exactly one of these. */
export type WhoCanFix =
  'you' | 'mail-provider' | 'network' | 'security-software' | 'clock' | 'nobody';

export const WHO_CAN_FIX_TEXT: Readonly<Record<WhoCanFix, string>> = {
  you: 'you (a setting in your app)',
  'mail-provider': 'your mail provider',
  network: 'your network or employer',
  'security-software': 'the security software on this computer',
  clock: "your device's clock",
  nobody: 'nobody needs to',
};

/** Who can fix it, in words; "your chat provider" for XMPP. */
export function whoCanFixText(who: WhoCanFix, protocol: FindingSubject['protocol']): string {
  return who === 'mail-provider' ? provider(protocol) : WHO_CAN_FIX_TEXT[who];
}

/** One technical fact for the folded section, e.g. { label: 'SHA-256', value: 'AB:CD:…' }. */
export interface Detail {
  readonly label: string;
  readonly value: string;
}

/** A finding in words. Plain strings: escape per output. */
export interface Explanation {
  readonly title: string;
  readonly meaning: string;
  readonly risk: string;
  readonly action: string;
  readonly whoCanFix: WhoCanFix;
  /** The term help desks search for, given once in brackets after the plain words. */
  readonly technicalTerm: string;
  readonly details: readonly Detail[];
}

/** What an entry is given: the finding's evidence, its subject and its severity. */
export interface EntryInput<K extends FindingId> {
  readonly evidence: FindingEvidence[K];
  readonly subject: FindingSubject;
  readonly severity: Severity;
}

export type Entry<K extends FindingId> = (input: EntryInput<K>) => Explanation;

function certDetails(cert: CertRef, prefix = ''): Detail[] {
  return [
    { label: `${prefix}subject`, value: cert.subject },
    { label: `${prefix}issuer`, value: cert.issuer },
    { label: `${prefix}SHA-256`, value: cert.sha256 },
    { label: `${prefix}position`, value: String(cert.index) },
  ];
}

function server(s: FindingSubject): string {
  return `${s.host} port ${s.port}`;
}

const DONT_ACCEPT = 'Do not accept the warning in your app.';

/** The scan's unanswered questions in words: "TLS 1.0", "RC4 suites", … */
function unansweredWords(e: FindingEvidence['tls.scan-incomplete']): string[] {
  return [
    ...e.versions.map(tlsVersion),
    ...e.families.map((f) => `${weakFamilyName(f)} suites`),
    ...(e.forwardSecrecy ? ['key exchange without forward secrecy'] : []),
    ...(e.modernClient ? ['what a current app gets'] : []),
  ];
}

/** Risk shared by every "the server did not prove who it is" finding. */
function impostorRisk(s: FindingSubject): string {
  return `Your app cannot tell the real server from a fake one. Someone on the network could pose as ${s.host} and read your password and ${messages(s.protocol)}.`;
}

export const CATALOG = {
  // ── transport ──
  'tls.none': ({ evidence, subject: s }) => {
    const chosen = s.security === 'none';
    const step = implicitTlsStep(s.protocol);
    return {
      title: `Your ${messages(s.protocol)} is not encrypted here`,
      meaning: `Everything sent to ${server(s)}, your password too, travels as plain text.`,
      risk: `Anyone on the same network, such as the same Wi-Fi, can read your password and ${messages(s.protocol)}. They can also change what is sent.`,
      action:
        chosen && step !== null
          ? step
          : `Ask ${provider(s.protocol)} for a server and port with encryption. Until then, do not use this server on a public Wi-Fi.`,
      whoCanFix: chosen && step !== null ? 'you' : 'mail-provider',
      technicalTerm: 'no TLS (plaintext connection)',
      details: [{ label: 'STARTTLS offered', value: String(evidence.starttlsOffered) }],
    };
  },
  'starttls.not-offered': ({ evidence, subject: s }) => ({
    title: 'This server offers no encryption',
    meaning: `The server at ${server(s)} did not offer to switch to an encrypted connection.`,
    risk: `Your password and ${messages(s.protocol)} travel as plain text. Anyone on the same network can read them.`,
    action: `Ask ${provider(s.protocol)} which server and port use encryption, and set that in ${app(s.protocol)}.`,
    whoCanFix: 'mail-provider',
    technicalTerm: 'STARTTLS not offered',
    details: [{ label: 'capabilities', value: evidence.capabilities.join(' ') }],
  }),
  'starttls.optional': ({ evidence, subject: s }) => {
    if (s.protocol === 'smtp') {
      return {
        title: 'Mail between servers may go without encryption',
        meaning: `The server at ${server(s)} can encrypt mail, but also takes mail without it. That is normal between mail servers.`,
        risk: 'Someone who controls a network between two servers could stop the encryption. Then they could read the mail.',
        action: 'Nothing to do for you.',
        whoCanFix: 'nobody',
        technicalTerm: 'opportunistic STARTTLS on port 25',
        details: [
          { label: 'login invited before TLS', value: String(evidence.loginInvitedBeforeTls) },
        ],
      };
    }
    const invited =
      evidence.loginInvitedBeforeTls === true
        ? ' The server even asks for a password before it is on.'
        : '';
    return {
      title: 'An attacker could switch off encryption here',
      meaning: `The server at ${server(s)} can encrypt, but does not insist on it.${invited}`,
      risk: `Someone who controls the network between you and the server, such as a fake Wi-Fi spot, could remove the encryption. If ${app(s.protocol)} does not insist on it, they could read your password.`,
      action:
        implicitTlsStep(s.protocol) ??
        `In ${app(s.protocol)}, set encryption to "required", not "if available".`,
      whoCanFix: 'you',
      technicalTerm: 'STARTTLS optional (STARTTLS stripping)',
      details: [
        { label: 'login invited before TLS', value: String(evidence.loginInvitedBeforeTls) },
      ],
    };
  },
  'starttls.failed': ({ evidence, subject: s }) => {
    const meaning = {
      refused: `The server at ${server(s)} said no when asked to switch on encryption.`,
      'temporarily-unavailable': `The server at ${server(s)} said encryption is not available right now.`,
      'handshake-failed': `Your app and the server at ${server(s)} could not agree on how to encrypt.`,
    }[evidence.outcome];
    return {
      title: 'Encryption could not be switched on',
      meaning,
      risk: `If an app goes on without encryption, your password and ${messages(s.protocol)} travel as plain text. Most apps stop and show an error.`,
      action: `Do not turn off encryption to make the error go away. Tell ${provider(s.protocol)} what this check found.`,
      whoCanFix: 'mail-provider',
      technicalTerm: `STARTTLS failed (${evidence.outcome})`,
      details: [
        { label: 'reply', value: evidence.reply.join(' | ') },
        ...(evidence.error
          ? [{ label: 'error', value: `${evidence.error.step}: ${evidence.error.message}` }]
          : []),
      ],
    };
  },
  'auth.cleartext-before-tls': ({ evidence, subject: s }) => ({
    title: 'The server asks for a password before encrypting',
    meaning:
      s.security === 'none'
        ? `The server at ${server(s)} will take your password with no encryption at all.`
        : `The server at ${server(s)} will take your password before it turns on encryption.`,
    risk: 'If your app sends it then, anyone on the same network can read your password.',
    action:
      implicitTlsStep(s.protocol) ??
      `In ${app(s.protocol)}, set encryption for this server to SSL/TLS, never "none".`,
    whoCanFix: 'you',
    technicalTerm: 'cleartext authentication offered before TLS',
    details: [
      { label: 'command', value: evidence.command },
      { label: 'reply', value: evidence.reply.join(' | ') },
    ],
  }),
  'starttls.command-injection': ({ evidence, subject: s }) => ({
    title: 'The server has a flaw when it starts encrypting',
    meaning: `The server at ${server(s)} ran a command that was sent before encryption, as if it came after.`,
    risk: 'Someone on the network between you and the server could slip in their own commands. In some cases they could steal your password or mail.',
    action:
      `Tell ${provider(s.protocol)} about this result. ${implicitTlsStep(s.protocol) ?? ''}`.trim(),
    whoCanFix: 'mail-provider',
    technicalTerm: 'STARTTLS command injection',
    details: [
      { label: 'command', value: evidence.command },
      { label: 'answered inside TLS', value: evidence.evidence.join(' | ') },
    ],
  }),
  'starttls.plaintext-after-go-ahead': ({ evidence, subject: s }) => ({
    title: 'The server sent stray text before encrypting',
    meaning: `After the server said it was ready to encrypt, ${count(evidence.bytes, 'byte')} more came without encryption.`,
    risk: 'This is most often a bug in the server. It can also mean someone adds text on the way, which could fool your app.',
    action:
      `Tell ${provider(s.protocol)} about this result. ${implicitTlsStep(s.protocol) ?? ''}`.trim(),
    whoCanFix: 'mail-provider',
    technicalTerm: 'plaintext after the STARTTLS go-ahead (response injection)',
    details: [
      { label: 'bytes', value: String(evidence.bytes) },
      { label: 'preview', value: evidence.preview },
    ],
  }),
  'tls.version.legacy': ({ evidence, subject: s }) => ({
    title: evidence.negotiated
      ? 'This connection used an old kind of encryption'
      : 'The server also allows an old kind of encryption',
    meaning: evidence.negotiated
      ? `Your connection to ${server(s)} used ${list(evidence.versions.map(tlsVersion))}, which is out of date.`
      : `The server also takes ${list(evidence.versions.map(tlsVersion))}, which is out of date. Your connection used a newer kind.`,
    risk: evidence.negotiated
      ? 'Old encryption has known weak spots. A skilled attacker on the network could in some cases break it.'
      : 'Apps from the last ten years are not at risk. Only very old apps would use the weak kind.',
    action: `Tell ${provider(s.protocol)} to turn off these old versions.`,
    whoCanFix: 'mail-provider',
    technicalTerm: 'legacy TLS versions (TLS 1.0 and 1.1, RFC 8996)',
    details: [
      { label: 'versions', value: evidence.versions.join(', ') },
      { label: 'negotiated', value: String(evidence.negotiated) },
    ],
  }),
  'tls.version.ssl3': ({ evidence, subject: s }) => ({
    title: evidence.negotiated
      ? 'Broken encryption was used here'
      : 'The server also takes a broken kind of encryption',
    meaning: evidence.negotiated
      ? `Your connection to ${server(s)} used SSL 3, a kind of encryption that is broken.`
      : `The server also takes SSL 3, a kind of encryption that is broken.`,
    risk: evidence.negotiated
      ? 'An attacker on the network could break it and read parts of what is sent.'
      : 'Modern apps do not use it. Only very old apps would be at risk.',
    action: `Tell ${provider(s.protocol)} to turn off SSL 3.`,
    whoCanFix: 'mail-provider',
    technicalTerm: 'SSL 3.0 enabled (POODLE)',
    details: [{ label: 'negotiated', value: String(evidence.negotiated) }],
  }),
  'tls.cipher.weak': ({ evidence, subject: s }) => ({
    title: evidence.negotiated
      ? 'This connection used weak encryption'
      : 'The server also allows weak encryption',
    meaning: `The server at ${server(s)} takes kinds of encryption known to be weak (${list(evidence.families.map(weakFamilyName))}).`,
    risk: evidence.negotiated
      ? 'Your connection used one. Someone who records the traffic may be able to read it, now or later.'
      : 'Your connection used a strong kind. Only very old apps would pick a weak one.',
    action: `Tell ${provider(s.protocol)} to turn off the weak kinds of encryption.`,
    whoCanFix: 'mail-provider',
    technicalTerm: 'weak cipher suites',
    details: [
      { label: 'suites', value: evidence.suites.join(', ') },
      { label: 'negotiated', value: String(evidence.negotiated) },
    ],
  }),
  'tls.no-forward-secrecy': ({ evidence, subject: s }) => {
    if (evidence.negotiated) {
      return {
        title: 'Traffic saved now could be read later',
        meaning: `If the secret key of ${s.host} is ever stolen, it would unlock this connection too, even years later.`,
        risk: `Someone who records your traffic now could read your ${messages(s.protocol)} once they get that key.`,
        action: `Tell ${provider(s.protocol)} to use key exchange with forward secrecy.`,
        whoCanFix: 'mail-provider',
        technicalTerm: 'no forward secrecy (static RSA key exchange)',
        details: [
          { label: 'cipher', value: evidence.cipher },
          { label: 'negotiated', value: 'true' },
        ],
      };
    }
    const modernToo = evidence.modernClientForwardSecret === false;
    return {
      title: modernToo
        ? 'Even new apps get keys that unlock old mail'
        : 'The server also allows keys that unlock old mail',
      meaning: modernToo
        ? `The server at ${server(s)} uses a setup where one stolen server key would unlock saved traffic. Even new apps get it.`
        : `The server at ${server(s)} also allows a setup where one stolen server key would unlock saved traffic. New apps do not get it.`,
      risk: modernToo
        ? `Someone who records your traffic now could read your ${messages(s.protocol)} if they ever get that key.`
        : 'Apps from the last ten years are not at risk. Only old apps would get this setup.',
      action: `Tell ${provider(s.protocol)} to turn this setup off.`,
      whoCanFix: 'mail-provider',
      technicalTerm: 'non-forward-secret key exchange accepted (static RSA)',
      details: [
        { label: 'cipher', value: evidence.cipher },
        { label: 'negotiated', value: 'false' },
        {
          label: 'modern client gets forward secrecy',
          value: String(evidence.modernClientForwardSecret ?? 'unknown'),
        },
      ],
    };
  },
  'tls.dh-weak': ({ evidence, subject: s }) => ({
    title: evidence.negotiated
      ? 'The server uses too small a key'
      : 'The server also allows too small a key',
    meaning: evidence.negotiated
      ? `The server sets up each connection with a ${evidence.bits}-bit number. Today, 2048 bits is the least that is safe.`
      : `When an app asks for it, the server sets up the connection with a ${evidence.bits}-bit number. Today, 2048 bits is the least that is safe.`,
    risk: evidence.negotiated
      ? `An attacker with a lot of computing power could work out the keys and read your ${messages(s.protocol)}.`
      : 'Your connection used another kind. Apps that pick this kind could be read by an attacker with a lot of computing power.',
    action: `Tell ${provider(s.protocol)} to use larger keys, or the newer kind of key exchange.`,
    whoCanFix: 'mail-provider',
    technicalTerm: 'weak Diffie-Hellman group (DHE under 2048 bits)',
    details: [
      { label: 'DH group bits', value: String(evidence.bits) },
      { label: 'negotiated', value: String(evidence.negotiated) },
    ],
  }),
  'tls.no-tls13': ({ evidence, subject: s }) => ({
    title: 'The newest kind of encryption was not used',
    meaning: `The connection to ${server(s)} used ${tlsVersion(evidence.version)}, not the newest version, TLS 1.3.`,
    risk: `This is not a risk today. ${tlsVersion(evidence.version)} is still safe when it is set up well.`,
    action: 'Nothing to do.',
    whoCanFix: 'nobody',
    technicalTerm: 'TLS 1.3 not negotiated',
    details: [{ label: 'version', value: evidence.version }],
  }),
  'tls.no-post-quantum': ({ evidence, subject: s }) => ({
    title: 'Safe now, but not yet ready for the future',
    meaning: `The keys for ${server(s)} are set up in a way that a future quantum computer could undo.`,
    risk: `This is not a risk today. Someone who saves your ${messages(s.protocol)} now might read it in many years.`,
    action: `Nothing to do now. In time, ${provider(s.protocol)} can add the new kind of key exchange.`,
    whoCanFix: 'nobody',
    technicalTerm: 'no post-quantum key exchange (e.g. X25519MLKEM768)',
    details: [
      { label: 'version', value: evidence.version },
      { label: 'key exchange group', value: evidence.group ?? 'unknown' },
    ],
  }),
  'tls.scan-incomplete': ({ evidence, subject: s }) => ({
    title: 'Some encryption checks got no clear answer',
    meaning: `The server at ${server(s)} gave no clear answer to some questions: ${list(unansweredWords(evidence))}.`,
    risk: 'Your connection itself was checked. Only these extra answers are missing, so they are unknown, not safe.',
    action: 'Try again later. If it stays this way, a help desk can look at the details.',
    whoCanFix: 'nobody',
    technicalTerm: 'TLS scan incomplete',
    details: [
      { label: 'unanswered', value: unansweredWords(evidence).join(', ') },
      ...(evidence.reason !== null ? [{ label: 'reason', value: evidence.reason }] : []),
    ],
  }),

  // ── certificate ──
  'cert.expired': ({ evidence, subject: s }) => ({
    title: "The server's certificate has run out",
    meaning: `${whichCert(evidence.cert)} ran out on ${day(evidence.notAfter)}, ${count(evidence.daysAgo, 'day')} ago.`,
    risk: impostorRisk(s),
    action: `${DONT_ACCEPT} Tell ${provider(s.protocol)} that the certificate for ${s.host} ran out on ${day(evidence.notAfter)}.`,
    whoCanFix: 'mail-provider',
    technicalTerm: 'expired certificate',
    details: [{ label: 'not after', value: evidence.notAfter }, ...certDetails(evidence.cert)],
  }),
  'cert.not-yet-valid': ({ evidence, subject: s }) => ({
    title: "The server's certificate is not valid yet",
    meaning: `${whichCert(evidence.cert)} only starts to be valid on ${day(evidence.notBefore)}.`,
    risk: impostorRisk(s),
    action: `Check that the date and time on your device are right. If they are, tell ${provider(s.protocol)}.`,
    whoCanFix: 'mail-provider',
    technicalTerm: 'certificate not yet valid',
    details: [
      { label: 'not before', value: evidence.notBefore },
      { label: 'hours ahead', value: String(evidence.hoursAhead) },
      ...certDetails(evidence.cert),
    ],
  }),
  'clock.suspect': ({ evidence, subject: s }) => ({
    title: "Your device's clock seems to be wrong",
    meaning:
      evidence.basis === 'server-time'
        ? `The server at ${server(s)} says it is ${evidence.serverSaid ?? 'another time'}. By that time its certificate is fine. So the clock on this device is ${duration(evidence.skewSeconds)} ${evidence.skewSeconds < 0 ? 'behind' : 'ahead'}.`
        : `The certificate for ${s.host} is off by only ${duration(evidence.skewSeconds)}. That most often means the clock on this device is ${evidence.skewSeconds < 0 ? 'behind' : 'ahead'}.`,
    risk: 'Until the clock is right, your app cannot check who the server is. Do not accept warnings until then.',
    action: 'Set the date and time on your device to update by itself, then check again.',
    whoCanFix: 'clock',
    technicalTerm:
      evidence.basis === 'server-time'
        ? 'clock skew (time stated by the server)'
        : 'clock skew (certificate validity period)',
    details: [
      { label: 'estimated clock offset (s)', value: String(evidence.skewSeconds) },
      ...(evidence.serverSaid ? [{ label: 'the server said', value: evidence.serverSaid }] : []),
      ...certDetails(evidence.cert),
    ],
  }),
  'cert.self-signed': ({ evidence, subject: s }) => ({
    title: 'The server vouches for itself',
    meaning: `The certificate for ${s.host} was made by the server itself, not by a known authority.`,
    risk: `${impostorRisk(s)} This is only fine if you set up the server yourself.`,
    action: `If you run this server, accept it only if your app shows this same fingerprint: ${evidence.cert.sha256}. If not, do not accept it, and tell ${provider(s.protocol)}.`,
    whoCanFix: 'mail-provider',
    technicalTerm: 'self-signed certificate',
    details: certDetails(evidence.cert),
  }),
  'cert.untrusted-issuer': ({ evidence, subject: s }) => ({
    title: 'This device does not trust who made the certificate',
    meaning: `The certificate for ${s.host} comes from ${certName(evidence.topIssuer)}, which this device does not trust.`,
    risk: impostorRisk(s),
    action: `${DONT_ACCEPT} Ask ${provider(s.protocol)} to use a certificate from a public authority.`,
    whoCanFix: 'mail-provider',
    technicalTerm: 'untrusted issuer (unknown certificate authority)',
    details: [{ label: 'top issuer', value: evidence.topIssuer }, ...certDetails(evidence.cert)],
  }),
  'cert.missing-intermediate': ({ evidence, subject: s }) => ({
    title: 'The server left out a linking certificate',
    meaning: `The server did not send the certificate from ${certName(evidence.missingIssuer)}. It is the link between its own and a trusted authority.`,
    risk: 'This is a setup mistake, not a sign of attack. But apps that cannot find the missing part cannot check who the server is, and warn you.',
    action: `${DONT_ACCEPT} Tell ${provider(s.protocol)} to send all the certificates it needs, including the one from ${certName(evidence.missingIssuer)}.`,
    whoCanFix: 'mail-provider',
    technicalTerm: 'missing intermediate certificate',
    details: [
      { label: 'missing issuer', value: evidence.missingIssuer },
      ...certDetails(evidence.cert),
    ],
  }),
  'cert.name-mismatch': ({ evidence, subject: s }) => {
    const names = evidence.validFor;
    const cn =
      evidence.commonNameOnly !== null
        ? ` Only an old name field says ${evidence.commonNameOnly}, and apps no longer use it.`
        : '';
    return {
      title: 'The certificate is for a different name',
      meaning:
        names.length > 0
          ? `The certificate is for ${list(names)}, not for ${evidence.expected}.${cn}`
          : `The certificate names no server at all, so it is not for ${evidence.expected}.${cn}`,
      risk: `Your app cannot be sure it is talking to ${evidence.expected}. The cause may be a wrong server name, or someone posing as the server.`,
      action:
        s.protocol === 'xmpp'
          ? `${DONT_ACCEPT} Tell ${provider(s.protocol)} that the certificate must be for ${evidence.expected}, the domain of your address.`
          : evidence.sameServer && evidence.sameServer.length > 0
            ? `In ${app(s.protocol)}, change the server name to ${evidence.sameServer[0] ?? ''}. It is the same server, and its certificate is valid for that name. Do not accept the warning instead.`
            : names.length > 0
              ? `${DONT_ACCEPT} Ask ${provider(s.protocol)} which server name to use. If they say ${names[0] ?? ''}, put that name in ${app(s.protocol)}.`
              : `${DONT_ACCEPT} Tell ${provider(s.protocol)} that the certificate names no server.`,
      whoCanFix:
        s.protocol !== 'xmpp' && evidence.sameServer && evidence.sameServer.length > 0
          ? 'you'
          : 'mail-provider',
      technicalTerm: 'name mismatch (the subject alternative names do not match, RFC 9525)',
      details: [
        { label: 'expected', value: evidence.expected },
        { label: 'valid for', value: names.join(', ') },
        ...(evidence.sameServer && evidence.sameServer.length > 0
          ? [{ label: 'same server as', value: evidence.sameServer.join(', ') }]
          : []),
        ...(evidence.commonNameOnly !== null
          ? [{ label: 'common name (ignored)', value: evidence.commonNameOnly }]
          : []),
      ],
    };
  },
  'cert.weak-key': ({ evidence, subject: s }) => ({
    title: "The server's key is too weak",
    meaning: `${whichCert(evidence.cert)} uses a ${evidence.bits}-bit ${evidence.curve ?? evidence.algorithm} key. Keys this weak are no longer safe.`,
    risk: `A well-funded attacker could break the key and pose as ${s.host}.`,
    action: `Tell ${provider(s.protocol)} to replace the certificate with one that has a stronger key.`,
    whoCanFix: 'mail-provider',
    technicalTerm: 'weak key',
    details: [
      { label: 'algorithm', value: evidence.algorithm },
      { label: 'bits', value: String(evidence.bits) },
      ...(evidence.curve !== null ? [{ label: 'curve', value: evidence.curve }] : []),
      ...certDetails(evidence.cert),
    ],
  }),
  'cert.weak-signature': ({ evidence, subject: s }) => ({
    title: 'The certificate is signed in a weak, old way',
    meaning: `${whichCert(evidence.cert)} was signed with ${evidence.algorithm}, which can be forged.`,
    risk: `An attacker could make a fake certificate that looks just as good, and pose as ${s.host}.`,
    action: `Tell ${provider(s.protocol)} to replace the certificate with one signed the modern way.`,
    whoCanFix: 'mail-provider',
    technicalTerm: 'weak signature algorithm',
    details: [{ label: 'algorithm', value: evidence.algorithm }, ...certDetails(evidence.cert)],
  }),
  'cert.revoked': ({ evidence, subject: s }) => ({
    title: 'The certificate for this server was cancelled',
    meaning: `Whoever issued the certificate for ${s.host} cancelled it on ${day(evidence.revokedAt)}.`,
    risk: `A cancelled certificate may be in the wrong hands. Someone could use it to pose as ${s.host}.`,
    action: `Do not connect for now. Tell ${provider(s.protocol)} right away.`,
    whoCanFix: 'mail-provider',
    technicalTerm: 'revoked certificate (stapled OCSP response)',
    details: [
      { label: 'revoked at', value: evidence.revokedAt },
      ...(evidence.reason !== null ? [{ label: 'reason', value: evidence.reason }] : []),
      ...certDetails(evidence.cert),
    ],
  }),
  'cert.revocation-not-checked': ({ evidence, subject: s }) =>
    evidence.reason === 'not-stapled'
      ? {
          title: 'No one checked if the certificate was withdrawn',
          meaning: `${s.host} sent no proof that its certificate is still in force. Most servers do not.`,
          risk: 'Sealcheck could not check this. That is no sign of a problem, and no proof that all is well.',
          action: 'Nothing to do.',
          whoCanFix: 'nobody',
          technicalTerm: 'revocation not checked (no stapled OCSP response)',
          details: [{ label: 'reason', value: evidence.reason }],
        }
      : {
          title: 'The proof the certificate is in force is bad',
          meaning: `${s.host} sent proof that its certificate is still in force, but the proof did not hold up.`,
          risk: 'Sealcheck could not check if the certificate was withdrawn. That is no sign of attack on its own.',
          action: `Tell ${provider(s.protocol)} about this result.`,
          whoCanFix: 'mail-provider',
          technicalTerm: 'invalid stapled OCSP response',
          details: [{ label: 'reason', value: evidence.reason }],
        },
  'cert.no-server-auth': ({ evidence, subject: s }) => ({
    title: 'The certificate is not meant for servers',
    meaning: `${whichCert(evidence.cert)} is made for other uses, not for a server.`,
    risk: 'Strict apps will refuse it. It is a setup mistake, not a sign of attack on its own.',
    action: `Tell ${provider(s.protocol)} to use a certificate made for servers.`,
    whoCanFix: 'mail-provider',
    technicalTerm: 'missing serverAuth extended key usage',
    details: [
      { label: 'extended key usage', value: evidence.extendedKeyUsage.join(', ') },
      ...certDetails(evidence.cert),
    ],
  }),
  'cert.leaf-is-ca': ({ evidence, subject: s }) => ({
    title: "The server's certificate claims it may vouch for others",
    meaning: `The certificate for ${s.host} says it may vouch for other certificates. A server's own certificate should not.`,
    risk: 'Some apps refuse such a certificate. If its key were stolen, it could be used to vouch for fake servers.',
    action: `Ask ${provider(s.protocol)} to get the right kind of certificate for the server.`,
    whoCanFix: 'mail-provider',
    technicalTerm: 'leaf certificate with CA:TRUE (basic constraints)',
    details: certDetails(evidence.cert),
  }),
  'cert.expiring-soon': ({ evidence, subject: s }) => ({
    title: "The server's certificate runs out soon",
    meaning: `${whichCert(evidence.cert)} runs out on ${day(evidence.notAfter)}, in ${count(evidence.daysLeft, 'day')}.`,
    risk: 'Nothing is wrong yet. If it is not renewed in time, your app will show a warning from then on.',
    action: `Nothing to do now. If you see a warning after ${day(evidence.notAfter)}, tell ${provider(s.protocol)}.`,
    whoCanFix: 'mail-provider',
    technicalTerm: 'certificate expiring soon',
    details: [{ label: 'not after', value: evidence.notAfter }, ...certDetails(evidence.cert)],
  }),
  'cert.chain-order': ({ evidence, subject: s }) => ({
    title: {
      extra: 'The server sends certificates it does not need',
      duplicate: 'The server sends a certificate twice',
      misordered: 'The server sends its certificates out of order',
    }[evidence.problem],
    meaning: `The set of certificates from ${s.host} is not tidy: ${list(evidence.certs.map((c) => certName(c.subject)))}.`,
    risk: 'Most apps do not mind. A few strict apps may refuse to connect.',
    action: `Tell ${provider(s.protocol)} to send just the certificates it needs, in order.`,
    whoCanFix: 'mail-provider',
    technicalTerm: `certificate chain: ${evidence.problem} certificates`,
    details: evidence.certs.flatMap((c) => certDetails(c, `#${c.index} `)),
  }),
  'cert.private-authority': ({ evidence, subject: s }) => ({
    title: 'A private source vouches for this server',
    meaning: `The certificate for ${s.host} is vouched for by ${certName(evidence.root.subject)}. That authority was added to this device, and the public does not know it.`,
    risk: "Many firms run their own authority for their own mail server; then this is expected. If you don't know why it is there, someone may be reading your traffic.",
    action: `If this is your firm's server, nothing to do. If not, ask whoever runs this device what ${certName(evidence.root.subject)} is before you go on.`,
    whoCanFix: 'network',
    technicalTerm: 'private certificate authority (root not in the public store)',
    details: certDetails(evidence.root, 'root '),
  }),
  'cert.intercepted': ({ evidence, subject: s }) => {
    const who = evidence.product ?? 'Software on this device or a box on your network';
    // The product's own advice comes from the interception table (cert/interception-products.ts).
    const onThisDevice = evidence.product !== null && evidence.productKind === 'antivirus';
    return {
      title: 'Something between you and the server reads this',
      meaning: `${who} opens the locked link to ${s.host} and reads it. Then it locks it again with its own certificate.`,
      risk: `Whoever runs it can read your password and ${messages(s.protocol)}. If it is your own security software or your employer's, that is by design. If not, someone may be spying on you.`,
      action:
        evidence.product === null
          ? 'Do not go on unless you know what does this. On a work network, ask your IT team.'
          : (evidence.productAdvice ??
            `In ${evidence.product}, turn off the mail or email scan, then check again.`),
      whoCanFix: onThisDevice ? 'security-software' : 'network',
      technicalTerm: 'TLS interception (antivirus or proxy in the middle)',
      details: [
        ...(evidence.product !== null ? [{ label: 'product', value: evidence.product }] : []),
        ...certDetails(evidence.root, 'root '),
      ],
    };
  },

  // ── the account as the app is set up ──
  'account.not-using-available-tls': ({ evidence, subject: s }) => {
    const plain = evidence.configured === 'none';
    const step =
      evidence.offers.implicitPort !== null
        ? `In ${app(s.protocol)}, set this server to port ${evidence.offers.implicitPort} with SSL/TLS.`
        : `In ${app(s.protocol)}, change this server's security setting. Pick STARTTLS without "if available".`;
    return {
      title: plain
        ? 'Your app does not use the encryption on offer'
        : 'Your app would carry on without encryption',
      meaning: plain
        ? `The server at ${server(s)} can encrypt. But ${app(s.protocol)} is set to send all as plain text, your password too.`
        : `${sentenceStart(app(s.protocol))} encrypts only if the server offers it. Someone on the network can hide the offer, and the app goes on unencrypted.`,
      risk: plain
        ? `Anyone on the same network can read your password and ${messages(s.protocol)} right now.`
        : `Someone who can change your network traffic, such as on a public Wi-Fi, could read your password.`,
      action: step,
      whoCanFix: 'you',
      technicalTerm: plain
        ? 'plaintext configured although TLS is available'
        : 'opportunistic STARTTLS configured (strippable)',
      details: [
        { label: 'configured', value: evidence.configured },
        { label: 'STARTTLS offered', value: String(evidence.offers.starttls) },
        {
          label: 'TLS from the first byte',
          value:
            evidence.offers.implicitPort !== null
              ? `port ${evidence.offers.implicitPort}`
              : 'not found',
        },
      ],
    };
  },
  'account.prefer-implicit-tls': ({ evidence, subject: s }) => ({
    title: 'A safer setting is on offer',
    meaning: `${sentenceStart(app(s.protocol))} connects to port ${evidence.port} and then turns on encryption. Port ${evidence.implicitPort} is encrypted from the very start.`,
    risk: 'This is not a risk today. Encryption from the start leaves nothing to attack before it begins.',
    action: `If you like, set this server to port ${evidence.implicitPort} with SSL/TLS in ${app(s.protocol)}.`,
    whoCanFix: 'you',
    technicalTerm: 'implicit TLS preferred over STARTTLS (RFC 8314)',
    details: [
      { label: 'configured port', value: String(evidence.port) },
      { label: 'implicit TLS port', value: String(evidence.implicitPort) },
    ],
  }),
  'cert.exception-accepted': ({ evidence, subject: s }) => ({
    title: 'This is the same certificate as before',
    meaning: `The server at ${server(s)} shows the one you said yes to${evidence.origin === 'thunderbird' ? ' in Thunderbird' : ''} on ${day(evidence.acceptedAt)}.`,
    risk: 'Nothing has changed since then. It is still not vouched for by a trusted authority.',
    action: 'Nothing to do, as long as you know why you accepted it.',
    whoCanFix: 'nobody',
    technicalTerm: 'certificate exception (pinned by fingerprint)',
    details: [
      { label: 'SHA-256', value: evidence.sha256 },
      { label: 'accepted', value: evidence.acceptedAt },
    ],
  }),
  'cert.exception-changed': ({ evidence, subject: s }) => ({
    title: 'The server now shows a new certificate',
    meaning: `A certificate was accepted for ${server(s)} before. Now the server shows another one.`,
    risk: `This may be a normal renewal. Or someone on the network may pose as ${s.host} to read your password and ${messages(s.protocol)}.`,
    action: `${DONT_ACCEPT} Ask ${provider(s.protocol)} if they changed the certificate, and compare the fingerprint below.`,
    whoCanFix: 'mail-provider',
    technicalTerm: 'certificate differs from the accepted exception',
    details: [
      { label: 'presented SHA-256', value: evidence.presented },
      ...evidence.accepted.map((a) => ({ label: 'accepted SHA-256', value: a })),
    ],
  }),

  // ── the check itself ──
  'check.incomplete': ({ evidence, subject: s }) => ({
    title: 'The check did not finish',
    meaning: `Sealcheck stopped early at ${server(s)}, so it cannot say if this connection is safe.${incompleteCause(evidence.error, s.host)}`,
    risk: 'Nothing is known about the steps that did not run. Treat this connection as not checked, not as safe.',
    action: incompleteAction(evidence.error, app(s.protocol)),
    whoCanFix: offline(evidence.error) ? 'network' : 'you',
    technicalTerm: `check incomplete (${evidence.status})`,
    details: [
      { label: 'status', value: evidence.status },
      ...(evidence.error
        ? [
            {
              label: 'error',
              value: `${evidence.error.step}: ${evidence.error.message}${evidence.error.alert ? ` (alert ${evidence.error.alert})` : ''}`,
            },
          ]
        : []),
    ],
  }),
} satisfies { readonly [K in FindingId]: Entry<K> };

/**
 * Why a check stopped, when the error says so plainly: no way out of this computer, a name that
 * does not exist, a name service that does not answer, a server that does not answer. Each
 * with a leading space, to follow the sentence before it; '' when there is nothing sure to say.
 */
function incompleteCause(error: ProbeErrorFact | null, host: string): string {
  if (error === null) return '';
  if (error.kind === 'unreachable') {
    return ' Your computer found no way to reach it: it may be offline, or a VPN or firewall blocks the way.';
  }
  if (error.kind === 'dns' && error.code === 'ENOTFOUND') {
    return ` The name ${host} was not found: it may be misspelt, or this network's name service cannot be reached.`;
  }
  if (error.kind === 'dns' && error.code === 'EAI_AGAIN') {
    return ' The name service of this network did not answer: the computer may be offline.';
  }
  if (error.kind === 'timeout' && error.step === 'connect') {
    return ' The server did not answer at all: it may be down, or a firewall on the way drops the connection.';
  }
  return '';
}

/** No way out of this computer, or its name service silent: the network, not the server. */
function offline(error: ProbeErrorFact | null): boolean {
  return error?.kind === 'unreachable' || (error?.kind === 'dns' && error.code === 'EAI_AGAIN');
}

function incompleteAction(error: ProbeErrorFact | null, appName: string): string {
  if (offline(error)) {
    return 'Check that this computer is online (open a web page), and turn a VPN off and on again. On a work network, ask whether mail ports are blocked. Then try again.';
  }
  return `Check the server name and port in ${appName} and your internet link, then try again.`;
}

/** The explanation of one finding. */
export function explain(finding: Finding): Explanation {
  // Sound: CATALOG[id] takes the evidence of that same id, which is what the finding carries.
  const entry = CATALOG[finding.id] as (input: EntryInput<FindingId>) => Explanation;
  return entry({
    evidence: finding.evidence,
    subject: finding.subject,
    severity: finding.severity,
  });
}

/** Every finding id the catalog covers (all of them: the `satisfies` above checks it). */
export const CATALOG_IDS = Object.keys(CATALOG) as FindingId[];
