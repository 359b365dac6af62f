/**
 * Comparing two checks of the same server made from two places. The first reaches the bed's
 * Dovecot directly; the second goes, for the same name and port, to a server that re-encrypts
 * with its own authority (trusted on that computer only), as antivirus or a company proxy would.
 * The bed's root stands in for a public authority.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTrustStores, type TrustStores } from '../../app/core/cert';
import { judgeEndpoint, type Judgement } from '../../app/core/findings/judge';
import type { ConnectToRule } from '../../app/core/net/resolve';
import { probeEndpoint } from '../../app/core/probe';
import { compareReports } from '../../app/core/report/compare';
import type { OpenedReport } from '../../app/core/report/open';
import { startDialogServer, type HostileServer } from '../hostile/servers';
import { hostileCert } from '../hostile/tls-servers';
import { bedLookup, findEndpoint, loadBed, targetOf, type BedDescription } from '../bed/endpoints';

let bed: BedDescription;
let rootCa = '';
let interceptor: HostileServer;
let interceptorRoot = '';

beforeAll(async () => {
  bed = loadBed();
  rootCa = readFileSync(bed.rootCaFile, 'utf8');
  interceptor = await startDialogServer('imap', { implicit: true });
  interceptorRoot = (await hostileCert()).cert;
});
afterAll(async () => {
  await interceptor.close();
});

const home = (): TrustStores => ({ ...defaultTrustStores(), publicRoots: [rootCa] });
const office = (): TrustStores => ({ ...home(), extraRoots: [interceptorRoot] });

async function checked(
  trust: TrustStores,
  connectTo: readonly ConnectToRule[] = [],
): Promise<Judgement> {
  const target = targetOf(findEndpoint(bed, 'dovecot-imap-implicit-good'));
  const facts = await probeEndpoint(target, {
    lookup: bedLookup,
    extraCa: [rootCa, interceptorRoot],
    scan: 'off',
    connectTo,
  });
  return judgeEndpoint(facts, { trust });
}

const report = (...judgements: Judgement[]) => ({ judgements }) as unknown as OpenedReport;

describe('compareReports', () => {
  it('the same server from both places: the same certificate, chain and encryption', async () => {
    const c = compareReports(report(await checked(home())), report(await checked(home())));
    expect(c.same).toBe(true);
    expect(c.endpoints[0]?.kind).toBe('same');
  });

  it('a certificate only the second computer trusts: re-encryption on that side', async () => {
    const target = targetOf(findEndpoint(bed, 'dovecot-imap-implicit-good'));
    const viaInterceptor: ConnectToRule[] = [
      { host: target.host, port: target.port, toHost: '127.0.0.1', toPort: interceptor.port },
    ];
    const c = compareReports(
      report(await checked(home())),
      report(await checked(office(), viaInterceptor)),
    );
    expect(c.same).toBe(false);
    expect(c.endpoints[0]?.kind).toBe('interception-on-second');
    expect(c.endpoints[0]?.sentence).toMatch(
      /only that computer trusts\. Something on that computer or its network re-encrypts/,
    );
    // The other way round names the first.
    const back = compareReports(
      report(await checked(office(), viaInterceptor)),
      report(await checked(home())),
    );
    expect(back.endpoints[0]?.kind).toBe('interception-on-first');
  });

  it('servers in only one report are named', async () => {
    const c = compareReports(report(await checked(home())), report());
    expect(c.endpoints).toEqual([]);
    expect(c.onlyInFirst).toHaveLength(1);
    expect(c.same).toBe(false);
  });
});
