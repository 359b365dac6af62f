/**
 * The login check against the bed's real Dovecot (IMAP, POP3), Postfix (submission, SASL through
 * Dovecot) and Prosody (XMPP), with the password in the real Secret Service (npm test runs in a
 * private keyring session): success on the good endpoints, one refusal for a wrong password,
 * nothing sent to a server whose certificate does not verify, unless the user accepted exactly
 * that certificate.
 */
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginCheck, type LoginCheckResult } from '../../app/core/accounts/login-check';
import { credentialKey, type Account, type EndpointRole } from '../../app/core/accounts/model';
import { createKeyringStore, type CredentialStore } from '../../app/core/secrets';
import { connect } from 'node:tls';
import {
  bedLookup,
  findEndpoint,
  loadBed,
  type BedDescription,
  type BedEndpoint,
} from '../bed/endpoints';

let bed: BedDescription;
let rootCa: string;
let store: CredentialStore;
const service = `org.sealcheck.Test.login-${randomBytes(4).toString('hex')}`;
const ids: string[] = [];

beforeAll(() => {
  bed = loadBed();
  rootCa = readFileSync(bed.rootCaFile, 'utf8');
  if (process.env.SEALCHECK_KEYRING !== '1') {
    throw new Error(
      'the login check tests need the private keyring session: run them through "npm test"',
    );
  }
  store = createKeyringStore({ service });
});
afterAll(async () => {
  for (const id of ids) await store.delete(credentialKey(id)).catch(() => false);
});

