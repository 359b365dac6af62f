/**
 * Autodiscovery: from an address to the servers an app should use, each candidate probed and
 * ranked.
 *
 * 1. SRV records (RFC 6186, RFC 8314 §5.1; XEP-0368 for XMPP): _submissions._tcp,
 *    _submission._tcp, _imaps._tcp, _imap._tcp, _pop3s._tcp, _pop3._tcp, _xmpps-client._tcp,
 *    _xmpp-client._tcp. A target of "." says the service is not offered.
 * 2. Mozilla-style autoconfig from the domain, over verified HTTPS only (autoconfig.ts).
 * 3. Only for a role with nothing found: the usual host names (imap., mail., pop., smtp.,
 *    xmpp., the domain itself) on the standard ports.
 * Every candidate is probed (the dialog up to TLS, no scan, no password) and ranked per role:
 * reachable first, then TLS from the first byte over STARTTLS (RFC 8314), a verified
 * certificate, the strength of its source, SRV priority and weight.
 *
 * Nothing found here is taken on trust: SRV answers are not DNSSEC-validated here, and a
 * discovered host becomes the name certificates are checked against (RFC 6186 §6, RFC 7817
 * §4.1), so every candidate is a suggestion the user confirms (`needsConfirmation`), with its
 * sources shown.
 */
import { Resolver } from 'node:dns/promises';
import type { EndpointFacts, Protocol } from '../facts/endpoint';
import type { LookupFunction } from '../net/resolve';
import { probeEndpoint, type ProbeOptions } from '../probe';
import { fetchAutoconfig, type AutoconfigFile } from './autoconfig';
import type { EndpointRole } from './model';

export type DiscoverySource =
  | {
      readonly kind: 'srv';
      /** e.g. _imaps._tcp.example.org */
      readonly name: string;
      readonly priority: number;
      readonly weight: number;
      /** Whether the answer was DNSSEC-validated: not checked here yet. */
      readonly dnssec: 'not-validated';
    }
  | { readonly kind: 'autoconfig'; readonly url: string }
  | { readonly kind: 'guess' };

export interface DiscoveryCandidate {
  readonly role: EndpointRole;
  readonly protocol: Protocol;
  readonly host: string;
  readonly port: number;
  readonly security: 'implicit' | 'starttls';
  readonly sources: readonly DiscoverySource[];
  /** What the probe saw: reachable, and whether TLS came with a verified certificate. */
  readonly reachable: boolean;
  readonly verified: boolean;
  readonly probeStatus: string;
  /** Always true for now: see the file comment. */
  readonly needsConfirmation: true;
  /** For XMPP: the account's domain (the certificate's reference identity). */
  readonly xmppDomain?: string;
}

export interface Discovery {
  readonly address: string;
  readonly domain: string;
  /** Per role, best first. */
  readonly incoming: readonly DiscoveryCandidate[];
  readonly outgoing: readonly DiscoveryCandidate[];
  readonly chat: readonly DiscoveryCandidate[];
  /** What was looked at, for the details: the SRV names asked and the autoconfig file read. */
  readonly looked: { readonly srv: readonly string[]; readonly autoconfig: string | null };
}

export interface DiscoveryOptions {
  /** DNS servers to ask ("127.0.0.1:5353"; default: the system's). */
  readonly dnsServers?: readonly string[];
  /** Name resolution for the probes and the HTTPS fetch (tests map names to loopback). */
  readonly lookup?: LookupFunction;
  /** Extra trust anchors for the probes and the autoconfig fetch. */
  readonly extraCa?: readonly string[];
  /** The autoconfig HTTPS port (tests; default 443). */
  readonly autoconfigPort?: number;
  /** Which roles to look for (default all three). */
  readonly roles?: readonly EndpointRole[];
  /** Deadline per probe (default 10 s). */
  readonly probeTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /** The probe (tests may count calls). */
  readonly probe?: typeof probeEndpoint;
}

interface Service {
  readonly srv: string;
  readonly role: EndpointRole;
  readonly protocol: Protocol;
  readonly security: 'implicit' | 'starttls';
}

const SERVICES: readonly Service[] = [
  { srv: '_imaps._tcp', role: 'incoming', protocol: 'imap', security: 'implicit' },
  { srv: '_imap._tcp', role: 'incoming', protocol: 'imap', security: 'starttls' },
  { srv: '_pop3s._tcp', role: 'incoming', protocol: 'pop3', security: 'implicit' },
  { srv: '_pop3._tcp', role: 'incoming', protocol: 'pop3', security: 'starttls' },
  { srv: '_submissions._tcp', role: 'outgoing', protocol: 'submission', security: 'implicit' },
  { srv: '_submission._tcp', role: 'outgoing', protocol: 'submission', security: 'starttls' },
  { srv: '_xmpps-client._tcp', role: 'chat', protocol: 'xmpp', security: 'implicit' },
  { srv: '_xmpp-client._tcp', role: 'chat', protocol: 'xmpp', security: 'starttls' },
];

