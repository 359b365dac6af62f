/**
 * Escaping for Markdown (help-desk tickets). Every interpolated value goes through markdownSafe:
 * server text may carry Markdown that would forge headings, links, images or HTML in the ticket,
 * control characters that break lines, and bidirectional overrides that make text read
 * differently from what it is.
 */

/**
 * C0 controls (tab, CR and LF included), DEL, C1 controls, the bidi marks, embeddings,
 * overrides and isolates, and the Unicode line and paragraph separators.
 */
const UNSAFE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/**
 * Markdown metacharacters that act anywhere in a line (CommonMark and GitHub's extensions):
 * escapes, code, emphasis, strikethrough, links and images, HTML and entities, table cells,
 * headings. Characters that act only at the start of a line ("-", "+", "1.", ">") need no
 * escape here: every line of our Markdown starts with our own words, and values never carry a
 * line break.
 */
const META = /[\\`*_{}[\]()<>#|~&]/gu;

/** GitHub autolinks: "http://", "https://", "www." and e-mail addresses become links. */
function breakAutolinks(text: string): string {
  return text
    .replace(/:\/\//gu, '\\://')
    .replace(/\bwww\./giu, (m) => `${m.slice(0, 3)}\\.`)
    .replace(/@/gu, '\\@');
}

/** Replaces an unsafe character with visible, inert text such as "U+001B". */
function visible(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** One value of untrusted text, safe inside a Markdown line (never a line break, never markup). */
export function markdownSafe(text: string): string {
  return breakAutolinks(
    text.replace(UNSAFE, (ch) => ` ${visible(ch)} `).replace(META, (ch) => `\\${ch}`),
  );
}
