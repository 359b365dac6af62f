/**
 * Our ClientHello against the real bed's servers (Dovecot, Postfix) over a raw socket: the
 * ServerHello chooses a suite we offered, and for TLS 1.2 the Certificate message gives the chain
 * exactly as the server sends it.
 */
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { findEndpoint, loadBed } from '../../../../test/bed/endpoints';
import { buildClientHello } from './client-hello';
import type { ClientHelloOptions } from './client-hello';
import { exchangeHello } from './exchange';
import type { ExchangeOutcome } from './exchange';
import { wasOffered } from './server-hello';
import type { ServerFlight } from './server-hello';
import { suiteCodesWhere, suiteInfo } from './suites';

const bed = loadBed();

async function hello(id: string, options: ClientHelloOptions): Promise<ServerFlight> {
  const result = await outcome(id, options);
  if (result.kind !== 'flight') throw new Error(`${id}: ${JSON.stringify(result)}`);
  return result.flight;
}

async function outcome(id: string, options: ClientHelloOptions): Promise<ExchangeOutcome> {
  const ep = findEndpoint(bed, id);
  const socket = connect({ host: ep.host, port: ep.port });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return await exchangeHello(
      socket,
      buildClientHello({ serverName: ep.serverName, ...options }),
      { timeoutMs: 5_000, wantCertificates: true },
    );
  } finally {
    socket.destroy();
  }
}

const TLS13 = suiteCodesWhere((s) => s.tls13 && /^TLS_(AES|CHACHA20)/.test(s.name));
const MODERN12 = suiteCodesWhere(
  (s) => !s.tls13 && s.flags.forwardSecrecy && s.flags.aead && !s.flags.anonymous,
);
const LEGACY = suiteCodesWhere(
  (s) => !s.tls13 && s.flags.forwardSecrecy && s.cipher.startsWith('AES') && !s.flags.anonymous,
);
const ANON = suiteCodesWhere(
  (s) =>
    s.flags.anonymous && !s.flags.null && (s.keyExchange === 'DHE' || s.keyExchange === 'ECDHE'),
);

function subjects(certs: readonly Buffer[] | undefined): X509Certificate[] {
  return (certs ?? []).map((der) => new X509Certificate(der));
}

describe('raw ClientHello against the bed', () => {
  for (const id of ['dovecot-imap-implicit-good', 'postfix-submission-implicit-good']) {
    it(`${id}: TLS 1.3 ServerHello with an offered suite`, async () => {
      const f = await hello(id, { version: 'TLSv1.3', suites: TLS13 });
      expect(f).toMatchObject({ kind: 'server-hello', versionName: 'TLSv1.3', complete: true });
      if (f.kind === 'server-hello') {
        expect(wasOffered(TLS13, f.cipherSuite)).toBe(true);
        expect(f.selectedGroup).not.toBeNull();
      }
    });

    it(`${id}: TLS 1.2 ServerHello and the chain as sent (leaf + intermediate)`, async () => {
      const f = await hello(id, { version: 'TLSv1.2', suites: MODERN12 });
      expect(f).toMatchObject({ kind: 'server-hello', versionName: 'TLSv1.2', complete: true });
      if (f.kind !== 'server-hello') return;
      expect(wasOffered(MODERN12, f.cipherSuite)).toBe(true);
      expect(f.downgradeSentinel).toBe('tls12'); // the server speaks TLS 1.3 too
      const chain = subjects(f.certificates);
      expect(chain.length).toBe(2);
      expect(chain[0]?.checkHost('mail.test.example')).toBe('mail.test.example');
      expect(chain[0]?.checkIssued(chain[1] as X509Certificate)).toBe(true);
      expect(chain[1]?.ca).toBe(true);
    });
  }

  it('dovecot-imap-implicit-no-intermediate: the leaf alone is sent', async () => {
    const f = await hello('dovecot-imap-implicit-no-intermediate', {
      version: 'TLSv1.2',
      suites: MODERN12,
    });
    expect(f).toMatchObject({ kind: 'server-hello', complete: true });
    if (f.kind === 'server-hello') expect(subjects(f.certificates).length).toBe(1);
  });

  // The bed's certificates are ECDSA: an offer of RSA-only suites gets no ServerHello, and
  // Dovecot then closes without an alert (a fact the scan must report as "unknown", not as
  // "rejected"). The offers below therefore include ECDSA suites.
  it('dovecot-imap-implicit-tls11-only: accepts TLS 1.0 and 1.1 hellos, answers TLS 1.2 with 1.1', async () => {
    const id = 'dovecot-imap-implicit-tls11-only';
    for (const version of ['TLSv1', 'TLSv1.1'] as const) {
      const f = await hello(id, { version, suites: LEGACY });
      expect(f, version).toMatchObject({
        kind: 'server-hello',
        versionName: version,
        complete: true,
      });
      if (f.kind === 'server-hello') expect(wasOffered(LEGACY, f.cipherSuite)).toBe(true);
    }
    // A TLS 1.2 hello: the server negotiates down to its highest version.
    expect(await hello(id, { version: 'TLSv1.2', suites: LEGACY })).toMatchObject({
      kind: 'server-hello',
      versionName: 'TLSv1.1',
    });
    // A TLS 1.3-only hello: no ServerHello (this server closes without an alert).
    const only13 = await outcome(id, { version: 'TLSv1.3', suites: TLS13 });
    expect(only13.kind === 'flight' && only13.flight.kind === 'server-hello').toBe(false);
  });

  it('postfix-submission-implicit-good: accepts an anonymous-only offer (ADH/AECDH)', async () => {
    const f = await hello('postfix-submission-implicit-good', { version: 'TLSv1.2', suites: ANON });
    expect(f).toMatchObject({ kind: 'server-hello', complete: true });
    if (f.kind !== 'server-hello') return;
    expect(wasOffered(ANON, f.cipherSuite)).toBe(true);
    expect(suiteInfo(f.cipherSuite)?.flags.anonymous).toBe(true);
    expect(f.certificates).toBeUndefined(); // anonymous: no Certificate message
  });
});
