/**
 * The readability rules the wording tests share (voice.md): the grade limit, placeholders for
 * names, dates and numbers before scoring, and the words kept out of first sentences. Used by
 * the endpoint catalog's and the domain catalog's readability tests.
 */
import readability from 'text-readability';
import { expect } from 'vitest';
import { WHO_CAN_FIX_TEXT, type Explanation } from './catalog';
import { certName, day } from './words';

export const MAX_GRADE = 8;

export const FIELDS = ['title', 'meaning', 'risk', 'action'] as const;

/** Strings anywhere inside the evidence (names, algorithms, replies), with their short forms. */
function evidenceStrings(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') {
    if (value.length >= 2) {
      out.add(value);
      out.add(certName(value));
      out.add(day(value));
    }
  } else if (Array.isArray(value)) {
    for (const v of value) evidenceStrings(v, out);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) evidenceStrings(v, out);
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Replaces the names, dates and numbers in a text with placeholder words before scoring, so a
 * long server name or a date does not count as hard words (issue 6). In this order:
 *  1. every string found in the finding's evidence, and the host name, longest first
 *     (including their readable forms: the CN of a subject, "5 May 2025" for a date) → "name";
 *  2. anything left that looks like a date ("14 March 2025", "2025-03-14…") → "date";
 *  3. colon-hex fingerprints → "name"; dotted names like "mail.example.org", "SSL/TLS",
 *     "TLS 1.3"'s "1.3" → "name";
 *  4. any remaining digits → "ten".
 */
export function withPlaceholders(
  text: string,
  finding: {
    readonly evidence: unknown;
    readonly subject: { readonly host?: string; readonly domain?: string };
  },
): string {
  const literals = [
    ...evidenceStrings(finding.evidence),
    finding.subject.host ?? '',
    finding.subject.domain ?? '',
  ]
    .filter((s) => s.length >= 2)
    .sort((a, b) => b.length - a.length);
  let t = text;
  for (const s of literals) t = t.replace(new RegExp(escapeRegExp(s), 'g'), 'name');
  return t
    .replace(
      /\b\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\b/g,
      'date',
    )
    .replace(/\b\d{4}-\d{2}-\d{2}(?:T[\d:.]+Z)?/g, 'date')
    .replace(/\b[0-9A-F]{2}(?::[0-9A-F]{2}){7,}\b/g, 'name')
    .replace(/[*\w-]*\w[./]\w[\w./-]*/g, 'name')
    .replace(/\d+/g, 'ten');
}

/** Whole words avoided in first sentences (voice.md); acronyms case-sensitive. */
const BANNED_CASED = [
  'X.509',
  'SAN',
  'CN',
  'PKI',
  'SNI',
  'ASN.1',
  'OCSP',
  'STARTTLS',
  'PFS',
  'aNULL',
];
const BANNED_WORDS = ['cipher suite', 'handshake', 'chain'];

export function firstSentence(text: string): string {
  const m = /^.*?[.!?](?=\s|$)/s.exec(text);
  return m ? m[0] : text;
}

export function bannedIn(sentence: string): string[] {
  const found: string[] = [];
  for (const w of BANNED_CASED) {
    if (new RegExp(`(^|[^\\w])${escapeRegExp(w)}([^\\w]|$)`).test(sentence)) found.push(w);
  }
  for (const w of BANNED_WORDS) {
    if (new RegExp(`\\b${escapeRegExp(w)}`, 'i').test(sentence)) found.push(w);
  }
  return found;
}

/**
 * Every rule for one explanation (voice.md): each plain field non-empty, at grade 8 or below
 * with names as placeholders, no banned word in its first sentence; a title under ten words, an
 * explanation (meaning and risk) under 60; who can fix it named; a technical term.
 */
export function expectReadable(
  e: Explanation,
  finding: Parameters<typeof withPlaceholders>[1],
): void {
  for (const field of FIELDS) {
    const text = e[field];
    expect(text.trim(), field).not.toBe('');
    const plain = withPlaceholders(text, finding);
    expect(readability.fleschKincaidGrade(plain), `${field}: "${plain}"`).toBeLessThanOrEqual(
      MAX_GRADE,
    );
    expect(bannedIn(firstSentence(text)), `${field}: "${text}"`).toEqual([]);
  }
  expect(e.title.split(/\s+/).length, e.title).toBeLessThan(10);
  const explanation = `${e.meaning} ${e.risk}`;
  expect(explanation.split(/\s+/).length, explanation).toBeLessThan(60);
  expect(Object.keys(WHO_CAN_FIX_TEXT)).toContain(e.whoCanFix);
  expect(e.technicalTerm).not.toBe('');
}
