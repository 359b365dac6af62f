/**
 * Transport rules: endpoint facts → findings about how (and whether) the connection is
 * encrypted. Pure: the same facts always give the same findings, no network, no clock.
 *
 * Severity follows design.md's model, from the user's side. We keep apart
 *   - what YOUR APP GETS: the mode it is configured with (`target.security`) and the TLS
 *     parameters that were actually negotiated (`negotiated: true` in the evidence), from
 *   - what THE SERVER ACCEPTS: STARTTLS optional, a login invited before TLS, and (later, from
 *     the TLS scanner) versions and suites accepted alongside modern ones (`negotiated: false`).
 * The negotiated-parameter rules are written over a list of versions / suites, so the scanner's
 * "accepted" lists can go through the same classifiers with a lower severity.
 *
 * Rules run per address (one stale node is the classic "sometimes I get a warning"); a finding
 * identical on every address is reported once, without an address.
 *
 * Fail closed: a rule only claims what the facts show. When an address's probe stopped early
 * (status ≠ success), `check.incomplete` says so and nothing after the failed step is claimed
 * (every rule below reads only facts that are present, and absent facts are null).
 */
import type { AddressFacts, EndpointFacts, TlsFacts } from '../facts/endpoint';
import type { Finding, FindingEvidence, FindingId, FindingSubject, Severity } from './types';

/** Builds a finding with its evidence type checked against its id. */
export function finding<K extends FindingId>(
  id: K,
  severity: Severity,
  subject: FindingSubject,
  evidence: FindingEvidence[K],
): Finding {
  return { id, severity, subject, evidence } as Finding;
}

/** The endpoint as a subject, without an address. */
export function subjectOf(facts: EndpointFacts, address?: string): FindingSubject {
  const { host, port, protocol, security } = facts.target;
  return address === undefined
    ? { host, port, protocol, security }
    : { host, port, protocol, security, address };
}

export function transportFindings(facts: EndpointFacts): Finding[] {
  if (facts.addresses.length === 0) {
    // Nothing was reached: the check did not even start (DNS failed, or no address at all).
    return [
      finding('check.incomplete', 'warning', subjectOf(facts), {
        status: facts.resolveError ? 'dns-error' : 'no-address',
        error: facts.resolveError,
      }),
    ];
  }
  const perAddress = facts.addresses.map((a) => addressFindings(facts, a));
  return mergeAcrossAddresses(perAddress, facts.addresses.length);
}

/**
 * Findings that are identical (id, severity, evidence) on every address are reported once,
 * without an address; the others keep theirs.
 */
export function mergeAcrossAddresses(
  perAddress: readonly (readonly Finding[])[],
  addressCount: number,
): Finding[] {
  const groups = new Map<string, Finding[]>();
  for (const list of perAddress) {
    for (const f of list) {
      const key = findingKey(f);
      const group = groups.get(key);
      if (group) group.push(f);
      else groups.set(key, [f]);
    }
  }
  const out: Finding[] = [];
  for (const group of groups.values()) {
    const addresses = new Set(group.map((f) => f.subject.address));
    const first = group[0];
    if (!first) continue;
    if (addressCount > 0 && addresses.size === addressCount && !addresses.has(undefined)) {
      const { address: _address, ...subject } = first.subject;
      out.push({ ...first, subject } as Finding);
    } else {
      // Keep one per address (an address never yields the same finding twice, but be safe).
      const seen = new Set<string | undefined>();
      for (const f of group) {
        if (seen.has(f.subject.address)) continue;
        seen.add(f.subject.address);
        out.push(f);
      }
    }
  }
  return out;
}

/** The finding with its severity capped at warning (critical becomes warning). */
export function atMostWarning(f: Finding): Finding {
  return f.severity === 'critical' ? ({ ...f, severity: 'warning' } as Finding) : f;
}

/** Identity of a finding apart from its address: id, severity and evidence. */
export function findingKey(f: Finding): string {
  return JSON.stringify([f.id, f.severity, stable(f.evidence)]);
}

