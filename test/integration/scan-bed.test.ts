/**
 * The TLS scan through the probe engine against every TLS endpoint of the real bed: implicit
 * TLS and STARTTLS on all four protocols (Dovecot IMAP/POP3, Postfix SMTP/submission, Prosody
 * XMPP), each scan connection doing its protocol's STARTTLS dialog first.
 *
 * What each endpoint accepts comes from how the bed configures it, not from the scanner:
 * - Dovecot and Prosody: TLS 1.2 and 1.3 only, no weak suites, no static RSA (Dovecot's and
 *   Prosody's default cipher lists exclude kRSA);
 * - Postfix: its defaults accept TLS 1.0–1.3 and anonymous (EC)DH suites; only the RSA-keyed
 *   endpoint (rsa1024) can use static RSA;
 * - the *-tls11-only endpoints: TLS 1.0 and 1.1 only.
 * The testssl.sh cross-check (test/crosscheck) confirms these independently.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ScannedVersion } from '../../app/core/facts/scan';
import { probeEndpoint } from '../../app/core/probe';
import {
  bedLookup,
  loadBed,
  targetOf,
  type BedDescription,
  type BedEndpoint,
} from '../bed/endpoints';

let bed: BedDescription;
let rootCa: string;
beforeAll(() => {
  bed = loadBed();
  rootCa = readFileSync(bed.rootCaFile, 'utf8');
});

const lookup = bedLookup;

function expectedVersions(e: BedEndpoint): ScannedVersion[] {
  if (e.id.endsWith('tls11-only')) return ['TLSv1', 'TLSv1.1'];
  if (e.server === 'postfix') return ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
  return ['TLSv1.2', 'TLSv1.3'];
}

/** The bed's TLS endpoints (plaintext-only ones have nothing to scan). */
function tlsEndpoints(): BedEndpoint[] {
  return loadBed().endpoints.filter((e) => e.security !== 'none');
}

describe('the TLS scan on every TLS endpoint of the bed', () => {
  it('covers implicit TLS and STARTTLS on all four protocols', () => {
    const kinds = new Set(tlsEndpoints().map((e) => `${e.protocol}/${e.security}`));
    for (const k of [
      'imap/implicit',
      'imap/starttls',
      'pop3/implicit',
      'pop3/starttls',
      'submission/implicit',
      'submission/starttls',
      'smtp/starttls',
      'xmpp/implicit',
      'xmpp/starttls',
    ]) {
      expect(kinds, k).toContain(k);
    }
  });

  it.each(tlsEndpoints().map((e) => [e.id, e] as const))('%s', async (_id, e) => {
    const facts = await probeEndpoint(targetOf(e), {
      lookup,
      extraCa: [rootCa],
      injectionTest: false,
    });
    const a = facts.addresses[0];
    const scan = a?.scan;
    if (!a || !scan) throw new Error(`${e.id}: no scan facts: ${JSON.stringify(a?.error)}`);
    const summary = JSON.stringify(scan.handshakes);

    const accepted = Object.entries(scan.versions)
      .filter(([, v]) => v.accepted === true)
      .map(([k]) => k);
    expect(accepted, summary).toEqual(expectedVersions(e));
    // Every other version is refused, not unknown: the bed's servers answer every hello.
    for (const v of Object.values(scan.versions)) expect(v.accepted, summary).not.toBe('unknown');

    const postfix = e.server === 'postfix';
    expect(scan.weakFamilies, summary).toEqual({
      null: false,
      anonymous: postfix,
      export: false,
      des: false,
      rc4: false,
      '3des': false,
    });
    expect(scan.nonForwardSecretAccepted, summary).toBe(postfix && e.certCase === 'rsa1024');

    if (e.id.endsWith('tls11-only')) {
      expect(scan.modernClient).toBeNull();
    } else {
      expect(scan.modernClient, summary).toMatchObject({
        version: 'TLSv1.3',
        forwardSecrecy: true,
        postQuantum: false, // Debian 12's OpenSSL 3.0 has no ML-KEM
      });
    }

    // The chain exactly as sent: the intermediate unless the case leaves it out.
    const sent = scan.chainAsSent;
    expect(sent, summary).not.toBeNull();
    const alone = e.certCase === 'no-intermediate' || e.certCase === 'self-signed';
    expect(sent?.certificates.length).toBe(alone ? 1 : 2);
    if (a.tls) expect(sent?.certificates[0]).toBe(a.tls.peerChain[0]);

    // A handful of connections, few refused (log watchers such as fail2ban count those).
    expect(scan.connections).toBeLessThanOrEqual(15);
    expect(scan.refusedHandshakes).toBeLessThanOrEqual(5);
    expect(scan.error).toBeNull();
  });
});
