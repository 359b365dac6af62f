/**
 * Name resolution for probes: every A and AAAA address of a host (each is probed: one stale node
 * or an IPv6 address with another certificate is the classic "sometimes I get a warning"), and
 * curl-style --connect-to rules to reach a named server at another address.
 */
import dns from 'node:dns';
import { isIP } from 'node:net';
import { ProbeError } from './errors';
import { escapePreview } from './escape';
import { abortError, translateError } from './translate';

/** Node's dns.lookup with `all: true`; tests inject their own. */
export type LookupFunction = (
  hostname: string,
  options: dns.LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void,
) => void;

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

export interface ResolveOptions {
  readonly lookup?: LookupFunction;
  readonly signal?: AbortSignal;
  /** Deadline for the lookup; default 10 s. */
  readonly timeoutMs?: number;
}

const DEFAULT_RESOLVE_TIMEOUT_MS = 10_000;

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * Every address of `host`, in the resolver's order, without duplicates. An IP literal (IPv6
 * with or without brackets) is returned as-is without a lookup. Failures are ProbeErrors at
 * step 'resolve' (kind 'dns', or 'timeout' / 'cancelled').
 */
export async function resolveAddresses(
  host: string,
  options: ResolveOptions = {},
): Promise<ResolvedAddress[]> {
  const step = 'resolve' as const;
  const bare = stripBrackets(host);
  const literal = isIP(bare);
  if (literal === 4 || literal === 6) return [{ address: bare, family: literal }];
  if (options.signal?.aborted) throw abortError(options.signal, step);
  const name = bare.endsWith('.') ? bare.slice(0, -1) : bare;
  if (name === '' || /[\s/\\]/.test(name)) {
    throw new ProbeError({
      step,
      kind: 'dns',
      message: 'not a host name',
      evidence: escapePreview(host),
    });
  }
  const lookup: LookupFunction = options.lookup ?? (dns.lookup as LookupFunction);
  const timeoutMs = options.timeoutMs ?? DEFAULT_RESOLVE_TIMEOUT_MS;
  const signal = options.signal;

  const found = await new Promise<dns.LookupAddress[]>((resolve, reject) => {
    let done = false;
    const finish = (err: ProbeError | null, addresses?: dns.LookupAddress[]): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(addresses ?? []);
    };
    const onAbort = (): void => finish(abortError(signal, step));
    const timer = setTimeout(
      () =>
        finish(
          new ProbeError({
            step,
            kind: 'timeout',
            message: `no DNS answer within ${timeoutMs} ms`,
          }),
        ),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      lookup(name, { all: true, order: 'verbatim' }, (err, addresses) => {
        if (err) {
          const e = translateError(err, step);
          finish(
            e.fact.kind === 'dns' ? e : new ProbeError({ ...e.fact, kind: 'dns' }, { cause: err }),
          );
        } else {
          finish(null, addresses);
        }
      });
    } catch (err) {
      finish(new ProbeError({ ...translateError(err, step).fact, kind: 'dns' }, { cause: err }));
    }
  });

  const seen = new Set<string>();
  const result: ResolvedAddress[] = [];
  for (const a of found) {
    const family = isIP(a.address);
    if (family !== 4 && family !== 6) continue;
    const key = a.address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    result.push({ address: a.address, family });
  }
  if (result.length === 0) {
    throw new ProbeError({
      step,
      kind: 'dns',
      message: `no address found for ${escapePreview(name)}`,
    });
  }
  return result;
}

/** One --connect-to rule: HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT; null fields mean "any" / "unchanged". */
export interface ConnectToRule {
  /** The host it applies to (lower case, no brackets, no trailing dot), or null for any. */
  readonly host: string | null;
  readonly port: number | null;
  /** Where to connect instead (a name or an IP literal, no brackets), or null to keep the host. */
  readonly toHost: string | null;
  readonly toPort: number | null;
}

