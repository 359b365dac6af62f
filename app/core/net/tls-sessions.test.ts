/** The session cache's rules without sockets (the handshakes are in tcp-connection.tls.test.ts). */
import { describe, expect, it } from 'vitest';
import { tls } from '../findings/test-fixtures';
import { resumedFacts, sessionKey, TlsSessionCache } from './tls-sessions';

const SESSION = Buffer.from('session');
const tls12 = tls({ version: 'TLSv1.2' });

describe('TlsSessionCache', () => {
  it('keeps only sessions of full TLS 1.2 handshakes', () => {
    const cache = new TlsSessionCache();
    cache.keep('a', SESSION, tls({ version: 'TLSv1.3' }), null);
    cache.keep('b', SESSION, tls({ version: 'TLSv1.2', resumed: true }), null);
    cache.keep('c', Buffer.alloc(0), tls12, null);
    expect(cache.size).toBe(0);
    cache.keep('d', SESSION, tls12, 'AA:BB');
    expect(cache.find('d')).toMatchObject({ parent: tls12, leafSha256: 'AA:BB' });
  });

  it('forgets a session after its lifetime, counted from the full handshake', () => {
    let now = 0;
    const cache = new TlsSessionCache({ lifetimeMs: 1000, clock: () => now });
    cache.keep('k', SESSION, tls12, null);
    now = 900;
    const kept = cache.find('k');
    expect(kept).not.toBeNull();
    if (kept) cache.renew('k', Buffer.from('newer'), kept);
    now = 1001;
    expect(cache.find('k')).toBeNull();
    expect(cache.size).toBe(0);
  });

  it('holds at most its maximum, dropping the oldest', () => {
    const cache = new TlsSessionCache({ max: 2 });
    for (const k of ['1', '2', '3']) cache.keep(k, SESSION, tls12, null);
    expect(cache.size).toBe(2);
    expect(cache.find('1')).toBeNull();
    expect(cache.find('3')).not.toBeNull();
  });
});

describe('sessionKey', () => {
  const base = { serverName: 'mail.example.org', extraCa: ['PEM A'] } as const;
  const key = sessionKey('127.0.0.1', 143, base);

  it('is the same for the same server, name (any case) and trust anchors (by content)', () => {
    expect(sessionKey('127.0.0.1', 143, { ...base, serverName: 'MAIL.example.org' })).toBe(key);
    expect(sessionKey('127.0.0.1', 143, { ...base, extraCa: ['PEM A'] })).toBe(key);
    // Only the server's answer depends on these: an accepted exception, OCSP.
    expect(sessionKey('127.0.0.1', 143, { ...base, pinnedSha256: ['AA'], requestOcsp: true })).toBe(
      key,
    );
  });

  it('differs for another address, port, name, trust, version range or ALPN', () => {
    const others = [
      sessionKey('127.0.0.2', 143, base),
      sessionKey('127.0.0.1', 993, base),
      sessionKey('127.0.0.1', 143, { ...base, serverName: 'other.example.org' }),
      sessionKey('127.0.0.1', 143, { ...base, serverName: null }),
      sessionKey('127.0.0.1', 143, { ...base, extraCa: ['PEM B'] }),
      sessionKey('127.0.0.1', 143, { serverName: base.serverName }),
      sessionKey('127.0.0.1', 143, { ...base, maxVersion: 'TLSv1.2' }),
      sessionKey('127.0.0.1', 143, { ...base, alpn: ['imap'] }),
    ];
    expect(new Set([key, ...others]).size).toBe(others.length + 1);
  });
});

describe('resumedFacts', () => {
  it('takes the certificate facts from the parent and the negotiation from now', () => {
    const parent = tls({ version: 'TLSv1.2', ocsp: { requested: true, response: 'OCSP' } });
    const now = tls({
      version: 'TLSv1.2',
      resumed: true,
      peerChain: [],
      ocsp: { requested: false, response: null },
      verification: { chainTrusted: false, chainError: null, nameChecked: 'x', nameMatches: false },
      handshakeMs: 1,
    });
    expect(resumedFacts(now, parent)).toEqual({
      ...now,
      resumed: true,
      peerChain: parent.peerChain,
      ocsp: { requested: false, response: 'OCSP' },
      verification: parent.verification,
    });
  });
});