function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return Object.fromEntries(entries.map(([k, v]) => [k, stable(v)]));
  }
  return value;
}

/** The command the submission login probe uses when no AUTH is listed: it takes mail, not a password. */
const MAIL_PROBE_PREFIX = 'MAIL FROM';

function addressFindings(facts: EndpointFacts, a: AddressFacts): Finding[] {
  const { target } = facts;
  const subject = subjectOf(facts, a.address);
  const out: Finding[] = [];
  const before = a.capabilitiesBeforeTls;
  const st = a.starttls;
  const mode = target.security;
  // A plaintext session existed: the greeting arrived without TLS (not implicit TLS).
  const plaintextSession =
    mode !== 'implicit' && a.greeting !== null && a.greeting.kind !== 'reject';
  // Whether the probe stopped at the STARTTLS command or its handshake: a STARTTLS finding below
  // may then explain the stop (it is the result, not a missing one).
  const stoppedAtUpgrade =
    a.status !== 'success' && (a.error?.step === 'starttls' || a.error?.step === 'handshake');
  let failureExplained = false;

  // POP3 without CAPA: STLS is tried although nothing advertised it; a refusal means "not offered".
  const refusedUnadvertised = st?.outcome === 'refused' && before?.starttls === 'unknown';
  const offered: boolean | 'unknown' =
    st?.outcome === 'accepted' || st?.outcome === 'temporarily-unavailable'
      ? true
      : refusedUnadvertised
        ? false
        : (before?.starttls ?? 'unknown');

  // Why: plaintext configured means the password and the mail cross the network readable now.
  if (mode === 'none' && plaintextSession) {
    out.push(finding('tls.none', 'critical', subject, { starttlsOffered: offered }));
  }

  // Why: the app is set to STARTTLS but the server does not offer it (or, IMAP PREAUTH, cannot):
  // the app either stops or, if lenient, sends everything in the clear.
  if (mode === 'starttls' && before !== null) {
    if (before.starttls === false || a.greeting?.kind === 'preauth' || refusedUnadvertised) {
      out.push(finding('starttls.not-offered', 'critical', subject, { capabilities: before.raw }));
    }
  }
  if (refusedUnadvertised && stoppedAtUpgrade) failureExplained = true;

  // Why: STARTTLS refused / "try later" / a failed handshake means the app cannot protect this
  // connection (critical when it relies on STARTTLS; in plaintext mode tls.none already says the
  // worst, and this one says that switching to STARTTLS would not help yet).
  const failed = starttlsFailure(a);
  if (failed !== null && !refusedUnadvertised) {
    const severity: Severity = mode === 'starttls' ? 'critical' : 'warning';
    out.push(finding('starttls.failed', severity, subject, failed));
    if (stoppedAtUpgrade) failureExplained = true;
  }

  // Why: STARTTLS offered but not required lets an active attacker strip it; on SMTP between
  // mail servers (RFC 3207) optional STARTTLS is the norm: info, until MTA-STS/DANE promise more.
  if (before !== null && offered === true && mode !== 'implicit') {
    const optional = starttlsOptional(target.protocol, a);
    if (optional !== null) {
      const severity: Severity = target.protocol === 'smtp' ? 'info' : 'warning';
      out.push(
        finding('starttls.optional', severity, subject, { loginInvitedBeforeTls: optional }),
      );
    }
  }

  // Why: the server invites a password before TLS. With plaintext configured the app sends it
  // now (critical); set to STARTTLS the app upgrades first, so only an attacker who strips
  // STARTTLS gets it (warning).
  const login = a.loginBeforeTls;
  if (login !== null && login.invited === true && !login.command.startsWith(MAIL_PROBE_PREFIX)) {
    const severity: Severity = mode === 'none' ? 'critical' : 'warning';
    out.push(
      finding('auth.cleartext-before-tls', severity, subject, {
        command: login.command,
        reply: login.reply,
      }),
    );
  }

  // Why: the server ran a command sent before TLS inside TLS (NO STARTTLS, USENIX Sec 2021):
  // an active attacker could inject commands; needs an attacker on the path, so warning.
  if (a.injection?.vulnerable === true) {
    out.push(
      finding('starttls.command-injection', 'warning', subject, {
        command: a.injection.command,
        evidence: a.injection.evidence,
      }),
    );
  }

  // Why: plaintext after the go-ahead is a buffering bug an attacker can use to inject replies.
  const extra = st?.plaintextAfterGoAhead;
  if (extra) {
    out.push(
      finding('starttls.plaintext-after-go-ahead', 'warning', subject, {
        bytes: extra.bytes,
        preview: extra.preview,
      }),
    );
  }

  if (a.tls !== null) {
    // Why: with plaintext configured, the TLS session was our probe's, not the app's: what the
    // server would give after switching to STARTTLS ("a weaker setting"), at most a warning.
    const negotiated = negotiatedTlsFindings(a.tls, subject);
    out.push(...(mode === 'none' ? negotiated.map(atMostWarning) : negotiated));
  }

  // Why: fail closed. A probe that stopped early proves nothing after the failed step.
  if (a.status !== 'success' && !failureExplained) {
    out.push(finding('check.incomplete', 'warning', subject, { status: a.status, error: a.error }));
  }
  return out;
}