function normaliseHost(host: string): string {
  const h = stripBrackets(host).toLowerCase();
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

/** Splits on ':' outside square brackets. */
function splitFields(spec: string): string[] {
  const fields: string[] = [];
  let current = '';
  let inBracket = false;
  for (const ch of spec) {
    if (ch === '[' && !inBracket && current === '') inBracket = true;
    else if (ch === ']' && inBracket) inBracket = false;
    else if (ch === ':' && !inBracket) {
      fields.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  if (inBracket) throw new Error(`--connect-to "${spec}": unbalanced "["`);
  fields.push(current);
  return fields;
}

function parseHostField(field: string, spec: string): string | null {
  if (field === '') return null;
  if (field.startsWith('[')) {
    const inner = field.slice(1, -1);
    if (!field.endsWith(']') || isIP(inner) !== 6) {
      throw new Error(`--connect-to "${spec}": "${field}" is not a bracketed IPv6 address`);
    }
    return inner.toLowerCase();
  }
  if (!/^[A-Za-z0-9._-]+$/.test(field)) {
    throw new Error(`--connect-to "${spec}": "${field}" is not a host name or address`);
  }
  return normaliseHost(field);
}

function parsePortField(field: string, spec: string): number | null {
  if (field === '') return null;
  const n = /^\d{1,5}$/.test(field) ? Number(field) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new Error(`--connect-to "${spec}": "${field}" is not a port (1–65535)`);
  }
  return n;
}

/**
 * Parses curl's --connect-to syntax: "HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT", where an
 * empty HOST or PORT means any, an empty CONNECT-TO field keeps the original, and IPv6
 * addresses are written in brackets. Throws an Error with a usage message when malformed.
 */
export function parseConnectTo(spec: string): ConnectToRule {
  const fields = splitFields(spec);
  if (fields.length !== 4) {
    throw new Error(
      `--connect-to "${spec}": expected HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT (IPv6 in brackets)`,
    );
  }
  const [host = '', port = '', toHost = '', toPort = ''] = fields;
  return {
    host: parseHostField(host, spec),
    port: parsePortField(port, spec),
    toHost: parseHostField(toHost, spec),
    toPort: parsePortField(toPort, spec),
  };
}

export interface ConnectTarget {
  /** Where to connect: a name to resolve, or an IP literal (no brackets). */
  readonly host: string;
  readonly port: number;
  /** The rule that applied, or null when none did. */
  readonly rule: ConnectToRule | null;
}

/** The first rule matching host and port (like curl) decides where to connect. */
export function applyConnectTo(
  rules: readonly ConnectToRule[],
  host: string,
  port: number,
): ConnectTarget {
  const h = normaliseHost(host);
  for (const rule of rules) {
    if (rule.host !== null && rule.host !== h) continue;
    if (rule.port !== null && rule.port !== port) continue;
    return { host: rule.toHost ?? stripBrackets(host), port: rule.toPort ?? port, rule };
  }
  return { host: stripBrackets(host), port, rule: null };
}

/**
 * A lookup that asks once per name for a whole run (an account's endpoints and their implicit
 * alternatives share one or two host names): the first call's answer, or error, is handed to
 * every later call for that name. Only for one run: nothing expires.
 */
export function cachingLookup(base: LookupFunction = dns.lookup as LookupFunction): LookupFunction {
  const answers = new Map<
    string,
    Promise<{ err: NodeJS.ErrnoException | null; addresses: dns.LookupAddress[] }>
  >();
  return (hostname, options, callback) => {
    const key = `${hostname.toLowerCase()}|${String(options.family ?? 0)}`;
    let answer = answers.get(key);
    if (answer === undefined) {
      answer = new Promise((resolve) => {
        try {
          base(hostname, options, (err, addresses) => resolve({ err, addresses }));
        } catch (err) {
          resolve({ err: err as NodeJS.ErrnoException, addresses: [] });
        }
      });
      answers.set(key, answer);
    }
    void answer.then(({ err, addresses }) => callback(err, addresses));
  };
}
