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
import type { EndpointTarget, Protocol, Security } from '../../core/facts/endpoint';
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
import { formatOfFile, type InputFormat } from '../batch-input';
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
  input: { type: 'string' },
  'input-format': { type: 'string' },
  'per-host': { type: 'string' },
  jsonl: { type: 'boolean' },
  progress: { type: 'boolean' },
} as const;

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_TIMEOUT_SECONDS = 30;
/** Probes of one host (same address, or same name when it does not resolve) at once, with --input. */
export const DEFAULT_PER_HOST = 2;
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
  readonly input?: string;
  readonly 'input-format'?: string;
  readonly 'per-host'?: string;
  readonly jsonl?: boolean;
  readonly progress?: boolean;
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
  /** --input: a list of rows (a file, or '-' for stdin), read after the HOST arguments. */
  readonly input: { readonly file: string; readonly format: InputFormat } | null;
  /** At most this many probes of one host at once (--per-host). */
  readonly perHost: number;
  /** Stream one JSON line per endpoint as it is judged (--jsonl). */
  readonly jsonl: boolean;
  /** Progress lines on stderr: forced (--progress), or null for "with --input, when a TTY". */
  readonly progress: boolean | null;
}

/** What a HOST argument or an input row asks for, besides the host. */
export interface TargetSpec {
  readonly protocol?: string | undefined;
  readonly port?: string | undefined;
  readonly tls?: string | undefined;
  readonly xmppDomain?: string | undefined;
}

/**
 * The endpoints of one host: every standard one without a protocol, else one (port and TLS mode
 * from the protocol unless given). Throws UsageError with a message in the flags' terms.
 */
export function targetsOf(host: string, spec: TargetSpec): EndpointTarget[] {
  const bare = checkHost(host);
  let protocol: Protocol | undefined;
  if (spec.protocol !== undefined) {
    if (!isProtocol(spec.protocol)) {
      throw new UsageError(
        `--protocol must be one of ${PROTOCOLS.join(', ')}, not '${spec.protocol}'`,
      );
    }
    protocol = spec.protocol;
  }
  let security: Security | undefined;
  if (spec.tls !== undefined) {
    if (!isSecurity(spec.tls)) {
      throw new UsageError(`--tls must be implicit, starttls or none, not '${spec.tls}'`);
    }
    security = spec.tls;
  }
  if (protocol === undefined && (spec.port !== undefined || security !== undefined)) {
    throw new UsageError('--port and --tls need --protocol');
  }
  const xmppDomain = spec.xmppDomain !== undefined ? checkHost(spec.xmppDomain) : undefined;
  if (xmppDomain !== undefined && protocol !== undefined && protocol !== 'xmpp') {
    throw new UsageError('--xmpp-domain applies to --protocol xmpp only');
  }
  if (protocol === undefined) return standardTargets(bare, xmppDomain);
  const mode = security ?? defaultSecurity(protocol);
  let port: number;
  if (spec.port !== undefined) {
    port = integer('port', spec.port, 1, 65535);
  } else {
    const standard = defaultPort(protocol, mode);
    if (standard === null) {
      throw new UsageError(`${protocol} has no standard port for --tls ${mode}: give --port`);
    }
    port = standard;
  }
  return [
    {
      host: bare,
      port,
      protocol,
      security: mode,
      ...(xmppDomain !== undefined ? { xmppDomain } : {}),
    },
  ];
}

export function integer(name: string, text: string, min: number, max: number): number {
  const n = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not '${text}'`);
  }
  return n;
}

/** The --connect-to rules; a malformed one is a usage error with the parser's message. */
export function connectToRules(specs: readonly string[]): ConnectToRule[] {
  return specs.map((spec) => {
    try {
      return parseConnectTo(spec);
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
  });
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
  const input = inputOf(values);
  if (positionals.length === 0 && input === null)
    throw new UsageError("'check' needs at least one host name (or --input FILE)");
  if (values.json === true && values.markdown === true) {
    throw new UsageError('--json and --markdown cannot be combined');
  }
  if (values.jsonl === true && (values.json === true || values.markdown === true)) {
    throw new UsageError('--jsonl cannot be combined with --json or --markdown');
  }
  const spec: TargetSpec = {
    protocol: values.protocol,
    port: values.port,
    tls: values.tls,
    xmppDomain: values['xmpp-domain'],
  };
  // The flags are checked even without HOST arguments (they would apply to them only).
  const targets = positionals.flatMap((host) => targetsOf(host, spec));
  if (positionals.length === 0) targetsOf('localhost', spec);

  const connectTo = connectToRules(values['connect-to'] ?? []);

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
    standardPorts: values.protocol === undefined,
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
    input,
    perHost:
      values['per-host'] !== undefined
        ? integer('per-host', values['per-host'], 1, MAX_CONCURRENCY)
        : input !== null
          ? DEFAULT_PER_HOST
          : MAX_CONCURRENCY,
    jsonl: values.jsonl === true,
    progress: values.progress === true ? true : null,
  };
}

function inputOf(values: CheckValues): CheckRequest['input'] {
  const file = values.input;
  const named = values['input-format'];
  if (file === undefined) {
    if (named !== undefined) throw new UsageError('--input-format needs --input');
    return null;
  }
  if (named !== undefined && named !== 'csv' && named !== 'json') {
    throw new UsageError(`--input-format must be csv or json, not '${named}'`);
  }
  const format = named ?? (file === '-' ? null : formatOfFile(file));
  if (format === null) {
    throw new UsageError(
      file === '-'
        ? '--input - (stdin) needs --input-format csv or json'
        : `--input ${file}: name it .csv, .json or .jsonl, or give --input-format csv or json`,
    );
  }
  return { file, format };
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

export async function checkCommand(
  io: CliIo,
  request: CheckRequest,
  deps: CheckDependencies,
): Promise<number> {
  const extraCa = await readCaFiles(request.caFiles);
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
  const { runCheck } = await import('../check-run');
  return runCheck(io, request, {
    probe: deps.probe ?? probeEndpoint,
    options,
    version: deps.version,
    stderrIsTty: io.stderrIsTty === true,
    ...(deps.now ? { now: deps.now } : {}),
  });
}
