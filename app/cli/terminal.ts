/**
 * Text from servers and from the environment is hostile: a banner can carry escape sequences
 * that recolour, move the cursor or retitle the terminal, line breaks that forge extra output
 * lines, or bidirectional overrides that make text read differently from what it is.
 * Everything such text goes through on its way to a terminal is made visible and inert here.
 * (Will move to core once the other outputs need the same rule.)
 */

/**
 * C0 controls (including tab, CR and LF), DEL, C1 controls, and the bidirectional marks,
 * embeddings, overrides and isolates: U+061C, U+200E–U+200F, U+202A–U+202E, U+2066–U+2069.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

function visible(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  switch (ch) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
  }
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** One line of untrusted text, safe to print: unsafe characters become visible escapes like `\x1b`. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, visible);
}

/**
 * JSON for a terminal or a pipe. JSON.stringify already escapes C0 controls; this also escapes
 * DEL, C1 controls, bidi controls and U+2028/U+2029 as \uXXXX, so the output stays valid JSON
 * with the same value, and is inert when it lands on a terminal.
 */
export function jsonForTerminal(value: unknown): string {
  return inertJson(JSON.stringify(value, null, 2));
}

/** The same on one line, for JSON lines (--jsonl). */
export function jsonLineForTerminal(value: unknown): string {
  return inertJson(JSON.stringify(value));
}

function inertJson(json: string): string {
  return json.replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu,
    (ch) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}
