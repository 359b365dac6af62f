/**
 * The bed's Prosody endpoints behave as published: STARTTLS required or optional, direct TLS
 * (XEP-0368) with ALPN and SNI, the test user logs in over verified TLS, and the
 * broken-certificate instances fail verification for the reason their case names.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { BedEndpoint, CertCase } from '../bed/endpoints';
import { findEndpoint, loadBed } from '../bed/endpoints';
import { child, NS, saslMechanisms, XmppConnection } from './support/xmpp';

const bed = loadBed();
const ca = readFileSync(bed.rootCaFile);
const prosody = bed.endpoints.filter((e) => e.server === 'prosody');
const localPart = bed.user.xmppAddress.split('@')[0] ?? bed.user.name;

/** What node's verification says for each broken case (authorizationError). */
const EXPECTED_ERROR: Readonly<Record<Exclude<CertCase, 'good'>, string>> = {
  expired: 'CERT_HAS_EXPIRED',
  'not-yet-valid': 'CERT_NOT_YET_VALID',
  'self-signed': 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'wrong-host': 'ERR_TLS_CERT_ALTNAME_INVALID',
  'no-intermediate': 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  // Old algorithms fail at the client's default security level or not at all; not asserted here.
  rsa1024: '',
  sha1: '',
};

const open: XmppConnection[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

function domainOf(ep: BedEndpoint): string {
  if (!ep.xmppDomain) throw new Error(`${ep.id} has no xmppDomain`);
  return ep.xmppDomain;
}

async function plain(ep: BedEndpoint): Promise<XmppConnection> {
  const conn = await XmppConnection.connectPlain(ep.host, ep.port);
  open.push(conn);
  return conn;
}

describe('prosody in the bed', () => {
  it('publishes the XMPP endpoints', () => {
    const ids = prosody.map((e) => e.id);
    expect(ids).toEqual(
      expect.arrayContaining(['prosody-xmpp-starttls-good', 'prosody-xmpp-implicit-good']),
    );
    expect(prosody.some((e) => e.certCase !== 'good' && e.certCase !== null)).toBe(true);
    for (const ep of prosody) {
      expect(ep.protocol).toBe('xmpp');
      expect(ep.host).toMatch(/^127\./);
      expect(ep.xmppDomain).toBe(bed.user.xmppAddress.split('@')[1]);
    }
  });

  it('STARTTLS required: no SASL before TLS, verified TLS, then PLAIN login and bind', async () => {
    const ep = findEndpoint(bed, 'prosody-xmpp-starttls-good');
    expect(ep.starttls).toBe('required');
    const conn = await plain(ep);
    const domain = domainOf(ep);

    const { header, features } = await conn.openStream(domain);
    expect(header.attrs.from).toBe(domain);
    expect(header.attrs.version).toBe('1.0');
    const starttls = child(features, 'starttls', NS.tls);
    expect(starttls, 'STARTTLS offered').toBeDefined();
    expect(
      starttls && child(starttls, 'required', NS.tls),
      'STARTTLS marked required',
    ).toBeDefined();
    expect(saslMechanisms(features), 'no login offered before TLS').toEqual([]);

    const tls = await conn.startTls({ servername: ep.serverName, ca });
    expect(tls.authorizationError).toBeUndefined();
    expect(tls.authorized).toBe(true);
    expect(tls.protocol).toMatch(/^TLSv1\.[23]$/);
    const cert = tls.socket.getPeerCertificate();
    expect(cert.subjectaltname).toContain(`DNS:${domain}`);

    const after = await conn.openStream(domain);
    expect(child(after.features, 'starttls', NS.tls), 'no STARTTLS inside TLS').toBeUndefined();
    const mechs = saslMechanisms(after.features);
    expect(mechs).toEqual(expect.arrayContaining(['PLAIN', 'SCRAM-SHA-1']));

    const result = await conn.authPlain(localPart, bed.user.password);
    expect(result.name).toBe('success');
    expect(result.ns).toBe(NS.sasl);
    const jid = await conn.bind(domain, 'sealcheck-test');
    expect(jid).toBe(`${bed.user.xmppAddress}/sealcheck-test`);
  });

  it('rejects a wrong password over verified TLS', async () => {
    const ep = findEndpoint(bed, 'prosody-xmpp-starttls-good');
    const conn = await plain(ep);
    await conn.openStream(domainOf(ep));
    const tls = await conn.startTls({ servername: ep.serverName, ca });
    expect(tls.authorized).toBe(true);
    await conn.openStream(domainOf(ep));
    const result = await conn.authPlain(localPart, `${bed.user.password}-wrong`);
    expect(result.name).toBe('failure');
    expect(child(result, 'not-authorized', NS.sasl)).toBeDefined();
  });

  it('direct TLS (XEP-0368): SNI and ALPN xmpp-client, verified, SCRAM-SHA-1 login', async () => {
    const ep = findEndpoint(bed, 'prosody-xmpp-implicit-good');
    expect(ep.security).toBe('implicit');
    const domain = domainOf(ep);
    const { conn, tls } = await XmppConnection.connectTls({
      host: ep.host,
      port: ep.port,
      servername: ep.serverName,
      ALPNProtocols: ['xmpp-client'],
      ca,
    });
    open.push(conn);
    expect(tls.authorizationError).toBeUndefined();
    expect(tls.authorized).toBe(true);
    expect(tls.alpnProtocol).toBe('xmpp-client');

    const { features } = await conn.openStream(domain);
    expect(child(features, 'starttls', NS.tls)).toBeUndefined();
    expect(saslMechanisms(features)).toEqual(expect.arrayContaining(['PLAIN', 'SCRAM-SHA-1']));
    const result = await conn.authScramSha1(localPart, bed.user.password);
    expect(result.name).toBe('success');
  });

  it('STARTTLS optional: offered but not required, and SCRAM login works without TLS', async () => {
    const ep = prosody.find((e) => e.security === 'starttls' && e.starttls === 'optional');
    if (!ep) throw new Error('no optional-STARTTLS Prosody endpoint in the bed');
    const conn = await plain(ep);
    const { features } = await conn.openStream(domainOf(ep));
    const starttls = child(features, 'starttls', NS.tls);
    expect(starttls).toBeDefined();
    expect(starttls && child(starttls, 'required', NS.tls)).toBeUndefined();
    // Prosody keeps PLAIN off unencrypted streams, but a password login is still possible.
    const mechs = saslMechanisms(features);
    expect(mechs).toContain('SCRAM-SHA-1');
    expect(mechs).not.toContain('PLAIN');
    const result = await conn.authScramSha1(localPart, bed.user.password);
    expect(result.name).toBe('success');
  });

  const broken = prosody.filter(
    (e) => e.certCase !== null && EXPECTED_ERROR[e.certCase as Exclude<CertCase, 'good'>],
  );
  it.each(broken.map((e) => [e.id, e] as const))(
    '%s fails verification for its certificate case',
    async (_id, ep) => {
      const expected = EXPECTED_ERROR[ep.certCase as Exclude<CertCase, 'good'>];
      const options = { servername: ep.serverName, ca, ALPNProtocols: ['xmpp-client'] };
      let tls;
      if (ep.security === 'implicit') {
        const r = await XmppConnection.connectTls({ ...options, host: ep.host, port: ep.port });
        open.push(r.conn);
        tls = r.tls;
      } else {
        const conn = await plain(ep);
        const { features } = await conn.openStream(domainOf(ep));
        expect(child(features, 'starttls', NS.tls)).toBeDefined();
        tls = await conn.startTls(options);
      }
      expect(tls.authorized).toBe(false);
      expect(tls.authorizationError).toBe(expected);
    },
  );
});