/** The STARTTLS upgrade failed on this address, or null. */
function starttlsFailure(a: AddressFacts): FindingEvidence['starttls.failed'] | null {
  const st = a.starttls;
  if (st === null || !st.attempted) return null;
  if (st.outcome === 'refused' || st.outcome === 'temporarily-unavailable') {
    return {
      outcome: st.outcome === 'refused' ? 'refused' : 'temporarily-unavailable',
      reply: st.reply,
      error: a.status === 'starttls-refused' ? a.error : null,
    };
  }
  // Accepted, but no TLS came of it: the handshake failed (tls-error, or the peer hung up).
  // A timeout is not a refusal (the network may be slow): that stays check.incomplete.
  const e = a.error;
  if (
    st.outcome === 'accepted' &&
    a.tls === null &&
    e?.step === 'handshake' &&
    (e.kind === 'tls' || e.kind === 'reset' || e.kind === 'closed')
  ) {
    return { outcome: 'handshake-failed', reply: st.reply, error: e };
  }
  return null;
}

/**
 * STARTTLS is offered; is it optional? Returns whether a login is invited before TLS (the
 * evidence), or null when the server requires TLS or the facts cannot say (never guess).
 */
function starttlsOptional(
  protocol: EndpointFacts['target']['protocol'],
  a: AddressFacts,
): boolean | 'unknown' | null {
  const before = a.capabilitiesBeforeTls;
  if (before === null) return null;
  const invited = a.loginBeforeTls?.invited ?? 'unknown';
  if (protocol === 'smtp') {
    // Between mail servers RFC 3207 forbids requiring STARTTLS on a public MX: optional by design.
    return invited;
  }
  if (protocol === 'xmpp') {
    // XMPP says it outright: <starttls><required/></starttls>.
    if (before.starttlsRequired === false) return invited;
    if (before.starttlsRequired === true) return invited === true ? true : null;
  }
  // IMAP (no LOGINDISABLED), POP3 (USER), submission (AUTH PLAIN/LOGIN listed, or MAIL taken):
  // a password login or mail is possible before TLS.
  if (invited === true || before.passwordLogin === true) return invited;
  return null;
}

// ── negotiated TLS parameters (what your app gets); the scanner will add "accepted" ones ──

export type CipherFamily = FindingEvidence['tls.cipher.weak']['families'][number];

const LEGACY_VERSIONS = new Set(['TLSv1', 'TLSv1.0', 'TLSv1.1']);
const SSL_VERSIONS = new Set(['SSLv3', 'SSLv2']);

/** TLS 1.0 / 1.1 among the versions. */
export function legacyVersions(versions: readonly string[]): string[] {
  return versions.filter((v) => LEGACY_VERSIONS.has(v));
}

