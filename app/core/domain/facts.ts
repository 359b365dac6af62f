/**
 * Domain facts: what a domain check saw about mail TO a domain (its MX hosts on port 25,
 * MTA-STS, TLS-RPT, DANE), with no judgement in it. JSON-serialisable and versioned, like the
 * endpoint facts; findings come from domain/judge.ts.
 */
import type { EndpointFacts } from '../facts/endpoint';
import type {
  DnssecState,
  LookupOutcome,
  MxRecord,
  ResolverOrigin,
  TlsaRecord,
} from '../dns/resolver';
import type { PolicyFetch } from './policy-fetch';
import type { StsPolicyResult, StsRecordResult } from './mta-sts';
import type { TlsRptResult } from './tls-rpt';

export const DOMAIN_FACTS_SCHEMA = 'sealcheck.domain-facts/1' as const;

/** One DNS question's outcome, without its records (they sit beside it, typed). */
export interface LookupSummary {
  readonly name: string;
  readonly outcome: LookupOutcome;
  readonly dnssec: DnssecState;
  readonly error: string | null;
}

export interface MxHostFacts {
  readonly host: string;
  readonly preference: number;
  readonly a: LookupSummary;
  readonly aaaa: LookupSummary;
  readonly addresses: readonly string[];
  /** TLSA at _25._tcp of the CNAME-expanded host, then of the host itself (RFC 7672 §2.2.2). */
  readonly tlsa: (LookupSummary & { readonly records: readonly TlsaRecord[] }) | null;
  /** The name its addresses are at, after CNAMEs. */
  readonly canonicalName: string;
  /** The SMTP STARTTLS probe and scan of port 25; null when the host has no address. */
  readonly probe: EndpointFacts | null;
}

export interface DomainFacts {
  readonly schema: typeof DOMAIN_FACTS_SCHEMA;
  readonly domain: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly sealcheckVersion: string;
  readonly resolver: {
    readonly servers: readonly string[];
    readonly origin: ResolverOrigin;
    readonly adTrusted: boolean;
    readonly validates: boolean | 'unknown';
  };
  readonly mx: LookupSummary & {
    readonly records: readonly MxRecord[];
    /** RFC 7505: a single MX of "." — the domain takes no mail. */
    readonly nullMx: boolean;
    /** No MX: mail goes to the domain's own address (RFC 5321 §5.1). */
    readonly implicit: boolean;
  };
  /** The hosts probed, best preference first (at most MAX_MX_HOSTS). */
  readonly hosts: readonly MxHostFacts[];
  /** MX hosts listed beyond MAX_MX_HOSTS, not probed. */
  readonly hostsNotChecked: number;
  readonly mtaSts: {
    readonly record: LookupSummary & { readonly result: StsRecordResult };
    /** Fetched when there is exactly one valid record. */
    readonly fetch: PolicyFetch | null;
    readonly policy: StsPolicyResult | null;
  };
  readonly tlsRpt: LookupSummary & { readonly result: TlsRptResult };
}
