/**
 * The domain check: how mail TO a domain is protected between mail servers. Asks DNS (MX,
 * `_mta-sts`, `_smtp._tls`, TLSA, each with its DNSSEC state), fetches the MTA-STS policy when
 * one is announced, and probes every MX host on port 25 with the SMTP STARTTLS dialog and the
 * TLS scan, several at once. Returns facts only; domain/judge.ts says what they mean.
 */
import type dns from 'node:dns';
import { probeEndpoint, type ProbeOptions, type ProbeProgress } from '../probe/probe-endpoint';
import type { ConnectToRule, LookupFunction } from '../net/resolve';
import type { ScanMode } from '../tls/scanner/scan';
import {
  createDomainResolver,
  type DnsLookup,
  type DomainResolver,
  type MxRecord,
  type TlsaRecord,
} from '../dns/resolver';
import {
  DOMAIN_FACTS_SCHEMA,
  type DomainFacts,
  type LookupSummary,
  type MxHostFacts,
} from './facts';
import { parseStsPolicy, parseStsRecords } from './mta-sts';
import { fetchPolicy } from './policy-fetch';
import { parseTlsRptRecords } from './tls-rpt';
import { normaliseDomain } from './name';

export { normaliseDomain } from './name';

/** More MX hosts than this are listed, not probed (real domains have one to five). */
export const MAX_MX_HOSTS = 10;
/** MX hosts probed at the same time. */
export const MX_PARALLEL = 4;

export interface DomainCheckOptions {
  /** DNS servers ("127.0.0.1:5353"); default: the system's. Their AD bit counts when chosen. */
  readonly dnsServers?: readonly string[];
  /** A resolver built elsewhere (tests); overrides dnsServers. */
  readonly resolver?: DomainResolver;
  /** SMTP port of the MX hosts (default 25; tests use a loopback port). */
  readonly smtpPort?: number;
  /** HTTPS port of the MTA-STS policy host (default 443). */
  readonly httpsPort?: number;
  /** curl-style --connect-to rules for the MX probes (tests, help desks behind a relay). */
  readonly connectTo?: readonly ConnectToRule[];
  readonly extraCa?: readonly string[];
  /** The TLS scan of each MX (default 'default'). */
  readonly scan?: ScanMode | 'off';
  /** Deadline per MX probe (default 30 s); DNS answers get 3 s per try. */
  readonly probeTimeoutMs?: number;
  readonly probeTimeouts?: ProbeOptions['timeouts'];
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: { readonly host: string } & ProbeProgress) => void;
  readonly version?: string;
  readonly wallClock?: () => number;
}

function summary(l: DnsLookup<unknown>): LookupSummary {
  return { name: l.name, outcome: l.outcome, dnssec: l.dnssec, error: l.error };
}

/** A lookup that answers only with addresses already found (the probe must not ask again). */
function fixedLookup(
  host: string,
  addresses: readonly string[],
  fallback: LookupFunction,
): LookupFunction {
  return ((
    name: string,
    options: dns.LookupAllOptions,
    callback: Parameters<LookupFunction>[2],
  ) => {
    if (name.toLowerCase().replace(/\.$/, '') !== host) {
      fallback(name, options, callback);
      return;
    }
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  }) as LookupFunction;
}

async function tlsaFor(
  resolver: DomainResolver,
  host: string,
  canonical: string,
): Promise<DnsLookup<TlsaRecord>> {
  // RFC 7672 §2.2.2: the TLSA of the expanded name first, then of the name as the MX gave it.
  const first = await resolver.tlsa(`_25._tcp.${canonical}`);
  if (canonical === host || first.outcome === 'answer' || first.outcome === 'servfail')
    return first;
  return resolver.tlsa(`_25._tcp.${host}`);
}

async function inBatches<T, R>(
  items: readonly T[],
  size: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return out;
}

