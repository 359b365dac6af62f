/**
 * The bed's Dovecot endpoints behave as described: real STARTTLS upgrades (node:tls over the
 * same TCP connection), implicit TLS, STARTTLS required vs optional as a remote client sees it
 * (through the PROXY-protocol relay), plaintext-only, every broken certificate case, TLS 1.0/1.1
 * only, and a test user who can log in.
 */
import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { findEndpoint, loadBed, type BedDescription, type BedEndpoint } from '../bed/endpoints';
import { ImapClient, LineClient, Pop3Client } from './support/mail-lines';

let bed: BedDescription;
let rootCa: string;
let intermediateCa: string;
const ep = (id: string): BedEndpoint => findEndpoint(bed, id);

beforeAll(() => {
  bed = loadBed();
  rootCa = readFileSync(bed.rootCaFile, 'utf8');
  intermediateCa = readFileSync(bed.intermediateCaFile, 'utf8');
});

/** TLS options for a client that trusts only the test root and checks mail.test.example. */
const verifying = (e: BedEndpoint) => ({ servername: e.serverName, ca: [rootCa] });
/** TLS options that complete any handshake, so the certificate can be inspected. */
const inspecting = (e: BedEndpoint) => ({
  servername: e.serverName,
  ca: [rootCa],
  rejectUnauthorized: false,
  ciphers: 'DEFAULT:@SECLEVEL=0',
});

async function imapPlain(e: BedEndpoint): Promise<ImapClient> {
  const c = new ImapClient(await LineClient.plain(e.host, e.port));
  await c.greeting();
  return c;
}

async function imapImplicit(e: BedEndpoint, tls: object): Promise<ImapClient> {
  const c = new ImapClient(await LineClient.implicit({ host: e.host, port: e.port, ...tls }));
  await c.greeting();
  return c;
}

async function pop3Plain(e: BedEndpoint): Promise<Pop3Client> {
  const c = new Pop3Client(await LineClient.plain(e.host, e.port));
  await c.greeting();
  return c;
}

async function pop3Implicit(e: BedEndpoint, tls: object): Promise<Pop3Client> {
  const c = new Pop3Client(await LineClient.implicit({ host: e.host, port: e.port, ...tls }));
  await c.greeting();
  return c;
}

describe('bed description', () => {
  it('publishes the Dovecot endpoints on loopback', () => {
    const dovecot = bed.endpoints.filter((e) => e.server === 'dovecot');
    expect(dovecot.length).toBeGreaterThanOrEqual(18);
    for (const e of dovecot) {
      expect(e.host).toMatch(/^127\./);
      expect(e.serverName).toBe('mail.test.example');
    }
    const certCases = new Set(dovecot.map((e) => e.certCase));
    for (const c of ['good', 'expired', 'not-yet-valid', 'self-signed', 'wrong-host', 'rsa1024']) {
      expect(certCases).toContain(c);
    }
    expect(certCases).toContain('sha1');
    expect(certCases).toContain('no-intermediate');
    // at least one broken certificate on POP3
    expect(dovecot.some((e) => e.protocol === 'pop3' && e.certCase && e.certCase !== 'good')).toBe(
      true,
    );
  });
});

