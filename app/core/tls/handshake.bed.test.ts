/**
 * The TLS handshake against the real test bed (Dovecot): a good chain verifies with the bed's
 * root as an extra trust anchor, an expired one is reported as data and never verified.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findEndpoint, loadBed } from '../../../test/bed/endpoints';
import { isProbeError } from '../net/errors';
import { connect, connectTls } from '../net/tcp-connection';

describe('TLS handshake against the bed', () => {
  const bed = loadBed();
  const extraCa = [readFileSync(bed.rootCaFile, 'utf8')];

  it('implicit TLS to a good Dovecot endpoint verifies the identity', async () => {
    const ep = findEndpoint(bed, 'dovecot-imap-implicit-good');
    const { connection, upgrade } = await connectTls({
      address: ep.host,
      port: ep.port,
      tls: { serverName: ep.serverName, extraCa },
    });
    try {
      expect(connection.isTls).toBe(true);
      expect(connection.identityVerified).toBe(true);
      expect(upgrade.tls.version).toBe('TLSv1.3');
      expect(upgrade.tls.peerChain.length).toBeGreaterThanOrEqual(2);
      expect(upgrade.tls.sniSent).toBe('mail.test.example');
      expect(upgrade.tls.verification).toEqual({
        chainTrusted: true,
        chainError: null,
        nameChecked: 'mail.test.example',
        nameMatches: true,
      });
      expect(upgrade.tls.keyExchange?.type).toBe('ECDH');
      const greeting = await connection.readLine('greeting');
      expect(greeting).toMatch(/^\* OK/);
      expect(connection.transcript.some((e) => e.tls && e.dir === 'received')).toBe(true);
    } finally {
      await connection.close();
    }
  });

  it('implicit TLS to an expired certificate completes, but is not verified', async () => {
    const ep = findEndpoint(bed, 'dovecot-imap-implicit-expired');
    const { connection, upgrade } = await connectTls({
      address: ep.host,
      port: ep.port,
      tls: { serverName: ep.serverName, extraCa },
    });
    try {
      expect(upgrade.tls.verification.chainTrusted).toBe(false);
      expect(upgrade.tls.verification.chainError).toBe('CERT_HAS_EXPIRED');
      expect(upgrade.tls.verification.nameMatches).toBe(true);
      expect(connection.identityVerified).toBe(false);
      await expect(
        connection.writeSecret('login', 'A1 LOGIN u secret\r\n', 'A1 LOGIN u <password>'),
      ).rejects.toMatchObject({ fact: { kind: 'unsafe', step: 'login' } });
    } finally {
      await connection.close();
    }
  });

  it('a TLS 1.1-only server: refused by default, measured with minVersion TLSv1, never verified', async () => {
    const ep = findEndpoint(bed, 'dovecot-imap-implicit-tls11-only');
    const f = await connectTls({
      address: ep.host,
      port: ep.port,
      tls: { serverName: ep.serverName, extraCa },
    }).then(
      () => null,
      (err: unknown) => (isProbeError(err) ? err.fact : null),
    );
    expect(f?.step).toBe('handshake');
    expect(['tls', 'reset']).toContain(f?.kind);
    const { connection, upgrade } = await connectTls({
      address: ep.host,
      port: ep.port,
      tls: { serverName: ep.serverName, extraCa, minVersion: 'TLSv1' },
    });
    try {
      expect(upgrade.tls.version).toBe('TLSv1.1');
      expect(connection.identityVerified).toBe(false);
    } finally {
      await connection.close();
    }
  });

  it('weak keys and missing intermediates are data: the chain is not trusted', async () => {
    for (const id of ['dovecot-imap-implicit-rsa1024', 'dovecot-imap-implicit-no-intermediate']) {
      const ep = findEndpoint(bed, id);
      const { connection, upgrade } = await connectTls({
        address: ep.host,
        port: ep.port,
        tls: { serverName: ep.serverName, extraCa },
      });
      await connection.close();
      expect(upgrade.tls.verification.chainTrusted).toBe(false);
      expect(upgrade.tls.verification.chainError).toBeTruthy();
      expect(connection.identityVerified).toBe(false);
    }
  });

  it('XMPP direct TLS on Prosody negotiates ALPN xmpp-client and verifies the domain', async () => {
    const ep = findEndpoint(bed, 'prosody-xmpp-implicit-good');
    const { connection, upgrade } = await connectTls({
      address: ep.host,
      port: ep.port,
      tls: { serverName: ep.xmppDomain ?? ep.serverName, extraCa, alpn: ['xmpp-client'] },
    });
    await connection.close();
    expect(upgrade.tls.alpn).toBe('xmpp-client');
    expect(connection.identityVerified).toBe(true);
  });

  it('STARTTLS on Dovecot IMAP upgrades the same connection', async () => {
    const ep = bed.endpoints.find(
      (e) =>
        e.server === 'dovecot' &&
        e.protocol === 'imap' &&
        e.security === 'starttls' &&
        e.certCase === 'good',
    );
    if (!ep)
      throw new Error('the bed has no Dovecot IMAP STARTTLS endpoint with a good certificate');
    const conn = await connect({ address: ep.host, port: ep.port });
    try {
      expect(await conn.readLine('greeting')).toMatch(/^\* OK/);
      await conn.write('starttls', 'A1 STARTTLS\r\n');
      let line = await conn.readLine('starttls');
      while (!line.startsWith('A1 ')) line = await conn.readLine('starttls');
      expect(line).toMatch(/^A1 OK/);
      const upgrade = await conn.startTls({ serverName: ep.serverName, extraCa });
      expect(upgrade.plaintextAfterGoAhead.length).toBe(0);
      expect(conn.identityVerified).toBe(true);
      await conn.write('capabilities-after-tls', 'A2 CAPABILITY\r\n');
      line = await conn.readLine('capabilities-after-tls');
      expect(line).toMatch(/^\* CAPABILITY /);
      expect(line).not.toMatch(/STARTTLS/);
    } finally {
      await conn.close();
    }
  });
});
