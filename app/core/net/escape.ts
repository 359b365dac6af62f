/**
 * Server-supplied text is hostile: before it goes into a transcript or a fact it is escaped
 * (control characters, bidirectional overrides) and truncated to a bounded length.
 */

/** Default length (in characters of escaped text) of one transcript entry or evidence string. */
export const MAX_SHOWN_CHARS = 512;

export interface EscapedText {
  readonly text: string;
  /** Original length in bytes (UTF-8), present only when `text` was truncated. */
  readonly truncatedFrom?: number;
}

/**
 * Characters that reorder or hide text in a terminal or a web page: bidi embeddings and
 * overrides (U+202A–202E), isolates (U+2066–2069), the implicit marks (U+200E, U+200F, U+061C),
 * and the byte-order mark / zero-width no-break space (U+FEFF).
 */
function isBidiOrInvisible(cp: number): boolean {
  return (
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    cp === 0x200e ||
    cp === 0x200f ||
    cp === 0x061c ||
    cp === 0xfeff ||
    (cp >= 0x2028 && cp <= 0x2029)
  );
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** The escaped form of one code point. */
function escapeCodePoint(cp: number): string {
  switch (cp) {
    case 0x0d:
      return '\\r';
    case 0x0a:
      return '\\n';
    case 0x09:
      return '\\t';
    case 0x5c:
      return '\\\\';
  }
  if (cp < 0x20 || cp === 0x7f) return `\\x${hex2(cp)}`;
  if (cp >= 0x80 && cp <= 0x9f) return `\\u{${cp.toString(16)}}`;
  if (isBidiOrInvisible(cp)) return `\\u{${cp.toString(16)}}`;
  return String.fromCodePoint(cp);
}

/**
 * Escapes `input` (a string, or bytes decoded as UTF-8 with replacement characters) and
 * truncates the result to `max` characters, never in the middle of an escape sequence.
 */
export function escapeText(input: string | Buffer, max = MAX_SHOWN_CHARS): EscapedText {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  let out = '';
  for (const ch of text) {
    const piece = escapeCodePoint(ch.codePointAt(0) ?? 0);
    if (out.length + piece.length > max) {
      const bytes = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.length;
      return { text: out, truncatedFrom: bytes };
    }
    out += piece;
  }
  return { text: out };
}

/** The escaped, truncated text alone, with "…" appended when it was cut (for evidence strings). */
export function escapePreview(input: string | Buffer, max = 200): string {
  const e = escapeText(input, max);
  return e.truncatedFrom === undefined ? e.text : `${e.text}…`;
}
