/**
 * Certificate changes, with real certificates from the bed's servers: the bed's root stands in
 * for a public authority (given as the public store), so the same endpoint presenting another
 * certificate can be classified as the next check would: a routine renewal, or something to look
 * at (another name, an authority only this computer trusts, no trusted authority at all).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultTrustStores, type TrustStores } from '../../app/core/cert';
import { changeText } from '../../app/core/explain/changes';
import { judgeEndpoint, type Judgement } from '../../app/core/findings/judge';
import { changesBetween, recordOf } from '../../app/core/history/store';
import { probeEndpoint } from '../../app/core/probe';
import { bedLookup, findEndpoint, loadBed, targetOf, type BedDescription } from '../bed/endpoints';

let bed: BedDescription;
let rootCa = '';
/** The bed's root as if it were a public authority. */
let asPublic: TrustStores;
/** The bed's root as a company's own, trusted on this computer only. */
let asPrivate: TrustStores;

beforeAll(() => {
  bed = loadBed();
  rootCa = readFileSync(bed.rootCaFile, 'utf8');
  asPublic = { ...defaultTrustStores(), publicRoots: [rootCa] };
  asPrivate = defaultTrustStores([rootCa]);
});

async function judged(id: string, trust: TrustStores): Promise<Judgement> {
  const facts = await probeEndpoint(targetOf(findEndpoint(bed, id)), {
    lookup: bedLookup,
    extraCa: [rootCa],
    scan: 'off',
  });
  return judgeEndpoint(facts, { trust });
}

const T0 = '2026-09-01T10:00:00.000Z';
const T1 = '2026-12-01T10:00:00.000Z';

describe('a changed certificate, compared with the last one', () => {
  it('the same names from the same public authority: a routine renewal', async () => {
    const before = recordOf(await judged('dovecot-imap-implicit-good', asPublic), T0);
    // The bed's SHA-1 case: the same names and authority, another certificate and key.
    const after = recordOf(await judged('dovecot-imap-implicit-sha1', asPublic), T1);
    expect(after.certificate).toMatchObject({ anchor: 'public' });
    const [change] = changesBetween(before, after);
    expect(change).toMatchObject({ kind: 'certificate-changed', assessment: 'renewal' });
    expect(change ? changeText(change) : '').toMatch(/routine renewal/);
  });

  it('another name: worth a closer look', async () => {
    const before = recordOf(await judged('dovecot-imap-implicit-good', asPublic), T0);
    const after = recordOf(await judged('dovecot-imap-implicit-wrong-host', asPublic), T1);
    const [change] = changesBetween(before, after);
    expect(change).toMatchObject({ assessment: 'look-closer' });
    expect(change && 'reasons' in change ? change.reasons : []).toContain('names-changed');
    expect(change ? changeText(change) : '').toMatch(/closer look.*other server names/);
  });

  it('from a public authority before, one only this computer trusts now: a closer look', async () => {
    const before = recordOf(await judged('dovecot-imap-implicit-good', asPublic), T0);
    const after = recordOf(await judged('dovecot-imap-implicit-sha1', asPrivate), T1);
    const [change] = changesBetween(before, after);
    expect(change).toMatchObject({
      assessment: 'look-closer',
      reasons: ['now-private-authority', expect.any(String)],
    });
  });

  it('a self-signed certificate after a trusted one: no trusted authority any more', async () => {
    const before = recordOf(await judged('dovecot-imap-implicit-good', asPublic), T0);
    const after = recordOf(await judged('dovecot-imap-implicit-self-signed', asPublic), T1);
    const [change] = changesBetween(before, after);
    expect(change).toMatchObject({ assessment: 'look-closer' });
    expect(change && 'reasons' in change ? change.reasons : []).toContain('no-longer-trusted');
  });

  it('a record of an older version, without certificate details: says what it can', async () => {
    const { certificate: _dropped, ...old } = recordOf(
      await judged('dovecot-imap-implicit-good', asPublic),
      T0,
    );
    const after = recordOf(await judged('dovecot-imap-implicit-sha1', asPublic), T1);
    const [change] = changesBetween(old, after);
    expect(change).toMatchObject({ assessment: 'unknown', reasons: [] });
    expect(change ? changeText(change) : '').toMatch(/A renewal does that; so does someone posing/);
  });
});
