/**
 * Fetches an MTA-STS policy (RFC 8461 §3.3): HTTPS GET of
 * https://mta-sts.<domain>/.well-known/mta-sts.txt with a verified certificate for that name,
 * no redirects, status 200, Content-Type text/plain, at most 64 KB, within one deadline
 * (a slow drip counts against it too).
 */
import { request } from 'node:https';
import tls from 'node:tls';
import type { LookupFunction } from '../net/resolve';

export const MAX_POLICY_BYTES = 64 * 1024;

export interface PolicyFetchOptions {
  readonly lookup?: LookupFunction;
  readonly extraCa?: readonly string[];
  /** HTTPS port (tests; default 443). */
  readonly port?: number;
  /** The whole fetch's deadline (default 10 s). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export type PolicyFetch =
  | { readonly kind: 'ok'; readonly url: string; readonly body: string }
  | {
      readonly kind:
        | 'unreachable'
        | 'certificate'
        | 'status'
        | 'redirect'
        | 'content-type'
        | 'too-large'
        | 'timeout'
        | 'cancelled';
      readonly url: string;
      /** What happened, for the details (an error code, the status, the media type). */
      readonly detail: string;
    };

const CERT_ERROR =
  /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT_ALTNAME|HOSTNAME|DEPTH_ZERO/;

export function policyUrl(domain: string): string {
  return `https://mta-sts.${domain}/.well-known/mta-sts.txt`;
}

export function fetchPolicy(
  domain: string,
  options: PolicyFetchOptions = {},
): Promise<PolicyFetch> {
  const host = `mta-sts.${domain}`;
  const url = policyUrl(domain);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: PolicyFetch): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(result);
    };
    const onAbort = (): void => finish({ kind: 'cancelled', url, detail: 'cancelled' });
    const timeoutMs = options.timeoutMs ?? 10_000;
    const timer = setTimeout(
      () => finish({ kind: 'timeout', url, detail: `no complete answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    const req = request(
      {
        host,
        port: options.port ?? 443,
        path: '/.well-known/mta-sts.txt',
        method: 'GET',
        servername: host,
        ca: [...tls.rootCertificates, ...(options.extraCa ?? [])],
        rejectUnauthorized: true,
        headers: { 'user-agent': 'Sealcheck', accept: 'text/plain' },
        agent: false,
        ...(options.lookup ? { lookup: options.lookup as never } : {}),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          // §3.3: "HTTP 3xx redirects MUST NOT be followed."
          finish({
            kind: 'redirect',
            url,
            detail: `${status} to ${String(res.headers.location ?? '?').slice(0, 200)}`,
          });
          return;
        }
        if (status !== 200) {
          finish({ kind: 'status', url, detail: String(status) });
          return;
        }
        const type =
          String(res.headers['content-type'] ?? '')
            .split(';')[0]
            ?.trim()
            .toLowerCase() ?? '';
        if (type !== 'text/plain') {
          finish({ kind: 'content-type', url, detail: type === '' ? '(none)' : type.slice(0, 80) });
          return;
        }
        const declared = Number(res.headers['content-length'] ?? '0');
        if (declared > MAX_POLICY_BYTES) {
          finish({ kind: 'too-large', url, detail: `${declared} bytes` });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_POLICY_BYTES)
            finish({ kind: 'too-large', url, detail: `more than ${MAX_POLICY_BYTES} bytes` });
          else chunks.push(c);
        });
        res.on('end', () =>
          finish({ kind: 'ok', url, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (err) => finish({ kind: 'unreachable', url, detail: err.message }));
      },
    );
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      finish(
        CERT_ERROR.test(code)
          ? { kind: 'certificate', url, detail: code }
          : { kind: 'unreachable', url, detail: code !== '' ? code : err.message },
      );
    });
    req.end();
  });
}
