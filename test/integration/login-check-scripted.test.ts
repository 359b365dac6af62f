/**
 * The login check against scripted IMAP servers (loopback, implicit TLS with a certificate the
 * test trusts) for what the bed's servers do not do: offer OAuth only, or refuse a password
 * with a provider's "app password required" words. One attempt each, never a retry.
 */
import { describe, expect, it } from 'vitest';
import { adviceFor, loginCheck } from '../../app/core/accounts/login-check';
import { credentialKey, type Account } from '../../app/core/accounts/model';
import type { LookupFunction } from '../../app/core/net/resolve';
import { TlsSessionCache } from '../../app/core/net/tls-sessions';
import { probeEndpoint } from '../../app/core/probe';
import { memoryKeychain } from '../support/memory-keychain';
import { say, startDialogServer, type DialogScript } from '../hostile/servers';
import { HOSTILE_NAME, hostileCert } from '../hostile/tls-servers';

const lookup: LookupFunction = (_h, _o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]);

/** The account's password, in memory (the real keychain is tested in test/keychain). */
const keychainWith = (id: string, password: string) =>
  memoryKeychain({ [credentialKey(id)]: password });

function account(port: number): Account {
  return {
    id: 'acct-scripted',
    displayName: 'Scripted',
    address: 'alice@hostile.test',
    username: 'alice',
    incoming: { protocol: 'imap', host: HOSTILE_NAME, port, security: 'implicit' },
    outgoing: null,
    chat: null,
    certificateExceptions: [],
    source: 'manual',
    authentication: 'password',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

const PASSWORD = 'p4ssw0rd-scripted';

async function run(script: DialogScript) {
  const server = await startDialogServer('imap', { implicit: true, ...script });
  const { cert } = await hostileCert();
  try {
    return await loginCheck(account(server.port), 'incoming', {
      credentials: keychainWith('acct-scripted', PASSWORD),
      lookup,
      extraCa: [cert],
    });
  } finally {
    await server.close();
  }
}

const SASL_IR: DialogScript = {
  on: {
    capabilities: say(
      (ctx) => `* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR\r\n${ctx.tag} OK done\r\n`,
    ),
    auth: say((ctx) => `${ctx.tag} OK logged in\r\n`),
  },
};

/** A check of the account's incoming server, then its login check, sharing one session cache. */
async function checkThenLogin(trusted: { check: boolean; login: boolean }) {
  const server = await startDialogServer('imap', { implicit: true, tls12Only: true, ...SASL_IR });
  const { cert } = await hostileCert();
  const sessions = new TlsSessionCache();
  const a = account(server.port);
  try {
    const facts = await probeEndpoint(
      { host: HOSTILE_NAME, port: server.port, protocol: 'imap', security: 'implicit' },
      { lookup, scan: 'off', sessions, ...(trusted.check ? { extraCa: [cert] } : {}) },
    );
    const login = await loginCheck(a, 'incoming', {
      credentials: keychainWith('acct-scripted', PASSWORD),
      lookup,
      sessions,
      ...(trusted.login ? { extraCa: [cert] } : {}),
    });
    return { facts, login, connections: server.accepted };
  } finally {
    await server.close();
  }
}

describe('login check against scripted servers', () => {
  it('a server that offers only OAuth: nothing is sent, and app passwords are explained', async () => {
    const r = await run({
      on: {
        capabilities: say(
          (ctx) =>
            `* CAPABILITY IMAP4rev1 AUTH=XOAUTH2 AUTH=OAUTHBEARER LOGINDISABLED\r\n${ctx.tag} OK done\r\n`,
        ),
      },
    });
    expect(r).toMatchObject({ outcome: 'oauth-only', advice: 'oauth-only', identity: 'authority' });
    expect(r.transcript.some((t) => t.redacted)).toBe(false);
  });

  it('a refusal asking for an app password: rejected once, with that advice', async () => {
    const r = await run({
      on: {
        // SASL-IR: the check uses AUTHENTICATE PLAIN with the response in the same line.
        capabilities: say(
          (ctx) => `* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR\r\n${ctx.tag} OK done\r\n`,
        ),
        auth: say((ctx) => `${ctx.tag} NO [ALERT] Application-specific password required\r\n`),
      },
    });
    expect(r).toMatchObject({ outcome: 'rejected', advice: 'app-password-required' });
    expect(
      r.transcript.filter((t) => t.dir === 'sent' && /AUTHENTICATE|LOGIN /.test(t.text)),
    ).toHaveLength(1);
    expect(JSON.stringify(r)).not.toContain('p4ssw0rd-scripted');
  });

  it('after a check, a TLS 1.2 server’s session is resumed and the full handshake’s trust counts', async () => {
    const { facts, login } = await checkThenLogin({ check: true, login: true });
    expect(facts.addresses[0]?.tls).toMatchObject({ version: 'TLSv1.2', resumed: false });
    expect(login).toMatchObject({ outcome: 'success', identity: 'authority' });
    const notes = login.transcript.filter((t) => t.dir === 'note').map((t) => t.text);
    expect(notes.join('\n')).toContain('resumed a session of an earlier full handshake');
    expect(JSON.stringify(login)).not.toContain(PASSWORD);
  });

  it('a session from a check that did not verify the server never carries the password', async () => {
    const { facts, login } = await checkThenLogin({ check: false, login: false });
    expect(facts.addresses[0]?.tls?.verification.chainTrusted).toBe(false);
    expect(login.outcome).toBe('not-verified');
    const notes = login.transcript.filter((t) => t.dir === 'note').map((t) => t.text);
    expect(notes.join('\n')).toContain('resumed a session');
    expect(login.transcript.some((t) => t.redacted)).toBe(false);
  });

  it('trust that differs between the check and the login check: no resumption', async () => {
    const { login } = await checkThenLogin({ check: false, login: true });
    expect(login).toMatchObject({ outcome: 'success', identity: 'authority' });
    const notes = login.transcript.filter((t) => t.dir === 'note').map((t) => t.text);
    expect(notes.join('\n')).not.toContain('resumed');
  });

  it('provider refusals in words of their own', () => {
    expect(adviceFor(['A1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)'])).toBeNull();
    expect(
      adviceFor([
        '535-5.7.8 Username and Password not accepted. Application-specific password required.',
      ]),
    ).toBe('app-password-required');
    expect(
      adviceFor(['535 5.7.139 Authentication unsuccessful, basic authentication is disabled.']),
    ).toBe('basic-auth-disabled');
  });
});
