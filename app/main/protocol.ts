/**
 * The app:// protocol: the renderer is served from `app://sealcheck/…`, never from file://.
 *
 * Only files inside the built renderer directory are served, only with a known MIME type,
 * and every response carries the CSP header. Nothing here imports electron, so the whole
 * request path (URL → file → Response) is tested in Node; app/main/index.ts hands
 * `createAppProtocolHandler(dir)` to `protocol.handle('app', …)`.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, relative, isAbsolute, sep } from 'node:path';
import { CONTENT_SECURITY_POLICY_HEADER } from './csp';

export const APP_SCHEME = 'app';
export const APP_HOST = 'sealcheck';
/** Origin-like string used to compare URLs (WHATWG URL gives non-special schemes a "null" origin). */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * For `protocol.registerSchemesAsPrivileged`, before the app is ready:
 * standard (relative URLs and a real origin), secure (a secure context, like https),
 * no fetch() (the renderer never fetches; connect-src 'none' too), no CORS exemption,
 * no CSP bypass, no service workers.
 */
export const APP_SCHEME_PRIVILEGES = Object.freeze({
  standard: true,
  secure: true,
  supportFetchAPI: false,
  corsEnabled: false,
  bypassCSP: false,
  allowServiceWorkers: false,
  stream: false,
});

/** The only types we serve: what the Vite build of the renderer emits. */
const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

export function mimeTypeFor(path: string): string | undefined {
  return MIME_TYPES[extname(path).toLowerCase()];
}

/** "scheme://host[:port]" of a URL, or null when it does not parse or carries credentials. */
export function originOf(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.username || u.password || !u.host) return null;
  return `${u.protocol}//${u.host}`;
}

/** True when `url` belongs to one of `origins` (each "scheme://host[:port]"). */
export function isUrlInOrigins(url: string, origins: readonly string[]): boolean {
  const origin = originOf(url);
  return origin !== null && origins.includes(origin);
}

/**
 * Maps an app:// URL to a path inside `rootDir`, or null.
 * Pure string logic, no file system: refuses other schemes and hosts, ports, credentials,
 * `.`/`..` segments (also percent-encoded), encoded slashes and backslashes, NUL, empty
 * segments and anything that would resolve outside `rootDir`. "/" means "/index.html".
 * (The URL parser itself already folds literal `/../` and `/%2e%2e/` at the root, as Chromium
 * does before the request reaches us: `app://sealcheck/../x` names `<root>/x`.)
 */
export function resolveAppRequestPath(rootDir: string, url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.hostname.toLowerCase() !== APP_HOST) return null;
  if (u.port || u.username || u.password) return null;

  const rawPath = u.pathname === '/' || u.pathname === '' ? '/index.html' : u.pathname;
  if (!rawPath.startsWith('/')) return null;
  const segments: string[] = [];
  for (const raw of rawPath.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (
      segment === '' ||
      segment === '.' ||
      segment === '..' ||
      segment.includes('/') ||
      segment.includes('\\') ||
      segment.includes('\0') ||
      // A Windows drive or stream ("C:", "file:stream") must not reach path.join.
      segment.includes(':')
    ) {
      return null;
    }
    segments.push(segment);
  }
  const candidate = join(rootDir, ...segments);
  const rel = relative(rootDir, candidate);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
  return candidate;
}

export interface AppResponse {
  readonly status: 200 | 404 | 405;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

const COMMON_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY_HEADER,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
} as const;

function notFound(): AppResponse {
  return {
    status: 404,
    headers: { ...COMMON_HEADERS, 'content-type': 'text/plain; charset=utf-8' },
    body: Buffer.from('Not found'),
  };
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/**
 * Reads the file an app:// request names. Symbolic links are followed only when their target
 * is still inside `rootDir` (compared after resolving both with realpath).
 */
export async function serveAppFile(
  rootDir: string,
  url: string,
  method = 'GET',
): Promise<AppResponse> {
  if (method !== 'GET' && method !== 'HEAD') {
    return {
      status: 405,
      headers: { ...COMMON_HEADERS, allow: 'GET, HEAD' },
      body: Buffer.alloc(0),
    };
  }
  const candidate = resolveAppRequestPath(rootDir, url);
  if (candidate === null) return notFound();
  const mime = mimeTypeFor(candidate);
  if (mime === undefined) return notFound();
  try {
    const [realRoot, realFile] = await Promise.all([realpath(rootDir), realpath(candidate)]);
    if (!isInside(realRoot, realFile)) return notFound();
    // The real file's type must match too: a link named x.js pointing at x.html is refused.
    if (mimeTypeFor(realFile) !== mime) return notFound();
    if (!(await stat(realFile)).isFile()) return notFound();
    const body = method === 'HEAD' ? Buffer.alloc(0) : await readFile(realFile);
    return { status: 200, headers: { ...COMMON_HEADERS, 'content-type': mime }, body };
  } catch {
    return notFound();
  }
}

/** The handler for `protocol.handle('app', …)`. */
export function createAppProtocolHandler(rootDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const res = await serveAppFile(rootDir, request.url, request.method);
    return new Response(res.body.length > 0 ? new Uint8Array(res.body) : null, {
      status: res.status,
      headers: res.headers,
    });
  };
}
