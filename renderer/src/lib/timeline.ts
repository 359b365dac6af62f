/**
 * A certificate's validity against today, for the certificate viewer: where today falls in the
 * validity window, and the words for it. Pure.
 */
export interface Timeline {
  /** 0 at notBefore, 1 at notAfter; below 0 before, above 1 after (not clamped). */
  readonly position: number;
  readonly state: 'not-yet-valid' | 'valid' | 'expiring-soon' | 'expired';
  readonly words: string;
  readonly totalDays: number;
}

import { words } from './words';

const DAY = 86_400_000;

function days(ms: number): number {
  return Math.round(ms / DAY);
}

export function timeline(
  notBefore: string,
  notAfter: string,
  now: string,
  soonDays = 14,
): Timeline | null {
  const from = Date.parse(notBefore);
  const to = Date.parse(notAfter);
  const at = Date.parse(now);
  if ([from, to, at].some(Number.isNaN) || to <= from) return null;
  const position = (at - from) / (to - from);
  const totalDays = days(to - from);
  if (at < from) {
    return {
      position,
      state: 'not-yet-valid',
      totalDays,
      words: words.timeline.notYetValid(days(from - at)),
    };
  }
  if (at > to) {
    return {
      position,
      state: 'expired',
      totalDays,
      words: words.timeline.expired(days(at - to)),
    };
  }
  const left = Math.floor((to - at) / DAY);
  return {
    position,
    state: left <= soonDays ? 'expiring-soon' : 'valid',
    totalDays,
    words: words.timeline.valid(left, totalDays),
  };
}