describe('IMAP', () => {
  it('STARTTLS required: LOGINDISABLED before TLS, not after; verified upgrade; login', async () => {
    const e = ep('dovecot-imap-starttls-good');
    expect(e).toMatchObject({ security: 'starttls', starttls: 'required', certCase: 'good' });
    const c = await imapPlain(e);
    try {
      const before = await c.capabilities();
      expect(before).toContain('STARTTLS');
      expect(before).toContain('LOGINDISABLED');
      // As a remote client: no login in clear, even though we are on loopback (PROXY relay).
      expect((await c.login(bed.user.name, bed.user.password)).status).not.toBe('OK');

      const tls = await c.starttls(verifying(e));
      expect(tls.authorized).toBe(true);
      expect(tls.getPeerCertificate().subject?.CN).toBe('mail.test.example');
      const after = await c.capabilities();
      expect(after).not.toContain('LOGINDISABLED');
      expect(after).not.toContain('STARTTLS');
      expect((await c.login(bed.user.name, bed.user.password)).status).toBe('OK');
    } finally {
      c.lines.close();
    }
  });

  it('STARTTLS optional: login works in clear (the insecure behaviour is real), upgrade verifies', async () => {
    const e = ep('dovecot-imap-starttls-optional-good');
    expect(e).toMatchObject({ security: 'starttls', starttls: 'optional' });
    const c = await imapPlain(e);
    try {
      const before = await c.capabilities();
      expect(before).toContain('STARTTLS');
      expect(before).not.toContain('LOGINDISABLED');
      const tls = await c.starttls(verifying(e));
      expect(tls.authorized).toBe(true);
    } finally {
      c.lines.close();
    }
    const clear = await imapPlain(e);
    try {
      expect((await clear.login(bed.user.name, bed.user.password)).status).toBe('OK');
    } finally {
      clear.lines.close();
    }
  });

  it('plaintext only: no STARTTLS offered or accepted, login in clear', async () => {
    const e = ep('dovecot-imap-none');
    expect(e).toMatchObject({ security: 'none', starttls: 'not-offered', certCase: null });
    const c = await imapPlain(e);
    try {
      const caps = await c.capabilities();
      expect(caps).not.toContain('STARTTLS');
      expect(caps).not.toContain('LOGINDISABLED');
      expect((await c.command('STARTTLS')).status).not.toBe('OK');
      expect((await c.login(bed.user.name, bed.user.password)).status).toBe('OK');
    } finally {
      c.lines.close();
    }
  });

  it('implicit TLS with the good certificate: verified, login, wrong password refused', async () => {
    const e = ep('dovecot-imap-implicit-good');
    const c = await imapImplicit(e, verifying(e));
    try {
      expect(c.lines.tls?.authorized).toBe(true);
      const caps = await c.capabilities();
      expect(caps).not.toContain('STARTTLS');
      expect((await c.login(bed.user.name, 'not-the-password')).status).toBe('NO');
      expect((await c.login(bed.user.name, bed.user.password)).status).toBe('OK');
    } finally {
      c.lines.close();
    }
  });

  it('takes many connections at once with the normal greeting', async () => {
    const e = ep('dovecot-imap-starttls-good');
    const greetings = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const lines = await LineClient.plain(e.host, e.port);
        try {
          return await lines.readLine();
        } finally {
          lines.close();
        }
      }),
    );
    for (const g of greetings) expect(g).toMatch(/^\* OK \[CAPABILITY .*\] /);
  });
});

describe('POP3', () => {
  it('STLS required: no USER before TLS, verified upgrade, login after', async () => {
    const e = ep('dovecot-pop3-starttls-good');
    expect(e).toMatchObject({ security: 'starttls', starttls: 'required' });
    const c = await pop3Plain(e);
    try {
      const before = await c.capabilities();
      expect(before).toContain('STLS');
      expect(before).not.toContain('USER');
      expect((await c.login(bed.user.name, bed.user.password)).ok).toBe(false);
      const tls = await c.stls(verifying(e));
      expect(tls.authorized).toBe(true);
      const after = await c.capabilities();
      expect(after).toContain('USER');
      expect(after).not.toContain('STLS');
      expect((await c.login(bed.user.name, bed.user.password)).ok).toBe(true);
    } finally {
      c.lines.close();
    }
  });

  it('STLS optional: USER offered and login works in clear', async () => {
    const e = ep('dovecot-pop3-starttls-optional-good');
    expect(e.starttls).toBe('optional');
    const c = await pop3Plain(e);
    try {
      const caps = await c.capabilities();
      expect(caps).toContain('STLS');
      expect(caps).toContain('USER');
      expect((await c.login(bed.user.name, bed.user.password)).ok).toBe(true);
    } finally {
      c.lines.close();
    }
    const up = await pop3Plain(e);
    try {
      expect((await up.stls(verifying(e))).authorized).toBe(true);
    } finally {
      up.lines.close();
    }
  });

  it('plaintext only: no STLS', async () => {
    const c = await pop3Plain(ep('dovecot-pop3-none'));
    try {
      const caps = await c.capabilities();
      expect(caps).not.toContain('STLS');
      expect((await c.command('STLS')).ok).toBe(false);
      expect((await c.login(bed.user.name, bed.user.password)).ok).toBe(true);
    } finally {
      c.lines.close();
    }
  });

  it('implicit TLS with the good certificate: verified, login', async () => {
    const e = ep('dovecot-pop3-implicit-good');
    const c = await pop3Implicit(e, verifying(e));
    try {
      expect(c.lines.tls?.authorized).toBe(true);
      expect((await c.login(bed.user.name, bed.user.password)).ok).toBe(true);
    } finally {
      c.lines.close();
    }
  });

  it('STLS with the expired certificate: the handshake completes, the certificate is expired', async () => {
    const e = ep('dovecot-pop3-starttls-expired');
    expect(e).toMatchObject({ certCase: 'expired', starttls: 'required' });
    const c = await pop3Plain(e);
    try {
      const tls = await c.stls(inspecting(e));
      expect(tls.authorized).toBe(false);
      expect(String(tls.authorizationError)).toBe('CERT_HAS_EXPIRED');
    } finally {
      c.lines.close();
    }
  });

  it('implicit TLS with the self-signed certificate', async () => {
    const e = ep('dovecot-pop3-implicit-self-signed');
    const c = await pop3Implicit(e, inspecting(e));
    try {
      expect(String(c.lines.tls?.authorizationError)).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    } finally {
      c.lines.close();
    }
  });
});

