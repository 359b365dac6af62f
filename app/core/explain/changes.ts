/**
 * What changed since the last check, in words (history/store.ts finds the changes).
 */
import type { Change, CertificateChangeReason } from '../history/store';
import { verdictHeadline } from './verdicts';
import { day } from './words';

export function changeText(c: Change): string {
  switch (c.kind) {
    case 'certificate-changed':
      return certificateChangeText(c);
    case 'starttls-gone':
      return `At the check on ${day(c.since)} the server offered encryption here. Now it does not: someone on the network may be removing the offer.`;
    case 'verdict-changed':
      return `At the check on ${day(c.since)} this was "${verdictHeadline(c.from)}". Now it is "${verdictHeadline(c.to)}".`;
  }
}

/** Why a new certificate needs a closer look, in words; the first that applies. */
const LOOK_CLOSER: readonly [CertificateChangeReason, string][] = [
  [
    'now-interception-product',
    'It now comes from antivirus or a network box that reads your mail, not from a public authority.',
  ],
  [
    'now-private-authority',
    'It now comes from an authority only this computer trusts, not from a public one as before.',
  ],
  ['no-longer-trusted', 'No trusted authority vouches for it any more.'],
  ['names-changed', 'It is for other server names than before.'],
];

function certificateChangeText(c: Extract<Change, { kind: 'certificate-changed' }>): string {
  const when = day(c.since);
  if (c.assessment === 'renewal') {
    const key = c.reasons.includes('same-key') ? ' It even keeps the same key.' : '';
    const other = c.reasons.includes('other-public-authority')
      ? ' It comes from another public authority than before, which providers sometimes switch to.'
      : '';
    return `The server has a new certificate since the check on ${when}. It looks like a routine renewal: same names, from a public authority.${key}${other}`;
  }
  if (c.assessment === 'look-closer') {
    const why = LOOK_CLOSER.find(([r]) => c.reasons.includes(r))?.[1] ?? '';
    return `The server has a new certificate since the check on ${when}, and it is worth a closer look. ${why} Do not accept a warning about it until your provider confirms the change.`;
  }
  return `The server shows a different certificate than at the check on ${when}. A renewal does that; so does someone posing as the server. Compare the fingerprint with your provider's.`;
}