const GUESSES: Readonly<Record<EndpointRole, readonly { prefix: string; protocol: Protocol }[]>> = {
  incoming: [
    { prefix: 'imap.', protocol: 'imap' },
    { prefix: 'mail.', protocol: 'imap' },
    { prefix: 'pop.', protocol: 'pop3' },
    { prefix: '', protocol: 'imap' },
  ],
  outgoing: [
    { prefix: 'smtp.', protocol: 'submission' },
    { prefix: 'mail.', protocol: 'submission' },
    { prefix: '', protocol: 'submission' },
  ],
  chat: [
    { prefix: 'xmpp.', protocol: 'xmpp' },
    { prefix: '', protocol: 'xmpp' },
  ],
};

const STANDARD_PORTS: Readonly<Record<string, { implicit: number; starttls: number }>> = {
  imap: { implicit: 993, starttls: 143 },
  pop3: { implicit: 995, starttls: 110 },
  submission: { implicit: 465, starttls: 587 },
  xmpp: { implicit: 5223, starttls: 5222 },
};

/** The domain of an address, lower-cased, without a trailing dot; null when there is none. */
export function domainOf(address: string): string | null {
  const at = address.lastIndexOf('@');
  if (at <= 0) return null;
  const domain = address
    .slice(at + 1)
    .trim()
    .toLowerCase()
    .replace(/\.$/, '');
  return /^[\p{L}\p{N}._-]{1,253}$/u.test(domain) && domain.includes('.') ? domain : null;
}

type Draft = Omit<
  DiscoveryCandidate,
  'reachable' | 'verified' | 'probeStatus' | 'needsConfirmation'
>;

function key(c: {
  role: string;
  protocol: string;
  host: string;
  port: number;
  security: string;
}): string {
  return `${c.role}|${c.protocol}|${c.host.toLowerCase().replace(/\.$/, '')}|${c.port}|${c.security}`;
}

function addDraft(drafts: Map<string, Draft>, d: Draft): void {
  const k = key(d);
  const old = drafts.get(k);
  drafts.set(k, old ? { ...old, sources: [...old.sources, ...d.sources] } : d);
}