describe('IMAP implicit TLS per certificate case', () => {
  /** Handshake with the given options; returns what the client saw. */
  async function handshake(id: string, extra: object = {}) {
    const e = ep(id);
    const c = await imapImplicit(e, { ...inspecting(e), ...extra });
    try {
      const tls = c.lines.tls;
      if (!tls) throw new Error('not TLS');
      const peer: PeerCertificate = tls.getPeerCertificate(true);
      return {
        authorized: tls.authorized,
        error: tls.authorizationError ? String(tls.authorizationError) : null,
        leaf: new X509Certificate(peer.raw),
        peer,
        protocol: tls.getProtocol(),
      };
    } finally {
      c.lines.close();
    }
  }

  it('expired', async () => {
    const r = await handshake('dovecot-imap-implicit-expired');
    expect(r.error).toBe('CERT_HAS_EXPIRED');
    expect(r.leaf.validToDate.getTime()).toBeLessThan(Date.now());
  });

  it('not yet valid', async () => {
    const r = await handshake('dovecot-imap-implicit-not-yet-valid');
    expect(r.error).toBe('CERT_NOT_YET_VALID');
    expect(r.leaf.validFromDate.getTime()).toBeGreaterThan(Date.now());
  });

  it('self-signed', async () => {
    const r = await handshake('dovecot-imap-implicit-self-signed');
    expect(r.error).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('wrong host: the chain verifies, the name does not', async () => {
    const r = await handshake('dovecot-imap-implicit-wrong-host');
    expect(r.authorized).toBe(false);
    expect(r.error).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(r.leaf.subjectAltName).toContain('DNS:other.test.example');
    expect(checkServerIdentity('mail.test.example', r.peer)).toBeInstanceOf(Error);
    // Without the name check, the chain itself is fine.
    const chainOnly = await handshake('dovecot-imap-implicit-wrong-host', {
      checkServerIdentity: () => undefined,
    });
    expect(chainOnly.authorized).toBe(true);
  });

  it('1024-bit RSA key', async () => {
    const r = await handshake('dovecot-imap-implicit-rsa1024');
    expect(r.leaf.publicKey.asymmetricKeyType).toBe('rsa');
    expect(r.leaf.publicKey.asymmetricKeyDetails?.modulusLength).toBe(1024);
    expect(r.protocol).toMatch(/^TLSv1\.[23]$/);
  });

  it('SHA-1 signature', async () => {
    const r = await handshake('dovecot-imap-implicit-sha1');
    expect(r.leaf.signatureAlgorithm).toMatch(/sha1/i);
    expect(r.protocol).toMatch(/^TLSv1\.[23]$/);
  });

  it('no intermediate: the server sends the leaf alone', async () => {
    const e = ep('dovecot-imap-implicit-no-intermediate');
    const r = await handshake(e.id);
    expect(r.authorized).toBe(false);
    expect(r.error).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    // With the intermediate supplied by the client, the same leaf verifies.
    const completed = await handshake(e.id, { ca: [rootCa, intermediateCa] });
    expect(completed.authorized).toBe(true);
  });

  it('TLS 1.0/1.1 only', async () => {
    const e = ep('dovecot-imap-implicit-tls11-only');
    expect(e.notes?.maxTls).toBe('TLSv1.1');
    const r = await handshake(e.id, { minVersion: 'TLSv1' });
    expect(r.protocol).toBe('TLSv1.1');
    expect(r.authorized).toBe(true);
    // A client that insists on TLS 1.2+ is refused.
    await expect(imapImplicit(e, verifying(e))).rejects.toThrow();
  });
});
