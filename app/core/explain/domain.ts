/**
 * Words for the domain check (voice.md): one entry per domain finding id, and the domain's
 * verdict sentence. Same shape and rules as the endpoint catalog (catalog.ts): plain strings,
 * escaped by each output; the technical term once; who can fix it, always.
 *
 * The reader is the person whose address is at the domain (or their help desk). "The people
 * who run mail for example.org" is whoever controls its DNS and mail servers: their provider,
 * or their own IT.
 */
import type {
  DomainFinding,
  DomainFindingEvidence,
  DomainFindingId,
  DomainSubject,
  DomainVerdictKind,
  Severity,
} from '../domain/types';
import { missingCase } from '../findings/types';
import type { Detail, Explanation } from './catalog';
import { duration, list, tlsVersion } from './words';

export interface DomainEntryInput<K extends DomainFindingId> {
  readonly evidence: DomainFindingEvidence[K];
  readonly subject: DomainSubject;
  readonly severity: Severity;
}

type DomainEntry<K extends DomainFindingId> = (input: DomainEntryInput<K>) => Explanation;

/** Whoever runs mail for the domain, in words. */
function runners(s: DomainSubject): string {
  return `the people who run mail for ${s.domain}`;
}

function host(s: DomainSubject): string {
  return s.host ?? s.domain;
}

const ASK = (s: DomainSubject, what: string): string => `Ask ${runners(s)} to ${what}`;

function recordDetails(records: readonly string[]): Detail[] {
  return records.map((value, i) => ({ label: `TLSA ${i + 1}`, value }));
}

/** What a failed policy fetch was, in words. */
const FETCH_WORDS: Readonly<
  Record<DomainFindingEvidence['mta-sts.policy-unavailable']['kind'], string>
> = {
  unreachable: 'the policy server could not be reached',
  certificate: 'the policy server did not prove who it is',
  status: 'the policy server answered with an error',
  redirect: 'the policy server sent Sealcheck elsewhere, which the rules forbid',
  'content-type': 'the policy file is not plain text',
  'too-large': 'the policy file is far too large',
  timeout: 'the policy server took too long',
  cancelled: 'the check was stopped',
};

const PROBLEM_WORDS: Readonly<Record<string, string>> = {
  'cert.expired': 'it has run out',
  'cert.not-yet-valid': 'it is not valid yet',
  'cert.self-signed': 'it is self-signed',
  'cert.untrusted-issuer': 'no trusted authority issued it',
  'cert.missing-intermediate': 'a linking certificate is missing',
  'cert.name-mismatch': 'it is for another name',
  'cert.revoked': 'it was withdrawn',
  'cert.weak-key': 'its key is too weak',
  'cert.weak-signature': 'its signature is weak',
  'cert.no-server-auth': 'it is not meant for servers',
};

function problemWords(problems: readonly string[]): string {
  const words = problems.map((p) => PROBLEM_WORDS[p] ?? p);
  return words.length > 0 ? list(words) : 'it does not check out';
}

