/**
 * Domain names as the domain check takes them. No dependencies, so main can validate a window's
 * request with the very rule the check applies, without loading the check itself.
 */

/** Lower case, no trailing dot, LDH labels (underscores allowed); null when not a domain name. */
export function normaliseDomain(input: string): string | null {
  const d = input.trim().toLowerCase().replace(/\.$/, '');
  const label = '[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?';
  return new RegExp(`^(${label}\\.)+${label}$`).test(d) && d.length <= 253 ? d : null;
}

/**
 * The domain mail to `input` goes to: a domain name as it is, an e-mail address
 * ("me@example.org") by the part after its last "@". Null for anything else (an empty or
 * spaced local part, a bare "@", a URL, a name with one label, an IPv4 address: no top-level
 * domain is all digits).
 */
export function mailDomainOf(input: string): string | null {
  const text = input.trim();
  const at = text.lastIndexOf('@');
  if (at >= 0) {
    const local = text.slice(0, at);
    if (local.length === 0 || local.length > 64 || /[\s<>"]/.test(local)) return null;
  }
  const domain = normaliseDomain(at < 0 ? text : text.slice(at + 1));
  return domain === null || /(^|\.)[0-9]+$/.test(domain) ? null : domain;
}
