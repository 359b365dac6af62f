/**
 * Checking an account as the user's app is set up: every configured endpoint probed as the app
 * connects ("STARTTLS if available" as STARTTLS), and, where the app does not use TLS from the
 * first byte, the same host's implicit-TLS port too (to say "a safer setting is on offer"), all
 * in parallel. Each endpoint is judged (findings/judge.ts) and the account rules are added
 * (findings/rules-account.ts): the app's setting against what the server can do, and the
 * certificate exceptions the user accepted. The account's headline is the worst endpoint's.
 * Host names are looked up once for the whole account (cachingLookup).
 */
import type { Account, AccountEndpoint, EndpointRole } from '../accounts/model';
import { endpointsOf, probeSecurity } from '../accounts/model';
import { domainOf } from '../accounts/discover';
import type { TrustStores } from '../cert';
import type { EndpointFacts, EndpointTarget } from '../facts/endpoint';
import { judgeEndpoint, sortFindings, type Judgement } from '../findings/judge';
import { accountEndpointFindings } from '../findings/rules-account';
import { mergeAcrossAddresses } from '../findings/rules-transport';
import type { EndpointVerdict, Finding } from '../findings/types';
import { accountVerdict, endpointVerdict } from '../findings/verdict';
import { probeEndpoint, type ProbeOptions, type ProbeProgress } from '../probe';
import { dialogFor } from '../protocols/registry';
import { cachingLookup } from '../net/resolve';

export interface EndpointAssessment {
  readonly role: EndpointRole;
  readonly configured: AccountEndpoint;
  /** The configured endpoint's facts and findings, the account rules included. */
  readonly judgement: Judgement;
  /** The implicit-TLS port's facts, when it was probed as the alternative. */
  readonly alternative: EndpointFacts | null;
}

export interface AccountAssessment {
  readonly accountId: string;
  readonly endpoints: readonly EndpointAssessment[];
  readonly verdict: EndpointVerdict;
}

export interface AccountCheckOptions extends Omit<
  ProbeOptions,
  'onProgress' | 'injectionTest' | 'now' | 'wallClock'
> {
  readonly trust: TrustStores;
  /** "Now" for certificate dates (default: the current time). */
  readonly now?: Date;
  readonly onProgress?: (role: EndpointRole, event: ProbeProgress) => void;
  /** The probe (tests may pass a counting one). */
  readonly probe?: typeof probeEndpoint;
}

/** What the probe is asked for an endpoint as the app is set up. */
export function targetFor(account: Account, endpoint: AccountEndpoint): EndpointTarget {
  const xmppDomain =
    endpoint.protocol === 'xmpp'
      ? (endpoint.xmppDomain ?? domainOf(account.address) ?? endpoint.host)
      : undefined;
  return {
    host: endpoint.host,
    port: endpoint.port,
    protocol: endpoint.protocol,
    security: probeSecurity(endpoint.security),
    ...(xmppDomain !== undefined ? { xmppDomain } : {}),
  };
}

/** The same host's standard implicit-TLS endpoint, unless the app uses it already. */
export function implicitAlternative(target: EndpointTarget): EndpointTarget | null {
  const port = dialogFor(target.protocol).defaultPorts.implicit;
  if (port === null || target.security === 'implicit' || port === target.port) return null;
  return { ...target, port, security: 'implicit' };
}

export async function assessAccount(
  account: Account,
  options: AccountCheckOptions,
): Promise<AccountAssessment> {
  const { trust, now, onProgress, probe: probeFn, ...given } = options;
  const probe = probeFn ?? probeEndpoint;
  // One DNS question per host name for the whole account, not one per endpoint.
  const probeOptions = { ...given, lookup: cachingLookup(given.lookup) };
  const endpoints = await Promise.all(
    endpointsOf(account).map(async ({ role, endpoint }): Promise<EndpointAssessment> => {
      const target = targetFor(account, endpoint);
      const alt = implicitAlternative(target);
      const [facts, alternative] = await Promise.all([
        probe(target, {
          ...probeOptions,
          injectionTest: target.security === 'starttls',
          ...(onProgress ? { onProgress: (e: ProbeProgress) => onProgress(role, e) } : {}),
        }),
        alt
          ? probe(alt, { ...probeOptions, scan: 'off', injectionTest: false })
          : Promise.resolve(null),
      ]);
      const judged = judgeEndpoint(facts, { trust, ...(now ? { now } : {}) });
      const extra = accountEndpointFindings({
        configured: endpoint,
        facts,
        implicitAlternative: alternative,
        exceptions: account.certificateExceptions,
      });
      // Per-address findings that agree on every address are reported once.
      const merged = mergeAcrossAddresses(
        facts.addresses.map((a) => extra.filter((f) => f.subject.address === a.address)),
        facts.addresses.length,
      );
      const findings: Finding[] = sortFindings([
        ...judged.findings,
        ...extra.filter((f) => f.subject.address === undefined),
        ...merged,
      ]);
      return {
        role,
        configured: endpoint,
        judgement: { ...judged, findings, verdict: endpointVerdict(facts, findings) },
        alternative,
      };
    }),
  );
  return {
    accountId: account.id,
    endpoints,
    verdict: accountVerdict(endpoints.map((e) => e.judgement.verdict)),
  };
}
