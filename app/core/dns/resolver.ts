/**
 * The DNS questions a domain check asks (MX, TXT, TLSA, A/AAAA), each answer with its DNSSEC
 * state kept apart (RFC 7672 needs all four):
 *
 *   secure    the resolver validated it (AD bit) and we trust that resolver's AD bit;
 *   insecure  a validating resolver we trust answered without AD: the zone is not signed;
 *   bogus     signed, but validation failed: SERVFAIL, while the same question with Checking
 *             Disabled gets an answer (DANE senders defer mail then);
 *   unknown   cannot tell: the resolver does not validate, or it is not one whose AD bit counts.
 *
 * Whose AD bit counts (RFC 6698 §4.1; RFC 4035 §4.9.3): a resolver the user chose, or one on this
 * machine (loopback). A remote resolver handed out by a network may strip or forge the bit.
 * Whether the resolver validates at all is asked once: the root's DNSKEY with AD, or any secure
 * answer seen.
 */
import dns from 'node:dns';
import { isIP } from 'node:net';
import type * as dnsPacket from 'dns-packet';
import type { LookupFunction } from '../net/resolve';
import {
  DnsWireError,
  queryWire,
  sameName,
  serverLabel,
  type DnsServer,
  type QuestionType,
  type WireAnswer,
} from './wire';

export type DnssecState = 'secure' | 'insecure' | 'bogus' | 'unknown';

/** How a question ended. 'no-data': the name exists, without records of that type. */
export type LookupOutcome =
  'answer' | 'no-data' | 'nxdomain' | 'servfail' | 'refused' | 'timeout' | 'error';

export interface DnsLookup<T> {
  readonly name: string;
  readonly type: QuestionType;
  readonly outcome: LookupOutcome;
  /** Empty unless outcome is 'answer' (never the data of a bogus answer). */
  readonly records: readonly T[];
  /** The name the records are at, after CNAMEs (the name itself when there is none). */
  readonly canonicalName: string;
  readonly dnssec: DnssecState;
  /** The server that answered, or null. */
  readonly server: string | null;
  /** What went wrong, for the details; null for an answer, no data or NXDOMAIN. */
  readonly error: string | null;
}

export interface MxRecord {
  readonly preference: number;
  /** Lower case, no trailing dot; '' for the null MX's '.'. */
  readonly exchange: string;
}

export interface TlsaRecord {
  readonly usage: number;
  readonly selector: number;
  readonly matchingType: number;
  /** The association data, lower-case hex. */
  readonly data: string;
}

/** Where the resolver came from: it decides whether its AD bit counts. */
export type ResolverOrigin = 'chosen' | 'system';

export interface DomainResolverOptions {
  /** Servers to ask ("127.0.0.1", "127.0.0.1:5353", "[::1]:53"); default: the system's. */
  readonly servers?: readonly string[];
  /** Deadline per attempt (default 3 s). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Whether its AD bit counts; default: chosen servers, or the system's when all loopback. */
  readonly adTrusted?: boolean;
}

export interface DomainResolver {
  readonly servers: readonly string[];
  readonly origin: ResolverOrigin;
  /** The resolver's AD bit counts (chosen by the user, or on this machine). */
  readonly adTrusted: boolean;
  /** Whether the resolver validates DNSSEC: true, false, or 'unknown' (it did not say). */
  validates(): Promise<boolean | 'unknown'>;
  mx(domain: string): Promise<DnsLookup<MxRecord>>;
  txt(name: string): Promise<DnsLookup<string>>;
  tlsa(name: string): Promise<DnsLookup<TlsaRecord>>;
  a(host: string): Promise<DnsLookup<string>>;
  aaaa(host: string): Promise<DnsLookup<string>>;
  /** A dns.lookup stand-in answering from this resolver (for the probes and the HTTPS fetch). */
  lookupFunction(): LookupFunction;
}

/** "127.0.0.1", "127.0.0.1:5353", "::1", "[::1]:5353" → server; null when it is none of those. */
export function parseServer(text: string): DnsServer | null {
  const t = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(t);
  if (bracketed) {
    const port = bracketed[2] !== undefined ? Number(bracketed[2]) : 53;
    return isIP(bracketed[1] ?? '') === 6 && port > 0 && port < 65536
      ? { host: bracketed[1] ?? '', port }
      : null;
  }
  if (isIP(t) !== 0) return { host: t, port: 53 };
  const hostPort = /^([\d.]+):(\d{1,5})$/.exec(t);
  if (hostPort && isIP(hostPort[1] ?? '') === 4) {
    const port = Number(hostPort[2]);
    return port > 0 && port < 65536 ? { host: hostPort[1] ?? '', port } : null;
  }
  return null;
}

