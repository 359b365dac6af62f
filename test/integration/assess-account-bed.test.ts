/**
 * Accounts judged as the app is set up, against the bed: an app set to plain text or to
 * "STARTTLS if available" while the server offers TLS, STARTTLS while TLS from the first byte
 * is on offer, and certificate exceptions that match or no longer match. The standard
 * implicit-TLS port (993) is reached on the bed through a --connect-to rule.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../app/core/accounts/model';
import { assessAccount, type AccountAssessment } from '../../app/core/assess/account';
import { defaultTrustStores, type TrustStores } from '../../app/core/cert';
import { sha256Of } from '../../app/core/findings/rules-account';
import { probeEndpoint } from '../../app/core/probe';
import { bedLookup, findEndpoint, loadBed, type BedDescription } from '../bed/endpoints';

let bed: BedDescription;
let rootCa: string;
let trust: TrustStores;
beforeAll(() => {
  bed = loadBed();
  rootCa = readFileSync(bed.rootCaFile, 'utf8');
  trust = defaultTrustStores([rootCa]);
});

function imapAccount(
  port: number,
  security: 'none' | 'starttls-if-available' | 'starttls' | 'implicit',
  over: Partial<Account> = {},
): Account {
  return {
    id: 'acct-1',
    displayName: 'Alice',
    address: 'alice@test.example',
    username: 'alice',
    incoming: { protocol: 'imap', host: 'mail.test.example', port, security },
    outgoing: null,
    chat: null,
    certificateExceptions: [],
    source: 'manual',
    authentication: 'password',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

async function assess(
  account: Account,
  implicitId = 'dovecot-imap-implicit-good',
): Promise<AccountAssessment> {
  const implicit = findEndpoint(bed, implicitId);
  return assessAccount(account, {
    trust,
    lookup: bedLookup,
    extraCa: [rootCa],
    scan: 'off',
    connectTo: [
      { host: 'mail.test.example', port: 993, toHost: '127.0.0.1', toPort: implicit.port },
    ],
  });
}

function ids(a: AccountAssessment): string[] {
  return (a.endpoints[0]?.judgement.findings ?? []).map((f) => `${f.severity}:${f.id}`);
}

describe('accounts as the app is set up', () => {
  it('set to plain text while the server offers STARTTLS and TLS on 993: critical, with the port to use', async () => {
    const e = findEndpoint(bed, 'dovecot-imap-starttls-good');
    const a = await assess(imapAccount(e.port, 'none'));
    const f = a.endpoints[0]?.judgement.findings.find(
      (x) => x.id === 'account.not-using-available-tls',
    );
    expect(f).toMatchObject({
      severity: 'critical',
      evidence: { configured: 'none', offers: { starttls: true, implicitPort: 993 } },
    });
    expect(a.verdict.kind).toBe('not-encrypted');
  });

  it('"STARTTLS if available": a warning (strippable), probed as STARTTLS', async () => {
    const e = findEndpoint(bed, 'dovecot-imap-starttls-good');
    const a = await assess(imapAccount(e.port, 'starttls-if-available'));
    expect(ids(a)).toContain('warning:account.not-using-available-tls');
    expect(a.endpoints[0]?.judgement.facts.target.security).toBe('starttls');
  });

  it('STARTTLS while TLS from the first byte works with a verified certificate: info', async () => {
    const e = findEndpoint(bed, 'dovecot-imap-starttls-good');
    const a = await assess(imapAccount(e.port, 'starttls'));
    expect(ids(a)).toContain('info:account.prefer-implicit-tls');
    expect(ids(a).filter((x) => !x.startsWith('info:'))).toEqual([]);
    expect(a.verdict.kind).toBe('encrypted-verified');
  });

  it('TLS from the first byte: no alternative is probed, nothing to say about the setting', async () => {
    const e = findEndpoint(bed, 'dovecot-imap-implicit-good');
    const a = await assess(imapAccount(e.port, 'implicit'));
    expect(a.endpoints[0]?.alternative).toBeNull();
    expect(ids(a).some((x) => x.includes('account.'))).toBe(false);
  });

  it('an accepted exception that matches: info; one that no longer matches: critical', async () => {
    const e = findEndpoint(bed, 'dovecot-imap-implicit-self-signed');
    const facts = await probeEndpoint(
      { host: 'mail.test.example', port: e.port, protocol: 'imap', security: 'implicit' },
      { lookup: bedLookup, scan: 'off' },
    );
    const leaf = facts.addresses[0]?.tls?.peerChain[0] ?? '';
    const exception = (sha256: string) => ({
      sha256,
      host: 'mail.test.example',
      port: e.port,
      acceptedAt: '2026-01-01T00:00:00.000Z',
      origin: 'sealcheck' as const,
    });
    const same = await assess(
      imapAccount(e.port, 'implicit', { certificateExceptions: [exception(sha256Of(leaf))] }),
    );
    expect(ids(same)).toContain('info:cert.exception-accepted');
    const other = sha256Of(Buffer.from('another certificate').toString('base64'));
    const changed = await assess(
      imapAccount(e.port, 'implicit', { certificateExceptions: [exception(other)] }),
    );
    const f = changed.endpoints[0]?.judgement.findings.find(
      (x) => x.id === 'cert.exception-changed',
    );
    expect(f).toMatchObject({
      severity: 'critical',
      evidence: { accepted: [other], presented: sha256Of(leaf) },
    });
  });
});
