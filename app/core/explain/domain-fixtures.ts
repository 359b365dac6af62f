/**
 * Representative evidence for every domain finding id, with the variants that change the
 * wording (for the domain readability test). Typed over DomainFindingId: a new id without a
 * fixture fails compilation.
 */
import type {
  DomainFinding,
  DomainFindingEvidence,
  DomainFindingId,
  Severity,
} from '../domain/types';

interface Fixture<K extends DomainFindingId> {
  readonly evidence: DomainFindingEvidence[K];
  readonly host?: string;
  readonly severity?: Severity;
}

type NonEmpty<T> = readonly [T, ...T[]];

const MX = 'mx1.example.org';
const TLSA = '3 1 1 8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1';

export const DOMAIN_FIXTURES: { readonly [K in DomainFindingId]: NonEmpty<Fixture<K>> } = {
  'domain.no-mail': [{ evidence: {} }],
  'domain.dns-failed': [
    { evidence: { outcome: 'nxdomain', dnssec: 'secure', error: null } },
    { evidence: { outcome: 'timeout', dnssec: 'unknown', error: 'no answer in 3 s' } },
    {
      evidence: { outcome: 'servfail', dnssec: 'bogus', error: 'signatures do not validate' },
      severity: 'critical',
    },
  ],
  'mx.not-all-checked': [{ evidence: { listed: 14, checked: 10 } }],
  'mx.no-address': [{ evidence: { outcome: 'nxdomain', error: null }, host: MX }],
  'mx.unreachable': [
    {
      evidence: {
        status: 'connection-refused',
        error: { step: 'connect', kind: 'refused', message: 'connection refused' },
      },
      host: MX,
    },
  ],
  'mx.port25-blocked': [
    { evidence: { hosts: [MX, 'mx2.example.org'], status: 'connection-timeout' } },
  ],
  'mx.no-starttls': [
    { evidence: { capabilities: ['PIPELINING', 'SIZE 10240000', '8BITMIME'] }, host: MX },
  ],
  'mx.starttls-failed': [
    {
      evidence: { outcome: 'refused', reply: ['454 4.7.0 TLS not available'], error: null },
      host: MX,
    },
    {
      evidence: {
        outcome: 'handshake-failed',
        reply: [],
        error: { step: 'handshake', kind: 'tls', message: 'no shared cipher' },
      },
      host: MX,
    },
  ],
  'mx.tls-old': [{ evidence: { version: 'TLSv1' }, host: MX }],
  'mx.cert-not-verified': [
    {
      evidence: { problems: ['cert.name-mismatch'], validFor: ['mail.hostingco.net'] },
      host: MX,
    },
    { evidence: { problems: ['cert.self-signed', 'cert.expired'], validFor: [] }, host: MX },
  ],
  'mta-sts.missing': [
    { evidence: { stsMode: null, daneHosts: 0 } },
    { evidence: { stsMode: 'testing', daneHosts: 1 } },
  ],
  'mta-sts.record-invalid': [
    {
      evidence: {
        kind: 'invalid',
        texts: ['v=STSv1; id=20 26'],
        problem: 'the id "20 26" is not letters and digits',
      },
    },
    {
      evidence: {
        kind: 'several',
        texts: ['v=STSv1; id=1', 'v=STSv1; id=2'],
        problem: 'there are 2 records; senders then ignore them all',
      },
    },
  ],
  'mta-sts.policy-unavailable': [
    {
      evidence: {
        url: 'https://mta-sts.example.org/.well-known/mta-sts.txt',
        kind: 'certificate',
        detail: 'ERR_TLS_CERT_ALTNAME_INVALID',
      },
    },
    {
      evidence: {
        url: 'https://mta-sts.example.org/.well-known/mta-sts.txt',
        kind: 'status',
        detail: 'HTTP 404',
      },
    },
  ],
  'mta-sts.policy-invalid': [
    {
      evidence: {
        url: 'https://mta-sts.example.org/.well-known/mta-sts.txt',
        problems: ['it has no "max_age" line'],
      },
    },
  ],
  'mta-sts.testing': [{ evidence: { maxAge: 604_800 } }],
  'mta-sts.mode-none': [{ evidence: {} }],
  'mta-sts.mx-not-listed': [
    {
      evidence: { mode: 'enforce', patterns: ['*.mail.example.org'] },
      host: MX,
      severity: 'critical',
    },
    { evidence: { mode: 'testing', patterns: ['mx2.example.org'] }, host: MX, severity: 'warning' },
  ],
  'mta-sts.mx-fails-policy': [
    {
      evidence: { mode: 'enforce', reason: 'certificate', problems: ['cert.name-mismatch'] },
      host: MX,
      severity: 'critical',
    },
    {
      evidence: { mode: 'testing', reason: 'no-tls', problems: [] },
      host: MX,
      severity: 'warning',
    },
  ],
  'mta-sts.max-age-short': [{ evidence: { maxAge: 3600 } }],
  'tls-rpt.missing': [{ evidence: {} }],
  'tls-rpt.invalid': [
    {
      evidence: {
        texts: ['v=TLSRPTv1; rua=reports@example.org'],
        problem: '"reports@example.org" is neither a mailto: address nor an https: address',
      },
    },
  ],
  'dane.valid': [{ evidence: { records: [TLSA], usage: 'DANE-EE' }, host: MX }],
  'dane.mismatch': [
    {
      evidence: {
        reason: 'no-match',
        records: [TLSA],
        problems: [],
        presentedSha256: 'AB:'.repeat(31) + 'AB',
      },
      host: MX,
    },
    {
      evidence: { reason: 'no-tls', records: [TLSA], problems: [], presentedSha256: null },
      host: MX,
    },
  ],
  'dane.bogus': [{ evidence: { name: `_25._tcp.${MX}` }, host: MX }],
  'dane.unusable': [{ evidence: { records: ['1 0 1 ab12'] }, host: MX }],
  'dane.not-counted': [
    { evidence: { records: [TLSA], why: 'tlsa-insecure' }, host: MX },
    { evidence: { records: [TLSA], why: 'address-insecure' }, host: MX },
  ],
  'dane.partial': [
    { evidence: { withDane: [MX], without: ['mx2.example.org'] } },
    { evidence: { withDane: [MX, 'mx2.example.org'], without: ['backup.example.net'] } },
  ],
  'dane.unsigned': [{ evidence: {} }],
  'dane.cannot-tell': [
    { evidence: { reason: 'untrusted-resolver', servers: ['192.0.2.53:53'] } },
    { evidence: { reason: 'not-validating', servers: ['127.0.0.53:53'] } },
  ],
};

/** Every fixture as a finding about example.org. */
export function domainFixtureFindings(): { finding: DomainFinding; variant: number }[] {
  return (Object.keys(DOMAIN_FIXTURES) as DomainFindingId[]).flatMap((id) =>
    (DOMAIN_FIXTURES[id] as readonly Fixture<DomainFindingId>[]).map((f, variant) => ({
      variant,
      finding: {
        id,
        severity: f.severity ?? 'warning',
        subject:
          f.host === undefined
            ? { domain: 'example.org' }
            : { domain: 'example.org', host: f.host },
        evidence: f.evidence,
      } as DomainFinding,
    })),
  );
}