function isLoopback(host: string): boolean {
  return host === '::1' || /^127\./.test(host);
}

function bareName(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}

/** Follows the CNAMEs of `name` inside the answer section (at most 8 hops). */
function canonicalOf(name: string, answers: readonly dnsPacket.Answer[]): string {
  let current = bareName(name);
  for (let hop = 0; hop < 8; hop++) {
    const cname = answers.find((a) => a.type === 'CNAME' && sameName(a.name, current));
    const target = (cname as { data?: unknown } | undefined)?.data;
    if (typeof target !== 'string') break;
    current = bareName(target);
  }
  return current;
}

function txtOf(data: unknown): string {
  // RFC 8461 §3.1 / RFC 8460 §3: a record split into several strings is read as their concatenation.
  const parts = Array.isArray(data) ? data : [data];
  return parts
    .map((p) => (Buffer.isBuffer(p) ? p.toString('utf8') : typeof p === 'string' ? p : ''))
    .join('');
}

function recordsOf(
  type: QuestionType,
  owner: string,
  answers: readonly dnsPacket.Answer[],
): unknown[] {
  const out: unknown[] = [];
  for (const a of answers) {
    if (a.type !== type || !sameName(a.name, owner)) continue;
    const data = (a as { data?: unknown }).data;
    switch (type) {
      case 'MX': {
        const mx = data as { preference?: number; exchange?: string };
        out.push({ preference: mx.preference ?? 0, exchange: bareName(mx.exchange ?? '') });
        break;
      }
      case 'TXT':
        out.push(txtOf(data));
        break;
      case 'TLSA': {
        const t = data as {
          usage: number;
          selector: number;
          matchingType: number;
          certificate: Buffer;
        };
        out.push({
          usage: t.usage,
          selector: t.selector,
          matchingType: t.matchingType,
          data: Buffer.from(t.certificate).toString('hex'),
        });
        break;
      }
      default:
        if (typeof data === 'string')
          out.push(type === 'A' || type === 'AAAA' ? data : bareName(data));
    }
  }
  return out;
}

