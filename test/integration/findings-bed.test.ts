/**
 * The judge on real probe facts from the bed: Dovecot, Postfix and Prosody in their modes and
 * certificate cases, judged with the public roots plus the bed's root (as `--ca-file` would).
 * Names stay real (mail.test.example, test.example) through an injected lookup.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultTrustStores, type TrustStores } from '../../app/core/cert';
import type { EndpointTarget } from '../../app/core/facts/endpoint';
import { judgeEndpoint, type Judgement, type VerdictKind } from '../../app/core/findings';
import { probeEndpoint } from '../../app/core/probe';
import { bedLookup, findEndpoint, loadBed, targetOf, type BedDescription } from '../bed/endpoints';

let bed: BedDescription;
let rootCa: string;
let trust: TrustStores;

beforeAll(() => {
  bed = loadBed();
  rootCa = readFileSync(bed.rootCaFile, 'utf8');
  trust = defaultTrustStores([rootCa]);
});

const lookup = bedLookup;

async function judge(target: EndpointTarget): Promise<Judgement> {
  const facts = await probeEndpoint(target, { lookup, extraCa: [rootCa], version: '0.0.0-test' });
  return judgeEndpoint(facts, { trust });
}

async function judgeBed(id: string, security?: EndpointTarget['security']): Promise<Judgement> {
  const t = targetOf(findEndpoint(bed, id));
  return judge(security ? { ...t, security } : t);
}

/** "severity:id" of the findings at warning or worse (info is allowed anywhere). */
function serious(j: Judgement): string[] {
  return j.findings.filter((f) => f.severity !== 'info').map((f) => `${f.severity}:${f.id}`);
}

function describeJudgement(j: Judgement): string {
  return JSON.stringify(
    { verdict: j.verdict.kind, findings: j.findings.map((f) => [f.severity, f.id, f.evidence]) },
    null,
    1,
  );
}

/**
 * Every bed endpoint in its own mode: the verdict and the findings at warning or worse, exactly
 * (info findings such as cert.revocation-not-checked may come and go with the certificate rules).
 */
/**
 * What the TLS scan finds on every Postfix endpoint with TLS: its defaults also accept TLS 1.0
 * and 1.1 and anonymous (EC)DH suites (the testssl.sh cross-check confirms both). A modern app
 * gets neither, so these are warnings about the server, not about the connection.
 */
const POSTFIX_ACCEPTS = ['warning:tls.cipher.weak', 'warning:tls.version.legacy'] as const;