export async function checkDomain(
  domainInput: string,
  options: DomainCheckOptions = {},
): Promise<DomainFacts> {
  const domain = normaliseDomain(domainInput);
  if (domain === null) throw new Error(`not a domain name: ${domainInput.slice(0, 80)}`);
  const wall = options.wallClock ?? Date.now;
  const started = wall();
  const t0 = performance.now();
  const resolver =
    options.resolver ??
    createDomainResolver({
      ...(options.dnsServers ? { servers: options.dnsServers } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  const lookup = resolver.lookupFunction();

  const stsTxtP = resolver.txt(`_mta-sts.${domain}`);
  const rptTxtP = resolver.txt(`_smtp._tls.${domain}`);
  const mxP = resolver.mx(domain);

  // MTA-STS: the policy is fetched only when exactly one valid record announces it.
  const mtaStsP = stsTxtP.then(async (txt) => {
    const result = parseStsRecords(txt.records);
    const fetch =
      result.kind === 'valid'
        ? await fetchPolicy(domain, {
            lookup,
            ...(options.extraCa ? { extraCa: options.extraCa } : {}),
            ...(options.httpsPort !== undefined ? { port: options.httpsPort } : {}),
            ...(options.signal ? { signal: options.signal } : {}),
          })
        : null;
    const policy = fetch?.kind === 'ok' ? parseStsPolicy(fetch.body) : null;
    return { record: { ...summary(txt), result }, fetch, policy };
  });

  // Awaited below; until then a failure of these (a cancel) must not go unhandled while the
  // MX lookup or the probes fail first.
  for (const p of [stsTxtP, rptTxtP, mtaStsP]) p.catch(() => undefined);

  const mx = await mxP;
  const nullMx =
    mx.outcome === 'answer' && mx.records.length === 1 && mx.records[0]?.exchange === '';
  const implicit = mx.outcome === 'no-data';
  let targets: MxRecord[] = [];
  if (implicit) targets = [{ preference: 0, exchange: domain }];
  else if (mx.outcome === 'answer' && !nullMx) {
    const seen = new Set<string>();
    targets = [...mx.records]
      .filter((r) => r.exchange !== '' && !seen.has(r.exchange) && seen.add(r.exchange))
      .sort((a, b) => a.preference - b.preference || a.exchange.localeCompare(b.exchange));
  }
  const probed = targets.slice(0, MAX_MX_HOSTS);

  const hosts = await inBatches(probed, MX_PARALLEL, async (r): Promise<MxHostFacts> => {
    const host = r.exchange;
    const [a, aaaa] = await Promise.all([resolver.a(host), resolver.aaaa(host)]);
    const canonicalName = a.canonicalName !== host ? a.canonicalName : aaaa.canonicalName;
    const addresses = [...a.records, ...aaaa.records];
    const [tlsa, probe] = await Promise.all([
      tlsaFor(resolver, host, canonicalName),
      addresses.length === 0
        ? Promise.resolve(null)
        : probeEndpoint(
            { host, port: options.smtpPort ?? 25, protocol: 'smtp', security: 'starttls' },
            {
              lookup: fixedLookup(host, addresses, lookup),
              scan: options.scan ?? 'default',
              overallTimeoutMs: options.probeTimeoutMs ?? 30_000,
              ...(options.connectTo ? { connectTo: options.connectTo } : {}),
              ...(options.extraCa ? { extraCa: options.extraCa } : {}),
              ...(options.probeTimeouts ? { timeouts: options.probeTimeouts } : {}),
              ...(options.signal ? { signal: options.signal } : {}),
              ...(options.version !== undefined ? { version: options.version } : {}),
              ...(options.onProgress
                ? { onProgress: (e: ProbeProgress) => options.onProgress?.({ host, ...e }) }
                : {}),
            },
          ),
    ]);
    return {
      host,
      preference: r.preference,
      a: summary(a),
      aaaa: summary(aaaa),
      addresses,
      canonicalName,
      tlsa: { ...summary(tlsa), records: tlsa.records },
      probe,
    };
  });

  const [mtaSts, rpt, validates] = await Promise.all([mtaStsP, rptTxtP, resolver.validates()]);
  return {
    schema: DOMAIN_FACTS_SCHEMA,
    domain,
    startedAt: new Date(started).toISOString(),
    durationMs: Math.round(performance.now() - t0),
    sealcheckVersion: options.version ?? '0.0.0',
    resolver: {
      servers: resolver.servers,
      origin: resolver.origin,
      adTrusted: resolver.adTrusted,
      validates,
    },
    mx: { ...summary(mx), records: mx.records, nullMx, implicit },
    hosts,
    hostsNotChecked: targets.length - probed.length,
    mtaSts,
    tlsRpt: { ...summary(rpt), result: parseTlsRptRecords(rpt.records) },
  };
}
