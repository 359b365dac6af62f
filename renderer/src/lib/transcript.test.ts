import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { filterTranscript, MAX_MATCHES, MAX_QUERY, visibleWindow, type Entry } from './transcript';

const entry = (text: string, dir: Entry['dir'] = 'received'): Entry => ({
  at: 0,
  dir,
  text,
  tls: false,
});

describe('filterTranscript', () => {
  const list = [
    entry('a1 CAPABILITY', 'sent'),
    entry('* CAPABILITY IMAP4rev1 STARTTLS'),
    entry('TLS handshake done', 'note'),
  ];

  it('no filter: every line, in order', () => {
    expect(filterTranscript(list, 'all', '  ')).toEqual(list);
  });

  it('by direction, and by text ignoring case and surrounding spaces', () => {
    expect(filterTranscript(list, 'sent', '')).toEqual([list[0]]);
    expect(filterTranscript(list, 'all', ' starttls ')).toEqual([list[1]]);
    expect(filterTranscript(list, 'note', 'capability')).toEqual([]);
  });

  it('a pasted megabyte of search text is cut to the first MAX_QUERY characters', () => {
    const long = 'x'.repeat(MAX_QUERY);
    const lines = [entry(`${long}`), entry(`${long}y`)];
    expect(filterTranscript(lines, 'all', `${long}${'y'.repeat(1_000_000)}`)).toEqual(lines);
  });

  it('keeps at most MAX_MATCHES matches; the unfiltered list is never cut', () => {
    const many = Array.from({ length: MAX_MATCHES + 500 }, (_, i) => entry(`line ${i}`));
    expect(filterTranscript(many, 'all', 'line')).toHaveLength(MAX_MATCHES);
    expect(filterTranscript(many, 'all', '')).toHaveLength(MAX_MATCHES + 500);
  });
});

describe('visibleWindow', () => {
  it('the rows on screen plus the overscan, clamped to the list', () => {
    expect(visibleWindow(1000, 0, 320, 22)).toEqual({ first: 0, last: 25 });
    expect(visibleWindow(1000, 22 * 500, 320, 22)).toEqual({ first: 490, last: 525 });
    expect(visibleWindow(30, 22 * 25, 320, 22)).toEqual({ first: 15, last: 30 });
    expect(visibleWindow(0, 0, 320, 22)).toEqual({ first: 0, last: 0 });
  });

  it('for any list and scroll position: a bounded window that covers the screen', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 30_000_000 }),
        (count, scrollTop) => {
          const { first, last } = visibleWindow(count, scrollTop, 320, 22);
          expect(first).toBeGreaterThanOrEqual(0);
          expect(last).toBeLessThanOrEqual(count);
          expect(last - first).toBeLessThanOrEqual(Math.ceil(320 / 22) + 21);
          const topRow = Math.floor(scrollTop / 22);
          if (topRow < count) {
            expect(first).toBeLessThanOrEqual(topRow);
            expect(last).toBeGreaterThan(topRow);
          }
        },
      ),
    );
  });
});
