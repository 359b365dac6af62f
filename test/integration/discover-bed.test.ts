/**
 * Autodiscovery against a local DNS server (SRV records), a local HTTPS server (autoconfig) and
 * the bed's real servers as the targets: candidates are found, probed, ranked (reachable,
 * TLS from the first byte, verified, SRV before autoconfig before guesses), and every one is a
 * suggestion to confirm.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  discoverAccount,
  rankCandidates,
  type DiscoveryCandidate,
} from '../../app/core/accounts/discover';
import type { LookupFunction } from '../../app/core/net/resolve';
import { findEndpoint, loadBed, type BedDescription } from '../bed/endpoints';
import { startDnsServer, type TestDnsServer } from '../support/dns-server';
import { startHttpsServer, type TestHttpsServer } from '../support/https-server';

let bed: BedDescription;
let rootCa: string;
beforeAll(() => {
  bed = loadBed();
  rootCa = readFileSync(bed.rootCaFile, 'utf8');
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

/** Every name under test.example on loopback; anything else does not resolve. */
const lookup: LookupFunction = (hostname, _options, callback) => {
  if (!/(^|\.)test\.example$/i.test(hostname)) {
    callback(
      Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }),
      [],
    );
    return;
  }
  callback(null, [{ address: '127.0.0.1', family: 4 }]);
};

async function dns(table: Parameters<typeof startDnsServer>[0]): Promise<TestDnsServer> {
  const s = await startDnsServer(table);
  closers.push(() => s.close());
  return s;
}

function port(id: string): number {
  return findEndpoint(bed, id).port;
}

function brief(c: DiscoveryCandidate | undefined): string {
  return c
    ? `${c.protocol} ${c.host}:${c.port} ${c.security} ${c.reachable ? 'reachable' : 'unreachable'}${c.verified ? ' verified' : ''}`
    : 'none';
}

