/**
 * The "Mail sent to <domain>" section in real Chromium, with a scripted API: nothing is
 * checked until asked (port 25 is often blocked); while it runs it can be cancelled; then the
 * verdict comes first, what needs attention with who can fix it, the worth-knowing items, the
 * mail servers as a table, and the DNS details folded away. Server and DNS text is shown as
 * text, never as markup.
 */
import { describe, expect, it } from 'vitest';
import type { domain as D, ProgressEvent } from '../../../app/contract';
import { render, settle } from '../../test/render';
import '../app.css';
import { DomainChecks, type DomainApi } from '../lib/domain-check.svelte';
import DomainSection from './DomainSection.svelte';

const HOSTILE = '<img src=x onerror=alert(1)>';

const VIEW: D.DomainView = {
  schema: 'sealcheck.domain-view/1',
  domain: 'example.org',
  checkedAt: '2026-03-01T10:00:00.000Z',
  durationMs: 120,
  verdict: 'plaintext',
  headline: 'Mail can arrive unencrypted',
  sentence:
    'Mail to example.org can reach its server as plain text, so others on the way can read it.',
  attention: [
    {
      id: 'mx.no-starttls',
      severity: 'critical',
      host: 'mx1.example.org',
      title: 'This mail server does not encrypt',
      meaning: `The server offered ${HOSTILE} but no encryption.`,
      risk: 'Anyone between the mail servers can read the mail.',
      action: 'Ask the people who run mail for example.org to switch on STARTTLS.',
      whoCanFix: 'mail-provider',
      whoCanFixText: 'your mail provider',
      technicalTerm: 'no STARTTLS on port 25',
      details: [{ label: 'capabilities', value: 'PIPELINING SIZE' }],
    },
  ],
  info: [
    {
      id: 'tls-rpt.missing',
      severity: 'info',
      host: null,
      title: 'No reports about failed encryption',
      meaning: 'Nobody is told when encryption fails.',
      risk: 'Worth knowing only.',
      action: 'Nothing to do.',
      whoCanFix: 'nobody',
      whoCanFixText: 'nobody needs to',
      technicalTerm: 'TLS-RPT missing',
      details: [],
    },
  ],
  hosts: [
    {
      host: 'mx1.example.org',
      preference: 10,
      addresses: ['192.0.2.1'],
      transport: 'not encrypted (no STARTTLS)',
      dane: 'none',
      policy: null,
      notReached: [],
    },
    {
      host: `mx2.example.org${HOSTILE}`,
      preference: 20,
      addresses: [],
      transport: 'no address',
      dane: 'cannot tell',
      policy: 'not listed',
      notReached: [],
    },
  ],
  details: [{ label: 'MTA-STS', value: 'no record' }],
};

