/**
 * "Right certificate, wrong name" against the bed's Dovecot: the app is set to
 * mail.test.example, the server's trusted certificate is for other.test.example only. When that
 * name points to the same address, the finding says to use it; when it points elsewhere, or
 * does not resolve, no such advice is given.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultTrustStores } from '../../app/core/cert';
import { explain } from '../../app/core/explain/catalog';
import { judgeEndpoint } from '../../app/core/findings/judge';
import type { LookupFunction } from '../../app/core/net/resolve';
import { probeEndpoint } from '../../app/core/probe';
import { bedLookup, findEndpoint, loadBed, targetOf, type BedDescription } from '../bed/endpoints';

let bed: BedDescription;
let rootCa = '';
beforeAll(() => {
  bed = loadBed();
  rootCa = readFileSync(bed.rootCaFile, 'utf8');
});

/** The bed's names, with other.test.example answered as `other` says. */
const withOther =
  (other: string | null): LookupFunction =>
  (hostname, options, callback) => {
    if (hostname.toLowerCase() !== 'other.test.example')
      return bedLookup(hostname, options, callback);
    if (other === null) {
      callback(
        Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }),
        [],
      );
      return;
    }
    callback(null, [{ address: other, family: 4 }]);
  };

async function judged(lookup: LookupFunction) {
  const facts = await probeEndpoint(
    targetOf(findEndpoint(bed, 'dovecot-imap-implicit-wrong-host')),
    {
      lookup,
      extraCa: [rootCa],
      scan: 'off',
    },
  );
  return judgeEndpoint(facts, { trust: defaultTrustStores([rootCa]) });
}

describe('a trusted certificate for another name of the same server', () => {
  it('the other name reaches this server: put that name in the app', async () => {
    const j = await judged(withOther('127.0.0.1'));
    expect(j.facts.addresses[0]?.sameServerNames).toEqual([
      { name: 'other.test.example', sameAddress: true },
    ]);
    const f = j.findings.find((x) => x.id === 'cert.name-mismatch');
    expect(f?.evidence).toMatchObject({ sameServer: ['other.test.example'] });
    const e = f ? explain(f) : null;
    expect(e?.action).toContain('change the server name to other.test.example');
    expect(e?.whoCanFix).toBe('you');
  });

  it('the other name points elsewhere: no such advice, the provider is asked', async () => {
    const j = await judged(withOther('127.0.0.9'));
    expect(j.facts.addresses[0]?.sameServerNames).toEqual([
      { name: 'other.test.example', sameAddress: false },
    ]);
    const f = j.findings.find((x) => x.id === 'cert.name-mismatch');
    expect(f?.evidence).not.toHaveProperty('sameServer');
    expect(f ? explain(f).whoCanFix : null).toBe('mail-provider');
  });

  it('the other name does not resolve: unknown, and no advice', async () => {
    const j = await judged(withOther(null));
    expect(j.facts.addresses[0]?.sameServerNames).toEqual([
      { name: 'other.test.example', sameAddress: 'unknown' },
    ]);
  });

  it('a certificate that is right for the name: nothing is looked up', async () => {
    const facts = await probeEndpoint(targetOf(findEndpoint(bed, 'dovecot-imap-implicit-good')), {
      lookup: bedLookup,
      extraCa: [rootCa],
      scan: 'off',
    });
    expect(facts.addresses[0]).not.toHaveProperty('sameServerNames');
  });
});
