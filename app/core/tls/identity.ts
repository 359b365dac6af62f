/**
 * Service identity under RFC 9525 (which replaces RFC 6125), strictly:
 * - a DNS reference name matches only dNSName subjectAltName entries, never the Common Name;
 * - comparison is case-insensitive on A-labels (a Unicode reference name is converted with
 *   url.domainToASCII), a single trailing dot is ignored;
 * - a wildcard matches only as the complete left-most label ("*.example.org" matches
 *   "a.example.org", not "example.org" nor "a.b.example.org"); "f*.example.org", "*.*.example.org",
 *   wildcards in other labels, and wildcards over fewer than two labels ("*.org") never match;
 * - an IP-address reference matches only iPAddress entries, compared as bytes.
 * Real clients are sometimes more lenient; findings may say both, this module says what the RFC says.
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';

export interface CertificateNames {
  /** dNSName entries, as presented. */
  readonly dnsNames: readonly string[];
  /** iPAddress entries, as Node prints them. */
  readonly ipAddresses: readonly string[];
}

export interface GeneralName {
  /** Node's label: "DNS", "IP Address", "email", "URI", "othername", "DirName", "Registered ID". */
  readonly type: string;
  readonly value: string;
}

/**
 * Parses Node's subjectAltName string ("DNS:a.example, IP Address:127.0.0.1, …"). Since
 * Node 17.3.1 (CVE-2021-44532) a value with characters that could confuse this format is
 * printed as a JSON string ("DNS:\"a, DNS:b\""); such values are decoded, never split.
 */
export function parseSubjectAltName(san: string | undefined | null): GeneralName[] {
  if (!san) return [];
  const entries: string[] = [];
  let current = '';
  let inQuote = false;
  for (let i = 0; i < san.length; i++) {
    const ch = san.charAt(i);
    if (inQuote) {
      current += ch;
      if (ch === '\\' && i + 1 < san.length) {
        current += san.charAt(i + 1);
        i++;
      } else if (ch === '"') {
        inQuote = false;
      }
      continue;
    }
    if (ch === '"') {
      inQuote = true;
      current += ch;
    } else if (ch === ',' && san[i + 1] === ' ') {
      entries.push(current);
      current = '';
      i++;
    } else {
      current += ch;
    }
  }
  if (current !== '') entries.push(current);

  const names: GeneralName[] = [];
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    if (colon <= 0) continue;
    const type = entry.slice(0, colon);
    let value = entry.slice(colon + 1);
    if (value.startsWith('"')) {
      try {
        const decoded: unknown = JSON.parse(value);
        if (typeof decoded !== 'string') continue;
        value = decoded;
      } catch {
        continue; // a value we cannot read names nothing
      }
    }
    names.push({ type, value });
  }
  return names;
}

export function namesFromSubjectAltName(san: string | undefined | null): CertificateNames {
  const parsed = parseSubjectAltName(san);
  return {
    dnsNames: parsed.filter((n) => n.type === 'DNS').map((n) => n.value),
    ipAddresses: parsed.filter((n) => n.type === 'IP Address').map((n) => n.value),
  };
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** The reference name as lower-case A-labels without a trailing dot, or null when it is not a usable name. */
export function normaliseReferenceName(name: string): string | null {
  let n = name.endsWith('.') ? name.slice(0, -1) : name;
  if (n === '' || n.includes('*')) return null;
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(n)) {
    n = domainToASCII(n);
    if (n === '') return null;
  }
  n = n.toLowerCase();
  const labels = n.split('.');
  if (labels.some((l) => !LABEL.test(l))) return null;
  return n;
}

/** A presented dNSName, lower-cased without a trailing dot, or null when it is malformed. */
function normalisePresented(name: string): string | null {
  const n = (name.endsWith('.') ? name.slice(0, -1) : name).toLowerCase();
  // DNS-IDs are A-labels: any non-ASCII, space or control character makes the entry unusable.
  if (n === '' || !/^[a-z0-9_.*-]+$/.test(n)) return null;
  if (n.split('.').some((l) => l === '')) return null;
  return n;
}

/** Does the dNSName `presented` match the reference name (already normalised)? */
function dnsIdMatches(reference: string, presented: string): boolean {
  const p = normalisePresented(presented);
  if (p === null) return false;
  if (!p.includes('*')) return p === reference;
  // Wildcard: only "*." followed by at least two labels with no further "*".
  if (!p.startsWith('*.')) return false;
  const rest = p.slice(2);
  if (rest.includes('*') || !rest.includes('.')) return false;
  const dot = reference.indexOf('.');
  if (dot <= 0) return false;
  return reference.slice(dot + 1) === rest;
}

/** RFC 9525 DNS-ID match of `referenceName` against the certificate's dNSName entries. */
export function matchesDnsId(
  referenceName: string,
  certificate: Pick<CertificateNames, 'dnsNames'>,
): boolean {
  // An IP address is never a DNS-ID, even if a certificate lists it as a dNSName; nor is it
  // one with the trailing dot a name may carry ("192.0.2.1." is checked once normalised).
  if (isIP(referenceName.replace(/^\[|\]$/g, '')) !== 0) return false;
  const ref = normaliseReferenceName(referenceName);
  if (ref === null || isIP(ref) !== 0) return false;
  return certificate.dnsNames.some((p) => dnsIdMatches(ref, p));
}

/** An IP address as its bytes (4 or 16), or null. IPv6 zone ids are not accepted. */
export function ipAddressBytes(address: string): Uint8Array | null {
  const a = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(a);
  if (family === 4) return Uint8Array.from(a.split('.').map(Number));
  if (family !== 6 || a.includes('%')) return null;
  let head = a;
  let v4: number[] = [];
  const lastColon = a.lastIndexOf(':');
  const tail = a.slice(lastColon + 1);
  if (tail.includes('.')) {
    v4 = tail.split('.').map(Number);
    head = a.slice(0, lastColon + 1);
    // "1:2:3:4:5:6:" loses its separator; "::" (as in "::1.2.3.4") stays.
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const groupsNeeded = v4.length > 0 ? 6 : 8;
  let groups: string[];
  if (head.includes('::')) {
    const [left = '', right = ''] = head.split('::');
    const l = left === '' ? [] : left.split(':');
    const r = right === '' ? [] : right.split(':');
    groups = [...l, ...Array<string>(groupsNeeded - l.length - r.length).fill('0'), ...r];
  } else {
    groups = head === '' ? [] : head.split(':');
  }
  if (groups.length !== groupsNeeded) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    bytes[i * 2] = v >> 8;
    bytes[i * 2 + 1] = v & 0xff;
  });
  v4.forEach((b, i) => {
    bytes[12 + i] = b;
  });
  return bytes;
}

/** IP-ID match: the reference address equals one of the certificate's iPAddress entries. */
export function matchesIpId(
  referenceAddress: string,
  certificate: Pick<CertificateNames, 'ipAddresses'>,
): boolean {
  const ref = ipAddressBytes(referenceAddress);
  if (ref === null) return false;
  return certificate.ipAddresses.some((p) => {
    const b = ipAddressBytes(p);
    return b !== null && b.length === ref.length && b.every((x, i) => x === ref[i]);
  });
}

/** Dispatches on the reference: an IP literal is checked against iPAddress entries, a name against dNSName entries. */
export function matchesReferenceIdentity(
  reference: string,
  certificate: CertificateNames,
): boolean {
  const bare =
    reference.startsWith('[') && reference.endsWith(']') ? reference.slice(1, -1) : reference;
  return isIP(bare) !== 0 ? matchesIpId(bare, certificate) : matchesDnsId(reference, certificate);
}