export const DOMAIN_CATALOG: { readonly [K in DomainFindingId]: DomainEntry<K> } = {
  'domain.no-mail': ({ subject: s }) => ({
    title: `${s.domain} takes no mail`,
    meaning: `The domain says in its address book entry that it receives no mail at all.`,
    risk: 'Mail sent to it is turned away at once. Nothing can be read on the way.',
    action: `If you expect mail at ${s.domain}, ask ${runners(s)} to list their mail servers.`,
    whoCanFix: 'nobody',
    technicalTerm: 'null MX (RFC 7505)',
    details: [],
  }),
  'domain.dns-failed': ({ evidence, subject: s }) => {
    const details = [
      { label: 'answer', value: evidence.outcome },
      { label: 'DNSSEC', value: evidence.dnssec },
      ...(evidence.error ? [{ label: 'error', value: evidence.error }] : []),
    ];
    if (evidence.dnssec === 'bogus') {
      return {
        title: `The signatures of ${s.domain} are broken`,
        meaning: `The DNS entries of ${s.domain} are signed, but the signatures do not check out.`,
        risk: 'Senders that check signatures cannot find its mail servers. They hold mail back, so it may be late or bounce.',
        action: ASK(s, 'fix the signing of their DNS, or the DS record at their registrar.'),
        whoCanFix: 'mail-provider',
        technicalTerm: 'DNSSEC bogus (SERVFAIL) for MX',
        details,
      };
    }
    const gone = evidence.outcome === 'nxdomain';
    return {
      title: gone ? `${s.domain} does not exist` : `Could not look up ${s.domain}`,
      meaning: gone
        ? `The address book of the internet has no entry for ${s.domain}.`
        : `Sealcheck could not learn which servers take mail for ${s.domain}.`,
      risk: 'Sealcheck cannot say how mail to this domain is protected.',
      action: gone
        ? 'Check the spelling of the domain.'
        : 'Try again later, or from another network.',
      whoCanFix: gone ? 'you' : 'network',
      technicalTerm: gone ? 'NXDOMAIN' : `MX lookup failed (${evidence.outcome})`,
      details,
    };
  },
  'mx.not-all-checked': ({ evidence }) => ({
    title: 'Only some mail servers were checked',
    meaning: `The domain lists ${evidence.listed} mail servers. Sealcheck checked the first ${evidence.checked}.`,
    risk: 'The others were not checked. Mail rarely goes to them.',
    action: 'Nothing to do.',
    whoCanFix: 'nobody',
    technicalTerm: 'MX hosts beyond the limit',
    details: [
      { label: 'listed', value: String(evidence.listed) },
      { label: 'checked', value: String(evidence.checked) },
    ],
  }),
  'mx.no-address': ({ evidence, subject: s }) => ({
    title: `Mail server ${host(s)} has no address`,
    meaning: `The domain names ${host(s)} as a mail server, but that name leads nowhere.`,
    risk: 'Other servers skip it. If it is the only one, mail to the domain bounces.',
    action: ASK(s, `fix or remove ${host(s)} in their DNS.`),
    whoCanFix: 'mail-provider',
    technicalTerm: 'MX host without A/AAAA records',
    details: [
      { label: 'answer', value: evidence.outcome },
      ...(evidence.error ? [{ label: 'error', value: evidence.error }] : []),
    ],
  }),
  'mx.unreachable': ({ evidence, subject: s }) => ({
    title: `Could not reach mail server ${host(s)}`,
    meaning: `Sealcheck could not finish talking to ${host(s)} on the mail port.`,
    risk: 'Sealcheck cannot say whether mail to this server is encrypted.',
    action: 'Try again later. If it keeps failing, check from another network.',
    whoCanFix: 'network',
    technicalTerm: `SMTP port 25 probe: ${evidence.status}`,
    details: [
      { label: 'status', value: evidence.status },
      ...(evidence.error ? [{ label: 'error', value: evidence.error.message }] : []),
    ],
  }),
  'mx.port25-blocked': ({ evidence }) => ({
    title: 'This network blocks the port mail servers use',
    meaning: `No mail server of the domain answered on port 25 from here. Many home and office networks block that port.`,
    risk: 'Sealcheck could not check from this network. It does not mean the servers are unsafe.',
    action: 'Run the check again from another network, or ask your help desk to run it.',
    whoCanFix: 'network',
    technicalTerm: 'outbound port 25 blocked (every MX timed out)',
    details: [
      { label: 'servers', value: evidence.hosts.join(', ') },
      { label: 'status', value: evidence.status },
    ],
  }),
  'mx.no-starttls': ({ evidence, subject: s }) => ({
    title: `Mail to ${host(s)} is not encrypted`,
    meaning: `The mail server ${host(s)} does not offer encryption. Mail sent to ${s.domain} reaches it as plain text.`,
    risk: 'Anyone on the networks between the sending server and this one can read the mail.',
    action: ASK(s, `turn on encryption on ${host(s)}.`),
    whoCanFix: 'mail-provider',
    technicalTerm: 'STARTTLS not offered on port 25',
    details: [{ label: 'capabilities', value: evidence.capabilities.join(' ') }],
  }),
  'mx.starttls-failed': ({ evidence, subject: s }) => ({
    title: `Encryption fails at ${host(s)}`,
    meaning: `The mail server ${host(s)} offers encryption, but switching it on fails. Most senders then send the mail as plain text.`,
    risk: 'Anyone on the networks between the servers can read that mail.',
    action: ASK(s, `fix encryption on ${host(s)}.`),
    whoCanFix: 'mail-provider',
    technicalTerm: `STARTTLS ${evidence.outcome}`,
    details: [
      ...(evidence.reply.length > 0 ? [{ label: 'reply', value: evidence.reply.join(' ') }] : []),
      ...(evidence.error ? [{ label: 'error', value: evidence.error.message }] : []),
    ],
  }),
  'mx.tls-old': ({ evidence, subject: s }) => ({
    title: `Mail server ${host(s)} uses an old protocol`,
    meaning: `It chose ${tlsVersion(evidence.version)} for a new client. That version has known flaws.`,
    risk: 'Someone with a lot of effort may break or weaken the encryption.',
    action: ASK(s, `allow TLS 1.2 and 1.3 on ${host(s)}.`),
    whoCanFix: 'mail-provider',
    technicalTerm: `${evidence.version} negotiated`,
    details: [{ label: 'version', value: evidence.version }],
  }),
  'mx.cert-not-verified': ({ evidence, subject: s }) => ({
    title: `Mail server ${host(s)} does not prove who it is`,
    meaning: `Its certificate does not check out: ${problemWords(evidence.problems)}. Most senders still deliver, encrypted.`,
    risk: 'Someone who can change network traffic could pose as this server and read the mail.',
    action: ASK(s, `give ${host(s)} a valid certificate for its name.`),
    whoCanFix: 'mail-provider',
    technicalTerm: 'MX certificate not valid (PKIX)',
    details: [
      { label: 'problems', value: evidence.problems.join(', ') },
      ...(evidence.validFor.length > 0
        ? [{ label: 'valid for', value: evidence.validFor.join(', ') }]
        : []),
    ],
  }),

  'mta-sts.missing': ({ evidence, subject: s }) => ({
    title: 'No rule keeps your mail encrypted',
    meaning:
      evidence.stsMode === 'testing'
        ? `Mail to ${s.domain} is encrypted when all goes well. But the domain's rule is only being tested, so senders still fall back to plain text.`
        : `Mail to ${s.domain} is encrypted when all goes well. But no rule tells other servers to refuse to send it unencrypted.`,
    risk: 'Someone who can change network traffic can switch the encryption off and read the mail.',
    action: ASK(s, 'publish an MTA-STS rule in enforce mode, or DANE records.'),
    whoCanFix: 'mail-provider',
    technicalTerm: 'no MTA-STS enforce policy or DANE (STARTTLS downgrade possible)',
    details: [
      { label: 'MTA-STS mode', value: evidence.stsMode ?? 'none published' },
      { label: 'servers with DANE', value: String(evidence.daneHosts) },
    ],
  }),
  'mta-sts.record-invalid': ({ evidence, subject: s }) => ({
    title: 'The MTA-STS record is broken',
    meaning: `The record that points to the domain's mail rule is not valid: ${evidence.problem}. Senders ignore it.`,
    risk: 'The rule does not protect mail to the domain until it is fixed.',
    action: ASK(s, `fix the TXT record at _mta-sts.${s.domain}.`),
    whoCanFix: 'mail-provider',
    technicalTerm: 'invalid MTA-STS TXT record (RFC 8461 §3.1)',
    details: evidence.texts.map((value, i) => ({ label: `record ${i + 1}`, value })),
  }),
  'mta-sts.policy-unavailable': ({ evidence, subject: s }) => ({
    title: 'The MTA-STS rule cannot be fetched',
    meaning: `The domain says it has a mail rule, but ${FETCH_WORDS[evidence.kind]}. Senders act as if there were no rule.`,
    risk: 'Mail to the domain is not protected by the rule.',
    action: ASK(s, `fix the web server at mta-sts.${s.domain}.`),
    whoCanFix: 'mail-provider',
    technicalTerm: `MTA-STS policy fetch failed (${evidence.kind})`,
    details: [
      { label: 'address', value: evidence.url },
      { label: 'problem', value: evidence.detail },
    ],
  }),
  'mta-sts.policy-invalid': ({ evidence, subject: s }) => ({
    title: 'The MTA-STS rule has mistakes',
    meaning: `The domain's mail rule could be fetched, but it is not valid: ${evidence.problems[0] ?? 'it cannot be read'}.`,
    risk: 'Senders ignore a broken rule, so it does not protect mail to the domain.',
    action: ASK(s, 'fix the rule file.'),
    whoCanFix: 'mail-provider',
    technicalTerm: 'invalid MTA-STS policy (RFC 8461 §3.2)',
    details: [
      { label: 'address', value: evidence.url },
      ...evidence.problems.map((value, i) => ({ label: `problem ${i + 1}`, value })),
    ],
  }),
  'mta-sts.testing': ({ evidence, subject: s }) => ({
    title: 'The MTA-STS rule is only being tested',
    meaning:
      'The domain has a mail rule in testing mode. Senders report problems but still deliver.',
    risk: 'The rule does not stop anyone yet from switching the encryption off.',
    action: ASK(s, 'switch the rule to enforce mode once the reports are clean.'),
    whoCanFix: 'mail-provider',
    technicalTerm: 'MTA-STS mode: testing',
    details: [{ label: 'max_age', value: duration(evidence.maxAge) }],
  }),
  'mta-sts.mode-none': ({ subject: s }) => ({
    title: 'The MTA-STS rule is switched off',
    meaning: 'The domain has a mail rule, but it is set to none. Senders drop it.',
    risk: 'The rule does not protect mail to the domain.',
    action: `If this was not meant, ask ${runners(s)} to set it to enforce mode.`,
    whoCanFix: 'mail-provider',
    technicalTerm: 'MTA-STS mode: none',
    details: [],
  }),
  'mta-sts.mx-not-listed': ({ evidence, subject: s }) => ({
    title: `${host(s)} is missing from the MTA-STS rule`,
    meaning: `The domain's mail rule does not list ${host(s)}. ${
      evidence.mode === 'enforce'
        ? 'Senders that follow the rule will refuse to send mail to it.'
        : 'In testing mode, senders only report this.'
    }`,
    risk:
      evidence.mode === 'enforce'
        ? 'Mail to the domain may be late or bounce.'
        : 'Once the rule is enforced, mail to this server would be refused.',
    action: ASK(s, `add ${host(s)} to the rule's list of mail servers.`),
    whoCanFix: 'mail-provider',
    technicalTerm: 'MX not matched by the MTA-STS policy',
    details: [
      { label: 'mode', value: evidence.mode },
      { label: 'listed', value: evidence.patterns.join(', ') },
    ],
  }),
  'mta-sts.mx-fails-policy': ({ evidence, subject: s }) => ({
    title:
      evidence.reason === 'no-tls'
        ? `${host(s)} breaks the rule: no encryption`
        : `${host(s)} breaks the rule: bad certificate`,
    meaning: `The domain's rule asks for encryption and a good certificate. ${
      evidence.reason === 'no-tls'
        ? `Yet ${host(s)} cannot encrypt.`
        : `The certificate of ${host(s)} does not check out: ${problemWords(evidence.problems)}.`
    }`,
    risk:
      evidence.mode === 'enforce'
        ? 'Senders that follow the rule will refuse to send mail there. Mail may be late or bounce.'
        : 'In testing mode senders still deliver, without the protection.',
    action: ASK(
      s,
      evidence.reason === 'no-tls'
        ? `turn on encryption on ${host(s)}.`
        : `give ${host(s)} a valid certificate for its name.`,
    ),
    whoCanFix: 'mail-provider',
    technicalTerm:
      evidence.reason === 'no-tls'
        ? 'MTA-STS: MX without STARTTLS'
        : 'MTA-STS: MX certificate not valid',
    details: [
      { label: 'mode', value: evidence.mode },
      ...(evidence.problems.length > 0
        ? [{ label: 'problems', value: evidence.problems.join(', ') }]
        : []),
    ],
  }),
  'mta-sts.max-age-short': ({ evidence, subject: s }) => ({
    title: 'The MTA-STS rule is kept only briefly',
    meaning: `Senders keep the rule for ${duration(evidence.maxAge)}. After that they forget it.`,
    risk: 'Someone who blocks the rule for a while can then switch the encryption off.',
    action: ASK(s, 'set max_age to a week or more.'),
    whoCanFix: 'mail-provider',
    technicalTerm: 'short MTA-STS max_age',
    details: [{ label: 'max_age', value: `${evidence.maxAge} seconds` }],
  }),

  'tls-rpt.missing': ({ subject: s }) => ({
    title: 'No reports about failed encryption',
    meaning: `${s.domain} does not ask other servers to report when encryption fails.`,
    risk: 'If someone blocks encryption, the domain does not hear about it.',
    action: ASK(s, `add a TLS-RPT record at _smtp._tls.${s.domain}.`),
    whoCanFix: 'mail-provider',
    technicalTerm: 'no TLS-RPT record (RFC 8460)',
    details: [],
  }),
  'tls-rpt.invalid': ({ evidence, subject: s }) => ({
    title: 'The TLS-RPT record is broken',
    meaning: `The record that asks for reports is not valid: ${evidence.problem}.`,
    risk: 'Senders send no reports, so failures go unseen.',
    action: ASK(s, `fix the TXT record at _smtp._tls.${s.domain}.`),
    whoCanFix: 'mail-provider',
    technicalTerm: 'invalid TLS-RPT record (RFC 8460 §3)',
    details: evidence.texts.map((value, i) => ({ label: `record ${i + 1}`, value })),
  }),

  'dane.valid': ({ evidence, subject: s }) => ({
    title: `DANE protects mail to ${host(s)}`,
    meaning: `Signed records say which certificate ${host(s)} uses, and it matches.`,
    risk: 'Senders that check these records cannot be tricked into plain text or a fake server.',
    action: 'Nothing to do. Update the records before the certificate key changes.',
    whoCanFix: 'nobody',
    technicalTerm: `DANE TLSA match (${evidence.usage})`,
    details: recordDetails(evidence.records),
  }),
  'dane.mismatch': ({ evidence, subject: s }) => ({
    title: `DANE records do not match ${host(s)}`,
    meaning:
      evidence.reason === 'no-tls'
        ? `Signed records promise encryption at ${host(s)}, but it offers none that works.`
        : `Signed records say which certificate ${host(s)} uses, but it shows another one.`,
    risk: 'Senders that check these records will hold mail back. Mail may be late or bounce.',
    action: ASK(s, `update the TLSA records or the certificate of ${host(s)}.`),
    whoCanFix: 'mail-provider',
    technicalTerm:
      evidence.reason === 'no-tls' ? 'DANE: TLSA present, no STARTTLS' : 'DANE TLSA mismatch',
    details: [
      ...recordDetails(evidence.records),
      ...(evidence.presentedSha256
        ? [{ label: 'presented SHA-256', value: evidence.presentedSha256 }]
        : []),
      ...evidence.problems.map((value) => ({ label: 'problem', value })),
    ],
  }),
  'dane.bogus': ({ evidence, subject: s }) => ({
    title: `Signed records for ${host(s)} fail their check`,
    meaning: `The signed records for ${host(s)} do not pass their check. The signatures are broken.`,
    risk: 'Senders that check signatures hold mail back. Mail may be late or bounce.',
    action: ASK(s, 'fix the signing of their DNS.'),
    whoCanFix: 'mail-provider',
    technicalTerm: 'DNSSEC bogus (SERVFAIL) for TLSA',
    details: [{ label: 'name', value: evidence.name }],
  }),
  'dane.unusable': ({ evidence, subject: s }) => ({
    title: `DANE records for ${host(s)} are of the wrong kind`,
    meaning: `${host(s)} has records of a kind that mail servers ignore.`,
    risk: 'They give mail to the domain no protection.',
    action: ASK(s, 'publish records of usage 2 or 3 instead.'),
    whoCanFix: 'mail-provider',
    technicalTerm: 'unusable TLSA records (RFC 7672 §3.1.3)',
    details: recordDetails(evidence.records),
  }),
  'dane.not-counted': ({ evidence, subject: s }) => ({
    title: `DANE records for ${host(s)} are ignored`,
    meaning:
      evidence.why === 'tlsa-insecure'
        ? `${host(s)} has records naming its certificate, but they are not signed. Senders ignore them.`
        : `${host(s)} has signed records, but its address is not signed. Senders ignore them.`,
    risk: 'The records give mail to the domain no protection.',
    action: ASK(s, 'sign the zone with DNSSEC.'),
    whoCanFix: 'mail-provider',
    technicalTerm: 'TLSA without DNSSEC (insecure)',
    details: recordDetails(evidence.records),
  }),
  'dane.partial': ({ evidence, subject: s }) => ({
    title: 'Only some mail servers have DANE',
    meaning: `${list(evidence.withDane)} ${evidence.withDane.length === 1 ? 'has' : 'have'} DANE. ${list(evidence.without)} ${evidence.without.length === 1 ? 'does' : 'do'} not.`,
    risk: 'An attacker can block the protected servers so mail goes to the others.',
    action: ASK(s, 'add DANE records for every mail server.'),
    whoCanFix: 'mail-provider',
    technicalTerm: 'DANE on some MX hosts only',
    details: [
      { label: 'with DANE', value: evidence.withDane.join(', ') },
      { label: 'without', value: evidence.without.join(', ') },
    ],
  }),
  'dane.unsigned': ({ subject: s }) => ({
    title: 'The domain is not signed',
    meaning: `The DNS entries of ${s.domain} have no signatures, so DANE cannot protect its mail.`,
    risk: 'Worth knowing only. MTA-STS can give the same protection.',
    action: `If you want DANE, ask ${runners(s)} to sign the zone with DNSSEC.`,
    whoCanFix: 'nobody',
    technicalTerm: 'DNSSEC insecure (unsigned zone)',
    details: [],
  }),
  'dane.cannot-tell': ({ evidence }) => ({
    title: 'Could not check DANE',
    meaning:
      evidence.reason === 'untrusted-resolver'
        ? 'The name server in use may not pass on signature checks faithfully.'
        : 'The name server in use does not check signatures.',
    risk: 'Sealcheck cannot tell whether DANE protects this domain.',
    action:
      'To check DANE, choose a name server that checks signatures, such as one on this computer.',
    whoCanFix: 'you',
    technicalTerm:
      evidence.reason === 'untrusted-resolver'
        ? 'AD bit not trusted (remote resolver)'
        : 'resolver does not validate DNSSEC',
    details: [{ label: 'name servers', value: evidence.servers.join(', ') }],
  }),
};

