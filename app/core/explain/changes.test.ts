/** The words for what changed since the last check read plainly (voice.md), whatever the case. */
import readability from 'text-readability';
import { describe, expect, it } from 'vitest';
import type { Change } from '../history/store';
import { changeText } from './changes';
import { bannedIn, firstSentence, MAX_GRADE } from './test-support';

const cert = (over: Partial<Extract<Change, { kind: 'certificate-changed' }>>): Change => ({
  kind: 'certificate-changed',
  since: '2026-09-01T10:00:00.000Z',
  from: 'AA',
  to: 'BB',
  assessment: 'unknown',
  reasons: [],
  ...over,
});

const CASES: Change[] = [
  cert({}),
  cert({ assessment: 'renewal', reasons: ['new-key'] }),
  cert({ assessment: 'renewal', reasons: ['same-key', 'other-public-authority'] }),
  cert({ assessment: 'look-closer', reasons: ['now-interception-product', 'new-key'] }),
  cert({ assessment: 'look-closer', reasons: ['now-private-authority'] }),
  cert({ assessment: 'look-closer', reasons: ['no-longer-trusted'] }),
  cert({ assessment: 'look-closer', reasons: ['names-changed', 'same-key'] }),
  { kind: 'starttls-gone', since: '2026-09-01T10:00:00.000Z' },
  {
    kind: 'verdict-changed',
    since: '2026-09-01T10:00:00.000Z',
    from: 'encrypted-verified',
    to: 'encryption-removable',
  },
];

describe('changeText', () => {
  it.each(CASES.map((c) => [changeText(c)]))('%s', (text) => {
    expect(readability.fleschKincaidGrade(text)).toBeLessThanOrEqual(MAX_GRADE);
    expect(bannedIn(firstSentence(text))).toEqual([]);
  });

  it('names the reason for a closer look, and never calls an unknown change a renewal', () => {
    expect(changeText(CASES[3] as Change)).toMatch(/antivirus or a network box/);
    expect(changeText(CASES[0] as Change)).not.toMatch(/renewal:/);
  });
});
