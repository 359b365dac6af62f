/**
 * The transcript view's logic: filtering by direction and a bounded text search, and the window
 * of rows to draw (the list can be long; only what is on screen is rendered). Pure.
 */
import type { checks } from '../../../app/contract';

export type Entry = checks.TranscriptEntry;
export type Direction = 'all' | 'sent' | 'received' | 'note';

/** A search longer than this is cut: the search stays cheap whatever is pasted in. */
export const MAX_QUERY = 200;
/** At most this many matches of a filter are kept (the unfiltered list is shown whole). */
export const MAX_MATCHES = 5000;

export function filterTranscript(
  entries: readonly Entry[],
  direction: Direction,
  query: string,
): Entry[] {
  const q = query.trim().slice(0, MAX_QUERY).toLowerCase();
  if (direction === 'all' && q === '') return [...entries];
  const out: Entry[] = [];
  for (const e of entries) {
    if (direction !== 'all' && e.dir !== direction) continue;
    if (q !== '' && !e.text.toLowerCase().includes(q)) continue;
    out.push(e);
    if (out.length >= MAX_MATCHES) break;
  }
  return out;
}

/** The rows to render for a scroll position: a window of the list plus a little margin. */
export function visibleWindow(
  count: number,
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  overscan = 10,
): { first: number; last: number } {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan);
  return { first, last };
}
