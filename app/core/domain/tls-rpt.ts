/**
 * SMTP TLS Reporting (RFC 8460 §3): the `_smtp._tls` TXT record, which tells sending servers
 * where to report failed TLS connections (so the domain hears when someone strips STARTTLS).
 */

export type TlsRptResult =
  | { readonly kind: 'none' }
  | { readonly kind: 'several'; readonly texts: readonly string[] }
  | { readonly kind: 'invalid'; readonly text: string; readonly problem: string }
  | { readonly kind: 'valid'; readonly text: string; readonly rua: readonly string[] };

function validRua(uri: string): boolean {
  if (/^mailto:/i.test(uri)) {
    // mailto:local@domain, optionally with "!size" (RFC 8460 reuses RFC 7489's form).
    return /^mailto:[^@\s,;!]+@[^@\s,;!]+\.[^@\s,;!]+(![0-9]+[kmgt]?)?$/i.test(uri);
  }
  if (/^https:/i.test(uri)) {
    try {
      const u = new URL(uri);
      return u.protocol === 'https:' && u.hostname !== '';
    } catch {
      return false;
    }
  }
  return false;
}

export function parseTlsRptRecords(texts: readonly string[]): TlsRptResult {
  const candidates = texts.filter((t) => t.startsWith('v=TLSRPTv1'));
  if (candidates.length === 0) return { kind: 'none' };
  // §3: "If the number of resulting records is not one, senders MUST assume the recipient
  // domain does not implement TLSRPT."
  if (candidates.length > 1) return { kind: 'several', texts: candidates };
  const text = candidates[0] ?? '';
  const fields = text.split(/[ \t]*;[ \t]*/).filter((f, i, all) => f !== '' || i < all.length - 1);
  if (fields[0] !== 'v=TLSRPTv1') {
    return { kind: 'invalid', text, problem: 'it does not start with "v=TLSRPTv1;"' };
  }
  let rua: string[] | null = null;
  for (const field of fields.slice(1)) {
    const eq = field.indexOf('=');
    if (eq <= 0)
      return { kind: 'invalid', text, problem: `"${field.slice(0, 40)}" is not a field` };
    const name = field.slice(0, eq);
    if (name !== 'rua') continue;
    if (rua !== null) return { kind: 'invalid', text, problem: 'it has two rua fields' };
    rua = field
      .slice(eq + 1)
      .split(',')
      .map((u) => u.trim());
    const bad = rua.find((u) => !validRua(u));
    if (bad !== undefined) {
      return {
        kind: 'invalid',
        text,
        problem: `"${bad.slice(0, 60)}" is neither a mailto: address nor an https: address`,
      };
    }
  }
  if (rua === null || rua.length === 0) {
    return { kind: 'invalid', text, problem: 'it names no address for reports (rua=)' };
  }
  return { kind: 'valid', text, rua };
}