function scripted() {
  const listeners = new Set<(e: ProgressEvent) => void>();
  const asked: { runId: string; domain: string }[] = [];
  const cancelled: string[] = [];
  let answer: (v: D.DomainView) => void = () => {};
  let refuse: (e: Error) => void = () => {};
  const api: DomainApi = {
    domain: {
      check: (runId, request) => {
        asked.push({ runId, domain: request.domain });
        return new Promise((resolve, reject) => {
          answer = resolve;
          refuse = reject;
        });
      },
    },
    checks: {
      cancel: async (runId) => {
        cancelled.push(runId);
        refuse(new Error(`Run ${runId} was cancelled.`));
        return null;
      },
    },
    on: {
      progress: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    },
  };
  let n = 0;
  const domains = new DomainChecks(api, () => `run-${++n}`);
  return {
    domains,
    asked,
    cancelled,
    emit: (e: Omit<ProgressEvent, 'at'>) => listeners.forEach((l) => l({ ...e, at: 1 })),
    answer: (v: D.DomainView) => answer(v),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

function button(root: HTMLElement, text: RegExp): HTMLButtonElement {
  const b = [...root.querySelectorAll('button')].find((x) => text.test(x.textContent ?? ''));
  if (!b) throw new Error(`no button ${String(text)}`);
  return b;
}

describe('DomainSection', () => {
  it('checks nothing until asked, and says why it may not work here', () => {
    const s = scripted();
    const root = render(DomainSection, { domain: 'example.org', domains: s.domains });
    expect(root.querySelector('h3')?.textContent).toBe('Mail sent to example.org');
    expect(button(root, /^Check mail sent to example\.org$/)).toBeTruthy();
    expect(root.textContent).toContain('port 25');
    expect(s.asked).toEqual([]);
  });

  it('runs on request with progress per mail server, and can be cancelled', async () => {
    const s = scripted();
    const root = render(DomainSection, { domain: 'example.org', domains: s.domains });
    button(root, /^Check mail sent/).click();
    settle();
    expect(s.asked).toEqual([{ runId: 'run-1', domain: 'example.org' }]);
    s.emit({ runId: 'run-1', step: 'connect', state: 'started', scope: 'mx1.example.org' });
    s.emit({ runId: 'other', step: 'connect', state: 'started', scope: 'elsewhere.example' });
    settle();
    expect(root.querySelector('[role="status"]')?.textContent).toContain('Checking');
    expect(root.querySelector('.progress')?.textContent).toContain('mx1.example.org');
    expect(root.querySelector('.progress')?.textContent).not.toContain('elsewhere');
    button(root, /^Cancel$/).click();
    await tick();
    settle();
    expect(s.cancelled).toEqual(['run-1']);
    expect(root.textContent).toContain('The domain check was cancelled.');
    expect(button(root, /^Check again$/)).toBeTruthy();
  });

  it('shows the verdict first, then what needs attention, worth knowing, and the servers', async () => {
    const s = scripted();
    const root = render(DomainSection, { domain: 'example.org', domains: s.domains });
    button(root, /^Check mail sent/).click();
    s.answer(VIEW);
    await tick();
    settle();

    const verdict = root.querySelector('.headline');
    expect(verdict?.getAttribute('role')).toBe('status');
    const badge = verdict?.querySelector('.verdict-badge');
    expect(badge?.getAttribute('data-verdict')).toBe('plaintext');
    expect(badge?.classList.contains('problem')).toBe(true);
    expect(badge?.querySelector('svg')?.getAttribute('aria-hidden')).toBe('true');
    expect(badge?.textContent?.trim()).toBe('Mail can arrive unencrypted');
    expect(verdict?.textContent).toContain('plain text, so others on the way can read it');
    // Verdict before the findings, findings before the table.
    const order = [...root.querySelectorAll('.headline, article.finding, table')];
    expect(order.map((e) => e.tagName)).toEqual(['DIV', 'ARTICLE', 'TABLE']);

    const card = root.querySelector('article.finding.critical');
    expect(card?.getAttribute('data-finding')).toBe('mx.no-starttls');
    expect(card?.textContent).toContain('Only on mx1.example.org.');
    expect(card?.textContent).toContain('Who can fix it: your mail provider.');
    expect(card?.textContent).toContain('What to do: Ask the people who run mail');
    // Details folded.
    expect(card?.querySelector('details')?.open).toBe(false);
    expect(card?.querySelector('summary')?.textContent).toContain('no STARTTLS on port 25');

    const worth = root.querySelector('.worth-knowing');
    expect(worth?.textContent).toContain('No reports about failed encryption');

    const rows = [...root.querySelectorAll('tbody tr')].map((r) =>
      [...r.children].map((c) => c.textContent?.replace(/\s+/g, ' ').trim()),
    );
    expect(rows).toEqual([
      ['10', 'mx1.example.org 192.0.2.1', 'not encrypted (no STARTTLS)', 'none', 'no policy'],
      ['20', `mx2.example.org${HOSTILE} no address`, 'no address', 'cannot tell', 'not listed'],
    ]);
    const headers = [...root.querySelectorAll('thead th')].map((h) => h.textContent);
    expect(headers).toEqual(['Order', 'Server', 'Encryption', 'DANE', 'MTA-STS']);
    // Hostile text stays text.
    expect(root.querySelector('img')).toBeNull();
    const summaries = [...root.querySelectorAll('details.technical > summary')];
    expect(summaries.at(-1)?.textContent).toBe('DNS details');
    expect(button(root, /^Check again$/)).toBeTruthy();
  });

  it('keeps the result per domain, for when the screen is opened again', async () => {
    const s = scripted();
    const first = render(DomainSection, { domain: 'example.org', domains: s.domains });
    button(first, /^Check mail sent/).click();
    s.answer(VIEW);
    await tick();
    const again = render(DomainSection, { domain: 'example.org', domains: s.domains });
    expect(again.querySelector('.verdict-badge')?.getAttribute('data-verdict')).toBe('plaintext');
    const other = render(DomainSection, { domain: 'example.net', domains: s.domains });
    expect(other.querySelector('.verdict-badge')).toBeNull();
    expect(s.asked).toHaveLength(1);
  });
});
