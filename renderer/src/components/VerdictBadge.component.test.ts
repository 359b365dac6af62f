/**
 * The verdict badge in real Chromium: every verdict has its words and its own icon, so the
 * meaning never rests on colour alone.
 */
import { describe, expect, it } from 'vitest';
import { render as mountComponent } from '../../test/render';
import '../app.css';
import type { VerdictKind } from '../lib/verdict';
import VerdictBadge from './VerdictBadge.svelte';

const KINDS: readonly (VerdictKind | null)[] = [
  'encrypted-verified',
  'encrypted-unverified',
  'encryption-removable',
  'not-encrypted',
  'could-not-check',
  'not-served',
  null,
];

function render(kind: VerdictKind | null, label?: string): HTMLElement {
  const target = mountComponent(VerdictBadge, label ? { kind, label } : { kind });
  const badge = target.querySelector<HTMLElement>('.verdict-badge');
  if (!badge) throw new Error('no badge rendered');
  return badge;
}

describe('VerdictBadge', () => {
  it('says the verdict in words, with a decorative icon hidden from screen readers', () => {
    for (const kind of KINDS) {
      const badge = render(kind);
      expect(badge.dataset.verdict).toBe(kind ?? 'none');
      expect(badge.textContent?.trim().length).toBeGreaterThan(3);
      const svg = badge.querySelector('svg');
      expect(svg?.getAttribute('aria-hidden')).toBe('true');
      expect(svg?.querySelector('path')?.getAttribute('d')).toBeTruthy();
    }
  });

  it('gives the good verdict an icon no bad verdict has', () => {
    const iconOf = (kind: VerdictKind | null): string =>
      render(kind).querySelector('path')?.getAttribute('d') ?? '';
    const good = iconOf('encrypted-verified');
    for (const kind of KINDS.filter((k) => k !== 'encrypted-verified')) {
      expect(iconOf(kind), String(kind)).not.toBe(good);
    }
    expect(iconOf('not-encrypted')).not.toBe(iconOf('could-not-check'));
  });

  it('tells verdicts apart in words: no two share their text', () => {
    const texts = KINDS.map((k) => render(k).textContent?.trim());
    expect(new Set(texts).size).toBe(KINDS.length);
  });

  it('shows the longer headline when given one', () => {
    const badge = render('not-encrypted', 'Not encrypted: anyone on the network can read it');
    expect(badge.textContent).toContain('anyone on the network can read it');
  });

  it('draws good and bad verdicts in different colours and with visible icons', () => {
    const ok = getComputedStyle(render('encrypted-verified'));
    const bad = getComputedStyle(render('not-encrypted'));
    expect(ok.color).not.toBe(bad.color);
    const icon = render('not-encrypted').querySelector('svg');
    const box = icon?.getBoundingClientRect();
    expect(box?.width).toBeGreaterThan(8);
    expect(box?.height).toBeGreaterThan(8);
  });
});
