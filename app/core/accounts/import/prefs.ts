/**
 * A defensive reader for Mozilla's prefs.js (Thunderbird): `user_pref("name", value);` lines
 * with JSON-like values (strings with JavaScript escapes, integers, true/false).
 *
 * Real files are large (tens of thousands of lines), carry comments, and now and then odd lines
 * (a pref written by an extension, a value cut short by a crash). Anything that is not a
 * well-formed user_pref line is skipped and counted, never fatal. Sizes are bounded.
 */

export type PrefValue = string | number | boolean;

export interface PrefsFile {
  readonly prefs: ReadonlyMap<string, PrefValue>;
  /** Lines that looked like prefs but could not be read. */
  readonly skipped: number;
}

/** A prefs.js larger than this is not read (Thunderbird's own are a few MB at most). */
export const MAX_PREFS_BYTES = 32 * 1024 * 1024;
const MAX_LINE = 64 * 1024;

// Dot-all: Mozilla writes U+2028 and U+2029 as they are, and `.` alone would stop at them.
const LINE = /^\s*(?:user_)?pref\(\s*("(?:[^"\\]|\\.)*")\s*,\s*(.*?)\s*\)\s*;\s*$/s;

/** A JavaScript escape as JSON's: \xHH as \u00HH, JSON's own kept, others (\' \a …) unescaped. */
function jsonEscape(_escape: string, hex: string | undefined, char: string | undefined): string {
  if (hex !== undefined) return `\\u00${hex}`;
  const c = char ?? '';
  return '"\\/bfnrtu'.includes(c) ? `\\${c}` : c;
}

function parseString(literal: string): string | null {
  // JavaScript string escapes are a superset of JSON's; map the extra ones, then JSON.parse.
  // One pass, escape by escape: "\\" is an escaped backslash, and what follows it is text
  // ("CORP\\alice", "C:\\Users\\x86"), not the start of another escape.
  const jsonish = literal.replace(/\\(?:x([0-9A-Fa-f]{2})|([\s\S]))/g, jsonEscape);
  try {
    const v: unknown = JSON.parse(jsonish);
    return typeof v === 'string' ? v : null;
  } catch {
    return null;
  }
}

function parseValue(text: string): PrefValue | null {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?\d{1,15}$/.test(text)) return Number(text);
  if (text.startsWith('"')) return parseString(text);
  return null;
}

export function parsePrefs(text: string): PrefsFile {
  const prefs = new Map<string, PrefValue>();
  let skipped = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.length > MAX_LINE ? '' : raw;
    if (!/^\s*(?:user_)?pref\(/.test(line)) {
      if (raw.length > MAX_LINE) skipped++;
      continue;
    }
    const m = LINE.exec(line);
    const name = m?.[1] !== undefined ? parseString(m[1]) : null;
    const value = m?.[2] !== undefined ? parseValue(m[2]) : null;
    if (name === null || value === null) {
      skipped++;
      continue;
    }
    prefs.set(name, value); // later lines win, as in Thunderbird
  }
  return { prefs, skipped };
}

/** A pref as a string ('' when absent or not a string). */
export function prefString(prefs: ReadonlyMap<string, PrefValue>, name: string): string {
  const v = prefs.get(name);
  return typeof v === 'string' ? v : '';
}

/** A pref as an integer (null when absent or not a number). */
export function prefNumber(prefs: ReadonlyMap<string, PrefValue>, name: string): number | null {
  const v = prefs.get(name);
  return typeof v === 'number' && Number.isInteger(v) ? v : null;
}

/** A comma-separated list pref ("account1,account2"). */
export function prefList(prefs: ReadonlyMap<string, PrefValue>, name: string): string[] {
  return prefString(prefs, name)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