export function createDomainResolver(options: DomainResolverOptions = {}): DomainResolver {
  const chosen = options.servers !== undefined && options.servers.length > 0;
  const texts = chosen ? [...(options.servers ?? [])] : dns.getServers();
  const servers = texts.map((t) => {
    const s = parseServer(t);
    if (!s) throw new Error(`not a DNS server address: ${t.slice(0, 80)}`);
    return s;
  });
  const origin: ResolverOrigin = chosen ? 'chosen' : 'system';
  const adTrusted =
    options.adTrusted ??
    (chosen || (servers.length > 0 && servers.every((s) => isLoopback(s.host))));
  const wire = {
    timeoutMs: options.timeoutMs ?? 3_000,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  let sawSecure = false;
  let validating: Promise<boolean | 'unknown'> | null = null;

  async function ask(name: string, type: QuestionType, cd = false): Promise<WireAnswer> {
    let last: unknown = new DnsWireError('network', 'no DNS server to ask');
    for (const server of servers) {
      try {
        return await queryWire(server, { name, type, cd }, wire);
      } catch (err) {
        if (err instanceof DnsWireError && err.kind === 'cancelled') throw err;
        last = err;
      }
    }
    throw last;
  }

  function validates(): Promise<boolean | 'unknown'> {
    if (sawSecure) return Promise.resolve(true);
    validating ??= ask('.', 'DNSKEY').then(
      (r) => (r.ad ? true : r.rcode === 'NOERROR' && r.answers.length > 0 ? false : 'unknown'),
      () => 'unknown' as const,
    );
    return validating.then((v) => (sawSecure ? true : v));
  }

  async function lookup<T>(nameIn: string, type: QuestionType): Promise<DnsLookup<T>> {
    const name = bareName(nameIn);
    const base = { name, type, canonicalName: name };
    let r: WireAnswer;
    try {
      r = await ask(name, type);
    } catch (err) {
      if (err instanceof DnsWireError && err.kind === 'cancelled') throw err;
      const timeout = err instanceof DnsWireError && err.kind === 'timeout';
      return {
        ...base,
        outcome: timeout ? 'timeout' : 'error',
        records: [],
        dnssec: 'unknown',
        server: null,
        error: err instanceof Error ? err.message : String(err),
      };
    }
    if (r.rcode === 'SERVFAIL') {
      // A validating resolver answers SERVFAIL for bogus data; with CD it hands the data over.
      let bogus = false;
      try {
        const unchecked = await ask(name, type, true);
        bogus = unchecked.rcode === 'NOERROR' || unchecked.rcode === 'NXDOMAIN';
      } catch (err) {
        if (err instanceof DnsWireError && err.kind === 'cancelled') throw err;
      }
      return {
        ...base,
        outcome: 'servfail',
        records: [],
        dnssec: bogus && adTrusted ? 'bogus' : 'unknown',
        server: r.server,
        error: bogus
          ? 'the resolver refused the answer: its DNSSEC signatures do not validate'
          : 'the resolver could not get an answer (SERVFAIL)',
      };
    }
    if (r.ad && adTrusted) sawSecure = true;
    const dnssec: DnssecState = !adTrusted
      ? 'unknown'
      : r.ad
        ? 'secure'
        : (await validates()) === true
          ? 'insecure'
          : 'unknown';
    if (r.rcode !== 'NOERROR' && r.rcode !== 'NXDOMAIN') {
      return {
        ...base,
        outcome: r.rcode === 'REFUSED' ? 'refused' : 'error',
        records: [],
        dnssec: 'unknown',
        server: r.server,
        error: `the resolver answered ${r.rcode}`,
      };
    }
    const canonicalName = canonicalOf(name, r.answers);
    const records = r.rcode === 'NOERROR' ? (recordsOf(type, canonicalName, r.answers) as T[]) : [];
    return {
      ...base,
      canonicalName,
      outcome: r.rcode === 'NXDOMAIN' ? 'nxdomain' : records.length > 0 ? 'answer' : 'no-data',
      records,
      dnssec,
      server: r.server,
      error: null,
    };
  }

  const resolver: DomainResolver = {
    servers: servers.map(serverLabel),
    origin,
    adTrusted,
    validates,
    mx: (d) => lookup<MxRecord>(d, 'MX'),
    txt: (n) => lookup<string>(n, 'TXT'),
    tlsa: (n) => lookup<TlsaRecord>(n, 'TLSA'),
    a: (h) => lookup<string>(h, 'A'),
    aaaa: (h) => lookup<string>(h, 'AAAA'),
    lookupFunction(): LookupFunction {
      const fn = (
        hostname: string,
        opts: dns.LookupAllOptions | dns.LookupOneOptions | number | undefined,
        callback: (err: NodeJS.ErrnoException | null, address: unknown, family?: number) => void,
      ): void => {
        const o = typeof opts === 'object' && opts !== null ? opts : { family: opts };
        const family = o.family === 'IPv4' ? 4 : o.family === 'IPv6' ? 6 : (o.family ?? 0);
        const literal = isIP(hostname);
        const found: Promise<dns.LookupAddress[]> =
          literal !== 0
            ? Promise.resolve([{ address: hostname, family: literal }])
            : Promise.all([
                family === 6 ? null : resolver.a(hostname),
                family === 4 ? null : resolver.aaaa(hostname),
              ]).then(([a4, a6]) => [
                ...(a4?.records ?? []).map((address) => ({ address, family: 4 })),
                ...(a6?.records ?? []).map((address) => ({ address, family: 6 })),
              ]);
        found.then(
          (list) => {
            if (list.length === 0) {
              const err: NodeJS.ErrnoException = new Error(`${hostname} has no address`);
              err.code = 'ENOTFOUND';
              callback(err, o.all === true ? [] : undefined);
              return;
            }
            if (o.all === true) callback(null, list);
            else callback(null, list[0]?.address, list[0]?.family);
          },
          (err: unknown) => {
            const e: NodeJS.ErrnoException = err instanceof Error ? err : new Error(String(err));
            callback(e, o.all === true ? [] : undefined);
          },
        );
      };
      return fn as unknown as LookupFunction;
    },
  };
  return resolver;
}
