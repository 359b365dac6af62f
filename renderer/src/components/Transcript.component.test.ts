/**
 * The transcript view in real Chromium: only the rows on screen are drawn however long the
 * transcript, the search and the direction filter narrow it, and the search stays bounded.
 */
import { describe, expect, it } from 'vitest';
import type { checks as C } from '../../../app/contract';
import { render, settle } from '../../test/render';
import '../app.css';
import Transcript from './Transcript.svelte';

function entries(n: number): C.TranscriptEntry[] {
  return Array.from({ length: n }, (_, i): C.TranscriptEntry => {
    const dir = i % 3 === 0 ? 'sent' : i % 3 === 1 ? 'received' : 'note';
    return { at: i, dir, text: `${dir} line ${i}`, tls: i > 5 };
  });
}

function open(root: HTMLElement): void {
  const details = root.querySelector('details');
  if (!details) throw new Error('no transcript');
  details.open = true;
  settle();
}

function rows(root: HTMLElement): HTMLLIElement[] {
  return [...root.querySelectorAll<HTMLLIElement>('li.line')];
}

function type(input: HTMLInputElement | HTMLSelectElement, value: string): void {
  input.value = value;
  input.dispatchEvent(new Event(input instanceof HTMLSelectElement ? 'change' : 'input'));
  settle();
}

function shownCount(root: HTMLElement): string {
  return root.querySelector('.row .muted')?.textContent ?? '';
}

describe('Transcript', () => {
  it('draws a window of a long transcript, not all of it, and moves it on scroll', async () => {
    const root = render(Transcript, { entries: entries(20_000), id: 't' });
    open(root);
    expect(root.querySelector('summary')?.textContent).toContain('20000 lines');
    const first = rows(root);
    expect(first.length).toBeGreaterThan(5);
    expect(first.length).toBeLessThan(60);
    expect(first[0]?.textContent).toContain('line 0');

    const view = root.querySelector<HTMLElement>('.transcript-view');
    if (!view) throw new Error('no scrolling view');
    view.scrollTop = 22 * 10_000;
    view.dispatchEvent(new Event('scroll'));
    settle();
    await new Promise((r) => requestAnimationFrame(r));
    const later = rows(root);
    expect(later.length).toBeLessThan(60);
    const numbers = later.map((r) => Number(/line (\d+)/.exec(r.textContent ?? '')?.[1]));
    expect(Math.min(...numbers)).toBeGreaterThan(9_900);
    expect(Math.max(...numbers)).toBeLessThan(10_100);
  });

  it('the search keeps only matching lines, case-insensitively', () => {
    const root = render(Transcript, { entries: entries(300), id: 't' });
    open(root);
    const search = root.querySelector<HTMLInputElement>('input[type="search"]');
    if (!search) throw new Error('no search');
    type(search, 'LINE 12');
    const texts = rows(root).map((r) => r.querySelector('code')?.textContent);
    expect(texts).toEqual(
      Array.from({ length: 300 }, (_, i) => i)
        .filter((i) => String(i).startsWith('12') && `line ${i}`.includes('line 12'))
        .map((i) => `${i % 3 === 0 ? 'sent' : i % 3 === 1 ? 'received' : 'note'} line ${i}`),
    );
    expect(shownCount(root)).toBe(`${texts.length} shown`);
    type(search, 'no such text');
    expect(rows(root)).toHaveLength(0);
    expect(shownCount(root)).toBe('0 shown');
  });

  it('a search matching a huge number of lines keeps the first matches and says so', () => {
    const root = render(Transcript, { entries: entries(20_000), id: 't' });
    open(root);
    const search = root.querySelector<HTMLInputElement>('input[type="search"]');
    if (!search) throw new Error('no search');
    type(search, 'line');
    expect(shownCount(root)).toBe('the first 5000 matches shown');
    type(search, '');
    expect(shownCount(root)).toBe('20000 shown');
  });

  it('the direction filter shows what one side said', () => {
    const root = render(Transcript, { entries: entries(30), id: 't' });
    open(root);
    const select = root.querySelector<HTMLSelectElement>('select');
    if (!select) throw new Error('no direction filter');
    type(select, 'received');
    const shown = rows(root);
    expect(shown).toHaveLength(10);
    for (const r of shown) expect(r.classList.contains('received')).toBe(true);
  });

  it('caps what can be typed into the search, and marks removed secrets', () => {
    const root = render(Transcript, {
      entries: [
        {
          at: 1,
          dir: 'sent',
          text: 'a1 LOGIN alice [password removed]',
          tls: true,
          redacted: true,
        },
      ],
      id: 't',
    });
    open(root);
    expect(root.querySelector('input[type="search"]')?.getAttribute('maxlength')).toBe('200');
    expect(rows(root)[0]?.textContent).toContain('(secret removed)');
  });

  it('server text is shown as text, never as markup', () => {
    const root = render(Transcript, {
      entries: [
        { at: 1, dir: 'received', text: '* OK <script>alert(1)</script><b>x</b>', tls: false },
      ],
      id: 't',
    });
    open(root);
    expect(root.querySelector('li.line b, li.line script')).toBeNull();
    expect(rows(root)[0]?.textContent).toContain('<script>alert(1)</script>');
  });
});
