/**
 * The login check, only when the user asks: log in once with the password from the keychain,
 * then log out, to prove the account works as set up, and report the mechanism used.
 *
 * 1. The password comes from the keychain (never from the caller, never stored anywhere else).
 *    An account set up for OAuth2 has none to check: said so without connecting.
 * 2. Connect; TLS from the first byte, or STARTTLS whatever the app is set to: the password is
 *    never sent before TLS, not even for an app set to plain text.
 * 3. The password goes out only when the server's identity is verified: a trusted chain valid
 *    for the name, or a certificate the user accepted for this endpoint (its SHA-256 among the
 *    account's exceptions). Otherwise the check stops there and says why (the Connection's
 *    writeSecret enforces the same rule underneath).
 * 4. Inside TLS: if the server offers only OAuth mechanisms (XOAUTH2, OAUTHBEARER), stop and
 *    explain app passwords instead of trying.
 * 5. One attempt, never a retry (servers lock accounts after failures). A refusal is matched
 *    against known provider messages (an app password required; basic authentication turned
 *    off) to give advice.
 */
import type { Protocol } from '../facts/endpoint';
import { ProbeError, type ProbeErrorFact } from '../net/errors';
import type { LookupFunction } from '../net/resolve';
import { applyConnectTo, resolveAddresses, type ConnectToRule } from '../net/resolve';
import { connect, sniName } from '../net/tcp-connection';
import type { Connection, Timeouts, TranscriptEntry } from '../net/types';
import { dialogFor } from '../protocols/registry';
import { asProbeError } from '../probe/status';
import type { TlsSessionCache } from '../net/tls-sessions';
import type { CredentialStore } from '../secrets/credential-store';
import { credentialKey, endpointsOf, type Account, type EndpointRole } from './model';
import { domainOf } from './discover';

export type LoginCheckOutcome =
  /** Logged in and out: the password works over a verified connection. */
  | 'success'
  /** The server said no to the password (once; never retried). */
  | 'rejected'
  /** Not sent: the server's identity was not verified and no accepted exception matched. */
  | 'not-verified'
  /** Not sent: the server offers no way to encrypt before login. */
  | 'no-tls'
  /** Nothing to check: no password in the keychain for this account. */
  | 'no-password'
  /** Nothing to check: the account or the server uses OAuth2 only. */
  | 'oauth-only'
  /** The keychain could not be read. */
  | 'keychain-error'
  /** The connection or the dialog failed before a login could be tried. */
  | 'failed';

export type LoginAdvice = 'app-password-required' | 'basic-auth-disabled' | 'oauth-only';

export interface LoginCheckResult {
  readonly role: EndpointRole;
  readonly protocol: Protocol;
  readonly host: string;
  readonly port: number;
  readonly outcome: LoginCheckOutcome;
  /** The mechanism used (or that would have been), e.g. "AUTHENTICATE PLAIN". */
  readonly mechanism: string | null;
  /** How the identity was verified, when it was. */
  readonly identity: 'authority' | 'exception' | null;
  readonly advice: LoginAdvice | null;
  /** The server's reply to the login, escaped (never what we sent). */
  readonly reply: readonly string[];
  readonly error: ProbeErrorFact | null;
  /** The redacted transcript: a stand-in where a credential was sent. */
  readonly transcript: readonly TranscriptEntry[];
}

export interface LoginCheckOptions {
  readonly credentials: CredentialStore;
  readonly lookup?: LookupFunction;
  readonly connectTo?: readonly ConnectToRule[];
  readonly extraCa?: readonly string[];
  readonly timeouts?: Partial<Timeouts>;
  readonly signal?: AbortSignal;
  /**
   * Sessions the check left behind (net/tls-sessions.ts): a TLS 1.2 server's session is resumed,
   * saving a round trip; the password goes out only if the full handshake behind it verified.
   */
  readonly sessions?: TlsSessionCache;
}

const OAUTH = new Set(['XOAUTH2', 'OAUTHBEARER']);

/** Known provider refusals, matched on the reply text, turned into advice. */
export function adviceFor(reply: readonly string[]): LoginAdvice | null {
  const text = reply.join(' ').toLowerCase();
  if (/application-specific password|app password|apppassword|invalidsecondfactor/.test(text)) {
    return 'app-password-required';
  }
  if (
    /basic auth(entication)? (is )?(disabled|blocked)|5\.7\.139|logondenied-basicauth/.test(text)
  ) {
    return 'basic-auth-disabled';
  }
  return null;
}