/** The weak families a suite belongs to, from its IANA name (or OpenSSL's, as a fallback). */
export function weakCipherFamilies(suite: { name: string; standardName: string }): CipherFamily[] {
  const iana = suite.standardName.toUpperCase();
  const openssl = suite.name.toUpperCase();
  const families: CipherFamily[] = [];
  const has = (re: RegExp, reOpenssl: RegExp): boolean => re.test(iana) || reOpenssl.test(openssl);
  if (has(/_NULL_|_WITH_NULL/, /(^|-)NULL(-|$)/)) families.push('null');
  if (has(/_ANON_/, /^(ADH|AECDH)-|(^|-)ANON(-|$)/)) families.push('anonymous');
  if (has(/_EXPORT/, /^EXP-/)) families.push('export');
  if (has(/_RC4_/, /(^|-)RC4(-|$)/)) families.push('rc4');
  if (has(/_3DES_|_DES_EDE/, /DES-CBC3|3DES/)) families.push('3des');
  else if (has(/_DES_|_DES40_/, /(^|-)DES-CBC-/)) families.push('des');
  return families;
}

/** Breakable now or no protection at all (critical), or weakened (warning), when negotiated. */
const CRITICAL_FAMILIES: ReadonlySet<CipherFamily> = new Set([
  'null',
  'anonymous',
  'export',
  'des',
]);

/** A TLS 1.2-or-earlier suite without forward secrecy: static RSA (or static DH/ECDH) key exchange. */
export function lacksForwardSecrecy(version: string, suite: { standardName: string }): boolean {
  if (version === 'TLSv1.3') return false;
  return /^TLS_(RSA|DH_(RSA|DSS)|ECDH_(RSA|ECDSA))_/i.test(suite.standardName);
}

function negotiatedTlsFindings(tls: TlsFacts, subject: FindingSubject): Finding[] {
  const out: Finding[] = [];
  // Why: SSL 3.0 is broken (POODLE): the connection your app makes can be decrypted.
  if (SSL_VERSIONS.has(tls.version)) {
    out.push(finding('tls.version.ssl3', 'critical', subject, { negotiated: true }));
  }
  // Why: TLS 1.0/1.1 are deprecated (RFC 8996); weakened, not broken for mail: warning.
  const legacy = legacyVersions([tls.version]);
  if (legacy.length > 0) {
    out.push(
      finding('tls.version.legacy', 'warning', subject, { versions: legacy, negotiated: true }),
    );
  }
  // Why: NULL/anonymous/EXPORT/DES give no or breakable protection (critical); RC4 and 3DES
  // need an attacker with a lot of traffic (warning).
  const families = weakCipherFamilies(tls.cipher);
  if (families.length > 0) {
    const severity: Severity = families.some((f) => CRITICAL_FAMILIES.has(f))
      ? 'critical'
      : 'warning';
    out.push(
      finding('tls.cipher.weak', severity, subject, {
        suites: [suiteName(tls)],
        families,
        negotiated: true,
      }),
    );
  }
  // Why: static RSA key exchange: whoever records traffic and later gets the server's key reads it.
  if (lacksForwardSecrecy(tls.version, tls.cipher)) {
    out.push(
      finding('tls.no-forward-secrecy', 'warning', subject, {
        cipher: suiteName(tls),
        negotiated: true,
      }),
    );
  }
  // Why: finite-field DH under 2048 bits (Logjam); under 1024 it is breakable now.
  const kx = tls.keyExchange;
  if (kx !== null && kx.type.toUpperCase() === 'DH' && kx.size !== null && kx.size < 2048) {
    const severity: Severity = kx.size < 1024 ? 'critical' : 'warning';
    out.push(finding('tls.dh-weak', severity, subject, { bits: kx.size, negotiated: true }));
  }
  // Why: TLS 1.3 is better (encrypted certificate, no legacy modes); nothing to fix for you: info.
  if (tls.version !== 'TLSv1.3') {
    out.push(finding('tls.no-tls13', 'info', subject, { version: tls.version }));
  }
  return out;
}

function suiteName(tls: TlsFacts): string {
  const s = tls.cipher.standardName;
  return s && s !== 'unknown' ? s : tls.cipher.name;
}
