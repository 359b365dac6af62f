/**
 * The renderer's Content-Security-Policy, in one place: renderer/index.html carries it as a
 * <meta> tag, the app:// protocol handler sends it as a response header, and the hardening
 * test checks that the built index.html carries exactly this text.
 *
 * - Nothing is allowed unless listed (`default-src 'none'`); scripts, styles and fonts only from
 *   our own origin (the built bundle; Svelte emits component CSS to a .css file); images also as
 *   data: URLs; no network at all (`connect-src 'none'`); no plugins, <base>, forms.
 * - Trusted Types: DOM sinks such as innerHTML accept only values made by a named policy, and
 *   the only policy that may exist is the one Svelte 5 creates for its templates
 *   (`svelte-trusted-html`, node_modules/svelte/src/internal/client/dom/reconciler.js). Svelte
 *   creates it once, so `'allow-duplicates'` is not needed. `'none'` must not be listed beside a
 *   policy name: Chromium ignores it there and logs an error.
 * - `frame-ancestors` is ignored (with a console error) in a <meta> tag, so it is only in the header.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "require-trusted-types-for 'script'",
  'trusted-types svelte-trusted-html',
].join('; ');

/** What the app:// protocol sends as the Content-Security-Policy response header. */
export const CONTENT_SECURITY_POLICY_HEADER = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;

/** Directive name → its source list, for tests and checks. Names are lower-cased. */
export function parseCsp(policy: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (!name) continue;
    const key = name.toLowerCase();
    // Per CSP3, a repeated directive is ignored: the first one wins.
    if (!directives.has(key)) directives.set(key, values);
  }
  return directives;
}