describe('autodiscovery', () => {
  it('SRV records (RFC 6186, 8314, XEP-0368): found, probed on the bed, implicit TLS first', async () => {
    const server = await dns({
      srv: {
        '_imaps._tcp.test.example': [
          { target: 'mail.test.example', port: port('dovecot-imap-implicit-good') },
        ],
        '_imap._tcp.test.example': [
          { target: 'mail.test.example', port: port('dovecot-imap-starttls-good') },
        ],
        '_submission._tcp.test.example': [
          { target: 'mail.test.example', port: port('postfix-submission-starttls-good') },
        ],
        // "." says: not offered here.
        '_submissions._tcp.test.example': [{ target: '.', port: 0 }],
        '_xmpp-client._tcp.test.example': [
          { target: 'mail.test.example', port: port('prosody-xmpp-starttls-good') },
        ],
      },
    });
    const d = await discoverAccount('alice@test.example', {
      dnsServers: [`127.0.0.1:${server.port}`],
      lookup,
      extraCa: [rootCa],
      autoconfigPort: 1, // nothing listens: no autoconfig
    });
    expect(d.domain).toBe('test.example');
    expect(d.incoming.map(brief)).toEqual([
      `imap mail.test.example:${port('dovecot-imap-implicit-good')} implicit reachable verified`,
      `imap mail.test.example:${port('dovecot-imap-starttls-good')} starttls reachable verified`,
    ]);
    expect(d.outgoing.map(brief)).toEqual([
      `submission mail.test.example:${port('postfix-submission-starttls-good')} starttls reachable verified`,
    ]);
    expect(d.chat.map(brief)).toEqual([
      `xmpp mail.test.example:${port('prosody-xmpp-starttls-good')} starttls reachable verified`,
    ]);
    expect(d.chat[0]?.xmppDomain).toBe('test.example');
    const all = [...d.incoming, ...d.outgoing, ...d.chat];
    expect(all.every((c) => c.needsConfirmation)).toBe(true);
    expect(
      all.every((c) => c.sources.every((s) => s.kind === 'srv' && s.dnssec === 'not-validated')),
    ).toBe(true);
    // The DNS server learns the domain, never the user's name.
    expect(server.questions.some((q) => q.includes('alice'))).toBe(false);
  });

  it('autoconfig over verified HTTPS, when there are no SRV records; plain entries are never offered', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="test.example">
    <domain>test.example</domain>
    <incomingServer type="imap">
      <hostname>mail.test.example</hostname><port>${port('dovecot-imap-implicit-good')}</port>
      <socketType>SSL</socketType><username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>mail.test.example</hostname><port>110</port><socketType>plain</socketType>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>mail.test.example</hostname><port>${port('postfix-submission-implicit-good')}</port>
      <socketType>SSL</socketType><authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>`;
    const https: TestHttpsServer = await startHttpsServer(
      ['autoconfig.test.example', 'test.example'],
      {
        '/mail/config-v1.1.xml': (_req, res) => {
          res.setHeader('content-type', 'text/xml');
          res.end(xml);
        },
      },
    );
    closers.push(() => https.close());
    const server = await dns({});
    const d = await discoverAccount('alice@test.example', {
      dnsServers: [`127.0.0.1:${server.port}`],
      lookup,
      extraCa: [rootCa, https.ca],
      autoconfigPort: https.port,
      roles: ['incoming', 'outgoing'],
    });
    expect(d.looked.autoconfig).toBe('https://autoconfig.test.example/mail/config-v1.1.xml');
    expect(d.incoming.map(brief)).toEqual([
      `imap mail.test.example:${port('dovecot-imap-implicit-good')} implicit reachable verified`,
    ]);
    expect(d.outgoing.map(brief)).toEqual([
      `submission mail.test.example:${port('postfix-submission-implicit-good')} implicit reachable verified`,
    ]);
    expect(d.incoming[0]?.sources).toEqual([
      { kind: 'autoconfig', url: 'https://autoconfig.test.example/mail/config-v1.1.xml' },
    ]);
    // The address went only to the HTTPS server, as Thunderbird sends it.
    expect(https.requests).toEqual([
      `autoconfig.test.example:${https.port} /mail/config-v1.1.xml?emailaddress=alice%40test.example`,
    ]);
  });

  it('an autoconfig server whose certificate does not verify is not used', async () => {
    const https = await startHttpsServer(['autoconfig.test.example'], {
      '/mail/config-v1.1.xml': (_req, res) => res.end('<clientConfig/>'),
    });
    closers.push(() => https.close());
    const server = await dns({});
    const d = await discoverAccount('alice@test.example', {
      dnsServers: [`127.0.0.1:${server.port}`],
      lookup,
      extraCa: [rootCa], // not the HTTPS server's
      autoconfigPort: https.port,
      roles: ['incoming'],
      probeTimeoutMs: 2_000,
    });
    expect(d.looked.autoconfig).toBeNull();
    // Nothing found: the usual names, on the standard ports, none reachable here.
    expect(d.incoming.length).toBeGreaterThan(0);
    expect(d.incoming.every((c) => c.sources[0]?.kind === 'guess' && !c.reachable)).toBe(true);
  });

  it('ranking: reachable, then implicit TLS, then verified, then the source', () => {
    const base = {
      role: 'incoming',
      protocol: 'imap',
      host: 'h',
      needsConfirmation: true,
      probeStatus: 'success',
    } as const;
    const c = (over: Partial<DiscoveryCandidate>): DiscoveryCandidate => ({
      ...base,
      port: 1,
      security: 'starttls',
      sources: [{ kind: 'guess' }],
      reachable: true,
      verified: true,
      ...over,
    });
    const ranked = rankCandidates([
      c({ port: 1, reachable: false, security: 'implicit' }),
      c({ port: 2 }),
      c({ port: 3, security: 'implicit', verified: false }),
      c({ port: 4, security: 'implicit' }),
      c({
        port: 5,
        security: 'implicit',
        sources: [{ kind: 'srv', name: 'x', priority: 5, weight: 0, dnssec: 'not-validated' }],
      }),
    ]);
    expect(ranked.map((x) => x.port)).toEqual([5, 4, 3, 2, 1]);
  });

  it('refuses a string that is not an address', async () => {
    await expect(discoverAccount('not-an-address')).rejects.toThrow(/not an address/);
  });
});