export const DOMAIN_CATALOG_IDS = Object.keys(DOMAIN_CATALOG) as DomainFindingId[];

export function explainDomain(f: DomainFinding): Explanation {
  const entry = DOMAIN_CATALOG[f.id] as DomainEntry<typeof f.id>;
  return entry({ evidence: f.evidence, subject: f.subject, severity: f.severity } as never);
}

export function domainVerdictHeadline(kind: DomainVerdictKind): string {
  switch (kind) {
    case 'plaintext':
      return 'Mail can arrive unencrypted';
    case 'delivery-at-risk':
      return 'Mail may be held back';
    case 'could-not-check':
      return 'Could not check';
    case 'downgrade-possible':
      return 'Encrypted, but not enforced';
    case 'protected':
      return 'Encrypted and enforced';
    case 'no-mail':
      return 'Takes no mail';
    default:
      return missingCase(kind);
  }
}

/** The one-sentence verdict for mail sent to the domain. */
export function domainVerdictSentence(kind: DomainVerdictKind, domain: string): string {
  switch (kind) {
    case 'plaintext':
      return `Mail to ${domain} can reach its server as plain text, so others on the way can read it.`;
    case 'delivery-at-risk':
      return `The domain's own rules make careful senders refuse some mail to ${domain}.`;
    case 'could-not-check':
      return `Sealcheck could not check how mail to ${domain} is protected.`;
    case 'downgrade-possible':
      return `Mail to ${domain} is encrypted, but someone who can change network traffic could switch that off.`;
    case 'protected':
      return `Mail to ${domain} is encrypted, and senders are told to accept nothing less.`;
    case 'no-mail':
      return `${domain} says it takes no mail.`;
    default:
      return missingCase(kind);
  }
}
