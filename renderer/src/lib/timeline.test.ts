import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { timeline } from './timeline';

const DAY = 86_400_000;
const at = (ms: number): string => new Date(ms).toISOString();
const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('timeline', () => {
  it('places today in the validity window and counts whole days left', () => {
    const t = timeline(at(T0), at(T0 + 100 * DAY), at(T0 + 25 * DAY + 3600_000));
    expect(t?.state).toBe('valid');
    expect(t?.position).toBeCloseTo(0.2504, 3);
    expect(t?.totalDays).toBe(100);
    expect(t?.words).toBe('Valid for 74 more days (of 100 days).');
  });

  it('expiring soon at 14 days left or fewer, not at 15', () => {
    expect(timeline(at(T0), at(T0 + 90 * DAY), at(T0 + 76 * DAY))?.state).toBe('expiring-soon');
    expect(timeline(at(T0), at(T0 + 90 * DAY), at(T0 + 75 * DAY))?.state).toBe('valid');
    expect(timeline(at(T0), at(T0 + 90 * DAY), at(T0 + 80 * DAY), 5)?.state).toBe('valid');
  });

  it('before and after the window: not yet valid, expired, positions outside 0..1', () => {
    const before = timeline(at(T0), at(T0 + 10 * DAY), at(T0 - 2 * DAY));
    expect(before?.state).toBe('not-yet-valid');
    expect(before?.position).toBeLessThan(0);
    expect(before?.words).toBe('Not valid for another 2 days.');
    const after = timeline(at(T0), at(T0 + 10 * DAY), at(T0 + 11 * DAY));
    expect(after?.state).toBe('expired');
    expect(after?.position).toBeGreaterThan(1);
    expect(after?.words).toBe('Ran out 1 day ago.');
  });

  it('nonsense dates give no timeline rather than a wrong one', () => {
    expect(timeline('not a date', at(T0), at(T0))).toBeNull();
    expect(timeline(at(T0), at(T0), at(T0))).toBeNull();
    expect(timeline(at(T0 + DAY), at(T0), at(T0))).toBeNull();
  });

  it('for any window and day: the state agrees with the position', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4000 }),
        fc.integer({ min: -5000, max: 5000 }),
        (length, offset) => {
          const t = timeline(at(T0), at(T0 + length * DAY), at(T0 + offset * DAY));
          expect(t).not.toBeNull();
          if (!t) return;
          if (t.position < 0) expect(t.state).toBe('not-yet-valid');
          else if (t.position > 1) expect(t.state).toBe('expired');
          else expect(['valid', 'expiring-soon']).toContain(t.state);
        },
      ),
    );
  });
});