async function srvCandidates(
  domain: string,
  roles: ReadonlySet<EndpointRole>,
  options: DiscoveryOptions,
): Promise<{ drafts: Draft[]; asked: string[] }> {
  const resolver = new Resolver({ timeout: 3_000, tries: 2 });
  if (options.dnsServers && options.dnsServers.length > 0)
    resolver.setServers([...options.dnsServers]);
  const onAbort = (): void => resolver.cancel();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const asked: string[] = [];
  try {
    const results = await Promise.all(
      SERVICES.filter((s) => roles.has(s.role)).map(async (s) => {
        const name = `${s.srv}.${domain}`;
        asked.push(name);
        let records: { name: string; port: number; priority: number; weight: number }[];
        try {
          records = await resolver.resolveSrv(name);
        } catch {
          return [];
        }
        return records
          .filter((r) => r.name !== '' && r.name !== '.' && r.port > 0)
          .slice(0, 8)
          .map((r): Draft => ({
            role: s.role,
            protocol: s.protocol,
            host: r.name.replace(/\.$/, ''),
            port: r.port,
            security: s.security,
            sources: [
              {
                kind: 'srv',
                name,
                priority: r.priority,
                weight: r.weight,
                dnssec: 'not-validated',
              },
            ],
            ...(s.role === 'chat' ? { xmppDomain: domain } : {}),
          }));
      }),
    );
    return { drafts: results.flat(), asked };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

function autoconfigCandidates(file: AutoconfigFile, roles: ReadonlySet<EndpointRole>): Draft[] {
  const out: Draft[] = [];
  for (const s of file.servers) {
    // Plain-text entries are not offered: Sealcheck never suggests an unencrypted setting.
    if (s.socketType === 'plain') continue;
    const security = s.socketType === 'SSL' ? 'implicit' : 'starttls';
    let protocol: Protocol | null = null;
    if (s.role === 'incoming' && (s.type === 'imap' || s.type === 'pop3')) protocol = s.type;
    if (s.role === 'outgoing' && s.type === 'smtp') protocol = 'submission';
    if (protocol === null) continue;
    const role: EndpointRole = s.role;
    if (!roles.has(role)) continue;
    out.push({
      role,
      protocol,
      host: s.hostname,
      port: s.port,
      security,
      sources: [{ kind: 'autoconfig', url: file.url }],
    });
  }
  return out;
}

function guessCandidates(domain: string, role: EndpointRole): Draft[] {
  return GUESSES[role].flatMap(({ prefix, protocol }) => {
    const ports = STANDARD_PORTS[protocol];
    if (!ports) return [];
    return (['implicit', 'starttls'] as const).map((security): Draft => ({
      role,
      protocol,
      host: `${prefix}${domain}`,
      port: ports[security],
      security,
      sources: [{ kind: 'guess' }],
      ...(role === 'chat' ? { xmppDomain: domain } : {}),
    }));
  });
}

function sourceRank(c: Draft): number {
  const kinds = new Set(c.sources.map((s) => s.kind));
  return kinds.has('srv') ? 0 : kinds.has('autoconfig') ? 1 : 2;
}

function srvOrder(c: Draft): [number, number] {
  const srv = c.sources.find((s) => s.kind === 'srv');
  return srv && srv.kind === 'srv' ? [srv.priority, -srv.weight] : [65536, 0];
}

/** Best first: reachable, implicit TLS, verified, source, SRV priority then weight. */
export function rankCandidates(list: readonly DiscoveryCandidate[]): DiscoveryCandidate[] {
  return [...list].sort((a, b) => {
    const by = (f: (c: DiscoveryCandidate) => number): number => f(a) - f(b);
    return (
      by((c) => (c.reachable ? 0 : 1)) ||
      by((c) => (c.security === 'implicit' ? 0 : 1)) ||
      by((c) => (c.verified ? 0 : 1)) ||
      by(sourceRank) ||
      srvOrder(a)[0] - srvOrder(b)[0] ||
      srvOrder(a)[1] - srvOrder(b)[1]
    );
  });
}

function probed(d: Draft, facts: EndpointFacts): DiscoveryCandidate {
  const a = facts.addresses;
  const reachable = a.length > 0 && a.every((x) => x.status === 'success' && x.tls !== null);
  const verified =
    reachable &&
    a.every((x) => x.tls?.verification.chainTrusted === true && x.tls.verification.nameMatches);
  return {
    ...d,
    reachable,
    verified,
    probeStatus: a[0]?.status ?? (facts.resolveError ? 'dns-error' : 'no-address'),
    needsConfirmation: true,
  };
}

export async function discoverAccount(
  address: string,
  options: DiscoveryOptions = {},
): Promise<Discovery> {
  const domain = domainOf(address);
  if (domain === null) throw new RangeError('not an address with a domain (name@example.org)');
  const roles = new Set(options.roles ?? (['incoming', 'outgoing', 'chat'] as const));
  const drafts = new Map<string, Draft>();

  const [srv, autoconfig] = await Promise.all([
    srvCandidates(domain, roles, options),
    roles.has('incoming') || roles.has('outgoing')
      ? fetchAutoconfig(address, domain, {
          ...(options.lookup ? { lookup: options.lookup } : {}),
          ...(options.extraCa ? { extraCa: options.extraCa } : {}),
          ...(options.autoconfigPort !== undefined ? { port: options.autoconfigPort } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        })
      : Promise.resolve(null),
  ]);
  for (const d of srv.drafts) addDraft(drafts, d);
  if (autoconfig) for (const d of autoconfigCandidates(autoconfig, roles)) addDraft(drafts, d);
  for (const role of roles) {
    if (![...drafts.values()].some((d) => d.role === role)) {
      for (const d of guessCandidates(domain, role)) addDraft(drafts, d);
    }
  }

  const probe = options.probe ?? probeEndpoint;
  const probeOptions: ProbeOptions = {
    scan: 'off',
    injectionTest: false,
    overallTimeoutMs: options.probeTimeoutMs ?? 10_000,
    ...(options.lookup ? { lookup: options.lookup } : {}),
    ...(options.extraCa ? { extraCa: options.extraCa } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const candidates = await Promise.all(
    [...drafts.values()].map(async (d) =>
      probed(
        d,
        await probe(
          {
            host: d.host,
            port: d.port,
            protocol: d.protocol,
            security: d.security,
            ...(d.xmppDomain !== undefined ? { xmppDomain: d.xmppDomain } : {}),
          },
          probeOptions,
        ),
      ),
    ),
  );
  const forRole = (role: EndpointRole): DiscoveryCandidate[] =>
    rankCandidates(candidates.filter((c) => c.role === role));
  return {
    address,
    domain,
    incoming: forRole('incoming'),
    outgoing: forRole('outgoing'),
    chat: forRole('chat'),
    looked: { srv: srv.asked, autoconfig: autoconfig?.url ?? null },
  };
}
