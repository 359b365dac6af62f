/**
 * The certificate viewer in real Chromium: validity as a timeline against today, the chain as a
 * path with the broken link marked, the names, and fingerprints with copy buttons.
 */
import { describe, expect, it } from 'vitest';
import type { checks as C } from '../../../app/contract';
import { render } from '../../test/render';
import '../app.css';
import CertificateViewer from './CertificateViewer.svelte';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T12:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

function link(
  over: Partial<C.CertificateView['path'][number]> = {},
): C.CertificateView['path'][number] {
  return {
    subject: 'CN=mail.example.org',
    issuer: 'CN=Example Issuing CA',
    notBefore: iso(NOW - 30 * DAY),
    notAfter: iso(NOW + 60 * DAY),
    key: 'EC prime256v1',
    signature: 'ecdsa-with-SHA256',
    sha256: Array.from({ length: 32 }, (_, i) => (i + 16).toString(16).toUpperCase()).join(':'),
    sha1: Array.from({ length: 20 }, (_, i) => (i + 16).toString(16).toUpperCase()).join(':'),
    origin: 'sent by the server (its own)',
    problems: [],
    ...over,
  };
}

function certificate(
  notBefore: number,
  notAfter: number,
  over: Partial<C.CertificateView> = {},
): C.CertificateView {
  return {
    path: [link({ notBefore: iso(notBefore), notAfter: iso(notAfter) })],
    broken: null,
    referenceName: 'mail.example.org',
    validFor: ['mail.example.org', 'imap.example.org'],
    nameMatches: true,
    timeline: {
      notBefore: iso(notBefore),
      notAfter: iso(notAfter),
      now: iso(NOW),
      daysLeft: Math.floor((notAfter - NOW) / DAY),
    },
    ...over,
  };
}

function meterOf(root: HTMLElement): HTMLMeterElement {
  const m = root.querySelector('meter');
  if (!m) throw new Error('no timeline drawn');
  return m;
}

describe('CertificateViewer: validity against today', () => {
  it('a certificate in the middle of its life: today a third of the way along, days left said', () => {
    const root = render(CertificateViewer, {
      certificate: certificate(NOW - 30 * DAY, NOW + 60 * DAY),
    });
    expect(meterOf(root).value).toBeCloseTo(1 / 3, 2);
    expect(root.querySelector('.timeline')?.classList.contains('valid')).toBe(true);
    expect(root.textContent).toContain('Valid for 60 more days (of 90 days).');
  });

  it('an expired certificate: the timeline is full and says how long ago it ran out', () => {
    const root = render(CertificateViewer, {
      certificate: certificate(NOW - 400 * DAY, NOW - 10 * DAY),
    });
    expect(meterOf(root).value).toBe(1);
    expect(root.querySelector('.timeline')?.classList.contains('expired')).toBe(true);
    expect(root.textContent).toContain('Ran out 10 days ago.');
  });

  it('a certificate not valid yet: the timeline is empty and says when it starts', () => {
    const root = render(CertificateViewer, {
      certificate: certificate(NOW + 3 * DAY, NOW + 93 * DAY),
    });
    expect(meterOf(root).value).toBe(0);
    expect(root.querySelector('.timeline')?.classList.contains('not-yet-valid')).toBe(true);
    expect(root.textContent).toContain('Not valid for another 3 days.');
  });

  it('a certificate about to run out is marked as such, one day in the singular', () => {
    const root = render(CertificateViewer, {
      certificate: certificate(NOW - 89 * DAY, NOW + 1 * DAY + 1000),
    });
    expect(root.querySelector('.timeline')?.classList.contains('expiring-soon')).toBe(true);
    expect(root.textContent).toContain('Valid for 1 more day ');
  });

  it('no timeline when the dates make no sense (the words elsewhere still stand)', () => {
    const root = render(CertificateViewer, {
      certificate: certificate(NOW + DAY, NOW - DAY),
    });
    expect(root.querySelector('meter')).toBeNull();
  });
});

describe('CertificateViewer: the path and the names', () => {
  it('marks the link with a problem and where the path breaks', () => {
    const c = certificate(NOW - DAY, NOW + 90 * DAY, {
      path: [
        link(),
        link({
          subject: 'CN=Example Issuing CA',
          issuer: 'CN=Unknown Root',
          origin: 'sent by the server (#2)',
          problems: ['issued by an authority no trusted store knows'],
        }),
      ],
      broken: 'The issuer of the last certificate was neither sent nor found in a trusted store.',
    });
    const root = render(CertificateViewer, { certificate: c });
    const links = [...root.querySelectorAll('ol.chain > li')];
    expect(links).toHaveLength(3);
    expect(links[0]?.classList.contains('broken')).toBe(false);
    expect(links[1]?.classList.contains('broken')).toBe(true);
    expect(links[1]?.textContent).toContain(
      'Problem here: issued by an authority no trusted store knows',
    );
    expect(links[2]?.textContent).toContain('The path breaks here');
  });

  it('an unbroken path has no break marker', () => {
    const root = render(CertificateViewer, { certificate: certificate(NOW - DAY, NOW + DAY * 90) });
    expect(root.querySelector('.missing')).toBeNull();
    expect(root.textContent).not.toContain('Problem here');
  });

  it('says plainly when the name does not match, and lists the names it is valid for', () => {
    const root = render(CertificateViewer, {
      certificate: certificate(NOW - DAY, NOW + 90 * DAY, {
        referenceName: 'mail.other.net',
        nameMatches: false,
      }),
    });
    expect(root.textContent).toContain('the certificate is NOT valid for this name.');
    expect(root.textContent).toContain('Valid for: mail.example.org, imap.example.org');
  });

  it('offers both fingerprints with labelled copy buttons', () => {
    const c = certificate(NOW - DAY, NOW + 90 * DAY);
    const root = render(CertificateViewer, { certificate: c });
    const codes = [...root.querySelectorAll('dd code')].map((e) => e.textContent);
    expect(codes).toEqual([c.path[0]?.sha256, c.path[0]?.sha1]);
    const labels = [...root.querySelectorAll('button')].map((b) => b.getAttribute('aria-label'));
    expect(labels).toEqual(['Copy the SHA-256 fingerprint', 'Copy the SHA-1 fingerprint']);
  });

  it('shows server text as text, never as markup', () => {
    const root = render(CertificateViewer, {
      certificate: certificate(NOW - DAY, NOW + 90 * DAY, {
        path: [link({ subject: 'CN=<img src=x onerror=alert(1)>' })],
      }),
    });
    expect(root.querySelector('img')).toBeNull();
    expect(root.textContent).toContain('CN=<img src=x onerror=alert(1)>');
  });
});
