/**
 * The time a server states in its greeting. Exim, Sendmail and Microsoft Exchange put the date
 * in their SMTP 220 line in RFC 5322 form ("Thu, 3 Dec 2026 14:03:01 +0000"); this is the
 * evidence that lets Sealcheck say "your clock is 3 days behind" instead of "certificate not
 * yet valid". A date without a time zone is ambiguous and not taken.
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** RFC 5322 §4.3 obsolete zone names, in minutes east of UTC. */
const NAMED_ZONES: Readonly<Record<string, number>> = {
  ut: 0,
  utc: 0,
  gmt: 0,
  z: 0,
  edt: -4 * 60,
  est: -5 * 60,
  cdt: -5 * 60,
  cst: -6 * 60,
  mdt: -6 * 60,
  mst: -7 * 60,
  pdt: -7 * 60,
  pst: -8 * 60,
};

const DATE =
  /(?:\b(?:mon|tue|wed|thu|fri|sat|sun),?\s+)?\b(\d{1,2})\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}\b|\b(?:ut|utc|gmt|z|[ecmp][sd]t)\b)/i;

export interface ServerTime {
  /** The date text as the server wrote it. */
  readonly said: string;
  /** The instant it names. */
  readonly at: Date;
}

/** The first complete RFC 5322 date with a zone in these lines, or null. */
export function timeInLines(lines: readonly string[]): ServerTime | null {
  for (const line of lines) {
    const m = DATE.exec(line.slice(0, 1024));
    if (!m) continue;
    const [said, day, mon, year, hour, minute, second, zone] = m;
    if (said === undefined || zone === undefined) continue;
    const month = MONTHS.indexOf((mon ?? '').toLowerCase().slice(0, 3));
    const d = Number(day);
    const h = Number(hour);
    const min = Number(minute);
    const s = second === undefined ? 0 : Number(second);
    const y = Number(year);
    const z = zone.toLowerCase();
    const offsetMinutes = /^[+-]\d{4}$/.test(z)
      ? (z.startsWith('-') ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5)))
      : NAMED_ZONES[z];
    if (offsetMinutes === undefined || Math.abs(offsetMinutes) > 14 * 60) continue;
    if (h > 23 || min > 59 || s > 60 || y < 1970 || y > 9999) continue;
    const utc = Date.UTC(y, month, d, h, min, Math.min(s, 59));
    // Date.UTC rolls 31 February into March: such a date is not a date.
    if (new Date(utc).getUTCDate() !== d) continue;
    return { said: said.trim(), at: new Date(utc - offsetMinutes * 60_000) };
  }
  return null;
}
