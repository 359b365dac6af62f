/**
 * Representative evidence for every finding id (with the variants that change the wording), for
 * the readability test and other explain/ tests. Typed as a map over FindingId: a new id without
 * a fixture fails compilation.
 */
import type {
  CertRef,
  Finding,
  FindingEvidence,
  FindingId,
  FindingSubject,
  Severity,
} from '../findings/types';

export interface Fixture<K extends FindingId> {
  readonly evidence: FindingEvidence[K];
  readonly subject?: Partial<FindingSubject>;
  readonly severity?: Severity;
}

type NonEmpty<T> = readonly [T, ...T[]];

const SUBJECT: FindingSubject = {
  host: 'mail.example.org',
  port: 143,
  protocol: 'imap',
  security: 'starttls',
};

const LEAF: CertRef = {
  index: 0,
  subject: 'CN=mail.example.org',
  issuer: 'CN=Example Issuing CA 2,O=Example Trust,C=US',
  sha256:
    '3A:7F:10:C2:9B:44:E1:0D:5A:6B:7C:8D:9E:AF:B0:C1:D2:E3:F4:05:16:27:38:49:5A:6B:7C:8D:9E:AF:B0:C1',
};

const ROOT: CertRef = {
  index: 2,
  subject: 'CN=Contoso Inspection Root,O=Contoso Ltd',
  issuer: 'CN=Contoso Inspection Root,O=Contoso Ltd',
  sha256:
    'B0:C1:D2:E3:F4:05:16:27:38:49:5A:6B:7C:8D:9E:AF:3A:7F:10:C2:9B:44:E1:0D:5A:6B:7C:8D:9E:AF:B0:C1',
};

