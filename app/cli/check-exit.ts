/**
 * INTERIM: a small classifier from endpoint facts to `sealcheck check`'s exit code, until the
 * findings engine (issue 6) exists. It will then be replaced by "the worst finding's severity",
 * and its rules by findings with ids, severities and explanations. Keep it small and literal.
 *
 * Per address that completed the dialog ('success'), a PROBLEM (exit 1) is:
 *  - the TLS certificate was not verified: the chain is not trusted (chainError), or the
 *    certificate does not name the host (or XMPP domain);
 *  - TLS older than 1.2 was negotiated;
 *  - no TLS although TLS was asked for: STARTTLS not offered, or not attempted (IMAP PREAUTH);
 *  - plaintext was asked for (--tls none): the connection the user makes is not encrypted;
 *  - a password login was invited before TLS (the server answered "+" / 334 / took MAIL);
 *  - the STARTTLS command-injection test found the server vulnerable.
 * A server that refused STARTTLS ('starttls-refused') was checked and is a PROBLEM too: the
 * dialog answered the question (no TLS here), it did not fail to answer it.
 *
 * COULD NOT CHECK (exit 2): the name did not resolve; any other status than 'success' (refused,
 * timeouts, TLS handshake failures, protocol errors, limits, cancel) — except a refused
 * connection when checking all standard ports of a host (`check HOST` without --protocol),
 * which means "not served" and is left out. A host with no served standard port at all could
 * not be checked.
 *
 * Precedence over several addresses, endpoints and hosts, worst wins:
 *   usage (64, before anything runs) > could not check (2) > problems (1) > ok (0).
 * "Could not check" outranks "problems": an endpoint that was not checked cannot be claimed
 * fine, and a script must not read "1" as "everything else was checked".
 */
import type { AddressFacts, EndpointFacts } from '../core/facts/endpoint';
import { ExitCode } from './exit-codes';

export type Verdict = 'ok' | 'problems' | 'could-not-check' | 'not-served';

export interface Classified {
  readonly verdict: Verdict;
  /** Short neutral reasons (facts, not advice), for the human output. */
  readonly reasons: readonly string[];
}

export interface ClassifyOptions {
  /** `check HOST` without a protocol: refused ports are "not served". */
  readonly standardPorts: boolean;
}

const RANK: Readonly<Record<Verdict, number>> = {
  'not-served': 0,
  ok: 1,
  problems: 2,
  'could-not-check': 3,
};

const LEGACY_TLS = new Set(['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1']);

export function classifyAddress(
  target: EndpointFacts['target'],
  a: AddressFacts,
  options: ClassifyOptions,
): Classified {
  if (a.status === 'connection-refused' && options.standardPorts) {
    return { verdict: 'not-served', reasons: ['connection refused'] };
  }
  if (a.status !== 'success' && a.status !== 'starttls-refused') {
    return { verdict: 'could-not-check', reasons: [a.status] };
  }
  const reasons: string[] = [];
  if (a.status === 'starttls-refused') reasons.push('STARTTLS refused');
  if (target.security === 'none') reasons.push('plaintext connection');
  const tls = a.tls;
  if (tls) {
    const v = tls.verification;
    if (!v.chainTrusted) reasons.push(`certificate not trusted (${v.chainError ?? 'unknown'})`);
    if (!v.nameMatches) reasons.push(`certificate not valid for ${v.nameChecked ?? 'the name'}`);
    if (LEGACY_TLS.has(tls.version)) reasons.push(`${tls.version} negotiated`);
  } else if (target.security !== 'none' && a.status === 'success') {
    reasons.push(a.capabilitiesBeforeTls?.starttls === false ? 'STARTTLS not offered' : 'no TLS');
  }
  if (a.loginBeforeTls?.invited === true) reasons.push('password login invited before TLS');
  if (a.injection?.vulnerable === true) reasons.push('STARTTLS command injection');
  return { verdict: reasons.length > 0 ? 'problems' : 'ok', reasons };
}

function worst(verdicts: readonly Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((w, v) => (RANK[v] > RANK[w] ? v : w), 'not-served');
}

export function classifyEndpoint(facts: EndpointFacts, options: ClassifyOptions): Classified {
  if (facts.resolveError !== null || facts.addresses.length === 0) {
    return {
      verdict: 'could-not-check',
      reasons: [facts.resolveError ? 'name not resolved' : 'no address'],
    };
  }
  const each = facts.addresses.map((a) => classifyAddress(facts.target, a, options));
  const verdict = worst(each.map((c) => c.verdict));
  return {
    verdict,
    reasons: [...new Set(each.filter((c) => c.verdict === verdict).flatMap((c) => c.reasons))],
  };
}

/**
 * The exit code for a whole run. `standardPorts`: each host's endpoints were the standard list,
 * and a host none of whose endpoints was served could not be checked.
 */
export function exitCodeFor(
  all: readonly EndpointFacts[],
  options: ClassifyOptions,
): (typeof ExitCode)[keyof typeof ExitCode] {
  const verdicts = all.map((f) => classifyEndpoint(f, options).verdict);
  if (options.standardPorts) {
    const hosts = new Map<string, boolean>();
    all.forEach((f, i) => {
      const served = verdicts[i] !== 'not-served';
      hosts.set(f.target.host, (hosts.get(f.target.host) ?? false) || served);
    });
    if ([...hosts.values()].some((served) => !served)) return ExitCode.CouldNotCheck;
  }
  if (all.length === 0) return ExitCode.CouldNotCheck;
  switch (worst(verdicts)) {
    case 'could-not-check':
      return ExitCode.CouldNotCheck;
    case 'problems':
      return ExitCode.ProblemsFound;
    case 'ok':
    case 'not-served':
      return ExitCode.Ok;
  }
}
