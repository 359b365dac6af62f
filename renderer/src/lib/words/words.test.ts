import { describe, expect, it } from 'vitest';
import { en } from './en';
import { words } from './index';

/** Every entry of a catalog, with its dotted path ("overview.checkAll"). */
function entries(node: unknown, path: string[] = []): [string, unknown][] {
  if (typeof node === 'string' || typeof node === 'function') return [[path.join('.'), node]];
  return Object.entries(node as object).flatMap(([k, v]) => entries(v, [...path, k]));
}

const all = entries(en);
const strings = all.filter((e): e is [string, string] => typeof e[1] === 'string');
const functions = all.filter(
  (e): e is [string, (...args: unknown[]) => string] => typeof e[1] === 'function',
);

describe('the words catalog', () => {
  it('is the active catalog, with a valid language tag', () => {
    expect(words).toBe(en);
    expect(Intl.getCanonicalLocales(words.lang)).toEqual([words.lang]);
  });

  it('has plain, trimmed text in every entry', () => {
    expect(strings.length).toBeGreaterThan(150);
    const bad = strings.filter(([, s]) => s === '' || s !== s.trim() || /\s{2}|\n/.test(s));
    expect(bad).toEqual([]);
  });

  it('puts every argument of a function entry into its text', () => {
    expect(functions.length).toBeGreaterThan(40);
    for (const [path, fn] of functions) {
      // Distinct digit strings: they work as text, and as counts in a template or a plural.
      const args = Array.from({ length: fn.length }, (_, i) => String(9071 + i));
      expect(fn.length, path).toBeGreaterThan(0);
      const text = fn(...args);
      expect(typeof text, path).toBe('string');
      expect(text, path).toBe(text.trim());
      for (const a of args) expect(text, path).toContain(a);
    }
  });

  it('counts days in the singular and the plural', () => {
    expect(en.timeline.notYetValid(1)).toBe('Not valid for another 1 day.');
    expect(en.timeline.expired(3)).toBe('Ran out 3 days ago.');
    expect(en.timeline.valid(1, 90)).toBe('Valid for 1 more day (of 90 days).');
  });
});

/**
 * A guard against English written straight into markup: every word a component shows comes
 * from the catalog. A heuristic over the source: scripts, styles, comments and `{…}`
 * expressions removed, whatever text with a letter is left between tags is reported, and so
 * is a literal label, aria-label, placeholder, title or alt attribute.
 */
const SOURCES = import.meta.glob<string>(['../../components/*.svelte', '../../App.svelte'], {
  query: '?raw',
  import: 'default',
  eager: true,
});

/** Removes `{…}` expressions, nested braces included, keeping the text around them. */
function stripExpressions(markup: string): string {
  let out = '';
  let depth = 0;
  for (const ch of markup) {
    if (ch === '{') depth++;
    else if (ch === '}' && depth > 0) depth--;
    else if (depth === 0) out += ch;
  }
  return out;
}

function inlineText(source: string): string[] {
  const markup = stripExpressions(
    source
      .replace(/<script[\s\S]*?<\/script>/g, '')
      .replace(/<style[\s\S]*?<\/style>/g, '')
      .replace(/<!--[\s\S]*?-->/g, ''),
  );
  const texts = [...markup.matchAll(/>([^<>]*[A-Za-z][^<>]*)</g)].map((m) =>
    (m[1] ?? '').replace(/\s+/g, ' ').trim(),
  );
  const attributes = [
    ...markup.matchAll(/\s((?:aria-label|label|placeholder|title|alt)="[^"]*[A-Za-z][^"]*")/g),
  ].map((m) => m[1] ?? '');
  return [...texts, ...attributes];
}

describe('components', () => {
  it('are all scanned', () => {
    expect(Object.keys(SOURCES).length).toBeGreaterThan(15);
  });

  it('take their words from the catalog, not from inline English', () => {
    const offenders = Object.entries(SOURCES).flatMap(([file, source]) =>
      inlineText(source).map((text) => `${file.replace(/^.*\//, '')}: ${text}`),
    );
    expect(offenders).toEqual([]);
  });

  it('would catch inline text and literal labels (the guard itself works)', () => {
    const sample = `<script lang="ts">const a = '<b>Not markup</b>';</script>
      <p class="x">{words.ok} and then {f({ a: 1 })} Some English</p>
      <button aria-label="Close it" title={words.t}>{words.close}</button>
      <!-- a comment <i>with text</i> -->
      <style>p > b { color: red; }</style>`;
    expect(inlineText(sample)).toEqual(['and then Some English', 'aria-label="Close it"']);
  });
});
