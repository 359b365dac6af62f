/**
 * Mozilla-style autoconfig (the "ISPDB" format, clientConfig version 1.1): fetched from the
 * mail domain over HTTPS with a verified certificate, and read with a bounded, restricted XML
 * parser (no DTDs, no entities beyond XML's own, depth and size limits).
 *
 * URLs, in order (Thunderbird's own): https://autoconfig.<domain>/mail/config-v1.1.xml
 * ?emailaddress=<address>, then https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml.
 * Never over plain HTTP: the address would travel in clear and the answer could be forged.
 */
import { request } from 'node:https';
import * as tls from 'node:tls';
import { SaxesParser } from 'saxes';
import type { LookupFunction } from '../net/resolve';

export const MAX_AUTOCONFIG_BYTES = 256 * 1024;
const MAX_REDIRECTS = 3;

export interface AutoconfigServer {
  readonly role: 'incoming' | 'outgoing';
  /** imap, pop3 or smtp as the file says. */
  readonly type: string;
  readonly hostname: string;
  readonly port: number;
  /** SSL (TLS from the first byte), STARTTLS, or plain. */
  readonly socketType: 'SSL' | 'STARTTLS' | 'plain';
  readonly authentication: readonly string[];
  /** The user name template, e.g. %EMAILADDRESS%. */
  readonly username: string;
}

export interface AutoconfigFile {
  readonly url: string;
  readonly servers: readonly AutoconfigServer[];
}

export interface FetchOptions {
  readonly lookup?: LookupFunction;
  /** Extra trust anchors (tests, a company CA). */
  readonly extraCa?: readonly string[];
  /** Port for the HTTPS requests (tests; default 443). */
  readonly port?: number;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** The autoconfig URLs for an address, in the order they are tried. */
export function autoconfigUrls(address: string, domain: string): URL[] {
  const a = new URL(`https://autoconfig.${domain}/mail/config-v1.1.xml`);
  a.searchParams.set('emailaddress', address);
  return [a, new URL(`https://${domain}/.well-known/autoconfig/mail/config-v1.1.xml`)];
}

/** GET over HTTPS with a verified certificate; the body (bounded), or null for any failure. */
export function httpsGet(url: URL, options: FetchOptions, redirects = 0): Promise<string | null> {
  if (url.protocol !== 'https:') return Promise.resolve(null);
  return new Promise((resolve) => {
    const req = request(
      {
        host: url.hostname,
        port: options.port ?? (url.port === '' ? 443 : Number(url.port)),
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        servername: url.hostname,
        ca: [...tls.rootCertificates, ...(options.extraCa ?? [])],
        rejectUnauthorized: true,
        headers: { accept: 'application/xml, text/xml', 'user-agent': 'Sealcheck' },
        timeout: options.timeoutMs ?? 10_000,
        ...(options.lookup ? { lookup: options.lookup as never } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (status >= 300 && status < 400 && location && redirects < MAX_REDIRECTS) {
          res.resume();
          let next: URL;
          try {
            next = new URL(location, url);
          } catch {
            resolve(null);
            return;
          }
          resolve(httpsGet(next, options, redirects + 1));
          return;
        }
        if (status !== 200) {
          res.resume();
          resolve(null);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_AUTOCONFIG_BYTES) {
            res.destroy();
            resolve(null);
          } else chunks.push(c);
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', () => resolve(null));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

/** Reads a clientConfig file; null when it is not one. Never throws. */
export function parseAutoconfig(xml: string, url: string): AutoconfigFile | null {
  const servers: AutoconfigServer[] = [];
  const parser = new SaxesParser({ xmlns: false });
  const stack: string[] = [];
  let server: {
    role: 'incoming' | 'outgoing';
    type: string;
    fields: Map<string, string>;
    auth: string[];
  } | null = null;
  let text = '';
  let root = '';
  try {
    parser.on('doctype', () => {
      throw new Error('DOCTYPE refused');
    });
    parser.on('opentag', (tag) => {
      if (stack.length === 0) root = tag.name;
      stack.push(tag.name);
      if (stack.length > 12) throw new Error('too deep');
      text = '';
      if ((tag.name === 'incomingServer' || tag.name === 'outgoingServer') && servers.length < 32) {
        const type = tag.attributes.type;
        server = {
          role: tag.name === 'incomingServer' ? 'incoming' : 'outgoing',
          type: typeof type === 'string' ? type : '',
          fields: new Map(),
          auth: [],
        };
      }
    });
    parser.on('text', (t) => {
      if (text.length < 1024) text += t;
    });
    parser.on('closetag', (tag) => {
      stack.pop();
      const s = server;
      if (s) {
        if (tag.name === 'authentication') s.auth.push(text.trim());
        else if (['hostname', 'port', 'socketType', 'username'].includes(tag.name)) {
          s.fields.set(tag.name, text.trim());
        }
        if (tag.name === 'incomingServer' || tag.name === 'outgoingServer') {
          const port = Number(s.fields.get('port'));
          const socketType = s.fields.get('socketType');
          const hostname = s.fields.get('hostname') ?? '';
          if (
            hostname !== '' &&
            Number.isInteger(port) &&
            port > 0 &&
            port < 65536 &&
            (socketType === 'SSL' || socketType === 'STARTTLS' || socketType === 'plain')
          ) {
            servers.push({
              role: s.role,
              type: s.type,
              hostname,
              port,
              socketType,
              authentication: s.auth,
              username: s.fields.get('username') ?? '',
            });
          }
          server = null;
        }
      }
      text = '';
    });
    parser.write(xml).close();
  } catch {
    return null;
  }
  if (root !== 'clientConfig') return null;
  return { url, servers };
}

/** Fetches the first autoconfig file that can be read, or null. */
export async function fetchAutoconfig(
  address: string,
  domain: string,
  options: FetchOptions,
): Promise<AutoconfigFile | null> {
  for (const url of autoconfigUrls(address, domain)) {
    const body = await httpsGet(url, options);
    if (body === null) continue;
    // The address is the user's: not kept in the facts.
    const shown = new URL(url);
    shown.search = '';
    const file = parseAutoconfig(body, shown.toString());
    if (file) return file;
  }
  return null;
}
