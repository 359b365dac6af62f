/**
 * The runtime schema of DomainFacts, for a domain check that comes back from outside inside a
 * saved report (report/open.ts). The same rules as the endpoint facts' schema (facts/schema.ts):
 * strict types and enums, every string and list capped, unknown keys dropped; each MX host's
 * probe is checked by the endpoint schema itself. DNS and web text (TXT records, the policy file)
 * is hostile and stays possible here: every output escapes it.
 */
import * as v from 'valibot';
import type { DnssecState, LookupOutcome } from '../dns/resolver';
import {
  EndpointFactsSchema,
  int,
  ipAddress,
  isoTime,
  list,
  MAX_ADDRESSES,
  measure,
  members,
  text,
  tristate,
} from '../facts/schema';
import { DOMAIN_FACTS_SCHEMA, type DomainFacts } from './facts';
import type { StsMode } from './mta-sts';
import type { PolicyFetch } from './policy-fetch';

/** A DNS name (with its underscore labels), as asked or answered. */
const dnsName = text(1024);
/** One TXT record's text: DNS lets it reach 64 KB. */
const txt = text(64 * 1024);
/** The policy file (at most MAX_POLICY_BYTES when fetched), with room to spare. */
const policyBody = text(128 * 1024);
/** Most MX hosts probed (the check probes 10). */
const MAX_HOSTS = 64;

const OUTCOMES = members<LookupOutcome>()([
  'answer',
  'no-data',
  'nxdomain',
  'servfail',
  'refused',
  'timeout',
  'error',
]);
const DNSSEC = members<DnssecState>()(['secure', 'insecure', 'bogus', 'unknown']);
const MODES = members<StsMode>()(['enforce', 'testing', 'none']);
const FETCH_FAILURES = members<Exclude<PolicyFetch['kind'], 'ok'>>()([
  'unreachable',
  'certificate',
  'status',
  'redirect',
  'content-type',
  'too-large',
  'timeout',
  'cancelled',
]);

const lookupSummary = {
  name: dnsName,
  outcome: v.picklist(OUTCOMES),
  dnssec: v.picklist(DNSSEC),
  error: v.nullable(text()),
};

const TlsaRecordSchema = v.object({
  usage: int(0, 255),
  selector: int(0, 255),
  matchingType: int(0, 255),
  data: v.pipe(text(256 * 1024), v.regex(/^[0-9a-f]*$/i, 'is not hexadecimal')),
});

const MxHostFactsSchema = v.object({
  host: dnsName,
  preference: int(0, 65535),
  a: v.object(lookupSummary),
  aaaa: v.object(lookupSummary),
  addresses: list(ipAddress, MAX_ADDRESSES),
  tlsa: v.nullable(v.object({ ...lookupSummary, records: list(TlsaRecordSchema) })),
  canonicalName: dnsName,
  probe: v.nullable(EndpointFactsSchema),
});

const several = v.object({ kind: v.literal('several'), texts: list(txt) });
const invalid = v.object({ kind: v.literal('invalid'), text: txt, problem: text() });

const StsRecordResultSchema = v.variant('kind', [
  v.object({ kind: v.literal('none') }),
  several,
  invalid,
  v.object({ kind: v.literal('valid'), record: v.object({ id: text(1024), text: txt }) }),
]);

const PolicyFetchSchema = v.variant('kind', [
  v.object({ kind: v.literal('ok'), url: text(2048), body: policyBody }),
  v.object({ kind: v.picklist(FETCH_FAILURES), url: text(2048), detail: text() }),
]);

const StsPolicyResultSchema = v.variant('kind', [
  v.object({
    kind: v.literal('valid'),
    policy: v.object({
      mode: v.picklist(MODES),
      mx: list(dnsName),
      maxAge: int(0, 1e10),
    }),
    notes: list(text()),
  }),
  v.object({ kind: v.literal('invalid'), problems: list(text()) }),
]);

const TlsRptResultSchema = v.variant('kind', [
  v.object({ kind: v.literal('none') }),
  several,
  invalid,
  v.object({ kind: v.literal('valid'), text: txt, rua: list(text(2048)) }),
]);

export const DomainFactsSchema = v.object({
  schema: v.literal(DOMAIN_FACTS_SCHEMA),
  domain: dnsName,
  startedAt: isoTime,
  durationMs: measure,
  sealcheckVersion: text(64),
  resolver: v.object({
    servers: list(text(256), 64),
    origin: v.picklist(['chosen', 'system']),
    adTrusted: v.boolean(),
    validates: tristate,
  }),
  mx: v.object({
    ...lookupSummary,
    records: list(v.object({ preference: int(0, 65535), exchange: dnsName })),
    nullMx: v.boolean(),
    implicit: v.boolean(),
  }),
  hosts: list(MxHostFactsSchema, MAX_HOSTS),
  hostsNotChecked: int(),
  mtaSts: v.object({
    record: v.object({ ...lookupSummary, result: StsRecordResultSchema }),
    fetch: v.nullable(PolicyFetchSchema),
    policy: v.nullable(StsPolicyResultSchema),
  }),
  tlsRpt: v.object({ ...lookupSummary, result: TlsRptResultSchema }),
});

// ── The schema and the types agree (compile-time only) ──

type Assert<T extends true> = T;
type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export type SchemaOutputIsDomainFacts = Assert<
  v.InferOutput<typeof DomainFactsSchema> extends DomainFacts ? true : false
>;
export type DomainFactsFitTheSchema = Assert<
  DomainFacts extends DeepReadonly<v.InferOutput<typeof DomainFactsSchema>> ? true : false
>;