function accountFor(e: BedEndpoint, over: Partial<Account> = {}): Account {
  const id = `acct-${randomBytes(6).toString('hex')}`;
  ids.push(id);
  const endpoint = {
    host: e.serverName,
    port: e.port,
    security: e.security === 'none' ? 'none' : e.security,
  } as const;
  const xmpp = e.protocol === 'xmpp';
  return {
    id,
    displayName: e.id,
    address: xmpp ? bed.user.xmppAddress : `${bed.user.name}@test.example`,
    username: xmpp ? bed.user.xmppAddress : bed.user.name,
    incoming:
      e.protocol === 'imap' || e.protocol === 'pop3' ? { ...endpoint, protocol: e.protocol } : null,
    // Port 25 stands in for a submission server here (same SMTP dialog, same certificate).
    outgoing:
      e.protocol === 'submission' || e.protocol === 'smtp'
        ? { ...endpoint, protocol: 'submission' }
        : null,
    chat: xmpp
      ? { ...endpoint, protocol: 'xmpp', xmppDomain: e.xmppDomain ?? 'test.example' }
      : null,
    certificateExceptions: [],
    source: 'manual',
    authentication: 'password',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

function roleOf(e: BedEndpoint): EndpointRole {
  return e.protocol === 'xmpp'
    ? 'chat'
    : e.protocol === 'submission' || e.protocol === 'smtp'
      ? 'outgoing'
      : 'incoming';
}

async function check(
  e: BedEndpoint,
  account: Account,
  password: string | null = bed.user.password,
): Promise<LoginCheckResult> {
  if (password !== null) await store.set(credentialKey(account.id), password);
  return loginCheck(account, roleOf(e), {
    credentials: store,
    lookup: bedLookup,
    extraCa: [rootCa],
  });
}

/** The password never appears in what the check returns (transcript, replies, errors). */
function expectNoSecret(r: LoginCheckResult, secret: string): void {
  const text = JSON.stringify(r);
  expect(text).not.toContain(secret);
  expect(text).not.toContain(Buffer.from(secret).toString('base64'));
  expect(text).not.toContain(Buffer.from(`\0${bed.user.name}\0${secret}`).toString('base64'));
}

const GOOD = [
  'dovecot-imap-implicit-good',
  'dovecot-imap-starttls-good',
  'dovecot-pop3-implicit-good',
  'dovecot-pop3-starttls-good',
  'postfix-submission-implicit-good',
  'postfix-submission-starttls-good',
  'prosody-xmpp-implicit-good',
  'prosody-xmpp-starttls-good',
];

describe('login check on the bed', () => {
  it.each(GOOD)(
    '%s: logs in once over a verified connection, and reports the mechanism',
    async (id) => {
      const e = findEndpoint(bed, id);
      const r = await check(e, accountFor(e));
      expect(r, JSON.stringify(r.error)).toMatchObject({
        outcome: 'success',
        identity: 'authority',
      });
      expect(r.mechanism).toMatch(/^(LOGIN|AUTHENTICATE PLAIN|AUTH PLAIN|USER\/PASS|SASL PLAIN)$/);
      expect(r.transcript.filter((t) => t.redacted).length).toBeGreaterThan(0);
      expectNoSecret(r, bed.user.password);
    },
  );

  it('a wrong password: rejected, and tried exactly once', async () => {
    const e = findEndpoint(bed, 'dovecot-imap-implicit-good');
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const r = await check(e, accountFor(e), wrong);
    expect(r.outcome).toBe('rejected');
    expect(r.reply.join(' ')).toMatch(/NO|fail/i);
    const logins = r.transcript.filter(
      (t) => t.dir === 'sent' && /LOGIN|AUTHENTICATE/.test(t.text),
    );
    expect(logins).toHaveLength(1);
    expectNoSecret(r, wrong);
  });

  it.each([
    'dovecot-imap-implicit-expired',
    'dovecot-imap-implicit-self-signed',
    'dovecot-imap-implicit-wrong-host',
    'postfix-smtp-starttls-expired',
    'prosody-xmpp-starttls-self-signed',
  ])('%s: the certificate does not verify, so no password is sent', async (id) => {
    const e = findEndpoint(bed, id);
    const r = await check(e, accountFor(e));
    expect(r.outcome).toBe('not-verified');
    expect(r.identity).toBeNull();
    expect(r.transcript.some((t) => t.redacted)).toBe(false);
    expectNoSecret(r, bed.user.password);
  });

  it('a self-signed certificate the user accepted (by its SHA-256) is verified by that exception', async () => {
    const e = findEndpoint(bed, 'dovecot-imap-implicit-self-signed');
    const sha256 = await leafSha256(e);
    const account = accountFor(e, {
      certificateExceptions: [
        {
          sha256,
          host: e.serverName,
          port: e.port,
          acceptedAt: '2026-01-01T00:00:00.000Z',
          origin: 'sealcheck',
        },
      ],
    });
    const r = await check(e, account);
    expect(r).toMatchObject({ outcome: 'success', identity: 'exception' });
    // Another fingerprint does not open the door.
    const other = accountFor(e, {
      certificateExceptions: [
        {
          sha256: sha256.replace(/^../, sha256.startsWith('00') ? '11' : '00'),
          host: e.serverName,
          port: e.port,
          acceptedAt: '2026-01-01T00:00:00.000Z',
          origin: 'sealcheck',
        },
      ],
    });
    expect((await check(e, other)).outcome).toBe('not-verified');
  });

  it('no password in the keychain, or an OAuth2 account: nothing is sent at all', async () => {
    const e = findEndpoint(bed, 'dovecot-imap-implicit-good');
    expect((await check(e, accountFor(e), null)).outcome).toBe('no-password');
    const oauth = await check(e, accountFor(e, { authentication: 'oauth2' }));
    expect(oauth).toMatchObject({ outcome: 'oauth-only', advice: 'oauth-only', transcript: [] });
  });
});

/** The SHA-256 of the certificate an endpoint serves (implicit TLS), as mail apps show it. */
function leafSha256(e: BedEndpoint): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(
      { host: e.host, port: e.port, servername: e.serverName, rejectUnauthorized: false },
      () => {
        const der = s.getPeerCertificate().raw;
        s.destroy();
        const fp = new X509Certificate(der).fingerprint256;
        expect(fp).toBe(
          createHash('sha256')
            .update(der)
            .digest('hex')
            .toUpperCase()
            .replace(/(..)(?!$)/g, '$1:'),
        );
        resolve(fp);
      },
    );
    s.once('error', reject);
  });
}
