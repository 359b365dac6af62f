/**
 * Small wording helpers shared by the catalog and the verdicts: how to name the user's app and
 * messages per protocol, dates, durations and lists. Pure; returns plain (unescaped) text.
 */
import type { Protocol } from '../facts/endpoint';
import type { WeakFamily } from '../facts/scan';
import type { CertRef, FindingSubject } from '../findings/types';

/** "mail" or "chat messages": what travels over this connection. */
export function messages(protocol: Protocol): string {
  return protocol === 'xmpp' ? 'chat messages' : 'mail';
}

/** "your mail app" or "your chat app". */
export function app(protocol: Protocol): string {
  return protocol === 'xmpp' ? 'your chat app' : 'your mail app';
}

/** The text with its first letter in upper case, to start a sentence ("Your mail app …"). */
export function sentenceStart(text: string): string {
  return text.length === 0 ? text : `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}`;
}

/** Who runs the server, as the user knows them. */
export function provider(protocol: Protocol): string {
  return protocol === 'xmpp' ? 'your chat provider' : 'your mail provider';
}

/**
 * The one step that moves a client to TLS from the first byte (RFC 8314), or null where there is
 * none to give (port 25 between mail servers).
 */
export function implicitTlsStep(protocol: Protocol): string | null {
  switch (protocol) {
    case 'imap':
      return 'In your mail app, change the incoming server to port 993 with SSL/TLS.';
    case 'pop3':
      return 'In your mail app, change the incoming server to port 995 with SSL/TLS.';
    case 'submission':
      return 'In your mail app, change the outgoing server to port 465 with SSL/TLS.';
    case 'xmpp':
      return 'In your chat app, set encryption to "required".';
    case 'smtp':
      return null;
  }
}

/** The server as the user typed it: "mail.example.org". */
export function serverName(subject: FindingSubject): string {
  return subject.host;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/** "5 May 2025" (UTC) from an ISO date; the text itself when it is not a date. */
export function day(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** "1 day", "3 days". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A clock offset in words: "about 3 hours", "about 20 minutes". */
export function duration(seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 90) return count(Math.max(1, Math.round(s)), 'second');
  if (s < 90 * 60) return `about ${count(Math.round(s / 60), 'minute')}`;
  if (s < 36 * 3600) return `about ${count(Math.round(s / 3600), 'hour')}`;
  return `about ${count(Math.round(s / 86400), 'day')}`;
}

/** "TLS 1.0" for Node's and the scanner's "TLSv1"; other names as they are. */
export function tlsVersion(name: string): string {
  const m = /^TLSv1(?:\.(\d))?$/.exec(name);
  if (m) return `TLS 1.${m[1] ?? '0'}`;
  return name === 'SSLv3' ? 'SSL 3.0' : name;
}

/** A weak family's name as help desks know it: "RC4", "3DES", "anonymous". */
export function weakFamilyName(family: WeakFamily): string {
  return WEAK_FAMILY_NAMES[family];
}
const WEAK_FAMILY_NAMES: Readonly<Record<WeakFamily, string>> = {
  null: 'NULL',
  anonymous: 'anonymous',
  export: 'EXPORT',
  des: 'DES',
  rc4: 'RC4',
  '3des': '3DES',
};

/** "a, b and c"; with more than `max`, "a, b, c and 4 more". */
export function list(items: readonly string[], max = 4): string {
  if (items.length === 0) return '';
  const shown = items.slice(0, max);
  const rest = items.length - shown.length;
  if (rest > 0) return `${shown.join(', ')} and ${rest} more`;
  if (shown.length === 1) return shown[0] ?? '';
  return `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1] ?? ''}`;
}

/** The readable name of a certificate's subject: the CN value when there is one, else the whole subject. */
export function certName(subjectOrIssuer: string): string {
  const cn = /(?:^|[,/]\s*)CN=([^,/]+)/i.exec(subjectOrIssuer);
  return (cn?.[1] ?? subjectOrIssuer).trim();
}

/** "The server's certificate" or "A certificate that vouches for the server". */
export function whichCert(cert: CertRef): string {
  return cert.index === 0
    ? "The server's certificate"
    : `A certificate that vouches for the server (${certName(cert.subject)})`;
}
