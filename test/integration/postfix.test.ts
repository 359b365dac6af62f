/**
 * The bed's Postfix behaves as its published endpoints say: real SMTP dialogs, real STARTTLS
 * and implicit-TLS handshakes, SASL AUTH through Dovecot, and the broken certificates.
 */
import type { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { findEndpoint, loadBed, type BedEndpoint, type CertCase } from '../bed/endpoints';
import { saslPlain, SmtpClient, type Ehlo, type SmtpReply } from './support/smtp';

const bed = loadBed();
const ca = readFileSync(bed.rootCaFile);
const endpoints = bed.endpoints.filter((e) => e.server === 'postfix');

/** Node's verdict on each certificate case with our root as the only trust anchor (checks at security level 0). */
const EXPECTED_AUTHORIZATION_ERROR: Readonly<Record<CertCase, string | null>> = {
  good: null,
  expired: 'CERT_HAS_EXPIRED',
  'not-yet-valid': 'CERT_NOT_YET_VALID',
  'self-signed': 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'wrong-host': 'ERR_TLS_CERT_ALTNAME_INVALID',
  'no-intermediate': 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  sha1: null,
  rsa1024: null,
};

/** A client that completes the handshake whatever the certificate, and accepts old algorithms. */
function lenientTls(ep: BedEndpoint, extra: ConnectionOptions = {}): ConnectionOptions {
  return {
    servername: ep.serverName,
    ca,
    rejectUnauthorized: false,
    ciphers: 'DEFAULT:@SECLEVEL=0',
    minVersion: 'TLSv1',
    ...extra,
  };
}

interface Session {
  readonly client: SmtpClient;
  readonly greeting: SmtpReply;
  /** EHLO in the clear (not for implicit TLS). */
  readonly before?: Ehlo;
  readonly tls?: TLSSocket;
  /** EHLO over TLS. */
  readonly after?: Ehlo;
}

/** Greeting, EHLO, and for TLS endpoints the handshake (STARTTLS or implicit) and EHLO again. */
async function open(
  ep: BedEndpoint,
  tlsOptions: ConnectionOptions = lenientTls(ep),
): Promise<Session> {
  if (ep.security === 'implicit') {
    const { client, greeting } = await SmtpClient.connect({
      host: ep.host,
      port: ep.port,
      tls: tlsOptions,
    });
    try {
      return { client, greeting, tls: client.socket as TLSSocket, after: await client.ehlo() };
    } catch (err) {
      client.close();
      throw err;
    }
  }
  const { client, greeting } = await SmtpClient.connect({ host: ep.host, port: ep.port });
  try {
    const before = await client.ehlo();
    if (ep.security === 'none') return { client, greeting, before };
    const tls = await client.startTls(tlsOptions);
    return { client, greeting, before, tls, after: await client.ehlo() };
  } catch (err) {
    client.close();
    throw err;
  }
}

async function withSession<T>(
  ep: BedEndpoint,
  fn: (s: Session) => Promise<T>,
  tlsOptions?: ConnectionOptions,
): Promise<T> {
  const s = await open(ep, tlsOptions);
  try {
    return await fn(s);
  } finally {
    await s.client.quit();
  }
}

describe('Postfix in the bed', () => {
  it('publishes SMTP with STARTTLS, submission with STARTTLS required, implicit-TLS submission and SMTP without TLS', () => {
    const kinds = endpoints.map(
      (e) => `${e.protocol}/${e.security}/${e.starttls}/${e.certCase ?? '-'}`,
    );
    expect(kinds).toEqual(
      expect.arrayContaining([
        'smtp/starttls/optional/good',
        'submission/starttls/required/good',
        'submission/implicit/not-offered/good',
        'smtp/none/not-offered/-',
      ]),
    );
    expect(endpoints.some((e) => e.certCase !== 'good' && e.certCase !== null)).toBe(true);
    for (const e of endpoints) expect(e.host).toMatch(/^127\./);
  });

  describe.each(endpoints.map((e) => [e.id, e] as const))('%s', (_id, ep) => {
    it('greets, answers EHLO with an address literal, and offers STARTTLS exactly when it should', async () => {
      await withSession(ep, async (s) => {
        expect(s.greeting.code).toBe(220);
        expect(s.greeting.lines[0]).toMatch(
          new RegExp(`^${ep.serverName.replaceAll('.', '\\.')} ESMTP`),
        );
        const first = s.before ?? s.after;
        expect(first?.reply.code).toBe(250);
        expect(first?.reply.lines[0]).toMatch(
          new RegExp(`^${ep.serverName.replaceAll('.', '\\.')}\\b`),
        );
        expect(s.before?.extensions.has('STARTTLS') ?? false).toBe(ep.security === 'starttls');
        // Never twice: no STARTTLS once TLS is up.
        expect(s.after?.extensions.has('STARTTLS') ?? false).toBe(false);
      });
    });

    if (ep.security !== 'none') {
      it('completes the TLS handshake with the published certificate case', async () => {
        await withSession(ep, async (s) => {
          const tls = s.tls;
          if (!tls || !ep.certCase)
            throw new Error('expected a TLS endpoint with a certificate case');
          expect(tls.authorizationError ?? null).toBe(EXPECTED_AUTHORIZATION_ERROR[ep.certCase]);
          expect(tls.authorized).toBe(EXPECTED_AUTHORIZATION_ERROR[ep.certCase] === null);
          expect(s.after?.reply.code).toBe(250);
          const peer = tls.getPeerX509Certificate();
          expect(peer?.checkHost(ep.serverName) !== undefined).toBe(ep.certCase !== 'wrong-host');
        });
      });
    }

    it('offers AUTH only on submission, and only after TLS', async () => {
      await withSession(ep, async (s) => {
        expect(s.before?.extensions.has('AUTH') ?? false).toBe(false);
        const after = s.after?.extensions.get('AUTH');
        if (ep.protocol === 'submission') expect(after).toContain('PLAIN');
        else expect(after).toBeUndefined();
      });
    });
  });

  it('submission with STARTTLS required refuses MAIL FROM before TLS, then logs the test user in', async () => {
    const ep = findEndpoint(bed, 'postfix-submission-starttls-good');
    const { client, greeting } = await SmtpClient.connect({ host: ep.host, port: ep.port });
    try {
      expect(greeting.code).toBe(220);
      await client.ehlo();
      const mail = await client.command('MAIL FROM:<probe@test.example>');
      expect(mail.code).toBe(530);
      expect(mail.lines.join(' ')).toContain('Must issue a STARTTLS command first');
      const tls = await client.startTls({ servername: ep.serverName, ca });
      expect(tls.authorized).toBe(true);
      expect((await client.ehlo()).extensions.get('AUTH')).toContain('PLAIN');
      // No wrong-password case here: Dovecot then delays every login from 127.0.0.1 for
      // seconds, which would slow down the other suites sharing the bed.
      const auth = await client.command(
        `AUTH PLAIN ${saslPlain(bed.user.name, bed.user.password)}`,
      );
      expect(auth.code).toBe(235);
    } finally {
      await client.quit();
    }
  });

  it('implicit-TLS submission verifies and logs the test user in', async () => {
    const ep = findEndpoint(bed, 'postfix-submission-implicit-good');
    const { client, greeting } = await SmtpClient.connect({
      host: ep.host,
      port: ep.port,
      tls: { servername: ep.serverName, ca },
    });
    try {
      expect(greeting.code).toBe(220);
      const tls = client.socket as TLSSocket;
      expect(tls.authorized).toBe(true);
      expect(tls.getProtocol()).toBe('TLSv1.3');
      const ehlo = await client.ehlo();
      expect(ehlo.extensions.get('AUTH')).toContain('PLAIN');
      const auth = await client.command(
        `AUTH PLAIN ${saslPlain(bed.user.name, bed.user.password)}`,
      );
      expect(auth.code).toBe(235);
    } finally {
      await client.quit();
    }
  });

  it('SMTP with optional STARTTLS accepts MAIL FROM in the clear (an attacker can strip STARTTLS)', async () => {
    const ep = findEndpoint(bed, 'postfix-smtp-starttls-good');
    const { client } = await SmtpClient.connect({ host: ep.host, port: ep.port });
    try {
      await client.ehlo();
      expect((await client.command('MAIL FROM:<probe@test.example>')).code).toBe(250);
      expect((await client.command('RSET')).code).toBe(250);
    } finally {
      await client.quit();
    }
  });

  it('SMTP without TLS refuses the STARTTLS command', async () => {
    const ep = findEndpoint(bed, 'postfix-smtp-none');
    await withSession(ep, async (s) => {
      const reply = await s.client.command('STARTTLS');
      expect(reply.code).toBeGreaterThanOrEqual(500);
    });
  });

  it('a strict client refuses the wrong host name and the self-signed certificate', async () => {
    const wrong = findEndpoint(bed, 'postfix-smtp-starttls-wrong-host');
    const { client } = await SmtpClient.connect({ host: wrong.host, port: wrong.port });
    try {
      await client.ehlo();
      await expect(client.startTls({ servername: wrong.serverName, ca })).rejects.toMatchObject({
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      });
    } finally {
      client.close();
    }
    const self = findEndpoint(bed, 'postfix-submission-implicit-self-signed');
    await expect(
      SmtpClient.connect({
        host: self.host,
        port: self.port,
        tls: { servername: self.serverName, ca },
      }),
    ).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('serves the old-algorithm certificates, which a default client refuses', async () => {
    for (const [id, check] of [
      [
        'postfix-smtp-starttls-sha1',
        (c: X509Certificate) => expect(c.signatureAlgorithm).toMatch(/SHA1/i),
      ],
      [
        'postfix-smtp-starttls-rsa1024',
        (c: X509Certificate) => expect(c.publicKey.asymmetricKeyDetails?.modulusLength).toBe(1024),
      ],
    ] as const) {
      const ep = findEndpoint(bed, id);
      await withSession(ep, async (s) => {
        expect(s.tls?.authorized).toBe(true);
        const peer = s.tls?.getPeerX509Certificate();
        if (!peer) throw new Error('no peer certificate');
        check(peer);
      });
      const { client } = await SmtpClient.connect({ host: ep.host, port: ep.port });
      try {
        await client.ehlo();
        await expect(client.startTls({ servername: ep.serverName, ca })).rejects.toThrow(
          /too weak/,
        );
      } finally {
        client.close();
      }
    }
  });

  it('the TLS 1.1-only endpoint speaks TLS 1.1 and nothing newer', async () => {
    const ep = findEndpoint(bed, 'postfix-smtp-starttls-tls11-only');
    expect(ep.notes?.maxTls).toBe('TLSv1.1');
    await withSession(ep, async (s) => {
      expect(s.tls?.getProtocol()).toBe('TLSv1.1');
    });
    const { client } = await SmtpClient.connect({ host: ep.host, port: ep.port });
    try {
      await client.ehlo();
      await expect(client.startTls(lenientTls(ep, { minVersion: 'TLSv1.2' }))).rejects.toThrow();
    } finally {
      client.close();
    }
  });
});
