/**
 * Known TLS-interception products (antivirus "HTTPS/mail scanning", corporate proxies), by the
 * names their generated roots carry. Written from public knowledge of those products' root names;
 * matched conservatively on the root's subject (Organization or Common Name), as whole words.
 * A root that matches none is a "private authority", not interception (design.md).
 */
const PRODUCTS: readonly { readonly product: string; readonly pattern: RegExp }[] = [
  { product: 'Avast', pattern: /\bavast\b/i },
  { product: 'AVG', pattern: /\bAVG\b(?:.*\b(?:web|mail|shield|root|technologies)\b)/i },
  { product: 'Kaspersky', pattern: /\bkaspersky\b/i },
  { product: 'ESET', pattern: /\bESET SSL Filter\b/i },
  { product: 'Bitdefender', pattern: /\bbitdefender\b/i },
  { product: 'Fortinet FortiGate', pattern: /\bforti(?:net|gate)\b/i },
  { product: 'Zscaler', pattern: /\bzscaler\b/i },
  { product: 'Sophos', pattern: /\bsophos\b/i },
  { product: 'Cisco Umbrella', pattern: /\bcisco umbrella\b/i },
  { product: 'Blue Coat', pattern: /\bblue ?coat\b/i },
  { product: 'Palo Alto Networks', pattern: /\bpalo alto networks\b/i },
  { product: 'Netskope', pattern: /\bnetskope\b/i },
  { product: 'Check Point', pattern: /\bcheck point\b.*\b(?:https inspection|ssl inspection)\b/i },
  { product: 'Barracuda', pattern: /\bbarracuda\b.*\b(?:ssl|inspection|web)\b/i },
  { product: 'Norton / Symantec', pattern: /\bnorton\b.*\b(?:web|ssl|shield)\b/i },
];

/** The product whose root this looks like, or null. `subject` is the root's subject text. */
export function interceptionProduct(subject: string): string | null {
  for (const p of PRODUCTS) if (p.pattern.test(subject)) return p.product;
  return null;
}