export const FIXTURES: { readonly [K in FindingId]: NonEmpty<Fixture<K>> } = {
  'tls.none': [
    { evidence: { starttlsOffered: true }, subject: { security: 'none', port: 143 } },
    { evidence: { starttlsOffered: false } },
    {
      evidence: { starttlsOffered: false },
      subject: { protocol: 'smtp', security: 'none', port: 25 },
    },
  ],
  'starttls.not-offered': [
    { evidence: { capabilities: ['IMAP4rev1', 'LOGIN-REFERRALS', 'IDLE'] } },
  ],
  'starttls.optional': [
    { evidence: { loginInvitedBeforeTls: true } },
    { evidence: { loginInvitedBeforeTls: false }, subject: { protocol: 'xmpp', port: 5222 } },
    { evidence: { loginInvitedBeforeTls: 'unknown' }, subject: { protocol: 'smtp', port: 25 } },
  ],
  'starttls.failed': [
    { evidence: { outcome: 'refused', reply: ['a1 NO STARTTLS unavailable'], error: null } },
    {
      evidence: {
        outcome: 'temporarily-unavailable',
        reply: ['454 4.7.0 TLS not available due to local problem'],
        error: null,
      },
      subject: { protocol: 'submission', port: 587 },
    },
    {
      evidence: {
        outcome: 'handshake-failed',
        reply: ['a1 OK Begin TLS negotiation now'],
        error: {
          step: 'handshake',
          kind: 'tls',
          message: 'alert protocol_version',
          alert: 'protocol_version',
        },
      },
    },
  ],
  'auth.cleartext-before-tls': [
    { evidence: { command: 'AUTHENTICATE PLAIN', reply: ['+'] } },
    {
      evidence: { command: 'AUTH PLAIN', reply: ['+ '] },
      subject: { protocol: 'pop3', security: 'none', port: 110 },
    },
    {
      evidence: { command: 'AUTH PLAIN', reply: ['334 '] },
      subject: { protocol: 'smtp', port: 25 },
    },
  ],
  'starttls.command-injection': [
    { evidence: { command: 'NOOP', evidence: ['a2 OK NOOP completed'] } },
    {
      evidence: { command: 'NOOP', evidence: ['250 OK'] },
      subject: { protocol: 'smtp', port: 25 },
    },
  ],
  'starttls.plaintext-after-go-ahead': [
    { evidence: { bytes: 42, preview: '* OK [CAPABILITY IMAP4rev1] ready' } },
  ],
  'tls.version.legacy': [
    { evidence: { versions: ['TLSv1', 'TLSv1.1'], negotiated: true } },
    { evidence: { versions: ['TLSv1.1'], negotiated: false } },
  ],
  'tls.version.ssl3': [{ evidence: { negotiated: true } }, { evidence: { negotiated: false } }],
  'tls.cipher.weak': [
    {
      evidence: {
        suites: ['TLS_RSA_WITH_RC4_128_SHA', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA'],
        families: ['rc4', '3des'],
        negotiated: false,
      },
    },
    {
      evidence: { suites: ['TLS_RSA_WITH_RC4_128_SHA'], families: ['rc4'], negotiated: true },
    },
  ],
  'tls.no-forward-secrecy': [
    { evidence: { cipher: 'AES256-GCM-SHA384', negotiated: true } },
    {
      evidence: {
        cipher: 'TLS_RSA_WITH_AES_128_GCM_SHA256',
        negotiated: false,
        modernClientForwardSecret: true,
      },
    },
    {
      evidence: {
        cipher: 'TLS_RSA_WITH_AES_128_GCM_SHA256',
        negotiated: false,
        modernClientForwardSecret: false,
      },
    },
  ],
  'tls.dh-weak': [
    { evidence: { bits: 1024, negotiated: true } },
    { evidence: { bits: 1024, negotiated: false } },
  ],
  'tls.no-tls13': [{ evidence: { version: 'TLSv1.2' } }],
  'account.not-using-available-tls': [
    { evidence: { configured: 'none', offers: { starttls: true, implicitPort: 993 } } },
    {
      evidence: {
        configured: 'starttls-if-available',
        offers: { starttls: true, implicitPort: null },
      },
    },
  ],
  'account.prefer-implicit-tls': [{ evidence: { port: 143, implicitPort: 993 } }],
  'cert.exception-accepted': [
    {
      evidence: {
        sha256: LEAF.sha256,
        acceptedAt: '2025-11-02T10:00:00.000Z',
        origin: 'thunderbird',
      },
    },
  ],
  'cert.exception-changed': [
    { evidence: { accepted: [LEAF.sha256], presented: ROOT.sha256 }, severity: 'critical' },
  ],
  'tls.no-post-quantum': [
    { evidence: { version: 'TLSv1.3', group: 'x25519' } },
    { evidence: { version: 'TLSv1.2', group: 'secp256r1' } },
  ],
  'tls.scan-incomplete': [
    {
      evidence: {
        versions: ['TLSv1', 'TLSv1.1'],
        families: ['rc4', '3des'],
        forwardSecrecy: true,
        modernClient: false,
        reason: 'the server reset the connection',
      },
    },
    {
      evidence: {
        versions: ['TLSv1.3'],
        families: [],
        forwardSecrecy: false,
        modernClient: true,
        reason: null,
      },
    },
  ],
  'cert.expired': [
    { evidence: { cert: LEAF, notAfter: '2025-03-14T12:00:00.000Z', daysAgo: 12 } },
    {
      evidence: {
        cert: { ...LEAF, index: 1, subject: 'CN=Example Issuing CA 2,O=Example Trust' },
        notAfter: '2024-01-01T00:00:00.000Z',
        daysAgo: 1,
      },
    },
  ],
  'cert.not-yet-valid': [
    { evidence: { cert: LEAF, notBefore: '2027-06-01T00:00:00.000Z', hoursAhead: 4380 } },
  ],
  'clock.suspect': [
    { evidence: { cert: LEAF, skewSeconds: -7200, basis: 'certificate-validity' } },
    { evidence: { cert: LEAF, skewSeconds: 1500, basis: 'certificate-validity' } },
    {
      evidence: {
        cert: LEAF,
        skewSeconds: -3 * 86400,
        basis: 'server-time',
        serverSaid: 'Thu, 03 Dec 2026 14:03:01 +0000',
      },
    },
  ],
  'cert.self-signed': [{ evidence: { cert: { ...LEAF, issuer: LEAF.subject } } }],
  'cert.untrusted-issuer': [
    { evidence: { topIssuer: 'CN=Hosting Internal CA,O=HostingCo', cert: LEAF } },
  ],
  'cert.missing-intermediate': [
    { evidence: { missingIssuer: 'CN=Example Issuing CA 2,O=Example Trust,C=US', cert: LEAF } },
  ],
  'cert.name-mismatch': [
    {
      evidence: {
        expected: 'mail.example.org',
        validFor: ['*.hostingco.net', 'hostingco.net'],
        commonNameOnly: null,
      },
    },
    {
      evidence: {
        expected: 'mail.example.org',
        validFor: [
          'a.hostingco.net',
          'b.hostingco.net',
          'c.hostingco.net',
          'd.hostingco.net',
          'e.hostingco.net',
        ],
        commonNameOnly: null,
      },
    },
    {
      evidence: { expected: 'mail.example.org', validFor: [], commonNameOnly: 'mail.example.org' },
    },
    {
      evidence: { expected: 'example.org', validFor: ['xmpp.hostingco.net'], commonNameOnly: null },
      subject: { protocol: 'xmpp', port: 5222 },
    },
    {
      evidence: {
        expected: 'mail.example.org',
        validFor: ['mail.hostingco.net', 'hostingco.net'],
        commonNameOnly: null,
        sameServer: ['mail.hostingco.net'],
      },
    },
  ],
  'cert.weak-key': [
    { evidence: { cert: LEAF, algorithm: 'RSA', bits: 1024, curve: null } },
    { evidence: { cert: LEAF, algorithm: 'EC', bits: 192, curve: 'P-192' } },
  ],
  'cert.weak-signature': [{ evidence: { cert: LEAF, algorithm: 'sha1WithRSAEncryption' } }],
  'cert.revoked': [
    { evidence: { cert: LEAF, revokedAt: '2025-02-02T10:00:00.000Z', reason: 'keyCompromise' } },
  ],
  'cert.revocation-not-checked': [
    { evidence: { reason: 'not-stapled' } },
    { evidence: { reason: 'staple-invalid' } },
  ],
  'cert.no-server-auth': [
    { evidence: { cert: LEAF, extendedKeyUsage: ['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.4'] } },
  ],
  'cert.leaf-is-ca': [{ evidence: { cert: LEAF } }],
  'cert.expiring-soon': [
    { evidence: { cert: LEAF, notAfter: '2026-12-01T00:00:00.000Z', daysLeft: 6 } },
  ],
  'cert.chain-order': [
    { evidence: { problem: 'extra', certs: [ROOT] } },
    { evidence: { problem: 'duplicate', certs: [LEAF, { ...LEAF, index: 1 }] } },
    { evidence: { problem: 'misordered', certs: [LEAF, ROOT] } },
  ],
  'cert.private-authority': [{ evidence: { root: ROOT } }],
  'cert.intercepted': [
    {
      evidence: {
        root: ROOT,
        product: 'Avast Web/Mail Shield',
        productKind: 'antivirus',
        productAdvice:
          'In Avast, open the Mail Shield settings and turn off the scan of secure mail, then check again.',
      },
    },
    {
      evidence: {
        root: ROOT,
        product: 'Zscaler',
        productKind: 'proxy',
        productAdvice: 'Ask your IT team to leave your mail server out of SSL inspection.',
      },
    },
    { evidence: { root: ROOT, product: null, productKind: null, productAdvice: null } },
  ],
  'check.incomplete': [
    {
      evidence: {
        status: 'io-timeout',
        error: { step: 'greeting', kind: 'timeout', message: 'no greeting within 10000 ms' },
      },
    },
    { evidence: { status: 'dns-error', error: null } },
  ],
};

/** Every fixture as a Finding, with the id and the fixture's variant number. */
export function fixtureFindings(): { readonly finding: Finding; readonly variant: number }[] {
  const out: { finding: Finding; variant: number }[] = [];
  for (const id of Object.keys(FIXTURES) as FindingId[]) {
    const variants = FIXTURES[id] as NonEmpty<Fixture<FindingId>>;
    variants.forEach((f, variant) => {
      out.push({
        finding: {
          id,
          severity: f.severity ?? 'warning',
          subject: { ...SUBJECT, ...f.subject },
          evidence: f.evidence,
        } as Finding,
        variant,
      });
    });
  }
  return out;
}