export async function loginCheck(
  account: Account,
  role: EndpointRole,
  options: LoginCheckOptions,
): Promise<LoginCheckResult> {
  const endpoint = endpointsOf(account).find((e) => e.role === role)?.endpoint;
  if (!endpoint) throw new RangeError(`the account has no ${role} server`);
  const base = {
    role,
    protocol: endpoint.protocol,
    host: endpoint.host,
    port: endpoint.port,
  } as const;
  const result = (
    outcome: LoginCheckOutcome,
    rest: Partial<Omit<LoginCheckResult, 'role' | 'protocol' | 'host' | 'port' | 'outcome'>> = {},
  ): LoginCheckResult => ({
    ...base,
    outcome,
    mechanism: null,
    identity: null,
    advice: null,
    reply: [],
    error: null,
    transcript: [],
    ...rest,
  });

  if (account.authentication === 'oauth2') return result('oauth-only', { advice: 'oauth-only' });
  let password: string | null;
  try {
    password = await options.credentials.get(credentialKey(account.id), {
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch {
    return result('keychain-error');
  }
  if (password === null) return result('no-password');

  const dialog = dialogFor(endpoint.protocol);
  const xmppDomain =
    endpoint.protocol === 'xmpp'
      ? 'xmppDomain' in endpoint && endpoint.xmppDomain !== undefined
        ? endpoint.xmppDomain
        : (domainOf(account.address) ?? endpoint.host)
      : undefined;
  const identity = xmppDomain ?? endpoint.host;
  const pinned = account.certificateExceptions
    .filter((x) => x.host.toLowerCase() === endpoint.host.toLowerCase() && x.port === endpoint.port)
    .map((x) => x.sha256);
  const signal = options.signal ?? AbortSignal.timeout(60_000);

  let connection: Connection | null = null;
  try {
    const route = applyConnectTo(options.connectTo ?? [], endpoint.host, endpoint.port);
    const [first] = await resolveAddresses(route.host, {
      ...(options.lookup ? { lookup: options.lookup } : {}),
      signal,
    });
    if (!first) throw new ProbeError({ step: 'resolve', kind: 'dns', message: 'no address' });
    const conn = await connect({
      address: first.address,
      port: route.port,
      signal,
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    });
    connection = conn;
    const tlsOptions = {
      serverName: sniName(identity) === undefined ? null : identity,
      ...(options.extraCa && options.extraCa.length > 0 ? { extraCa: options.extraCa } : {}),
      ...(pinned.length > 0 ? { pinnedSha256: pinned } : {}),
      ...(options.sessions ? { sessions: options.sessions, resume: true } : {}),
    };
    if (endpoint.security === 'implicit') {
      await conn.startTls({
        ...tlsOptions,
        ...(dialog.alpn.length > 0 ? { alpn: dialog.alpn } : {}),
      });
    }
    const s = dialog.create(conn, {
      serverName: endpoint.host,
      localAddress: conn.localAddress || '0.0.0.0',
      ...(xmppDomain !== undefined ? { xmppDomain } : {}),
    });
    const greeting = await s.greet();
    if (greeting.kind !== 'ok') {
      return result('failed', {
        error: {
          step: 'greeting',
          kind: 'refused-by-server',
          message: 'the server did not greet with a plain "ready"',
        },
        transcript: [...conn.transcript],
      });
    }
    if (endpoint.security !== 'implicit') {
      const before = await s.capabilities('before-tls');
      if (before.starttls === false) return result('no-tls', { transcript: [...conn.transcript] });
      const reply = await s.requestStartTls();
      if (reply.outcome !== 'accepted') {
        return result('no-tls', { reply: reply.reply, transcript: [...conn.transcript] });
      }
      await conn.startTls(tlsOptions);
    }
    if (!conn.identityVerified) return result('not-verified', { transcript: [...conn.transcript] });
    const caps = await s.capabilities('after-tls');
    const mechanism = s.loginMechanism();
    const passwordPossible =
      caps.passwordLogin === true ||
      caps.saslMechanisms.includes('PLAIN') ||
      caps.saslMechanisms.includes('LOGIN') ||
      (caps.passwordLogin === 'unknown' && caps.saslMechanisms.length === 0);
    if (!passwordPossible && caps.saslMechanisms.some((m) => OAUTH.has(m))) {
      return result('oauth-only', {
        advice: 'oauth-only',
        identity: conn.identityBasis,
        transcript: [...conn.transcript],
      });
    }
    const login = await s.login({ user: account.username, password });
    if (login.ok) await s.quit();
    return result(login.ok ? 'success' : 'rejected', {
      mechanism,
      identity: conn.identityBasis,
      advice: login.ok ? null : adviceFor(login.reply),
      reply: login.reply,
      transcript: [...conn.transcript],
    });
  } catch (err) {
    return result('failed', {
      error: asProbeError(err, 'login').fact,
      ...(connection
        ? { identity: connection.identityBasis, transcript: [...connection.transcript] }
        : {}),
    });
  } finally {
    await connection?.close();
  }
}
