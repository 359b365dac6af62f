/** What a server's stated time says about this computer's clock. */
import { describe, expect, it } from 'vitest';
import type { AddressFacts } from '../facts/endpoint';
import { CLOCK_EVIDENCE_MIN_SECONDS, statedClock } from './rules-clock';

const withTime = (at: string, receivedAt: string): AddressFacts =>
  ({
    greeting: { lines: [], kind: 'ok', serverTime: { said: 'x', at, receivedAt } },
  }) as unknown as AddressFacts;

describe('statedClock', () => {
  it('takes the stated whole second at its end (servers write whole seconds)', () => {
    const c = statedClock(withTime('2026-12-03T14:00:00.000Z', '2026-12-08T14:00:00.700Z'));
    expect(c?.seconds).toBe(-432000);
    expect(c?.offsetMs).toBe(-432000 * 1000 + 299);
  });

  it('ignores small differences (network delay, ordinary drift) and no stated time', () => {
    expect(
      statedClock(withTime('2026-12-03T14:09:00.000Z', '2026-12-03T14:00:00.000Z')),
    ).toBeNull();
    expect(CLOCK_EVIDENCE_MIN_SECONDS).toBe(600);
    expect(statedClock({ greeting: null } as unknown as AddressFacts)).toBeNull();
  });
});
