/**
 * `sealcheck domain DOMAIN... [options]`: how mail sent TO a domain is protected between mail
 * servers (MX on port 25 with STARTTLS, MTA-STS, TLS-RPT, DANE). Checks the domains one after
 * the other (each one's MX hosts in parallel, domain/check.ts), judges them (domain/judge.ts)
 * and prints the verdict first, then what needs attention, the mail servers and the details;
 * or JSON, or a help-desk summary in Markdown.
 *
 * Exit codes as for `check`: 0 nothing needs attention, 1 a warning or worse, 2 could not check.
 */
import { parseServer } from '../../core/dns/resolver';
import { checkDomain, type DomainCheckOptions } from '../../core/domain/check';
import { mailDomainOf } from '../../core/domain/name';
import type { ConnectToRule } from '../../core/net/resolve';
import type { CliIo } from '../io';
import { UsageError } from '../usage';
import { connectToRules, integer, readCaFiles } from './check';

export const DOMAIN_OPTIONS = {
  json: { type: 'boolean' },
  markdown: { type: 'boolean' },
  resolver: { type: 'string', multiple: true },
  'ca-file': { type: 'string', multiple: true },
  'connect-to': { type: 'string', multiple: true },
  'smtp-port': { type: 'string' },
  'https-port': { type: 'string' },
  timeout: { type: 'string' },
  'no-scan': { type: 'boolean' },
} as const;

export interface DomainValues {
  readonly json?: boolean;
  readonly markdown?: boolean;
  readonly resolver?: readonly string[];
  readonly 'ca-file'?: readonly string[];
  readonly 'connect-to'?: readonly string[];
  readonly 'smtp-port'?: string;
  readonly 'https-port'?: string;
  readonly timeout?: string;
  readonly 'no-scan'?: boolean;
}

export interface DomainRequest {
  readonly domains: readonly string[];
  readonly json: boolean;
  readonly markdown: boolean;
  readonly resolvers: readonly string[];
  readonly caFiles: readonly string[];
  readonly connectTo: readonly ConnectToRule[];
  readonly smtpPort: number;
  readonly httpsPort: number;
  readonly timeoutMs: number;
  readonly scan: 'default' | 'off';
}

const MAX_DOMAINS = 100;

export function domainRequest(values: DomainValues, positionals: readonly string[]): DomainRequest {
  if (positionals.length === 0) throw new UsageError("'domain' needs at least one domain name");
  if (positionals.length > MAX_DOMAINS) {
    throw new UsageError(`'domain' takes at most ${MAX_DOMAINS} domains at once`);
  }
  if (values.json === true && values.markdown === true) {
    throw new UsageError('--json and --markdown cannot be combined');
  }
  const domains = positionals.map((p) => {
    // An address ("me@example.org") means its domain: the window's rule too.
    const d = mailDomainOf(p);
    if (d === null) throw new UsageError(`'${p}' is not a domain name`);
    return d;
  });
  const resolvers = values.resolver ?? [];
  for (const r of resolvers) {
    if (parseServer(r) === null) {
      throw new UsageError(`--resolver must be an IP address with an optional port, not '${r}'`);
    }
  }
  const connectTo = connectToRules(values['connect-to'] ?? []);
  return {
    domains: [...new Set(domains)],
    json: values.json === true,
    markdown: values.markdown === true,
    resolvers,
    caFiles: values['ca-file'] ?? [],
    connectTo,
    smtpPort:
      values['smtp-port'] !== undefined ? integer('smtp-port', values['smtp-port'], 1, 65535) : 25,
    httpsPort:
      values['https-port'] !== undefined
        ? integer('https-port', values['https-port'], 1, 65535)
        : 443,
    timeoutMs:
      1000 * (values.timeout !== undefined ? integer('timeout', values.timeout, 1, 600) : 30),
    scan: values['no-scan'] === true ? 'off' : 'default',
  };
}

export interface DomainDependencies {
  readonly version: string;
  readonly signal?: AbortSignal;
  readonly now?: () => Date;
}

export async function domainCommand(
  io: CliIo,
  request: DomainRequest,
  deps: DomainDependencies,
): Promise<number> {
  const extraCa = await readCaFiles(request.caFiles);
  const options: DomainCheckOptions = {
    ...(request.resolvers.length > 0 ? { dnsServers: request.resolvers } : {}),
    smtpPort: request.smtpPort,
    httpsPort: request.httpsPort,
    connectTo: request.connectTo,
    extraCa,
    scan: request.scan,
    probeTimeoutMs: request.timeoutMs,
    version: deps.version,
    ...(deps.signal ? { signal: deps.signal } : {}),
  };
  const report = await import('../domain-report');
  const trust = report.prepareTrust(extraCa);
  const results = [];
  for (const domain of request.domains) {
    try {
      results.push(await checkDomain(domain, options));
    } catch (err) {
      if (deps.signal?.aborted) break;
      throw err;
    }
  }
  return report.reportDomains(io, request, results, trust, {
    version: deps.version,
    now: deps.now?.() ?? new Date(),
    cancelled: deps.signal?.aborted === true,
  });
}
