/**
 * `sealcheck check HOST... [options]`: probes endpoints and prints their facts.
 *
 * Without --protocol, every standard endpoint of each host (registry.ts: imap 993/143,
 * pop3 995/110, submission 465/587, smtp 25, xmpp 5223/5222); a refused port there is
 * "not served". With --protocol, one endpoint per host (--port and --tls default from the
 * protocol). Endpoints run in parallel, at most --concurrency at once; each has its own
 * whole-probe deadline (--timeout). Each endpoint's facts are judged (findings/judge.ts) against
 * Node's public roots, the system store and the --ca-file roots; the output explains the
 * findings (core/explain), and the exit code comes from check-exit.ts.
 */
import { readFile } from 'node:fs/promises';
import { normaliseFingerprint } from '../../core/cert/fingerprint';
import type { EndpointFacts, EndpointTarget, Protocol, Security } from '../../core/facts/endpoint';
import { parseConnectTo, type ConnectToRule } from '../../core/net/resolve';
import { probeEndpoint, type ProbeOptions } from '../../core/probe';
import {
  defaultPort,
  defaultSecurity,
  isProtocol,
  isSecurity,
  PROTOCOLS,
  standardTargets,
} from '../../core/protocols/registry';
import type { CliIo } from '../io';
import { UsageError } from '../usage';

export const CHECK_OPTIONS = {
  json: { type: 'boolean' },
  markdown: { type: 'boolean' },
  protocol: { type: 'string' },
  port: { type: 'string' },
  tls: { type: 'string' },
  'ca-file': { type: 'string', multiple: true },
  'connect-to': { type: 'string', multiple: true },
  'xmpp-domain': { type: 'string' },
  timeout: { type: 'string' },
  concurrency: { type: 'string' },
  'no-injection-test': { type: 'boolean' },
  detailed: { type: 'boolean' },
  'no-scan': { type: 'boolean' },
  fingerprint: { type: 'string' },
  'mask-address': { type: 'string', multiple: true },
} as const;

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_TIMEOUT_SECONDS = 30;
const MAX_CONCURRENCY = 64;
const MAX_TIMEOUT_SECONDS = 600;
/** A CA file larger than this is not a certificate bundle. */
const MAX_CA_FILE_BYTES = 4 * 1024 * 1024;

export interface CheckValues {
  readonly json?: boolean;
  readonly markdown?: boolean;
  readonly protocol?: string;
  readonly port?: string;
  readonly tls?: string;
  readonly 'ca-file'?: readonly string[];
  readonly 'connect-to'?: readonly string[];
  readonly 'xmpp-domain'?: string;
  readonly timeout?: string;
  readonly concurrency?: string;
  readonly 'no-injection-test'?: boolean;
  readonly detailed?: boolean;
  readonly 'no-scan'?: boolean;
  readonly fingerprint?: string;
  readonly 'mask-address'?: readonly string[];
}

export interface CheckRequest {
  readonly targets: readonly EndpointTarget[];
  /** check HOST without --protocol: refused ports are "not served". */
  readonly standardPorts: boolean;
  readonly json: boolean;
  /** Print a help-desk summary in Markdown instead of the human output. */
  readonly markdown: boolean;
  readonly caFiles: readonly string[];
  readonly connectTo: readonly ConnectToRule[];
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly injectionTest: boolean;
  /** The TLS scan: the default handful of connections, every suite (--detailed), or off. */
  readonly scan: 'default' | 'detailed' | 'off';
  /** A fingerprint the user copied from a warning (--fingerprint), as given. */
  readonly fingerprint: string | null;
  /** Strings hidden in the --markdown output (--mask-address). */
  readonly maskAddresses: readonly string[];
}

