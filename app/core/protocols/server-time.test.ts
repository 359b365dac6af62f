/** Dates in greetings: the forms real servers write, and what is not taken as a date. */
import { describe, expect, it } from 'vitest';
import { timeInLines } from './server-time';

describe('timeInLines', () => {
  it.each([
    [
      '220 mx.example.org ESMTP Exim 4.96 Thu, 03 Dec 2026 14:03:01 +0000',
      '2026-12-03T14:03:01.000Z',
    ],
    [
      '220 mail.example.org ESMTP Sendmail 8.17.1/8.17.1; Thu, 3 Dec 2026 15:03:01 +0100',
      '2026-12-03T14:03:01.000Z',
    ],
    [
      '220 EX01.contoso.com Microsoft ESMTP MAIL Service ready at Thu, 3 Dec 2026 09:03:01 -0500',
      '2026-12-03T14:03:01.000Z',
    ],
    ['220 old.example.org ESMTP ready 3 Dec 2026 06:03 PST', '2026-12-03T14:03:00.000Z'],
  ])('%s', (line, iso) => {
    expect(timeInLines(['220-first line', line])?.at.toISOString()).toBe(iso);
  });

  it('keeps the text as written', () => {
    expect(timeInLines(['220 x ESMTP Exim Thu, 03 Dec 2026 14:03:01 +0000'])?.said).toBe(
      'Thu, 03 Dec 2026 14:03:01 +0000',
    );
  });

  it('takes no date without a zone, no impossible date, no version number', () => {
    expect(timeInLines(['220 mx ESMTP Postfix (Debian/GNU)'])).toBeNull();
    expect(timeInLines(['220 mx ready Thu, 03 Dec 2026 14:03:01'])).toBeNull();
    expect(timeInLines(['220 mx ready 31 Feb 2026 14:03:01 +0000'])).toBeNull();
    expect(timeInLines(['220 mx ready 3 Dec 2026 25:03:01 +0000'])).toBeNull();
    expect(timeInLines(['220 mx ready 3 Dec 2026 14:03:01 +2500'])).toBeNull();
    expect(timeInLines(['* OK Dovecot ready. <12.34@host>'])).toBeNull();
  });
});
