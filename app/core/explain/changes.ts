/**
 * What changed since the last check, in words (history/store.ts finds the changes).
 */
import type { Change } from '../history/store';
import { verdictHeadline } from './verdicts';
import { day } from './words';

export function changeText(c: Change): string {
  switch (c.kind) {
    case 'certificate-changed':
      return `The server shows a different certificate than at the check on ${day(c.since)}. A renewal does that; so does someone posing as the server. Compare the fingerprint with your provider's.`;
    case 'starttls-gone':
      return `At the check on ${day(c.since)} the server offered encryption here. Now it does not: someone on the network may be removing the offer.`;
    case 'verdict-changed':
      return `At the check on ${day(c.since)} this was "${verdictHeadline(c.from)}". Now it is "${verdictHeadline(c.to)}".`;
  }
}