export function integer(name: string, text: string, min: number, max: number): number {
  const n = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not '${text}'`);
  }
  return n;
}

/** A host name or IP literal; no spaces, controls, slashes, user info or ports. */
function checkHost(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  // eslint-disable-next-line no-control-regex
  if (bare === '' || bare.length > 253 || /[\s\u0000-\u001f\u007f/\\@?#]/u.test(bare)) {
    throw new UsageError(`'${host}' is not a host name`);
  }
  if (!bare.includes(':') && !/^[\p{L}\p{N}._-]+$/u.test(bare)) {
    throw new UsageError(`'${host}' is not a host name`);
  }
  return bare;
}

/** Turns parsed arguments into a request; throws UsageError for anything malformed. */
export function checkRequest(values: CheckValues, positionals: readonly string[]): CheckRequest {
  if (positionals.length === 0) throw new UsageError("'check' needs at least one host name");
  if (values.json === true && values.markdown === true) {
    throw new UsageError('--json and --markdown cannot be combined');
  }
  const hosts = positionals.map(checkHost);

  let protocol: Protocol | undefined;
  if (values.protocol !== undefined) {
    if (!isProtocol(values.protocol)) {
      throw new UsageError(
        `--protocol must be one of ${PROTOCOLS.join(', ')}, not '${values.protocol}'`,
      );
    }
    protocol = values.protocol;
  }
  let security: Security | undefined;
  if (values.tls !== undefined) {
    if (!isSecurity(values.tls)) {
      throw new UsageError(`--tls must be implicit, starttls or none, not '${values.tls}'`);
    }
    security = values.tls;
  }
  if (protocol === undefined && (values.port !== undefined || security !== undefined)) {
    throw new UsageError('--port and --tls need --protocol');
  }
  const xmppDomain =
    values['xmpp-domain'] !== undefined ? checkHost(values['xmpp-domain']) : undefined;
  if (xmppDomain !== undefined && protocol !== undefined && protocol !== 'xmpp') {
    throw new UsageError('--xmpp-domain applies to --protocol xmpp only');
  }

  let targets: EndpointTarget[];
  if (protocol === undefined) {
    targets = hosts.flatMap((host) => standardTargets(host, xmppDomain));
  } else {
    const mode = security ?? defaultSecurity(protocol);
    let port: number;
    if (values.port !== undefined) {
      port = integer('port', values.port, 1, 65535);
    } else {
      const standard = defaultPort(protocol, mode);
      if (standard === null) {
        throw new UsageError(`${protocol} has no standard port for --tls ${mode}: give --port`);
      }
      port = standard;
    }
    targets = hosts.map((host) => ({
      host,
      port,
      protocol,
      security: mode,
      ...(xmppDomain !== undefined ? { xmppDomain } : {}),
    }));
  }

  const connectTo = (values['connect-to'] ?? []).map((spec) => {
    try {
      return parseConnectTo(spec);
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
  });

  if (values.fingerprint !== undefined && normaliseFingerprint(values.fingerprint) === null) {
    throw new UsageError(
      '--fingerprint must be a SHA-256 or SHA-1 fingerprint (64 or 40 hex digits, colons allowed)',
    );
  }
  const maskAddresses = values['mask-address'] ?? [];
  if (maskAddresses.length > 0 && values.markdown !== true) {
    throw new UsageError('--mask-address applies to --markdown only');
  }
  if (values.detailed === true && values['no-scan'] === true) {
    throw new UsageError('--detailed and --no-scan cannot be combined');
  }
  if (maskAddresses.some((a) => a.trim() === '')) {
    throw new UsageError('--mask-address needs a non-empty address');
  }

  return {
    targets,
    standardPorts: protocol === undefined,
    json: values.json === true,
    markdown: values.markdown === true,
    caFiles: values['ca-file'] ?? [],
    connectTo,
    timeoutMs:
      1000 *
      (values.timeout !== undefined
        ? integer('timeout', values.timeout, 1, MAX_TIMEOUT_SECONDS)
        : DEFAULT_TIMEOUT_SECONDS),
    concurrency:
      values.concurrency !== undefined
        ? integer('concurrency', values.concurrency, 1, MAX_CONCURRENCY)
        : DEFAULT_CONCURRENCY,
    injectionTest: values['no-injection-test'] !== true,
    scan: values['no-scan'] === true ? 'off' : values.detailed === true ? 'detailed' : 'default',
    fingerprint: values.fingerprint ?? null,
    maskAddresses,
  };
}

export interface CheckDependencies {
  /** The probe; tests may pass a fake. */
  readonly probe?: typeof probeEndpoint;
  readonly version: string;
  /** Cancels every probe (Ctrl-C); what was seen so far is still printed. */
  readonly signal?: AbortSignal;
  /** Name resolution for tests. */
  readonly lookup?: ProbeOptions['lookup'];
  /** "Now" for certificate dates (tests); default the current time. */
  readonly now?: () => Date;
}

/** Reads the --ca-file bundles: each must hold at least one PEM certificate. */
export async function readCaFiles(files: readonly string[]): Promise<string[]> {
  return Promise.all(
    files.map(async (file) => {
      let text: string;
      try {
        const bytes = await readFile(file);
        if (bytes.length > MAX_CA_FILE_BYTES) throw new Error('file too large');
        text = bytes.toString('utf8');
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        throw new UsageError(`--ca-file ${file}: cannot read it (${why})`);
      }
      if (!text.includes('-----BEGIN CERTIFICATE-----')) {
        throw new UsageError(`--ca-file ${file}: no PEM certificate in it`);
      }
      return text;
    }),
  );
}

/** Runs `work` over `items` with at most `limit` at once; results in input order. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>) {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export async function checkCommand(
  io: CliIo,
  request: CheckRequest,
  deps: CheckDependencies,
): Promise<number> {
  const extraCa = await readCaFiles(request.caFiles);
  const probe = deps.probe ?? probeEndpoint;
  const options: ProbeOptions = {
    extraCa,
    connectTo: request.connectTo,
    overallTimeoutMs: request.timeoutMs,
    injectionTest: request.injectionTest,
    scan: request.scan,
    version: deps.version,
    ...(deps.signal ? { signal: deps.signal } : {}),
    ...(deps.lookup ? { lookup: deps.lookup } : {}),
  };
  const probing: Promise<EndpointFacts[]> = pool(request.targets, request.concurrency, (target) =>
    probe(
      target,
      // The injection test belongs to STARTTLS endpoints only; off when asked.
      request.injectionTest
        ? { ...options, injectionTest: target.security === 'starttls' }
        : options,
    ),
  );
  // While the probes wait on their sockets: load the report and the trust stores it judges with.
  const report = await import('../check-report');
  const trust = report.prepareTrust(extraCa);
  const all = await probing;
  return report.reportCheck(io, request, all, trust, {
    version: deps.version,
    now: deps.now?.() ?? new Date(),
  });
}