const EXPECTED: readonly (readonly [
  id: string,
  verdict: VerdictKind,
  serious: readonly string[],
])[] = [
  ['dovecot-imap-starttls-good', 'encrypted-verified', []],
  ['dovecot-imap-implicit-good', 'encrypted-verified', []],
  ['dovecot-pop3-starttls-good', 'encrypted-verified', []],
  ['dovecot-pop3-implicit-good', 'encrypted-verified', []],
  ['postfix-submission-starttls-good', 'encrypted-verified', [...POSTFIX_ACCEPTS]],
  ['postfix-submission-implicit-good', 'encrypted-verified', [...POSTFIX_ACCEPTS]],
  ['prosody-xmpp-starttls-good', 'encrypted-verified', []],
  ['prosody-xmpp-implicit-good', 'encrypted-verified', []],
  // Between mail servers optional STARTTLS is the norm (RFC 3207): info only.
  ['postfix-smtp-starttls-good', 'encrypted-verified', [...POSTFIX_ACCEPTS]],
  [
    'dovecot-imap-starttls-optional-good',
    'encryption-removable',
    ['warning:auth.cleartext-before-tls', 'warning:starttls.optional'],
  ],
  [
    'dovecot-pop3-starttls-optional-good',
    'encryption-removable',
    ['warning:auth.cleartext-before-tls', 'warning:starttls.optional'],
  ],
  ['prosody-xmpp-starttls-optional-good', 'encryption-removable', ['warning:starttls.optional']],
  [
    'dovecot-imap-none',
    'not-encrypted',
    ['critical:auth.cleartext-before-tls', 'critical:tls.none'],
  ],
  [
    'dovecot-pop3-none',
    'not-encrypted',
    ['critical:auth.cleartext-before-tls', 'critical:tls.none'],
  ],
  ['postfix-smtp-none', 'not-encrypted', ['critical:tls.none']],
  ['dovecot-imap-implicit-expired', 'encrypted-unverified', ['critical:cert.expired']],
  ['dovecot-pop3-starttls-expired', 'encrypted-unverified', ['critical:cert.expired']],
  [
    'postfix-smtp-starttls-expired',
    'encrypted-unverified',
    ['critical:cert.expired', ...POSTFIX_ACCEPTS],
  ],
  ['prosody-xmpp-starttls-expired', 'encrypted-unverified', ['critical:cert.expired']],
  ['dovecot-imap-implicit-not-yet-valid', 'encrypted-unverified', ['critical:cert.not-yet-valid']],
  ['dovecot-imap-implicit-self-signed', 'encrypted-unverified', ['critical:cert.self-signed']],
  [
    'postfix-submission-implicit-self-signed',
    'encrypted-unverified',
    ['critical:cert.self-signed', ...POSTFIX_ACCEPTS],
  ],
  ['prosody-xmpp-starttls-self-signed', 'encrypted-unverified', ['critical:cert.self-signed']],
  ['dovecot-imap-implicit-wrong-host', 'encrypted-unverified', ['critical:cert.name-mismatch']],
  [
    'postfix-smtp-starttls-wrong-host',
    'encrypted-unverified',
    ['critical:cert.name-mismatch', ...POSTFIX_ACCEPTS],
  ],
  ['prosody-xmpp-starttls-wrong-host', 'encrypted-unverified', ['critical:cert.name-mismatch']],
  ['dovecot-imap-implicit-rsa1024', 'encrypted-unverified', ['critical:cert.weak-key']],
  [
    'postfix-smtp-starttls-rsa1024',
    'encrypted-unverified',
    ['critical:cert.weak-key', ...POSTFIX_ACCEPTS],
  ],
  ['dovecot-imap-implicit-sha1', 'encrypted-unverified', ['critical:cert.weak-signature']],
  [
    'postfix-smtp-starttls-sha1',
    'encrypted-unverified',
    ['critical:cert.weak-signature', ...POSTFIX_ACCEPTS],
  ],
  [
    'dovecot-imap-implicit-no-intermediate',
    'encrypted-unverified',
    ['critical:cert.missing-intermediate'],
  ],
  [
    'postfix-submission-starttls-no-intermediate',
    'encrypted-unverified',
    ['critical:cert.missing-intermediate', ...POSTFIX_ACCEPTS],
  ],
  // TLS 1.1 only: a modern client (ours: TLS 1.2 at least) cannot complete the handshake. With
  // STARTTLS that is starttls.failed; with implicit TLS the probe has no result at all, and the
  // scan (which speaks TLS 1.0/1.1 itself) says which old versions the server takes.
  [
    'postfix-smtp-starttls-tls11-only',
    'not-encrypted',
    ['critical:starttls.failed', ...POSTFIX_ACCEPTS],
  ],
  [
    'dovecot-imap-implicit-tls11-only',
    'could-not-check',
    ['warning:check.incomplete', 'warning:tls.version.legacy'],
  ],
];

describe('judged bed endpoints', () => {
  it.each(EXPECTED)('%s: %s', async (id, verdict, expected) => {
    const j = await judgeBed(id);
    expect(j.verdict.kind, describeJudgement(j)).toBe(verdict);
    expect(serious(j).sort(), describeJudgement(j)).toEqual([...expected].sort());
    if (verdict === 'encrypted-verified') {
      // TLS 1.3 on every modern bed server: not even the "no TLS 1.3" note.
      expect(j.findings.map((f) => f.id)).not.toContain('tls.no-tls13');
    }
  });

  it('postfix-smtp-none probed as STARTTLS: STARTTLS not offered', async () => {
    const j = await judgeBed('postfix-smtp-none', 'starttls');
    expect(j.verdict.kind, describeJudgement(j)).toBe('not-encrypted');
    expect(serious(j)).toEqual(['critical:starttls.not-offered']);
  });

  it('the STARTTLS endpoint with the bed root missing from the trust stores is unverified', async () => {
    const t = targetOf(findEndpoint(bed, 'dovecot-imap-starttls-good'));
    const facts = await probeEndpoint(t, { lookup, extraCa: [rootCa] });
    const j = judgeEndpoint(facts, { trust: defaultTrustStores() });
    expect(j.verdict.kind, describeJudgement(j)).toBe('encrypted-unverified');
  });

  it('a closed port: could not check', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const j = await judge({
      host: 'mail.test.example',
      port,
      protocol: 'imap',
      security: 'starttls',
    });
    expect(j.verdict.kind, describeJudgement(j)).toBe('could-not-check');
    expect(j.findings.map((f) => f.id)).toEqual(['check.incomplete']);
    expect(j.findings[0]?.evidence).toMatchObject({ status: 'connection-refused' });
  });
});
