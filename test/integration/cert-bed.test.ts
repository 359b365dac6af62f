/**
 * Certificate analysis against the real bed: every endpoint with a certificate case (Dovecot,
 * Postfix, Prosody) is probed, and analyzeChain + certificateFindings must give exactly the
 * expected certificate findings, and no others (cert.revocation-not-checked aside: the bed
 * staples nothing). The bed's root is passed as an extra root, i.e. trusted knowingly.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeChain, defaultTrustStores } from '../../app/core/cert';
import { certificateFindings } from '../../app/core/findings/rules-certificate';
import type { FindingId } from '../../app/core/findings/types';
import { probeEndpoint } from '../../app/core/probe';
import {
  bedLookup,
  loadBed,
  targetOf,
  type BedDescription,
  type BedEndpoint,
  type CertCase,
} from '../bed/endpoints';

const EXPECTED: Readonly<Record<CertCase, readonly FindingId[]>> = {
  good: [],
  expired: ['cert.expired'],
  'not-yet-valid': ['cert.not-yet-valid'],
  'self-signed': ['cert.self-signed'],
  'wrong-host': ['cert.name-mismatch'],
  rsa1024: ['cert.weak-key'],
  sha1: ['cert.weak-signature'],
  'no-intermediate': ['cert.missing-intermediate'],
};

let bed: BedDescription;
let rootCa: string;

beforeAll(() => {
  bed = loadBed();
  rootCa = readFileSync(bed.rootCaFile, 'utf8');
});

const lookup = bedLookup;

/**
 * Endpoints with a certificate case that a modern client can reach: the TLS 1.0/1.1-only servers
 * (maxTls note) never complete a handshake with Node's defaults, so they present no chain.
 */
function certEndpoints(): BedEndpoint[] {
  return loadBed().endpoints.filter(
    (e) =>
      e.certCase !== null &&
      e.security !== 'none' &&
      (e.notes?.maxTls === undefined || /^TLSv1\.[23]$/.test(e.notes.maxTls)),
  );
}

describe('certificate findings on every certificate case of the bed', () => {
  it('covers every case, on every server', () => {
    const cases = new Set(certEndpoints().map((e) => e.certCase));
    expect([...cases].sort()).toEqual(Object.keys(EXPECTED).sort());
    const servers = new Set(certEndpoints().map((e) => e.server));
    expect([...servers].sort()).toEqual(['dovecot', 'postfix', 'prosody']);
  });

  it.each(certEndpoints().map((e) => [e.id, e] as const))(
    '%s gives exactly its expected findings',
    async (_id, e) => {
      const facts = await probeEndpoint(targetOf(e), {
        lookup,
        extraCa: [rootCa],
        version: '0.0.0-test',
      });
      const address = facts.addresses[0];
      const tlsFacts = address?.tls;
      expect(tlsFacts, `no TLS facts for ${e.id}: ${JSON.stringify(address?.error)}`).toBeTruthy();
      if (!tlsFacts || !address) return;
      const service = e.protocol === 'xmpp' ? 'xmpp' : 'mail';
      const analysis = analyzeChain({
        peerChain: tlsFacts.peerChain,
        chainSource: tlsFacts.chainSource,
        referenceName: service === 'xmpp' ? (e.xmppDomain ?? e.serverName) : e.serverName,
        service,
        ocspResponse: tlsFacts.ocsp.response,
        now: new Date(),
        trust: defaultTrustStores([rootCa]),
      });
      const findings = certificateFindings(analysis, {
        host: e.serverName,
        port: e.port,
        protocol: e.protocol,
        security: e.security,
      });
      const ids = findings.map((f) => f.id).filter((id) => id !== 'cert.revocation-not-checked');
      expect(ids.sort()).toEqual([...(e.certCase ? EXPECTED[e.certCase] : [])].sort());
      expect(findings.map((f) => f.id)).toContain('cert.revocation-not-checked');
      if (e.certCase === 'good') {
        expect(analysis.path?.anchor).toBe('extra');
        expect(analysis.identity?.matches).toBe(true);
      }
      if (e.certCase === 'no-intermediate') {
        const f = findings.find((x) => x.id === 'cert.missing-intermediate');
        expect(f?.evidence).toMatchObject({ missingIssuer: 'O=Sealcheck Test, CN=Sealcheck Test Intermediate CA' }); // prettier-ignore
      }
    },
  );
});
